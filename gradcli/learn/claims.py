"""Comparing the two sides of an `expect` claim: with a tolerance, never exactly."""
from __future__ import annotations

import numpy as np


def compare_claim(lhs, rhs, rtol=1e-7, atol=1e-9):
    """Max abs error and whether the sides agree within tolerance (never exactly)."""
    try:
        a, b = np.broadcast_arrays(np.asarray(lhs, np.float64), np.asarray(rhs, np.float64))
    except ValueError:
        return float("inf"), False
    if a.size == 0:
        return 0.0, True
    with np.errstate(invalid="ignore"):
        diff = np.abs(a - b)
        both_nan = np.isnan(a) & np.isnan(b)
        same_inf = np.isinf(a) & (a == b)
        diff = np.where(both_nan | same_inf, 0.0, diff)
        ok = bool(np.all((diff <= atol + rtol * np.abs(b)) | both_nan | same_inf))
    err = float(np.nanmax(diff)) if not np.all(np.isnan(diff)) else float("nan")
    return err, ok and not np.isnan(diff).any()
