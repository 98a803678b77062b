"""`gradcli explain`: the forward pass and tf.gradients' reverse accumulation, step by step,
on the user's own model and numbers.

The backward pass is the real one: gradients() is run with a trace, and
every adjoint it built is evaluated, so what is printed is what the engine
computed, not a re-enactment.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .evaluate import evaluate, needed_nodes
from .gradients import Unconnected, gradients
from .graph import Node, dtype_name, is_float
from .ops.registry import CONSTANT, LEAVES, PLACEHOLDER, VARIABLE


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
        from .model import _seed_node

        seeds = [_seed_node(model.graph, grad_ys[y], n, y) if y in grad_ys else None for y, n in zip(ys, y_nodes)]
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
                step.sent.append(Sent(inp, name(inp), values[g], _local(values[g], adjoint)))
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
    text = model.source.snippet(node.span)
    return " ".join(text.split()) if text else None


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

def summary(value, precision: int = 6) -> str:
    """Scalars in full, small tensors inline, larger ones as shape and a few numbers."""
    from .render.values import format_array, format_number, type_label

    a = np.asarray(value)
    if a.ndim == 0:
        return format_number(a.item(), precision)
    if a.size <= 12:
        return " ".join(line.strip() for line in format_array(a, precision).split("\n"))
    if a.dtype.kind in "fiu":
        return f"{type_label(a.dtype, a.shape)} min {format_number(a.min(), precision)} mean {format_number(a.mean(), precision)} max {format_number(a.max(), precision)}"
    return type_label(a.dtype, a.shape)


def _d(of: str, wrt: str) -> str:
    wrap = lambda t: t if t.replace("_", "a").replace(".", "a").isalnum() else f"({t})"  # noqa: E731
    return f"∂{wrap(of)}/∂{wrap(wrt)}"


def explain_lines(ex: Explanation, precision: int = 6) -> list[tuple[str, str]]:
    of = " + ".join(ex.ys)
    lines = [("forward pass (each value once, in evaluation order)", "head")]
    rows = []
    for f in ex.forward:
        kind = "input" if f.node.op in (PLACEHOLDER, VARIABLE) else f.node.op.name
        label = f.name if f.name == f.expr else f"{f.name} = {f.expr}"
        rows.append([f"  {label}", kind, _typ(f.value), summary(f.value, precision)])
    lines += [(r, "") for r in _table(rows)]
    lines += [("", ""), (f"backward pass (reverse accumulation of {_d(of, 'each x')}, newest node first)", "head")]
    if not ex.backward:
        lines.append(("  nothing to do: no x is on a differentiable path to the ys", "dim"))
    for b in ex.backward:
        lines.append((f"  {b.name}   [{b.node.op.name}]", "head"))
        adj = summary(b.adjoint, precision)
        if b.parts:
            paths = " + ".join(summary(p, precision) for p in b.parts)
            lines.append((f"    arrives  {_d(of, b.name)} = {paths} = {adj}   ({_count(len(b.parts))} paths: from {', '.join(b.part_sources)})", ""))
        elif b.name in ex.ys:
            lines.append((f"    arrives  {_d(of, b.name)} = {adj}   (the seed: {'ones shaped like ' + b.name if np.all(np.asarray(b.adjoint) == 1) else 'grad_ys'})", ""))
        else:
            lines.append((f"    arrives  {_d(of, b.name)} = {adj}", ""))
        if b.rule:
            lines.append((f"    rule     {b.rule}", "dim"))
        for s in b.sent:
            if s.value is None:
                lines.append((f"    sends    nothing to {s.to_name} ({s.why_not})", "dim"))
            elif s.local is not None:
                lines.append((f"    sends    {_d(of, s.to_name)} += {adj} × {summary(s.local, precision)} = {summary(s.value, precision)}", ""))
            else:
                lines.append((f"    sends    {_d(of, s.to_name)} += {summary(s.value, precision)}", ""))
    lines += [("", ""), ("gradients", "head")]
    for g in ex.gradients:
        if g.value is None:
            lines.append((f"  {_d(of, g.x)} = None: {g.reason}", "none"))
        elif g.parts:
            paths = " + ".join(summary(p, precision) for p in g.parts)
            lines.append((f"  {_d(of, g.x)} = {paths} = {summary(g.value, precision)}   ({_count(len(g.parts))} paths: from {', '.join(g.part_sources)})", "ok"))
        else:
            lines.append((f"  {_d(of, g.x)} = {summary(g.value, precision)}", "ok"))
    return lines


def _count(n: int) -> str:
    return {2: "two", 3: "three", 4: "four"}.get(n, str(n))


def _typ(value) -> str:
    from .render.values import type_label

    a = np.asarray(value)
    return type_label(a.dtype, a.shape)


def _table(rows) -> list[str]:
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [("  ".join(c.ljust(w) for c, w in zip(r, widths))).rstrip() for r in rows]


# ----- JSON -----

def explain_json(ex: Explanation) -> dict:
    from .render.values import to_json

    return {
        "of": ex.ys,
        "wrt": ex.xs,
        "forward": [{"id": f.node.id, "name": f.name, "op": f.node.op.name, "expr": f.expr, "shape": list(np.shape(f.value)), "dtype": dtype_name(np.asarray(f.value).dtype), "value": to_json(f.value)} for f in ex.forward],
        "backward": [{
            "id": b.node.id, "name": b.name, "op": b.node.op.name, "rule": b.rule, "adjoint": to_json(b.adjoint),
            "parts": [{"from": src, "value": to_json(v)} for src, v in zip(b.part_sources, b.parts)],
            "sent": [{"to": s.to_name, "to_id": s.to.id, "value": to_json(s.value), "local": to_json(s.local), **({"why_not": s.why_not} if s.value is None else {})} for s in b.sent],
        } for b in ex.backward],
        "gradients": {g.x: {"value": to_json(g.value), **({"unconnected": True, "reason": g.reason} if g.value is None else {}), "paths": [{"from": src, "value": to_json(v)} for src, v in zip(g.part_sources, g.parts)]} for g in ex.gradients},
    }


# ----- the data `gradcli graph` draws -----

@dataclass
class GraphNode:
    id: int
    label: str  # name, or source text, or op()
    op: str
    inputs: list  # ids
    value: str | None = None  # a summary, when evaluated
    adjoint: str | None = None  # d(sum of the roots)/d(this node), when fed and on a path
    shape: str = ""
    name: str | None = None


@dataclass
class GraphData:
    roots: list  # (label, id)
    nodes: dict  # id -> GraphNode, in creation order


def graph_data(model, names, feeds=None, seed: int = 0, precision: int = 6, evaluate_values: bool = True) -> GraphData:
    """The graph below the named tensors; with values (and adjoints of their sum) when it can be evaluated."""
    from .graph import shape_str
    from .resolved import ListValue
    from .source import GradcliError

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
                gradients(float_roots, xs, trace=steps)
                adj_values = evaluate([s.adjoint for s in steps], fed, seed, model.max_elements)
                adjoints = {s.node: adj_values[s.adjoint] for s in steps}
                # leaves get their totals from what was sent to them
                results = gradients(float_roots, [n for n in order if n.op in LEAVES and is_float(n.dtype)])
                leaf_nodes = [n for n in order if n.op in LEAVES and is_float(n.dtype)]
                present = [(n, r) for n, r in zip(leaf_nodes, results) if isinstance(r, Node)]
                leaf_values = evaluate([r for _, r in present], fed, seed, model.max_elements)
                adjoints.update({n: leaf_values[r] for n, r in present})
            except GradcliError:
                adjoints = {}
    # local numbers in creation order: stable output whatever else the process built
    number = {node: i + 1 for i, node in enumerate(order)}
    nodes = {}
    for node in order:
        label = bound.get(node) or _text(model, node)
        if label is None:  # made by gradients: no source text
            label = summary(node.attrs["value"], precision) if node.op is CONSTANT else node.op.name
        if node.op is CONSTANT:
            adjoints.pop(node, None)
        nodes[number[node]] = GraphNode(
            number[node], label, node.op.name if node.op not in LEAVES else ("input" if node.op is not CONSTANT else "constant"),
            [number[i] for i in node.inputs] if node.op not in LEAVES else [],
            summary(model.present(node, values[node]), precision) if node in values else None,
            summary(adjoints[node], precision) if node in adjoints else None,
            f"{dtype_name(node.dtype)}{shape_str(node.shape) if node.shape else ''}",
            bound.get(node),
        )
    return GraphData([(label, number[n]) for label, n in roots], nodes)
