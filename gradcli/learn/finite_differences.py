"""`gradcli check`'s finite differences: every gradient, jacobian and hessian of a script
against central differences in float64 at the fed and sampled points; a disagreement is
a warning (W0602), since it may be a kink (relu at 0) rather than a bug.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.evaluate import evaluate, needed_nodes
from ..engine.graph import Node
from ..engine.dtypes import is_float
from ..language.program import ListValue
from ..errors import Diagnostic
from .sampling import Point, _feeds_at


MAX_FD_ELEMENTS = 200  # elements of one x perturbed per point (pairs, for a hessian)


@dataclass
class FDCheck:
    name: str  # the binding the gradient is shown as (dW, grad[0])
    label: str  # ∂cost/∂W
    of: list
    wrt: str
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    ok: bool | None = None  # None: not checked
    worst_point: int | None = None
    skipped: str | None = None
    elements: int = 0  # partial derivatives compared
    kind: str = "gradient"  # or "hessian", "jacobian"


def gradient_name(resolved, result) -> str | None:
    """The name a gradient result is bound to: `dW`, or `grad[0]` for an element of a list."""
    for name, value in resolved.bindings.items():
        if value is result:
            return name
        if isinstance(value, ListValue):
            for i, item in enumerate(value.items):
                if item is result:
                    return f"{name}[{i}]"
    return None


def _label(derivative) -> str:
    return derivative.label if derivative is not None else "∂?/∂?"


def _random_ancestor(nodes) -> bool:
    return any(n.op.random for n in needed_nodes(nodes, {}))


def _fd_check(model, call, x: Node, result, points, at, fed, seed) -> FDCheck:
    resolved = model.resolved
    kind = getattr(call, "kind", "gradient")
    derivative = resolved.derivatives.get(result)
    name = gradient_name(resolved, result) or _label(derivative)
    item = FDCheck(name, _label(derivative), list(derivative.of) if derivative else [], derivative.wrt if derivative else x.describe(), kind=kind)
    if not isinstance(result, Node):
        item.skipped = "None (unconnected)"
        return item
    if not is_float(x.dtype):
        item.skipped = f"{x.describe()} is an integer tensor"
        return item
    if _random_ancestor(call.ys):
        item.skipped = "the ys depend on random ops"
        return item
    # held at their base-point values: stop_gradients tensors and stop_gradient() outputs
    ancestors = needed_nodes(call.ys, {})
    held = [n for n in ancestors if n.op.name == "stop_gradient" or n in call.stop]
    seeds = [s for s in (call.grad_ys or []) if s is not None]
    worst_rel, checked, per_point = 0.0, 0, []
    for point in points:
        if not point.finite:
            continue
        feeds = _feeds_at(model, point, fed)
        base = at[point.index].values
        base_nodes = list(call.ys) + [x, result] + held + seeds
        if not all(n in base for n in base_nodes):
            continue
        hold = {n: base[n] for n in held if n is not x}
        weights = _weights(call, base)
        analytic = np.asarray(base[result], dtype=np.float64)
        x0 = np.array(base[x], dtype=x.dtype, copy=True)
        eps = np.finfo(x.dtype).eps

        def run(value):
            return evaluate(call.ys, {**feeds, **hold, x: value}, seed, model.max_elements)

        if kind == "jacobian":
            a, n_ = _fd_jacobian(run, call.ys[0], x0, analytic, eps)
        elif kind == "hessian":
            a, n_ = _fd_hessian(run, call.ys, x0, analytic, eps)
        else:
            a, n_ = _fd_gradient(run, call.ys, weights, x0, analytic, eps)
        if not a.size or not (np.isfinite(a).all() and np.isfinite(n_).all()):
            continue
        abs_err = np.abs(a - n_)
        rel_err = abs_err / np.maximum(np.maximum(np.abs(a), np.abs(n_)), 1e-300)
        rel_err = np.where(abs_err == 0, 0.0, rel_err)
        if kind == "hessian":
            rtol, atol = (1e-4, 1e-5) if x.dtype == np.float64 else (1e-1, 1e-1)
        else:
            rtol, atol = (1e-5, 1e-6) if x.dtype == np.float64 else (5e-2, 5e-2)
        bad = abs_err > atol + rtol * np.abs(a)
        checked += a.size
        per_point.append((bool(bad.any()), float(abs_err.max()), point.index))
        worst_rel = max(worst_rel, float(rel_err.max()))
    item.elements = checked
    if not checked:
        item.skipped = "no point where it could be evaluated"
        return item
    bad_first = max(per_point)  # a disagreeing point first, then the largest error
    item.max_abs_err = max(e for _, e, _ in per_point)
    item.max_rel_err, item.ok, item.worst_point = worst_rel, not bad_first[0], bad_first[2]
    return item


def _step(eps, value, power=3) -> float:
    return float(eps ** (1.0 / power) * max(1.0, abs(float(value))))


def _fd_gradient(run, ys, weights, x0, analytic, eps):
    """d <weights, ys> / dx by central differences, element by element (the first MAX_FD_ELEMENTS)."""
    def objective(value):
        values = run(value)
        return sum(float(np.sum(np.asarray(values[y], np.float64) * w)) for y, w in zip(ys, weights) if w is not None)

    flat = x0.reshape(-1)
    count = min(flat.size, MAX_FD_ELEMENTS)
    numeric = np.zeros(count)
    for i in range(count):
        h = _step(eps, flat[i])
        plus, minus = flat.copy(), flat.copy()
        plus[i] += h
        minus[i] -= h
        step = float(plus[i]) - float(minus[i])  # the step actually taken, after rounding
        numeric[i] = (objective(plus.reshape(x0.shape)) - objective(minus.reshape(x0.shape))) / step
    return np.broadcast_to(analytic, x0.shape).reshape(-1)[:count], numeric


def _fd_jacobian(run, y, x0, analytic, eps):
    """Column j of the jacobian: (y(x + h e_j) - y(x - h e_j)) / 2h."""
    flat = x0.reshape(-1)
    count = min(flat.size, MAX_FD_ELEMENTS)
    y_size = int(np.prod(analytic.shape[:analytic.ndim - x0.ndim])) if analytic.ndim >= x0.ndim else 1
    a = analytic.reshape(y_size, flat.size)[:, :count]
    numeric = np.zeros((y_size, count))
    for j in range(count):
        h = _step(eps, flat[j])
        plus, minus = flat.copy(), flat.copy()
        plus[j] += h
        minus[j] -= h
        step = float(plus[j]) - float(minus[j])
        numeric[:, j] = (np.asarray(run(plus.reshape(x0.shape))[y], np.float64).reshape(-1)
                         - np.asarray(run(minus.reshape(x0.shape))[y], np.float64).reshape(-1)) / step
    return a.reshape(-1), numeric.reshape(-1)


def _fd_hessian(run, ys, x0, analytic, eps):
    """H[i, j] of sum(ys) by the four-point central formula (the first pairs, up to MAX_FD_ELEMENTS)."""
    def f(value):
        values = run(value)
        return sum(float(np.sum(np.asarray(values[y], np.float64))) for y in ys)

    flat = x0.reshape(-1)
    n = flat.size
    count = max(1, min(n, int(np.sqrt(MAX_FD_ELEMENTS))))
    a = analytic.reshape(n, n)[:count, :count]
    numeric = np.zeros((count, count))
    for i in range(count):
        for j in range(count):
            hi, hj = _step(eps, flat[i], 4), _step(eps, flat[j], 4)
            total = 0.0
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                v = flat.copy()
                v[i] += si * hi
                v[j] += sj * hj
                total += si * sj * f(v.reshape(x0.shape))
            numeric[i, j] = total / (4 * hi * hj)
    return a.reshape(-1), numeric.reshape(-1)


def _weights(call, base) -> list:
    """sum over ys of <seed, y>: the seed of each y (ones when None), as arrays."""
    out = []
    seeds = call.grad_ys or [None] * len(call.ys)
    for y, s in zip(call.ys, seeds):
        if not is_float(y.dtype):
            out.append(None)
        elif s is None:
            out.append(np.ones(np.shape(base[y])))
        else:
            out.append(np.asarray(base[s], np.float64))
    return out


def _fd_warning(item: FDCheck, point: Point, call, source) -> Diagnostic:
    where = ", ".join(f"{k} = {_brief(v)}" for k, v in point.feeds.items()) or "the fed point"
    return Diagnostic(
        "W0602",
        f"{item.name} ({item.label}) disagrees with central finite differences at point {point.index} (max abs error {item.max_abs_err:.3g})",
        call.span,
        label="this gradient" if item.kind == "gradient" else f"this {item.kind}",
        source=source,
        notes=[f"point {point.index}: {where}"],
        help=["a kink (relu, abs, max at a tie) makes finite differences unreliable there; otherwise the gradient or a hand-written rule is wrong"],
    )


def _brief(value) -> str:
    a = np.asarray(value)
    if a.size == 1:
        return f"{a.reshape(()).item():.6g}"
    return np.array2string(a, precision=4, separator=", ", threshold=12)
