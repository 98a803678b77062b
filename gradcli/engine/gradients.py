"""tf.gradients: symbolic reverse accumulation that adds gradient nodes to the graph.

The loop walks the nodes between xs and ys once, newest first (creation order
is topological), sums the adjoints arriving at each node, and asks its op's
gradient rule for the adjoints of its inputs. Adjoints live in a local dict;
nothing recurses, so a 100,000-node chain is fine.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .graph import Node, apply, cast_weak, gc_paused
from .dtypes import dtype_name, is_float, shape_str, static_size
from .registry import LEAVES, NO_GRADIENT, NOT_DIFFERENTIABLE
from ..source import Label, Span
from ..errors import GradcliError, fail

UNCONNECTED_CHOICES = ("none", "zero")


@dataclass(eq=False)
class Unconnected:
    """A None gradient: x does not reach any y through a differentiable path.

    `reason` says why in words, worked out from the graph when first asked.
    """

    x: Node
    ys: tuple[Node, ...]
    stop: frozenset = frozenset()
    _reason: str | None = None
    of: str | None = None  # how the source wrote the ys, for the reason's words
    recorded: frozenset | None = None  # a tape's recorded nodes: paths outside them are cut

    @property
    def reason(self) -> str:
        if self._reason is None:
            self._reason = why_none(self.ys, self.x, self.stop, self.of, self.recorded)
        return self._reason


@dataclass(eq=False)
class Step:
    """One node of the backward pass, for `explain`: the adjoint in and those sent out."""

    node: Node
    adjoint: Node
    parts: list[Node]
    sent: list[tuple[Node, Node | None]] = field(default_factory=list)


def _passes(node: Node, stop, recorded=None) -> bool:
    """Whether an adjoint arriving at node is sent on to its inputs (with a tape's
    `recorded` set, only a node the tape recorded sends its adjoint on)."""
    return (
        node not in stop
        and node.op not in LEAVES
        and node.op.grad != NOT_DIFFERENTIABLE
        and is_float(node.dtype)
        and (recorded is None or node in recorded)
    )


def _float_inputs(node: Node):
    return [i for i in node.inputs if is_float(i.dtype)]


def between(ys, xs, stop, recorded=None) -> tuple[list[Node], set[Node]]:
    """The ys' ancestors in creation order, and those on a differentiable path from an x."""
    ancestors = set()
    stack = [y for y in ys if is_float(y.dtype)]
    while stack:
        node = stack.pop()
        if node in ancestors:
            continue
        ancestors.add(node)
        if _passes(node, stop, recorded):
            stack.extend(_float_inputs(node))
    order = sorted(ancestors, key=lambda n: n.id)
    xset = set(xs)
    relevant = set()
    for node in order:
        if node in xset or (_passes(node, stop, recorded) and any(i in relevant for i in node.inputs)):
            relevant.add(node)
    return order, relevant


def connected(ys, x: Node, stop=frozenset(), recorded=None) -> bool:
    """Whether a differentiable path leads from x to any y (x being a y counts)."""
    _, relevant = between(ys, [x], frozenset(stop), recorded)
    return any(y in relevant for y in ys)


def gradients(ys, xs, grad_ys=None, stop_gradients=None, unconnected_gradients="none", span: Span | None = None, trace: list | None = None, recorded=None):
    """One entry per x: the sum over ys of dy/dx seeded by grad_ys, a Node or Unconnected
    (or zeros with unconnected_gradients="zero"), exactly as tf.gradients.

    recorded: a GradientTape's view (engine/tape.py): only these nodes are
    differentiated through; every other node is a constant to the walk. Any
    container answering `node in recorded` will do (a set, or an object that
    decides by node id); a set is frozen, so that nodes the walk makes while
    the tape is recording do not join it."""
    if isinstance(recorded, (set, list, tuple)):
        recorded = frozenset(recorded)
    with gc_paused():
        return _gradients(ys, xs, grad_ys, stop_gradients, unconnected_gradients, span, trace, recorded)


def _gradients(ys, xs, grad_ys, stop_gradients, unconnected_gradients, span, trace, recorded=None):
    ys, xs = list(ys), list(xs)
    if unconnected_gradients not in UNCONNECTED_CHOICES:
        raise fail("E0504", f"unknown value '{unconnected_gradients}' for unconnected_gradients", span, help=['use "none" or "zero"'])
    seeds = _seeds(ys, grad_ys, span)
    stop = frozenset(stop_gradients or ())
    order, relevant = between(ys, xs, stop, recorded)
    adjoints: dict[Node, list[Node]] = {}
    for y, seed in zip(ys, seeds):
        if y in relevant:
            adjoints.setdefault(y, []).append(seed)
    totals: dict[Node, Node] = {}
    for node in reversed(order):
        parts = adjoints.pop(node, None)
        if not parts:
            continue
        g = parts[0] if len(parts) == 1 else apply("add_n", *parts, span=node.span)
        totals[node] = g
        if not _passes(node, stop, recorded) or not any(i in relevant for i in node.inputs):
            continue
        if node.op.grad == NO_GRADIENT:
            raise _no_rule(node, span)
        try:
            sent = node.op.grad(g, node)
        except GradcliError as error:  # a rule's own error (a custom gradient's) with no place of its own
            for d in error.diagnostics:
                if d.span is None and span is not None:
                    d.span, d.label = span, d.label or "while computing this gradient"
            raise
        if type(sent) not in (list, tuple) or len(sent) != len(node.inputs):
            raise _rule_broken(node, sent)
        step = Step(node, g, parts) if trace is not None else None
        for inp, gi in zip(node.inputs, sent):
            if gi is not None and gi.shape != inp.shape and not _compatible(gi.shape, inp.shape):
                raise _rule_broken(node, sent)
            if gi is not None and inp in relevant:
                adjoints.setdefault(inp, []).append(gi)
            if step is not None:
                step.sent.append((inp, gi if inp in relevant else None))
        if step is not None:
            trace.append(step)
    return [_result(x, totals.get(x), ys, stop, unconnected_gradients, recorded) for x in xs]


class GradientRuleError(RuntimeError):
    """A gradient rule broke its contract (a bug in gradcli, reported as an internal error)."""


def _rule_broken(node: Node, sent) -> GradientRuleError:
    """Why what a rule returned is not one gradient (or None) per input, each of its
    input's static shape (the loop checks this as TensorFlow's _GradientsHelper does)."""
    inputs = node.inputs
    if type(sent) not in (list, tuple) or len(sent) != len(inputs):
        got = f"{len(sent)} gradient{'s' * (len(sent) != 1)}" if type(sent) in (list, tuple) else "not a list"
        return GradientRuleError(f"the gradient rule of {node.op.name} returned {got} for {len(inputs)} input{'s' * (len(inputs) != 1)}")
    i, (inp, gi) = next((i, pair) for i, pair in enumerate(zip(inputs, sent)) if pair[1] is not None and not _compatible(pair[1].shape, pair[0].shape))
    return GradientRuleError(f"the gradient rule of {node.op.name} returned shape {shape_str(gi.shape)} for input {i}, of shape {shape_str(inp.shape)}")


def _result(x: Node, g: Node | None, ys, stop, unconnected, recorded=None):
    if g is not None:
        return g
    if unconnected == "zero":
        return zeros_like_static(x)
    return Unconnected(x, tuple(ys), stop, recorded=recorded)


def zeros_like_static(x: Node) -> Node:
    if static_size(x.shape) is not None:
        return x.graph.constant(np.zeros(x.shape, dtype=x.dtype), weak=x.weak)
    return apply("zeros_like", x)


def ones_like_static(y: Node) -> Node:
    if static_size(y.shape) is not None:
        # a literal y's seed is a literal too, so that its gradients stand alone in the default float
        return y.graph.constant(np.ones(y.shape, dtype=y.dtype), weak=y.weak)
    return apply("ones_like", y)


def _seeds(ys, grad_ys, span):
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    grad_ys = list(grad_ys)
    if len(grad_ys) != len(ys):
        raise fail(
            "E0501",
            f"{len(grad_ys)} grad_ys given for {len(ys)} ys",
            span,
            notes=["grad_ys needs one seed per y (None for ones)"],
            help=["for one y of shape [3], write grad_ys=[[1, 0, 10]]: a list holding one tensor"],
        )
    seeds = []
    for y, seed in zip(ys, grad_ys):
        if seed is None:
            seeds.append(ones_like_static(y))
            continue
        if seed.weak and seed.dtype != y.dtype:  # a literal seed takes its y's dtype, as any literal does
            seed = cast_weak(seed, y.dtype, weak=y.weak)
        if seed.dtype != y.dtype:
            raise fail("E0506", f"the seed for {y.describe()} is {dtype_name(seed.dtype)}, but {y.describe()} is {dtype_name(y.dtype)}", seed.span or span, help=["cast the seed to the y's dtype"])
        if not _compatible(seed.shape, y.shape):
            labels = [Label(y.span, f"{y.describe()} is {shape_str(y.shape)}")] if y.span else []
            raise fail(
                "E0502",
                f"the seed for {y.describe()} has shape {shape_str(seed.shape)}, but {y.describe()} has shape {shape_str(y.shape)}",
                seed.span or span,
                label=f"shape {shape_str(seed.shape)}",
                labels=labels,
                help=["a seed must have exactly the shape of its y"],
            )
        seeds.append(seed)
    return seeds


def _compatible(a, b) -> bool:
    if a is None or b is None:
        return True
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))


def _no_rule(node: Node, span):
    return fail(
        "E0503",
        f"no gradient rule for {node.op.name}(), which is on the path from the xs to the ys",
        node.span or span,
        label=f"{node.op.name}() has no gradient",
        labels=[Label(span, "gradient asked for here")] if span is not None and node.span is not None else [],
        help=["wrap it in stop_gradient(...) if its inputs should be treated as constants"],
    )


# ----- why a gradient is None -----

def why_none(ys, x: Node, stop=frozenset(), of: str | None = None, recorded=None) -> str:
    """The reason, in words, that no differentiable path leads from x to any y
    (with a tape's `recorded` nodes, a node it did not record cuts the path)."""
    ys = list(ys)
    if not ys:
        return "there are no ys to differentiate"
    if not is_float(x.dtype):
        kind = "int32" if x.weak else dtype_name(x.dtype)  # a weak literal stands alone as int32
        return f"{x.describe()} is an {kind} tensor, and integer tensors are constants for gradients"
    if of is None:
        of = ", ".join(y.describe() for y in ys[:3]) + (" ..." if len(ys) > 3 else "")
    depends = _depends_on(ys, x)
    if not any(y in depends for y in ys):
        return f"{of} does not depend on {x.describe()}"
    if recorded is not None:
        tape_cut = _tape_boundary(ys, x, depends, recorded)
        if tape_cut:
            return tape_cut
    cuts = []
    seen = set()
    stack = [y for y in ys if y in depends]
    while stack:
        node = stack.pop()
        if node in seen or node is x:
            continue
        seen.add(node)
        cut = _cut(node, stop, recorded)
        if cut:
            cuts.append((node, cut))
            continue
        for i in node.inputs:
            if i in depends and i not in seen:
                if not is_float(i.dtype) and i is not x:
                    cuts.append((i, f"{i.describe()}, an {dtype_name(i.dtype)} tensor"))
                    seen.add(i)
                else:
                    stack.append(i)
    cuts.sort(key=lambda c: c[0].id)
    if not cuts:
        return f"{of} does not depend on {x.describe()} through a differentiable path"
    if len(cuts) == 1:
        return f"the only path from {x.describe()} to {of} goes through {cuts[0][1]}"
    listed = "; ".join(c for _, c in cuts[:3]) + (" ..." if len(cuts) > 3 else "")
    return f"every path from {x.describe()} to {of} is cut: {listed}"


def _tape_boundary(ys, x: Node, depends, recorded) -> str | None:
    """Where a tape's records stop: the first nodes on the paths from x that it did not record."""
    boundary = sorted(
        (n for n in depends if n is not x and n.op not in LEAVES and n not in recorded and any(i is x or i in recorded for i in n.inputs if i in depends)),
        key=lambda n: n.id,
    )
    if not boundary:
        return None
    what = "which the tape did not record (computed outside it, or inside stop_recording())"
    if len(boundary) == 1 and boundary[0] in ys:
        return f"{boundary[0].describe()} was not recorded by the tape (computed outside it, or inside stop_recording())"
    if len(boundary) == 1:
        return f"the only path from {x.describe()} goes through {boundary[0].describe()}, {what}"
    listed = ", ".join(n.describe() for n in boundary[:3]) + (" ..." if len(boundary) > 3 else "")
    return f"every path from {x.describe()} goes through a node the tape did not record: {listed}"


def _where(node: Node) -> str:
    where = f" at {node.span.line}:{node.span.column}" if node.span else ""
    return f" (bound to {node.name}){where}" if node.name else where


def _cut(node: Node, stop, recorded=None) -> str | None:
    if node in stop:
        return f"{node.describe()}, which stop_gradients holds constant"
    if node.op.name == "stop_gradient":
        return f"stop_gradient(){_where(node)}"
    if node.op in LEAVES:
        return None
    if not is_float(node.dtype):
        return f"{node.op.name}(){_where(node)}, whose result is {dtype_name(node.dtype)}"
    if node.op.grad == NOT_DIFFERENTIABLE:
        return f"{node.op.name}(){_where(node)}, which has no gradient"
    if recorded is not None and node not in recorded:
        return f"{node.describe()}, which the tape did not record (computed outside it)"
    return None


def _depends_on(ys, x: Node) -> set[Node]:
    """Ancestors of the ys (every edge) that depend on x, x included."""
    ancestors = set()
    stack = list(ys)
    while stack:
        node = stack.pop()
        if node in ancestors:
            continue
        ancestors.add(node)
        if node.op not in LEAVES and node is not x:
            stack.extend(node.inputs)
    depends = {x} if x in ancestors else set()
    for node in sorted(ancestors, key=lambda n: n.id):
        if node is not x and node.op not in LEAVES and any(i in depends for i in node.inputs):
            depends.add(node)
    return depends


# ----- a seed given as an array (the Python API, explain) -----

def seed_node(graph, value, y: Node, name: str) -> Node:
    """A seed as a constant of y's dtype (its shape, and a seed without a y, are gradients()' to report)."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise fail("E0406", f"the seed for '{name}' is not an array of numbers")
    return graph.constant(array.astype(y.dtype if y is not None else graph.float_dtype))
