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
from .why_none import why_none
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


# ----- a seed given as an array (the Python API, explain) -----

def seed_node(graph, value, y: Node, name: str) -> Node:
    """A seed as a constant of y's dtype (its shape, and a seed without a y, are gradients()' to report)."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise fail("E0406", f"the seed for '{name}' is not an array of numbers")
    return graph.constant(array.astype(y.dtype if y is not None else graph.float_dtype))
