"""Comparing the two sides of an `expect` claim: with a tolerance, never exactly.

A claim is an identity, so it is only *checked* where both sides are numbers:
an element where both sides are NaN or infinite says nothing (NaN == NaN is
not evidence), and a point where every element is like that is "not
checked", never a pass. Sides of different shapes are a failure that names
both shapes, not a silent broadcast (a scalar constant on one side is still
every element's value: `expect g == 0.0`).
"""
from __future__ import annotations

import numpy as np

HOLDS, FAILS, UNCHECKED = "holds", "fails", "not checked"


class Comparison:
    """status: HOLDS, FAILS or UNCHECKED; err: the max abs error over the checked
    elements (inf: shapes differ); reason: why it fails or was not checked, in words.
    Compared by value. (Not a dataclass: this module loads on every run, gradcli.source.Span.)"""

    __slots__ = ("status", "err", "reason")

    def __init__(self, status: str, err: float | None, reason: str = ""):
        self.status = status
        self.err = err
        self.reason = reason

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.status, self.err, self.reason) == (other.status, other.err, other.reason)

    __hash__ = None

    def __repr__(self):
        return f"Comparison(status={self.status!r}, err={self.err!r}, reason={self.reason!r})"

    @property
    def ok(self) -> bool | None:
        return None if self.status == UNCHECKED else self.status == HOLDS


def shape_text(shape) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def compare(lhs, rhs, rtol=1e-7, atol=1e-9, lhs_text="the left side", rhs_text="the right side", scalar_ok=(False, False)) -> Comparison:
    """Both sides within atol + rtol*|rhs| at every element where either side is finite.

    scalar_ok: whether each side may be a scalar that stands for every element
    (a constant written in the claim).
    """
    a, b = np.asarray(lhs, np.float64), np.asarray(rhs, np.float64)
    if a.shape != b.shape and not ((scalar_ok[0] and a.ndim == 0) or (scalar_ok[1] and b.ndim == 0)):
        return Comparison(FAILS, float("inf"), f"{lhs_text} has shape {shape_text(a.shape)}, {rhs_text} {shape_text(b.shape)}")
    a, b = np.broadcast_arrays(a, b)
    if a.size == 0:
        return Comparison(UNCHECKED, None, "both sides are empty")
    with np.errstate(invalid="ignore", over="ignore"):
        finite_a, finite_b = np.isfinite(a), np.isfinite(b)
        checked = finite_a | finite_b  # both non-finite: no evidence either way
        if not checked.any():
            kind = "NaN" if np.isnan(a).all() and np.isnan(b).all() else "not finite"
            return Comparison(UNCHECKED, None, f"both sides are {kind}")
        a, b = a[checked], b[checked]
        diff = np.abs(a - b)
        both = np.isfinite(a) & np.isfinite(b)
        diff = np.where(both, diff, np.inf)  # one side finite, the other not: a failure
        ok = bool(np.all(both & (diff <= atol + rtol * np.abs(b))))
    err = float(diff.max())
    return Comparison(HOLDS if ok else FAILS, err)


def compare_claim(lhs, rhs, rtol=1e-7, atol=1e-9):
    """Max abs error and whether the sides agree (None: not checked); see compare()."""
    c = compare(lhs, rhs, rtol, atol)
    return c.err, c.ok


def _is_constant(node) -> bool:
    """Whether a claim side depends on no input (a number written in the claim)."""
    from ..engine.evaluate import needed_nodes
    from ..engine.registry import LEAVES, CONSTANT

    return not any(n.op in LEAVES and n.op is not CONSTANT for n in needed_nodes([node], {}))


def compare_sides(claim, lhs, rhs, rtol=1e-7, atol=1e-9) -> Comparison:
    """compare() for a Claim: its sides named by their text, a constant side allowed to be a scalar."""
    left, _, right = claim.text.partition("==")
    return compare(lhs, rhs, rtol, atol, left.strip() or "the left side", right.strip() or "the right side",
                   (_is_constant(claim.lhs), _is_constant(claim.rhs)))
