"""Sorting: top_k (values and indices), sort and argsort along the last axis or any axis.

The values are x read at the chosen indices (take_along_axis), whose gradient puts the
adjoint back at those indices (put_along_axis) and whose gradient is the read again.
Ties keep the lower index first, as TensorFlow's top_k and stable sorts do.
"""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..dtypes import shape_str
from ...errors import fail
from .structure import invalid, one_axis
from ..registry import NOT_DIFFERENTIABLE, register

F = apply


def _order(x, axis, descending):
    """Stable order along axis: ascending, or descending with ties in index order."""
    if descending:
        keys = -x if x.dtype.kind == "f" else -(x.astype(np.int64))
        return np.argsort(keys, axis=axis, kind="stable")
    return np.argsort(x, axis=axis, kind="stable")


def _argsort_infer(inputs, attrs, span):
    x = inputs[0]
    if x.rank is not None:
        if x.rank == 0:
            raise fail("E0302", "sorting needs a tensor of rank 1 or more, got a scalar", x.span or span)
        one_axis(attrs.get("axis", -1), x.rank, span)
    direction = attrs.get("direction", "ASCENDING")
    if direction not in ("ASCENDING", "DESCENDING"):
        raise invalid(f"direction must be \"ASCENDING\" or \"DESCENDING\", got {direction!r}", span)
    return x.shape, np.dtype(np.int32)


register(
    "argsort(values, axis=-1, direction=\"ASCENDING\", stable=False)",
    attrs=("axis", "direction", "stable"),
    single=("values",),
    forward=lambda x, axis=-1, direction="ASCENDING", stable=False: _order(x, int(axis), direction == "DESCENDING").astype(np.int32),
    infer=_argsort_infer,
    grad=NOT_DIFFERENTIABLE,
    doc="int32 indices that sort values along axis (ties in index order)",
)


def _take_infer(inputs, attrs, span):
    x, idx = inputs
    return idx.shape, x.dtype


register(
    "take_along_axis(arr, indices, axis)",
    attrs=("axis",),
    forward=lambda x, idx, axis: np.take_along_axis(x, idx.astype(np.intp), axis=int(axis)),
    infer=_take_infer,
    grad=lambda g, n: (F("put_along_axis", g, n.inputs[1], n.inputs[0], axis=n.attrs["axis"]), None),
    rule="∂/∂arr = the adjoint put back at the indices (duplicates summed)",
    doc="arr read at indices along axis (made by sort and top_k)",
    tags=("internal",),
)


def _put_along_axis(g, idx, like, axis):
    axis = int(axis) % like.ndim
    out = np.zeros(like.shape, g.dtype)
    grid = list(np.indices(idx.shape, sparse=True))
    grid[axis] = idx.astype(np.intp)
    np.add.at(out, tuple(grid), g)
    return out


register(
    "put_along_axis(t, indices, like, axis)",
    attrs=("axis",),
    forward=_put_along_axis,
    infer=lambda i, a, s: (i[2].shape, i[0].dtype),
    grad=lambda g, n: (F("take_along_axis", g, n.inputs[1], axis=n.attrs["axis"]), None, None),
    rule="∂/∂t = the adjoint read at the indices",
    doc="t added into zeros shaped like `like` at indices along axis (made by gradients)",
    tags=("internal",),
)


def _sort(graph, inputs, attrs, span):
    (x,) = inputs
    axis = attrs.get("axis", -1)
    order = graph.apply("argsort", (x,), {"axis": axis, "direction": attrs.get("direction", "ASCENDING")}, span)
    return graph.apply("take_along_axis", (x, order), {"axis": axis}, span)


register(
    "sort(values, axis=-1, direction=\"ASCENDING\")",
    attrs=("axis", "direction"),
    single=("values",),
    lister=_sort,
    rule="∂/∂values = the adjoint sent back to where each value came from",
    doc="values sorted along axis",
)


def _top_k_indices_infer(inputs, attrs, span):
    x = inputs[0]
    k = attrs.get("k", 1)
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 0:
        raise invalid(f"top_k's k must be a whole number of 0 or more, got {k!r}", span)
    if x.rank == 0:
        raise fail("E0302", "top_k needs a tensor of rank 1 or more, got a scalar", x.span or span)
    if x.shape is None:
        return None, np.dtype(np.int32)
    if x.shape[-1] is not None and k > x.shape[-1]:
        raise invalid(f"top_k's k={k} is more than the {x.shape[-1]} elements of the last axis of {shape_str(x.shape)}", span)
    return tuple(x.shape[:-1]) + (int(k),), np.dtype(np.int32)


register(
    "top_k_indices(input, k=1)",
    attrs=("k",),
    forward=lambda x, k=1: _order(x, -1, True)[..., : int(k)].astype(np.int32),
    infer=_top_k_indices_infer,
    grad=NOT_DIFFERENTIABLE,
    doc="the int32 indices of the k largest elements along the last axis (made by top_k)",
    tags=("internal",),
)


def _top_k(graph, inputs, attrs, span):
    (x,) = inputs
    indices = graph.apply("top_k_indices", (x,), {"k": attrs.get("k", 1)}, span)
    return [graph.apply("take_along_axis", (x, indices), {"axis": -1}, span), indices]


register(
    "top_k(input, k=1, sorted=True)",
    attrs=("k", "sorted"),
    lister=_top_k,
    rule="values: the adjoint sent back to the selected elements; indices: no gradient",
    doc="[values, indices] of the k largest elements along the last axis, largest first (ties: lower index first)",
)
