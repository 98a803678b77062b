"""Why a gradient is None, in words: x does not reach the ys, or every path is cut (by
stop_gradient, stop_gradients, an integer tensor, an op with no gradient, or a node a
tape did not record). Worked out from the graph only when a reason is asked for.
"""
from __future__ import annotations

from .graph import Node
from .dtypes import dtype_name, is_float
from .registry import LEAVES, NOT_DIFFERENTIABLE


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
