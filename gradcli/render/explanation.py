"""`gradcli explain`'s steps as text lines and as JSON (the computation is gradcli.learn.explain)."""
from __future__ import annotations

import numpy as np

from ..engine.dtypes import dtype_name
from ..engine.registry import PLACEHOLDER, VARIABLE
from ..language.program import Derivative
from ..learn.explain import Explanation
from .values import format_array, format_number, to_json, type_label


def summary(value, precision: int = 6) -> str:
    """Scalars in full, small tensors inline, larger ones as shape and a few numbers."""
    a = np.asarray(value)
    if a.ndim == 0:
        return format_number(a.item(), precision)
    if a.size <= 12:
        return " ".join(line.strip() for line in format_array(a, precision).split("\n"))
    if a.dtype.kind in "fiu":
        return f"{type_label(a.dtype, a.shape)} min {format_number(a.min(), precision)} mean {format_number(a.mean(), precision)} max {format_number(a.max(), precision)}"
    return type_label(a.dtype, a.shape)

def _d(of: str, wrt: str) -> str:
    return Derivative([of], wrt).label

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
            if s.value is not None and s.summed_axes is not None:
                shape = "[" + ", ".join(map(str, s.summed_from)) + "]"
                target = "[" + ", ".join(map(str, np.shape(s.value))) + "]"
                lines.append((f"             (broadcast sum: {s.to_name} was broadcast from {target} to {shape}, so its share is summed over axes {list(s.summed_axes)})", "dim"))
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
    a = np.asarray(value)
    return type_label(a.dtype, a.shape)

def _table(rows) -> list[str]:
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [("  ".join(c.ljust(w) for c, w in zip(r, widths))).rstrip() for r in rows]

def explain_json(ex: Explanation) -> dict:
    return {
        "of": ex.ys,
        "wrt": ex.xs,
        "forward": [{"id": f.node.id, "name": f.name, "op": f.node.op.name, "expr": f.expr, "shape": list(np.shape(f.value)), "dtype": dtype_name(np.asarray(f.value).dtype), "value": to_json(f.value)} for f in ex.forward],
        "backward": [{
            "id": b.node.id, "name": b.name, "op": b.node.op.name, "rule": b.rule, "adjoint": to_json(b.adjoint),
            "parts": [{"from": src, "value": to_json(v)} for src, v in zip(b.part_sources, b.parts)],
            "sent": [{"to": s.to_name, "to_id": s.to.id, "value": to_json(s.value), "local": to_json(s.local), **({"why_not": s.why_not} if s.value is None else {}), **({"summed_axes": list(s.summed_axes)} if s.summed_axes is not None else {})} for s in b.sent],
        } for b in ex.backward],
        "gradients": {g.x: {"value": to_json(g.value), **({"unconnected": True, "reason": g.reason} if g.value is None else {}), "paths": [{"from": src, "value": to_json(v)} for src, v in zip(g.part_sources, g.parts)]} for g in ex.gradients},
    }
