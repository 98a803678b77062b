"""Axis ops: transpose, matrix_transpose, expand_dims and squeeze, and the helpers
the other shape-minded op modules (join_split, tile_pad, indexing, sums, sorting)
share: invalid, needs_known, one_axis, merge_shapes, take_index.

Every gradient here moves the adjoint back to where its elements came from,
with an op whose own gradient is the forward op again, so that gradients nest
to any order.
"""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..dtypes import shape_mismatch, shape_str
from ...errors import fail
from .array import _reshape_grad as reshape_back
from .reduce import normalize_axes
from ..registry import register

F = apply


def invalid(message, span, help=()):
    """E0311: a static argument no tensor of this shape can take."""
    return fail("E0311", message, span, help=list(help))


def needs_known(message, span, help=()):
    """E0313: a dimension must be known before evaluation to build the graph."""
    return fail("E0313", message, span, help=list(help))


def one_axis(axis, rank, span, new=False):
    """A single axis as a non-negative int; `new` counts the position after the last axis.
    None when the rank is unknown and the axis counts from the end."""
    if rank is None:
        return int(axis) if axis >= 0 else None
    if new:
        if not -rank - 1 <= axis <= rank:
            raise fail("E0304", f"axis {axis} is out of range for a new axis of a tensor of rank {rank}", span, help=[f"use an axis from {-rank - 1} to {rank}"])
        return int(axis) % (rank + 1)
    return normalize_axes(int(axis), rank, span)[0]


def merge_shapes(nodes, span, what):
    """The one shape several tensors must share; unknown dimensions take a known one's size."""
    shape = None
    for x in nodes:
        if x.shape is None:
            continue
        if shape is None:
            shape = x.shape
            continue
        if len(shape) != len(x.shape) or any(a is not None and b is not None and a != b for a, b in zip(shape, x.shape)):
            raise shape_mismatch(shape, x.shape, span, nodes, what=what)
        shape = tuple(a if a is not None else b for a, b in zip(shape, x.shape))
    return shape


def take_index(axis, rank, item):
    """An index tuple that applies `item` along `axis` (from the end when negative and the rank unknown)."""
    if axis >= 0:
        return (slice(None),) * axis + (item,)
    return (Ellipsis, item) + (slice(None),) * (-axis - 1)


# ----- transpose, expand_dims, squeeze -----

def _perm(perm, rank, span):
    perm = tuple(int(p) for p in perm)
    rank = len(perm) if rank is None else rank
    fixed = tuple(p % rank if -rank <= p < rank else p for p in perm) if rank else perm
    if sorted(fixed) != list(range(rank)):
        raise invalid(f"perm {list(perm)} is not a permutation of the {rank} axes", span, help=[f"list each of 0 to {rank - 1} once"] if rank else [])
    return fixed


def _transpose_infer(inputs, attrs, span):
    x, perm = inputs[0], attrs.get("perm")
    if perm is None:
        return (None if x.shape is None else tuple(reversed(x.shape))), x.dtype
    perm = _perm(perm, x.rank, span)
    return (tuple(None for _ in perm) if x.shape is None else tuple(x.shape[p] for p in perm)), x.dtype


def _transpose_grad(g, n):
    perm = n.attrs.get("perm")
    if perm is None:
        return (F("transpose", g),)
    return (F("transpose", g, perm=tuple(int(i) for i in np.argsort(_perm(perm, None, None)))),)


register(
    "transpose(a, perm=None)",
    attrs=("perm",),
    forward=lambda x, perm=None: np.transpose(x, None if perm is None else tuple(perm)),
    infer=_transpose_infer,
    grad=_transpose_grad,
    rule="∂transpose(x)/∂x = the adjoint transposed by the inverse permutation",
    doc="axes permuted by perm (reversed by default)",
    numpy=True,
    domain=(-2.0, 2.0),
)
def _matrix_transpose_infer(inputs, attrs, span):
    x = inputs[0]
    if x.rank is not None and x.rank < 2:
        raise fail("E0302", f"matrix_transpose needs matrices (rank 2 or more), got a tensor of shape {shape_str(x.shape)}", x.span or span)
    return (None if x.shape is None else x.shape[:-2] + (x.shape[-1], x.shape[-2])), x.dtype


register(
    "matrix_transpose(a)",
    forward=lambda x: np.swapaxes(x, -1, -2),
    infer=_matrix_transpose_infer,
    grad=lambda g, n: (F("matrix_transpose", g),),
    rule="∂xᵀ/∂x = the adjoint transposed back",
    doc="the last two axes swapped (batched matrix transpose)",
    domain=(-2.0, 2.0),
    test_shapes=(((2, 3),), ((2, 3, 4),)),
)


def _expand_dims_infer(inputs, attrs, span):
    x = inputs[0]
    axis = one_axis(attrs["axis"], x.rank, span, new=True)
    if x.shape is None:
        return None, x.dtype
    return x.shape[:axis] + (1,) + x.shape[axis:], x.dtype


register(
    "expand_dims(input, axis)",
    attrs=("axis",),
    forward=lambda x, axis: np.expand_dims(x, int(axis)),
    infer=_expand_dims_infer,
    # a negative axis names the same position counted from the end of the output
    grad=lambda g, n: (F("squeeze", g, axis=n.attrs["axis"]),),
    rule="∂expand_dims(x)/∂x = the adjoint with that axis squeezed out",
    doc="x with a new axis of size 1 inserted at axis",
    numpy=True,
    domain=(-2.0, 2.0),
)


def _squeeze_axes(axis):
    return None if axis is None else (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)


def _squeeze_infer(inputs, attrs, span):
    x, axes = inputs[0], _squeeze_list(attrs.get("axis"))
    if x.shape is None:
        return None, x.dtype
    if axes is None:
        if None in x.shape:
            return None, x.dtype  # which axes go depends on the run-time shape
        return tuple(d for d in x.shape if d != 1), x.dtype
    axes = normalize_axes(axes, x.rank, span)
    for a in axes:
        if x.shape[a] not in (1, None):
            raise invalid(f"cannot squeeze axis {a} of a {shape_str(x.shape)} tensor: its size is {x.shape[a]}", span, help=["only axes of size 1 can be squeezed"])
    return tuple(d for i, d in enumerate(x.shape) if i not in axes), x.dtype


def _squeeze_list(axis):
    """squeeze's axis: None and [] (TensorFlow's default) both mean every size-1 axis."""
    axes = _squeeze_axes(axis)
    return None if axes == () else axes


register(
    "squeeze(input, axis=None)",
    attrs=("axis",),
    forward=lambda x, axis=None: np.squeeze(x, _squeeze_list(axis)),
    infer=_squeeze_infer,
    grad=lambda g, n: reshape_back(g, n),
    rule="∂squeeze(x)/∂x = the adjoint reshaped back",
    doc="x without its axes of size 1 (or only those listed)",
    numpy=True,
    domain=(-2.0, 2.0),
    test_shapes=(((1, 3),), ((2, 1, 3),)),
)
