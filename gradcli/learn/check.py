"""`gradcli check`: every expect claim at the fed point and at sampled points, and
every gradient of the script against central finite differences.

A claim that holds only where it was fed is the classic hand-derivation
mistake (`expect g == 4.0` is true at x = 2 and nowhere else), so a claim
passes only when it holds at every point. A finite-difference disagreement
is a warning, not a failure: it means a kink (relu at 0) or a bug.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine.evaluate import evaluate, needed_nodes
from ..engine.graph import Node
from ..engine.dtypes import is_float
from ..engine.registry import PLACEHOLDER, VARIABLE
from ..language.program import ListValue
from ..errors import Diagnostic, GradcliError
from .claims import compare_claim

MAX_TRIES = 20  # redraws of a point whose values are not finite
MAX_FD_ELEMENTS = 200  # elements of one x perturbed per point
UNKNOWN_DIM = 3


@dataclass
class Point:
    index: int
    kind: str  # "fed" or "sampled"
    feeds: dict  # name -> ndarray: what this point sets
    finite: bool = True
    shown: dict = field(default_factory=dict)  # name -> value of every sampled input here (for reports)


@dataclass
class ClaimAt:
    point: int
    lhs: np.ndarray
    rhs: np.ndarray
    err: float
    ok: bool


@dataclass
class ClaimCheck:
    claim: object  # resolve.Claim
    results: list = field(default_factory=list)  # ClaimAt per point where it could be evaluated
    skipped: list = field(default_factory=list)  # (point index, why)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def worst(self) -> ClaimAt | None:
        failing = [r for r in self.results if not r.ok]
        pool = failing or self.results
        return max(pool, key=lambda r: (np.nan_to_num(r.err, nan=np.inf))) if pool else None

    @property
    def holds_at_fed_point_only(self) -> bool:
        fed = [r for r in self.results if r.point == 0]
        return bool(fed) and fed[0].ok and not self.ok


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


@dataclass
class CheckReport:
    points: list[Point]
    claims: list[ClaimCheck]
    finite_differences: list[FDCheck]
    warnings: list[Diagnostic]
    rtol: float
    atol: float
    seed: int

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.claims)

    @property
    def failed(self) -> list[ClaimCheck]:
        return [c for c in self.claims if not c.ok]


def check_model(model, feeds=None, points: int = 5, sample=None, rtol: float = 1e-7, atol: float = 1e-9, fd: bool = True, seed: int = 0) -> CheckReport:
    """Check every `expect` and (with fd) every gradient of the script; see the module doc."""
    resolved = model.resolved
    fed = model.feed_dict(feeds)
    sample = dict(sample or {})
    for name in sample:
        model._input(name)  # an unknown name is an E0404 with a did-you-mean
    rng = np.random.default_rng(seed)
    sampled_inputs = [(n, node) for n, node in resolved.inputs.items() if node.op is VARIABLE or node not in fed or n in sample]
    watched = [n for c in resolved.claims for n in (c.lhs, c.rhs)]
    calls = [c for c in resolved.gradient_calls] if fd else []
    watched += [r for c in calls for r in c.results if isinstance(r, Node)] + [y for c in resolved.gradient_calls for y in c.ys]
    # every tensor the script binds: "the model's values" must be finite at a sampled point
    for value in resolved.bindings.values():
        watched += [v for v in (value.items if isinstance(value, ListValue) else [value]) if isinstance(v, Node)]

    all_points = [Point(0, "fed", _names(resolved, fed))]
    for i in range(points):
        point = None
        for _ in range(MAX_TRIES):
            drawn = {name: _draw(node, sample.get(name), rng, model.dtype) for name, node in sampled_inputs}
            point = Point(i + 1, "sampled", drawn)
            if _finite_at(model, point, fed, watched, seed):
                break
            point.finite = False
        all_points.append(point)

    all_points[0].shown = _fed_point_inputs(model, fed, [n for n, _ in sampled_inputs], seed)
    for point in all_points[1:]:
        point.shown = dict(point.feeds)
    claims = [_check_claim(model, c, all_points, fed, seed, rtol, atol) for c in resolved.claims]
    fds, warnings = [], list(resolved.warnings)
    for call in calls:
        for x, result in zip(call.xs, call.results):
            item = _fd_check(model, call, x, result, all_points, fed, seed)
            fds.append(item)
            if item.ok is False:
                warnings.append(_fd_warning(item, all_points[item.worst_point], call, model.source))
    return CheckReport(all_points, claims, fds, warnings, rtol, atol, seed)


# ----- points -----

def _names(resolved, fed) -> dict:
    by_node = {node: name for name, node in resolved.inputs.items()}
    return {by_node[node]: value for node, value in fed.items()}


def _fed_point_inputs(model, fed, names, seed) -> dict:
    """At the fed point: the feeds, and each sampled input's own value there (a variable's initial value)."""
    shown = _names(model.resolved, fed)
    for name in names:
        node = model.resolved.inputs[name]
        if name not in shown and _evaluable([node], fed):
            shown[name] = evaluate([node], fed, 0, model.max_elements)[node]
    return shown


def _shape(node: Node) -> tuple:
    if node.shape is None:
        return ()
    return tuple(UNKNOWN_DIM if d is None else d for d in node.shape)


def _draw(node: Node, bounds, rng, float_dtype) -> np.ndarray:
    lo, hi = bounds if bounds is not None else (-2.0, 2.0)
    shape = _shape(node)
    if node.dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(bool)
    if node.dtype.kind in "iu":
        return rng.integers(int(np.ceil(lo)), int(np.floor(hi)) + 1, size=shape).astype(node.dtype)
    return rng.uniform(lo, hi, size=shape).astype(node.dtype)


def _feeds_at(model, point: Point, fed) -> dict:
    """Feeds by node at a point: the user's feeds, overridden by what the point draws."""
    out = dict(fed)
    for name, value in point.feeds.items():
        out[model.resolved.inputs[name]] = value
    return out


def _evaluable(nodes, feeds) -> bool:
    return not any(n.op is PLACEHOLDER and not n.inputs and n not in feeds for n in needed_nodes(nodes, feeds))


def _finite_at(model, point, fed, watched, seed) -> bool:
    feeds = _feeds_at(model, point, fed)
    nodes = [n for n in watched if _evaluable([n], feeds)]
    try:
        values = evaluate(nodes, feeds, seed, model.max_elements)
    except GradcliError:
        return False
    return all(values[n].dtype.kind != "f" or np.isfinite(values[n]).all() for n in nodes)


# ----- claims -----

def _check_claim(model, claim, points, fed, seed, rtol, atol) -> ClaimCheck:

    out = ClaimCheck(claim)
    for point in points:
        feeds = _feeds_at(model, point, fed)
        if not _evaluable([claim.lhs, claim.rhs], feeds):
            missing = sorted({n.name for n in needed_nodes([claim.lhs, claim.rhs], feeds) if n.op is PLACEHOLDER and not n.inputs and n not in feeds})
            out.skipped.append((point.index, f"needs {', '.join(missing)}"))
            continue
        values = evaluate([claim.lhs, claim.rhs], feeds, seed, model.max_elements)
        lhs, rhs = model.present(claim.lhs, values[claim.lhs]), model.present(claim.rhs, values[claim.rhs])
        err, ok = compare_claim(lhs, rhs, rtol, atol)
        out.results.append(ClaimAt(point.index, lhs, rhs, err, ok))
    return out


# ----- finite differences -----

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


def _fd_check(model, call, x: Node, result, points, fed, seed) -> FDCheck:
    resolved = model.resolved
    derivative = resolved.derivatives.get(result)
    name = gradient_name(resolved, result) or _label(derivative)
    item = FDCheck(name, _label(derivative), list(derivative.of) if derivative else [], derivative.wrt if derivative else x.describe())
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
        base_nodes = list(call.ys) + [x, result] + held + seeds
        if not _evaluable(base_nodes, feeds):
            continue
        base = evaluate(base_nodes, feeds, seed, model.max_elements)
        if not all(base[n].dtype.kind != "f" or np.isfinite(base[n]).all() for n in base_nodes):
            continue
        hold = {n: base[n] for n in held if n is not x}
        weights = _weights(call, base)
        analytic = np.asarray(base[result], dtype=np.float64)
        x0 = np.array(base[x], dtype=x.dtype, copy=True)
        numeric = np.zeros(x0.shape, dtype=np.float64)
        eps = np.finfo(x.dtype).eps
        flat = x0.reshape(-1)
        count = min(flat.size, MAX_FD_ELEMENTS)

        def objective(value):
            at = {**feeds, **hold, x: value}
            values = evaluate(call.ys, at, seed, model.max_elements)
            return sum(float(np.sum(np.asarray(values[y], np.float64) * w)) for y, w in zip(call.ys, weights) if w is not None)

        num_flat = numeric.reshape(-1)
        for i in range(count):
            h = float(np.cbrt(eps) * max(1.0, abs(float(flat[i]))))
            plus, minus = flat.copy(), flat.copy()
            plus[i] += h
            minus[i] -= h
            step = float(plus[i]) - float(minus[i])  # the step actually taken, after rounding
            num_flat[i] = (objective(plus.reshape(x0.shape)) - objective(minus.reshape(x0.shape))) / step
        a = np.broadcast_to(analytic, x0.shape).reshape(-1)[:count]
        n_ = num_flat[:count]
        if not (np.isfinite(a).all() and np.isfinite(n_).all()):
            continue
        abs_err = np.abs(a - n_)
        rel_err = abs_err / np.maximum(np.maximum(np.abs(a), np.abs(n_)), 1e-300)
        rel_err = np.where(abs_err == 0, 0.0, rel_err)
        rtol, atol = (1e-5, 1e-6) if x.dtype == np.float64 else (5e-2, 5e-2)
        bad = abs_err > atol + rtol * np.abs(a)
        checked += count
        if count:
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
        label="this gradient",
        source=source,
        notes=[f"point {point.index}: {where}"],
        help=["a kink (relu, abs, max at a tie) makes finite differences unreliable there; otherwise the gradient or a hand-written rule is wrong"],
    )


# ----- the text report (pure: lines of (text, style), no terminal) -----


def _brief(value) -> str:
    a = np.asarray(value)
    if a.size == 1:
        return f"{a.reshape(()).item():.6g}"
    return np.array2string(a, precision=4, separator=", ", threshold=12)
