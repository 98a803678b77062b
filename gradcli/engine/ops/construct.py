"""Constructors: tensors made from static arguments (and `constant` from a value).

Their shapes are known when the graph is built. Random ops draw from
np.random.default_rng([run_seed, stream, seed]): the same run seed gives the
same numbers, and each random op of a graph has its own stream.
"""
from __future__ import annotations

import math

import numpy as np

from ..graph import apply
from ..dtypes import is_float, shape_str
from ...errors import fail
from ..registry import NOT_DIFFERENTIABLE, register


def static_shape(shape, span, what="a shape"):
    """A shape argument as a tuple of non-negative ints, or E0306."""
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims):
        raise fail("E0306", f"{what} must hold integers, got {list(dims)}", span)
    if any(d < 0 for d in dims):
        raise fail("E0306", f"{what} cannot have negative dimensions: {shape_str(dims)}", span)
    return tuple(int(d) for d in dims)


# ----- constant -----

def _constant_infer(inputs, attrs, span):
    value, dtype = inputs[0], attrs.get("dtype")
    if dtype is None:
        dtype = value.dtype
        if value.weak:  # a literal stands alone: the run's float, or int32
            dtype = value.graph.float_dtype if dtype.kind == "f" else np.dtype(np.int32) if dtype.kind in "iu" else dtype
    return value.shape, np.dtype(dtype)


def _constant_grad(g, n):
    x = n.inputs[0]
    if is_float(x.dtype) and is_float(n.dtype):
        return (g if x.dtype == n.dtype else apply("cast", g, dtype=x.dtype),)
    return (None,)


register(
    "constant(value, dtype=None)",
    attrs=("dtype",),
    forward=lambda x, dtype=None: x if dtype is None else x.astype(dtype),
    infer=_constant_infer,
    grad=_constant_grad,
    rule="∂constant(x)/∂x = 1 (a cast between floats; none through an integer dtype)",
    doc="the value as a tensor, converted to dtype if given",
    domain=(-2.0, 2.0),
)


# ----- filled shapes -----

def _filled_infer(inputs, attrs, span):
    return static_shape(attrs["shape"], span), attrs["dtype"]


register(
    "zeros(shape, dtype=None)",
    attrs=("shape", "dtype"),
    forward=lambda shape, dtype: np.zeros(static_shape(shape, None), dtype),
    infer=_filled_infer,
    grad=NOT_DIFFERENTIABLE,
    doc="a tensor of zeros (dtype: the default float)",
    default_float=True,
    numpy=True,
)
register(
    "ones(shape, dtype=None)",
    attrs=("shape", "dtype"),
    forward=lambda shape, dtype: np.ones(static_shape(shape, None), dtype),
    infer=_filled_infer,
    grad=NOT_DIFFERENTIABLE,
    doc="a tensor of ones (dtype: the default float)",
    default_float=True,
    numpy=True,
)


def _eye_infer(inputs, attrs, span):
    rows = static_shape(attrs["num_rows"], span, "num_rows")
    columns = rows if attrs.get("num_columns") is None else static_shape(attrs["num_columns"], span, "num_columns")
    if len(rows) != 1 or len(columns) != 1:
        raise fail("E0306", "eye needs integer num_rows and num_columns", span)
    return rows + columns, attrs["dtype"]


register(
    "eye(num_rows, num_columns=None, dtype=None)",
    attrs=("num_rows", "num_columns", "dtype"),
    forward=lambda num_rows, num_columns=None, dtype=None: np.eye(int(num_rows), None if num_columns is None else int(num_columns), dtype=dtype),
    infer=_eye_infer,
    grad=NOT_DIFFERENTIABLE,
    doc="the identity matrix, num_rows x num_columns",
    default_float=True,
)


# ----- sequences -----

def _bounds(attrs):
    start, limit, delta = attrs["start"], attrs.get("limit"), attrs.get("delta", 1)
    if limit is None:  # range(n) counts from 0, as TensorFlow and Python
        start, limit = 0, start
    return start, limit, delta


def _any_float(attrs):
    return any(isinstance(v, (float, np.floating)) for v in _bounds(attrs))


def _range_count(start, limit, delta):
    return max(0, math.ceil((limit - start) / delta))


def _range_infer(inputs, attrs, span):
    start, limit, delta = _bounds(attrs)
    for name, v in zip(("start", "limit", "delta"), (start, limit, delta)):
        if not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, bool):
            raise fail("E0306", f"range's {name} must be a number, got {v!r}", span)
    if delta == 0:
        raise fail("E0311", "range's delta cannot be 0", span)
    dtype = attrs["dtype"] if attrs.get("dtype") is not None else np.dtype(np.int32)
    return (_range_count(start, limit, delta),), dtype


def _range(start, limit=None, delta=1, dtype=None):
    start, limit, delta = _bounds({"start": start, "limit": limit, "delta": delta})
    n = _range_count(start, limit, delta)
    return (start + delta * np.arange(n)).astype(dtype or np.int32)


register(
    "range(start, limit=None, delta=1, dtype=None)",
    attrs=("start", "limit", "delta", "dtype"),
    forward=_range,
    infer=_range_infer,
    grad=NOT_DIFFERENTIABLE,
    doc="start, start + delta, ... up to but not including limit (int32 unless a bound is a float)",
    default_float=_any_float,
)


def _linspace_infer(inputs, attrs, span):
    num = attrs["num"]
    if not isinstance(num, (int, np.integer)) or isinstance(num, bool) or num < 0:
        raise fail("E0306", f"linspace's num must be an integer of 0 or more, got {num!r}", span)
    return (int(num),), attrs["dtype"]


register(
    "linspace(start, stop, num)",
    attrs=("start", "stop", "num"),
    forward=lambda start, stop, num, dtype: np.linspace(start, stop, int(num), dtype=dtype),
    infer=_linspace_infer,
    grad=NOT_DIFFERENTIABLE,
    doc="num evenly spaced values from start to stop, both included",
    default_float=True,
    numpy=True,
)


# ----- random -----

def _rng(run_seed, stream, seed):
    return np.random.default_rng([int(run_seed), int(stream), int(seed or 0)])


def _random_infer(inputs, attrs, span):
    dtype = attrs["dtype"]
    if not is_float(dtype):
        raise fail("E0303", f"random values need a float dtype, got {dtype.name}", span)
    return static_shape(attrs["shape"], span), dtype


register(
    "random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None)",
    attrs=("shape", "mean", "stddev", "dtype", "seed"),
    forward=lambda shape, mean=0.0, stddev=1.0, dtype=None, seed=None, *, run_seed, stream: _rng(run_seed, stream, seed).normal(mean, stddev, static_shape(shape, None)).astype(dtype),
    infer=_random_infer,
    grad=NOT_DIFFERENTIABLE,
    doc="normal random values, reproducible for a given --seed",
    default_float=True,
    random=True,
)
register(
    "random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None)",
    attrs=("shape", "minval", "maxval", "dtype", "seed"),
    forward=lambda shape, minval=0.0, maxval=1.0, dtype=None, seed=None, *, run_seed, stream: _rng(run_seed, stream, seed).uniform(minval, maxval, static_shape(shape, None)).astype(dtype),
    infer=_random_infer,
    grad=NOT_DIFFERENTIABLE,
    doc="uniform random values in [minval, maxval), reproducible for a given --seed",
    default_float=True,
    random=True,
)
