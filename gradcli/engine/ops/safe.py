"""Elementwise ops that are 0 where x is 0 (or the divisor is), as TensorFlow defines them:
xlogy, xlog1py, xdivy and div_no_nan. Their gradients are built from each other, so they
nest to any order and keep the zeros (TensorFlow's _XLogyGrad, _XDivyGrad, _DivNoNanGrad).
"""
from __future__ import annotations

import numpy as np

from ..graph import apply
from .binary import binary

F = apply


def _where_x(x, value):
    return np.where(x == 0, np.zeros((), value.dtype), value)


def _not_zero(x):
    return F("cast", F("not_equal", x, 0.0), dtype=x.dtype)


def _xlogy(x, y):
    return _where_x(x, x * np.log(np.where(x == 0, 1, y)))


def _xlog1py(x, y):
    return _where_x(x, x * np.log1p(np.where(x == 0, 0, y)))


def _xdivy(x, y):
    return _where_x(x, x / np.where(x == 0, 1, y))


def _div_no_nan(x, y):
    return np.where(y == 0, np.zeros((), np.result_type(x, y)), x / np.where(y == 0, 1, y))


binary(
    "xlogy(x, y)",
    _xlogy,
    lambda g, x, y, n: (g * F("xlogy", _not_zero(x), y), g * F("xdivy", x, y)),
    "∂/∂x = log(y) where x ≠ 0 (else 0), ∂/∂y = x/y (0 where x = 0)",
    "x*log(y), 0 where x is 0",
    domain=(0.5, 2.0),
    numpy=False,
    floats=True,
)
binary(
    "xlog1py(x, y)",
    _xlog1py,
    lambda g, x, y, n: (g * F("xlog1py", _not_zero(x), y), g * F("xdivy", x, y + 1.0)),
    "∂/∂x = log1p(y) where x ≠ 0 (else 0), ∂/∂y = x/(1 + y) (0 where x = 0)",
    "x*log1p(y), 0 where x is 0",
    domain=(0.5, 2.0),
    numpy=False,
    floats=True,
)
binary(
    "xdivy(x, y)",
    _xdivy,
    lambda g, x, y, n: (g * F("xdivy", _not_zero(x), y), g * F("xdivy", -x, y * y)),
    "∂/∂x = 1/y where x ≠ 0 (else 0), ∂/∂y = -x/y² (0 where x = 0)",
    "x/y, 0 where x is 0",
    domain=(0.5, 2.0),
    numpy=False,
    floats=True,
)
binary(
    "div_no_nan(x, y)",
    _div_no_nan,
    lambda g, x, y, n: (F("div_no_nan", g, y), g * F("div_no_nan", F("div_no_nan", -x, y), y)),
    "∂/∂x = 1/y, ∂/∂y = -x/y² (both 0 where y = 0)",
    "x/y, 0 where y is 0",
    domain=(0.5, 2.0),
    numpy=False,
    floats=True,
)
