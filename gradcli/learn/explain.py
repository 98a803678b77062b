"""`gradcli explain`: the forward pass and tf.gradients' reverse accumulation, step by step,
on the user's own model and numbers.

The backward pass is the real one: gradients() is run with a trace, and
every adjoint it built is evaluated, so what is printed is what the engine
computed, not a re-enactment.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine.evaluate import evaluate, needed_nodes
from ..engine.gradients import Unconnected, gradients, seed_node
from ..engine.graph import Node
from ..engine.dtypes import dtype_name, is_float
from ..engine.registry import CONSTANT, LEAVES


@dataclass
class ForwardStep:
    node: Node
    name: str  # what the user calls it: its name, or its source text
    expr: str  # its source text
    value: np.ndarray


@dataclass
class Sent:
    to: Node
    to_name: str
    value: np.ndarray | None  # None: nothing sent (an integer input, or off every path to an x)
    local: np.ndarray | None  # sent / adjoint, when both are scalars
    why_not: str = ""
    summed_axes: tuple | None = None  # the broadcast-sum step: axes of the adjoint summed to fit this input
    summed_from: tuple | None = None  # the shape that was summed (the adjoint's)


@dataclass
class BackwardStep:
    node: Node
    name: str
    rule: str
    adjoint: np.ndarray
    parts: list  # values of the adjoints that were summed here (fan-out)
    part_sources: list  # names of the nodes they came from
    sent: list = field(default_factory=list)


@dataclass
class Gradient:
    x: str
    value: np.ndarray | None
    reason: str | None
    parts: list  # values summed at x (fan-out), when more than one
    part_sources: list


@dataclass
class Explanation:
    ys: list[str]
    xs: list[str]
    forward: list[ForwardStep]
    backward: list[BackwardStep]
    gradients: list[Gradient]
    seeds: list  # the seed of each y (values)


def explain_model(model, ys, xs, feeds=None, seed: int = 0, grad_ys=None, stop=()) -> Explanation:
    """Run the forward pass and traced reverse accumulation for d(sum of ys)/d(each x)."""
    fed = model.feed_dict(feeds)
    y_nodes = [model._tensor(y) for y in ys]
    x_nodes = [model._tensor(x) for x in xs]
    stop_nodes = [model._tensor(s) for s in stop]
    seeds = None
    if grad_ys:

        seeds = [seed_node(model.graph, grad_ys[y], n, y) if y in grad_ys else None for y, n in zip(ys, y_nodes)]
    steps: list = []
    results = gradients(y_nodes, x_nodes, seeds, stop_nodes, trace=steps)
    wanted = list(y_nodes) + list(x_nodes) + [r for r in results if isinstance(r, Node)]
    for s in steps:
        wanted += [s.adjoint, *s.parts] + [g for _, g in s.sent if g is not None]
    values = evaluate(wanted, fed, seed, model.max_elements)
    names = _names(model)

    def name(node: Node) -> str:
        return names.get(node) or _text(model, node) or f"{node.op.name}()"

    forward = []
    for node in needed_nodes(y_nodes + x_nodes, fed):
        if node.op is CONSTANT and node not in names:
            continue
        forward.append(ForwardStep(node, name(node), _text(model, node) or name(node), model.present(node, values[node])))

    producers = _producers(steps)
    backward = []
    for s in steps:
        adjoint = values[s.adjoint]
        step = BackwardStep(s.node, name(s.node), s.node.op.rule or "", adjoint,
                            [values[p] for p in s.parts] if len(s.parts) > 1 else [],
                            [name(producers[p]) if p in producers else "the seed" for p in s.parts] if len(s.parts) > 1 else [])
        for inp, g in s.sent:
            if g is None:
                why = "an integer tensor: nothing flows back" if not is_float(inp.dtype) else ("a constant" if inp.op is CONSTANT else "not on a path to any x")
                step.sent.append(Sent(inp, name(inp), None, None, why))
            else:
                sent = Sent(inp, name(inp), values[g], _local(values[g], adjoint))
                sent.summed_axes = summed_axes(np.shape(adjoint), np.shape(values[g]))
                if sent.summed_axes is not None:
                    sent.summed_from = tuple(np.shape(adjoint))
                step.sent.append(sent)
        backward.append(step)

    grads = []
    for x, x_node, r in zip(xs, x_nodes, results):
        if isinstance(r, Unconnected):
            grads.append(Gradient(x, None, r.reason, [], []))
            continue
        parts, sources = [], []
        incoming = [(s, sent) for s in steps for sent in s.sent if sent[0] is x_node and sent[1] is not None]
        if len(incoming) > 1:
            parts = [values[g] for _, (_, g) in incoming]
            sources = [name(s.node) for s, _ in incoming]
        grads.append(Gradient(x, model.present(r, values[r]), None, parts, sources))
    seed_values = [values[s.adjoint] for s in steps if s.node in y_nodes][:len(y_nodes)]
    return Explanation(list(ys), list(xs), forward, backward, grads, seed_values)


def summed_axes(source: tuple, target: tuple) -> tuple | None:
    """The axes of `source` a broadcast sum adds up to reach `target` ([2, 1] -> []: (0, 1)); None if none."""
    source, target = tuple(source), tuple(target)
    if source == target or len(target) > len(source):
        return None
    lead = len(source) - len(target)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(target) if d == 1 and source[lead + i] != 1)
    if not axes or any(d not in (1, source[lead + i]) for i, d in enumerate(target)):
        return None
    return axes


def default_loss(model) -> str | None:
    """The model's loss: the y of its first gradients() call, by the name it is bound to."""
    for call in model.resolved.gradient_calls:
        if getattr(call, "kind", "gradient") != "gradient" or len(call.ys) != 1:
            continue
        (y,) = call.ys
        for name, value in model.resolved.bindings.items():
            if value is y:
                return name
    return None


def _names(model) -> dict:
    """node -> the name the program binds it to (its newest binding)."""
    out = {}
    for name, value in model.resolved.bindings.items():
        if isinstance(value, Node) and value not in out:
            out[value] = name
    for name, node in model.resolved.inputs.items():
        out[node] = name
    return out


def _text(model, node: Node) -> str | None:
    if node.span is None or model.source is None:
        return None
    # cut to about 60 characters: in a 20,000-term sum every partial sum's text is most
    # of the line, and whole texts would be 400 MB of labels
    return model.source.label(node.span) or None


def _producers(steps) -> dict:
    """adjoint part -> the node whose step sent it."""
    out = {}
    for s in steps:
        for _, g in s.sent:
            if g is not None:
                out[g] = s.node
    return out


def _local(sent, adjoint):
    a, g = np.asarray(sent), np.asarray(adjoint)
    if a.size == 1 and g.size == 1 and float(g.reshape(-1)[0]) != 0:
        return np.asarray(float(a.reshape(-1)[0]) / float(g.reshape(-1)[0]))
    return None


# ----- text (pure: lines of (text, style)) -----


# ----- JSON -----


# ----- the data `gradcli graph` draws -----

@dataclass
class GraphNode:
    id: int
    label: str | None  # name, or source text, or op(); None for a constant gradients() made (shown by value)
    op: str
    inputs: list  # ids
    value: object = None  # its value (an ndarray), when evaluated
    adjoint: object = None  # d(sum of the roots)/d(this node) (an ndarray), when fed and on a path
    shape: str = ""
    name: str | None = None


@dataclass
class GraphData:
    roots: list  # (label, id)
    nodes: dict  # id -> GraphNode, in creation order
    adjoints_of: list = field(default_factory=list)  # the names whose sum the adjoints are the derivative of


def graph_data(model, names, feeds=None, seed: int = 0, evaluate_values: bool = True) -> GraphData:
    """The graph below the named tensors; with values (and adjoints of their sum) when it can be evaluated."""
    from ..engine.dtypes import shape_str
    from ..language.program import ListValue
    from ..errors import GradcliError

    roots = []
    for name in names:
        value = model._value(name)
        items = value.items if isinstance(value, ListValue) else [value]
        for i, item in enumerate(items):
            if isinstance(item, Node):
                roots.append((name if len(items) == 1 and not isinstance(value, ListValue) else f"{name}[{i}]", item))
    fed = model.feed_dict(feeds)
    # what is drawn: down to the leaves (a variable's initial value is not a child)
    seen, stack = set(), [n for _, n in roots]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            if node.op not in LEAVES:
                stack.extend(node.inputs)
    order = sorted(seen, key=lambda n: n.id)
    bound = _names(model)
    values, adjoints = {}, {}
    if evaluate_values:
        try:
            values = evaluate([n for _, n in roots], fed, seed, model.max_elements)
        except GradcliError:
            values = {}  # missing feeds: the structure alone
        float_roots = [n for _, n in roots if is_float(n.dtype)]
        if values and float_roots:
            steps: list = []
            xs = [n for n in order if is_float(n.dtype)]
            try:
                # one gradient graph: the trace gives every node's adjoint, the results every leaf's total
                results = gradients(float_roots, xs, trace=steps)
                leaves = [(n, r) for n, r in zip(xs, results) if n.op in LEAVES and isinstance(r, Node)]
                adj_values = evaluate([s.adjoint for s in steps] + [r for _, r in leaves], fed, seed, model.max_elements)
                adjoints = {s.node: adj_values[s.adjoint] for s in steps}
                adjoints.update({n: adj_values[r] for n, r in leaves})
            except GradcliError:
                adjoints = {}
    # local numbers in creation order: stable output whatever else the process built
    number = {node: i + 1 for i, node in enumerate(order)}
    nodes = {}
    for node in order:
        label = bound.get(node) or _text(model, node)
        if label is None and node.op is not CONSTANT:  # made by gradients: no source text
            label = node.op.name
        if node.op is CONSTANT:
            adjoints.pop(node, None)
        nodes[number[node]] = GraphNode(
            number[node], label, node.op.name if node.op not in LEAVES else ("input" if node.op is not CONSTANT else "constant"),
            [number[i] for i in node.inputs] if node.op not in LEAVES else [],
            model.present(node, values[node]) if node in values else (node.attrs["value"] if node.op is CONSTANT and label is None else None),
            adjoints.get(node),
            f"{dtype_name(node.dtype)}{shape_str(node.shape) if node.shape else ''}",
            bound.get(node),
        )
    of = [label for label, n in roots if is_float(n.dtype)] if adjoints else []
    return GraphData([(label, number[n]) for label, n in roots], nodes, of)
