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
(relu at 0) or a bug. The points are sampling.py's, the finite differences
finite_differences.py's; this module holds the records and the claims.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine.evaluate import needed_nodes
from ..engine.dtypes import is_float
from ..engine.registry import PLACEHOLDER, VARIABLE
from ..errors import Diagnostic, fail
from .claims import FAILS, HOLDS, UNCHECKED, compare_sides
from .finite_differences import FDCheck, _fd_check, _fd_warning
from .sampling import Point, _bounds, _draw, _evaluate_point, _feeds_at, _names, _shape, _watched

MAX_TRIES = 20  # draws of one point whose values are not finite


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
