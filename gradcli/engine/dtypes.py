"""Dtypes and static shapes: the facts every op rule and the graph share.

Shapes are tuples whose entries are ints or None (unknown until evaluation);
a shape of None means even the rank is unknown.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import fail
from ..source import Label

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


DTYPES = {
    "float32": np.dtype(np.float32),
    "float64": np.dtype(np.float64),
    "int32": np.dtype(np.int32),
    "int64": np.dtype(np.int64),
    "bool": np.dtype(np.bool_),
}


def is_float(dtype) -> bool:
    return dtype in FLOATS


def dtype_name(dtype) -> str:
    return np.dtype(dtype).name if dtype is not None else "?"


def shape_str(shape) -> str:
    if shape is None:
        return "[?]"
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def static_size(shape) -> int | None:
    """Number of elements when every dimension is known, else None."""
    if shape is None or None in shape:
        return None
    return math.prod(shape)


def broadcast_shapes(a, b, span=None, nodes=()):
    """NumPy broadcasting of static shapes with unknown (None) dimensions."""
    if a is None or b is None:
        return None
    if a == b and None not in a:
        return tuple(a)
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if da == 1:
            out.append(db)
        elif db == 1:
            out.append(da)
        elif da is None or db is None:
            out.append(da if db is None else db)
        elif da == db:
            out.append(da)
        else:
            raise shape_mismatch(a, b, span, nodes)
    return tuple(reversed(out))


def shape_mismatch(a, b, span, nodes=(), what="broadcast"):
    labels = [Label(x.span, shape_str(x.shape)) for x in nodes if x.span is not None]
    return fail(
        "E0302",
        f"shapes {shape_str(a)} and {shape_str(b)} cannot {what}",
        span,
        labels=labels,
        notes=["dimensions must be equal or 1, compared from the last one backwards"] if what == "broadcast" else [],
        help=["matmul(a, b) needs a's last dimension equal to b's second to last: transpose one side (transpose_a=/transpose_b=) or reshape it"]
        if what.startswith("multiply") else ["reshape, expand_dims or transpose a side so that the dimensions line up"],
    )
