"""`gradcli check`: every expect claim at the fed point and at sampled points, and
every gradient (hessian, jacobian) of the script against central finite differences.

A derivation is an identity in all its inputs, so every float input is varied
at the sampled points, fed or not (`hold` keeps named ones at their fed
values: data that must stay fixed). A claim that holds only where it was fed
is the classic hand-derivation mistake (`expect g == 4.0` is true at x = 2 and
nowhere else), so a claim passes only when it holds at every point where it
was checked; a point where both sides are not finite checks nothing. When
nothing varies, every "sampled" point would be the fed point again: the
check then runs once and says so (W0610).

Each point is evaluated in one pass (every claim side, gradient and bound
tensor together); finite differences then re-run only the ys. A
finite-difference disagreement is a warning, not a failure: it means a kink
(relu at 0) or a bug.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine.evaluate import evaluate, needed_nodes
from ..engine.graph import Node
from ..engine.dtypes import is_float
from ..engine.registry import PLACEHOLDER, VARIABLE
from ..language.program import ListValue
from ..errors import Diagnostic, GradcliError, fail
from .claims import FAILS, HOLDS, UNCHECKED, compare_sides

MAX_TRIES = 20  # draws of one point whose values are not finite
MAX_FD_ELEMENTS = 200  # elements of one x perturbed per point (pairs, for a hessian)
UNKNOWN_DIM = 3
DEFAULT_RANGE = (-2.0, 2.0)


@dataclass
class Point:
    index: int
    kind: str  # "fed" or "sampled"
    feeds: dict  # name -> ndarray: what this point sets (the varied inputs)
    finite: bool = True
    shown: dict = field(default_factory=dict)  # name -> value of every varied input here (for reports)
    redrawn: int = 0  # draws thrown away because the model was not finite there
    error: str | None = None  # why the model could not be evaluated here


@dataclass
class InputUse:
    name: str
    how: str  # "varied" or "held"
    range: tuple | None = None  # (lo, hi) when varied
    why: str = ""  # when held: "--hold", "integer, fed", ...
    dtype: str = ""


@dataclass
class ClaimAt:
    point: int
    lhs: np.ndarray
    rhs: np.ndarray
    err: float | None
    status: str  # HOLDS, FAILS, UNCHECKED
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == HOLDS

    @property
    def checked(self) -> bool:
        return self.status != UNCHECKED


@dataclass
class ClaimCheck:
    claim: object  # program.Claim
    results: list = field(default_factory=list)  # ClaimAt per point where it could be evaluated
    skipped: list = field(default_factory=list)  # (point index, why)

    @property
    def checked(self) -> list:
        return [r for r in self.results if r.checked]

    @property
    def status(self) -> str:
        checked = self.checked
        if not checked:
            return UNCHECKED
        return HOLDS if all(r.ok for r in checked) else FAILS

    @property
    def ok(self) -> bool:
        return self.status == HOLDS

    @property
    def unchecked(self) -> list:
        """(point, why) for every point that checked nothing: not evaluable, or not finite on both sides."""
        return list(self.skipped) + [(r.point, r.reason) for r in self.results if not r.checked]

    @property
    def worst(self) -> ClaimAt | None:
        checked = self.checked
        failing = [r for r in checked if not r.ok]
        pool = failing or checked
        return max(pool, key=lambda r: np.inf if r.err is None or np.isnan(r.err) else r.err) if pool else None

    @property
    def max_err(self) -> float | None:
        errs = [r.err for r in self.checked if r.err is not None]
        return max(errs) if errs else None

    @property
    def holds_at_fed_point_only(self) -> bool:
        """True at the fed point and false at every other point checked (at least one)."""
        checked = self.checked
        fed = [r for r in checked if r.point == 0]
        others = [r for r in checked if r.point != 0]
        return bool(fed) and fed[0].ok and bool(others) and not any(r.ok for r in others)


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


@dataclass
class CheckReport:
    points: list[Point]
    claims: list[ClaimCheck]
    finite_differences: list[FDCheck]
    warnings: list[Diagnostic]
    rtol: float
    atol: float
    seed: int
    inputs: list = field(default_factory=list)  # InputUse per input the model's results read

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.claims)

    @property
    def failed(self) -> list[ClaimCheck]:
        return [c for c in self.claims if c.status == FAILS]

    @property
    def not_checked(self) -> list[ClaimCheck]:
        return [c for c in self.claims if c.status == UNCHECKED]

    @property
    def varied(self) -> list[InputUse]:
        return [i for i in self.inputs if i.how == "varied"]

    @property
    def held(self) -> list[InputUse]:
        return [i for i in self.inputs if i.how == "held"]

    @property
    def one_point(self) -> bool:
        """Checked at the fed point only: nothing varies, or no sampled points were asked for."""
        return len(self.points) <= 1

    @property
    def redrawn(self) -> int:
        return sum(p.redrawn for p in self.points)


def check_model(model, feeds=None, points: int = 5, sample=None, rtol: float = 1e-7, atol: float = 1e-9,
                fd: bool = True, seed: int = 0, hold=()) -> CheckReport:
    """Check every `expect` and (with fd) every gradient of the script; see the module doc."""
    resolved = model.resolved
    fed = model.feed_dict(feeds)
    sample = dict(sample or {})
    hold = list(dict.fromkeys(hold or ()))
    for name in list(sample) + hold:
        model._input(name)  # an unknown name is an E0404 with a did-you-mean
    for name in hold:
        if name in sample:
            raise fail("E0031", f"'{name}' is both held (--hold) and sampled (--sample)", help=["an input is either kept at its fed value or varied over a range"])
    rng = np.random.default_rng(seed)

    calls = list(resolved.gradient_calls) if fd else []
    watched = _watched(resolved, calls)
    used = {n for n in needed_nodes(watched, {}) if n.op in (PLACEHOLDER, VARIABLE)}

    # the fed point: the feeds, and every other input at its default (a variable's initial value)
    base = _evaluate_point(model, watched, dict(fed), seed, raise_errors=True)
    fed_point = Point(0, "fed", _names(resolved, fed))
    uses, drawn = [], []
    for name, node in resolved.inputs.items():
        if node not in used:
            continue
        has_value = node in fed or node in base.values
        if name in hold:
            if not has_value:
                raise fail("E0031", f"--hold {name}: '{name}' has no fed value to hold", node.span, source=model.source, label="declared here without a default", help=[f"feed it: --feed {name}=..."])
            uses.append(InputUse(name, "held", why="--hold", dtype=node.dtype.name))
        elif is_float(node.dtype) or name in sample or not has_value:
            bounds = _bounds(name, node, sample.get(name))
            uses.append(InputUse(name, "varied", bounds, dtype=node.dtype.name))
            shape = np.shape(fed[node]) if node in fed else (np.shape(base.values[node]) if node in base.values else _shape(node))
            drawn.append((name, node, bounds, shape))
        else:
            uses.append(InputUse(name, "held", why=f"{'fed' if node in fed else 'its default'}, {node.dtype.name}", dtype=node.dtype.name))
    fed_point.shown = {n: (fed[node] if node in fed else base.values[node]) for n, node in resolved.inputs.items()
                       if any(u.name == n for u in uses) and (node in fed or node in base.values)}
    fed_point.finite = base.finite

    all_points, at = [fed_point], {0: base}
    if drawn:
        for i in range(points):
            point, ev = None, None
            for attempt in range(MAX_TRIES):
                values = {name: _draw(node, bounds, shape, rng) for name, node, bounds, shape in drawn}
                point = Point(i + 1, "sampled", values, redrawn=attempt)
                ev = _evaluate_point(model, watched, _feeds_at(model, point, fed), seed)
                if ev.finite:
                    break
            point.finite, point.error = ev.finite, ev.error
            point.shown = dict(point.feeds)
            all_points.append(point)
            at[point.index] = ev

    claims = [_check_claim(model, c, all_points, at, rtol, atol) for c in resolved.claims]
    fds, warnings = [], list(resolved.warnings)
    for call in calls:
        for x, result in zip(call.xs, call.results):
            item = _fd_check(model, call, x, result, all_points, at, fed, seed)
            fds.append(item)
            if item.ok is False:
                warnings.append(_fd_warning(item, all_points[item.worst_point], call, model.source))
    report = CheckReport(all_points, claims, fds, warnings, rtol, atol, seed, uses)
    if report.one_point and resolved.claims:
        why = "nothing varies (every input is held or an integer fed)" if not drawn else "no sampled points were asked for (--points 0)"
        warnings.append(Diagnostic("W0610", f"the claims were checked at one point only: {why}",
                                   help=["a claim true at one point may be false elsewhere; vary an input (drop --hold) or ask for --points"]))
    for c in report.claims:
        nan_points = [r.point for r in c.results if not r.checked]
        if c.status == FAILS or not (nan_points or c.status == UNCHECKED):
            continue
        reasons = "; ".join(sorted({why for _, why in c.unchecked}))
        if c.status == UNCHECKED:
            message = f"expect on line {c.claim.span.line} was not checked at any point ({reasons})"
        else:
            message = f"expect on line {c.claim.span.line} holds where checked, but was checked at only {len(c.checked)} of {len(all_points)} points ({reasons} elsewhere)"
        warnings.append(Diagnostic("W0611", message, c.claim.span, label="not checked everywhere" if c.checked else "never checked", source=model.source,
                                   help=["sample where the claim is defined: --sample NAME=LO:HI"]))
    return report


# ----- points -----

@dataclass
class _Evaluation:
    values: dict  # node -> value of every evaluable watched node (and what they needed)
    finite: bool
    error: str | None = None


def _watched(resolved, calls) -> list[Node]:
    """Everything one point needs: claim sides, gradients and their ys, every bound tensor."""
    out = [n for c in resolved.claims for n in (c.lhs, c.rhs)]
    for c in calls:
        out += list(c.ys) + [x for x in c.xs if isinstance(x, Node)]
        out += [r for r in c.results if isinstance(r, Node)]
        out += [s for s in (c.grad_ys or []) if isinstance(s, Node)] + list(c.stop)
    for value in resolved.bindings.values():
        out += [v for v in (value.items if isinstance(value, ListValue) else [value]) if isinstance(v, Node)]
    out += list(resolved.inputs.values())
    return list(dict.fromkeys(out))


def _unevaluable(nodes, feeds) -> set:
    """The nodes that need a placeholder nobody fed (one pass in creation order)."""
    bad = set()
    for node in needed_nodes(nodes, feeds):
        if node in feeds:
            continue
        if (node.op is PLACEHOLDER and not node.inputs) or any(i in bad for i in node.inputs):
            bad.add(node)
    return bad


def _evaluate_point(model, watched, feeds, seed, raise_errors=False) -> _Evaluation:
    bad = _unevaluable(watched, feeds)
    nodes = [n for n in watched if n not in bad]
    try:
        values = evaluate(nodes, feeds, seed, model.max_elements)
    except GradcliError as e:
        if raise_errors:
            raise
        return _Evaluation({}, False, e.diagnostics[0].message if getattr(e, "diagnostics", None) else str(e))
    finite = all(values[n].dtype.kind != "f" or np.isfinite(values[n]).all() for n in nodes)
    return _Evaluation(values, finite)


def _names(resolved, fed) -> dict:
    by_node = {node: name for name, node in resolved.inputs.items()}
    return {by_node[node]: value for node, value in fed.items()}


def _shape(node: Node) -> tuple:
    if node.shape is None:
        return ()
    return tuple(UNKNOWN_DIM if d is None else d for d in node.shape)


def _bounds(name, node, bounds) -> tuple:
    lo, hi = bounds if bounds is not None else DEFAULT_RANGE
    if node.dtype.kind in "iu" and int(np.ceil(lo)) > int(np.floor(hi)):
        raise fail("E0011", f"--sample {name}={lo:g}:{hi:g} holds no integer, and '{name}' is {node.dtype.name}",
                   node.span, label=f"declared here as {node.dtype.name}", help=[f"give a range with at least one whole number, e.g. --sample {name}=0:3"])
    return (float(lo), float(hi))


def _draw(node: Node, bounds, shape, rng) -> np.ndarray:
    lo, hi = bounds
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


# ----- claims -----

def _check_claim(model, claim, points, at, rtol, atol) -> ClaimCheck:
    out = ClaimCheck(claim)
    for point in points:
        values = at[point.index].values
        if claim.lhs not in values or claim.rhs not in values:
            if at[point.index].error:
                out.skipped.append((point.index, f"the model cannot be evaluated there: {at[point.index].error}"))
                continue
            fed = _feeds_at(model, point, {}) if point.index else {}
            missing = sorted({n.name for n in needed_nodes([claim.lhs, claim.rhs], fed) if n.op is PLACEHOLDER and not n.inputs and n.name not in point.shown})
            out.skipped.append((point.index, f"needs {', '.join(missing)}" if missing else "not evaluable"))
            continue
        lhs, rhs = model.present(claim.lhs, values[claim.lhs]), model.present(claim.rhs, values[claim.rhs])
        c = compare_sides(claim, lhs, rhs, rtol, atol)
        out.results.append(ClaimAt(point.index, lhs, rhs, c.err, c.status, c.reason))
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
