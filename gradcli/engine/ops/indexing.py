"""Picking elements: indexing and slicing, gather, one_hot, and the integer
results argmax, argmin and unique.

getitem and gather send their adjoint back with ops whose own gradient is the
forward op again (getitem_grad, gather_grad), so gradients nest to any order.
"""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..dtypes import shape_str
from ...errors import fail
from ..registry import NO_GRADIENT, NOT_DIFFERENTIABLE, register
from .structure import invalid, one_axis

F = apply  # gradient rules read `F("op", ...)`


# ----- indexing: getitem and gather -----

def _index_tuple(index):
    return tuple(index) if isinstance(index, (tuple, list)) else (index,)


def _getitem_infer(inputs, attrs, span):
    x, index = inputs[0], _index_tuple(attrs["index"])
    for item in index:
        if not (item is None or item is Ellipsis or isinstance(item, (slice, int, np.integer))) or isinstance(item, bool):
            raise invalid(f"unsupported index {item!r}", span, help=["use integers, slices, None and ..."])
        if isinstance(item, slice) and item.step == 0:
            raise invalid("slice step cannot be zero", span)
    if sum(item is Ellipsis for item in index) > 1:
        raise invalid("an index can hold only one ellipsis (...)", span)
    consumed = sum(item is not None and item is not Ellipsis for item in index)
    if x.shape is None:
        return None, x.dtype
    if consumed > x.rank:
        raise fail("E0309", f"too many indices for a tensor of rank {x.rank}: {consumed} given", span)
    if Ellipsis in index:
        k = index.index(Ellipsis)
        index = index[:k] + (slice(None),) * (x.rank - consumed) + index[k + 1:]
    else:
        index = index + (slice(None),) * (x.rank - consumed)
    out, axis = [], 0
    for item in index:
        if item is None:
            out.append(1)
            continue
        d = x.shape[axis]
        if isinstance(item, slice):
            out.append(None if d is None else len(range(*item.indices(d))))
        elif d is not None and not -d <= item < d:
            raise fail("E0309", f"index {item} is out of range for axis {axis} of size {d}", span, help=[f"use an index from {-d} to {d - 1}"] if d else [])
        axis += 1
    return tuple(out), x.dtype


def _getitem_grad_forward(g, like, index):
    out = np.zeros(like.shape, g.dtype)
    out[_index_tuple(index)] = g  # basic indexing: no element is picked twice
    return out


register(
    "getitem(input, index)",
    attrs=("index",),
    forward=lambda x, index: x[_index_tuple(index)],
    infer=_getitem_infer,
    grad=lambda g, n: (F("getitem_grad", g, n.inputs[0], index=n.attrs["index"]),),
    rule="∂x[i]/∂x = the adjoint placed at i, zeros elsewhere",
    doc="indexing and slicing x[...] with integers, slices, None (new axis) and an ellipsis",
)
register(
    "getitem_grad(t, like, index)",
    attrs=("index",),
    forward=_getitem_grad_forward,
    infer=lambda i, a, s: (i[1].shape, i[0].dtype),
    grad=lambda g, n: (F("getitem", g, index=n.attrs["index"]), None),
    rule="∂/∂t = the adjoint indexed again",
    doc="zeros shaped like `like` with t placed at index (made by gradients)",
    tags=("internal",),
)


def _int_indices(indices, span, what):
    if indices.dtype.kind not in "iu":
        raise fail("E0303", f"{what} must be integers, got {indices.dtype.name}", indices.span or span, help=["convert them with cast(..., int32)"])


def _gather_infer(inputs, attrs, span):
    params, indices = inputs
    _int_indices(indices, span, "gather's indices")
    axis = one_axis(attrs.get("axis", 0), params.rank, span)
    if params.shape is None or indices.shape is None or axis is None:
        return None, params.dtype
    size = params.shape[axis]
    if size is not None and indices.op.name == "constant_value":
        bad = [int(i) for i in np.ravel(indices.attrs["value"]) if not 0 <= i < size]
        if bad:
            raise fail("E0309", f"gather index {bad[0]} is out of range for axis {axis} of size {size}", indices.span or span, help=[f"use indices from 0 to {size - 1}"] if size else [])
    return params.shape[:axis] + tuple(indices.shape) + params.shape[axis + 1:], params.dtype


def _gather(params, indices, axis=0):
    axis = int(axis) % max(params.ndim, 1)
    size = params.shape[axis]
    bad = indices[(indices < 0) | (indices >= size)]
    if bad.size:
        raise IndexError(f"index {bad.flat[0]} is out of range for axis {axis} of size {size}")
    return np.take(params, indices, axis=axis)


def _gather_grad_forward(g, indices, like, axis=0):
    axis = int(axis) % max(like.ndim, 1)
    out = np.zeros(like.shape, g.dtype)
    k = indices.ndim
    updates = np.moveaxis(g, tuple(range(axis, axis + k)), tuple(range(k)))
    np.add.at(np.moveaxis(out, axis, 0), indices, updates)  # duplicates add up
    return out


register(
    "gather(params, indices, axis=0)",
    attrs=("axis",),
    forward=_gather,
    infer=_gather_infer,
    grad=lambda g, n: (F("gather_grad", g, n.inputs[1], n.inputs[0], axis=n.attrs.get("axis", 0)), None),
    rule="∂gather(x, i)/∂x = the adjoint added into zeros at i (duplicates summed)",
    doc="the slices of params at integer indices along axis",
)
register(
    "gather_grad(t, indices, like, axis=0)",
    attrs=("axis",),
    forward=_gather_grad_forward,
    infer=lambda i, a, s: (i[2].shape, i[0].dtype),
    grad=lambda g, n: (F("gather", g, n.inputs[1], axis=n.attrs.get("axis", 0)), None, None),
    rule="∂/∂t = the adjoint gathered at the same indices",
    doc="t added into zeros shaped like `like` at indices, duplicates summed (made by gradients)",
    tags=("internal",),
)


def _one_hot_infer(inputs, attrs, span):
    indices = inputs[0]
    _int_indices(indices, span, "one_hot's indices")
    depth = int(attrs["depth"])
    if depth < 0:
        raise invalid(f"one_hot depth must be 0 or more, got {depth}", span)
    return (None if indices.shape is None else tuple(indices.shape) + (depth,)), attrs["dtype"]


register(
    "one_hot(indices, depth, on_value=1.0, off_value=0.0, dtype=None)",
    attrs=("depth", "on_value", "off_value", "dtype"),
    forward=lambda i, depth, on_value=1.0, off_value=0.0, dtype=None: np.where(i[..., None] == np.arange(int(depth)), on_value, off_value).astype(dtype),
    infer=_one_hot_infer,
    grad=NOT_DIFFERENTIABLE,
    doc="a new last axis of size depth: on_value at each index, off_value elsewhere",
    default_float=True,
)


# ----- index results: argmax, argmin, unique -----

def _arg_infer(inputs, attrs, span):
    x = inputs[0]
    if x.shape is None:
        return None, np.dtype(np.int64)
    axis = one_axis(attrs.get("axis", 0), x.rank, span)
    return x.shape[:axis] + x.shape[axis + 1:], np.dtype(np.int64)


for _name, _fn, _what in (("argmax", np.argmax, "largest"), ("argmin", np.argmin, "smallest")):
    register(
        f"{_name}(input, axis=0)",
        attrs=("axis",),
        forward=lambda x, axis=0, fn=_fn: fn(x, axis=int(axis)).astype(np.int64),
        infer=_arg_infer,
        grad=NOT_DIFFERENTIABLE,
        doc=f"int64 index of the {_what} element along axis (axis 0 by default, as TensorFlow)",
    )


def _unique(x):
    _, first = np.unique(x, return_index=True)
    return x[np.sort(first)]


def _unique_infer(inputs, attrs, span):
    x = inputs[0]
    if x.rank is not None and x.rank != 1:
        raise invalid(f"unique needs a vector, got a tensor of shape {shape_str(x.shape)}", span, help=["flatten it first with reshape(x, [-1])"])
    return (None,), x.dtype


register(
    "unique(x)",
    forward=_unique,
    infer=_unique_infer,
    grad=NO_GRADIENT,
    rule="no gradient rule: a path through it is an error, as TensorFlow's LookupError",
    doc="the distinct values of a vector, in order of first occurrence (length known only at run time)",
)


# ----- gather_nd and segment sums: gathers and their adjoints (scatters that add) -----

def _gather_nd_infer(inputs, attrs, span):
    params, indices = inputs
    _int_indices(indices, span, "gather_nd's indices")
    if attrs.get("batch_dims", 0):
        raise invalid("gather_nd with batch_dims is not supported", span, help=["leave batch_dims at 0"])
    if indices.rank == 0:
        raise fail("E0302", "gather_nd's indices need a last axis of coordinates (rank 1 or more)", indices.span or span)
    if params.shape is None or indices.shape is None:
        return None, params.dtype
    depth = indices.shape[-1]
    if depth is None:
        return None, params.dtype
    if depth > len(params.shape):
        raise fail("E0309", f"gather_nd's indices have {depth} coordinates for a tensor of rank {len(params.shape)}", span)
    return tuple(indices.shape[:-1]) + tuple(params.shape[depth:]), params.dtype


def _nd_index(indices, shape):
    depth = indices.shape[-1]
    for k in range(depth):
        bad = indices[..., k][(indices[..., k] < 0) | (indices[..., k] >= shape[k])]
        if bad.size:
            raise IndexError(f"index {bad.flat[0]} is out of range for axis {k} of size {shape[k]}")
    return tuple(indices[..., k] for k in range(depth))


def _gather_nd(params, indices, batch_dims=0):
    return params[_nd_index(indices, params.shape)]


def _gather_nd_grad(g, indices, like, batch_dims=0):
    out = np.zeros(like.shape, g.dtype)
    np.add.at(out, _nd_index(indices, like.shape), g)
    return out


register(
    "gather_nd(params, indices, batch_dims=0)",
    attrs=("batch_dims",),
    forward=_gather_nd,
    infer=_gather_nd_infer,
    grad=lambda g, n: (F("gather_nd_grad", g, n.inputs[1], n.inputs[0]), None),
    rule="∂gather_nd(x, i)/∂x = the adjoint added into zeros at i (duplicates summed)",
    doc="the elements or slices of params at the coordinates in the last axis of indices",
)
register(
    "gather_nd_grad(t, indices, like)",
    forward=_gather_nd_grad,
    infer=lambda i, a, s: (i[2].shape, i[0].dtype),
    grad=lambda g, n: (F("gather_nd", g, n.inputs[1]), None, None),
    rule="∂/∂t = the adjoint gathered at the same coordinates",
    doc="t added into zeros shaped like `like` at coordinates (made by gradients)",
    tags=("internal",),
)


def _segment_ids(ids, data_shape, span, what):
    _int_indices(ids, span, f"{what}'s segment_ids")
    if ids.shape is not None and data_shape is not None:
        if len(ids.shape) > len(data_shape) or any(a is not None and b is not None and a != b for a, b in zip(ids.shape, data_shape)):
            raise fail("E0302", f"{what}'s segment_ids of shape {shape_str(ids.shape)} must match the leading axes of data {shape_str(data_shape)}", span)


def _segment_sum_infer(inputs, attrs, span):
    data, ids = inputs
    _segment_ids(ids, data.shape, span, "segment_sum")
    if ids.rank is not None and ids.rank != 1:
        raise fail("E0302", "segment_sum's segment_ids must be a vector", ids.span or span)
    count = None
    if ids.op.name == "constant_value":
        value = ids.attrs["value"]
        count = int(value.max()) + 1 if value.size else 0
    return (None if data.shape is None else (count,) + tuple(data.shape[1:])), data.dtype


def _segment_sum(data, ids):
    if ids.size and ((ids < 0).any() or (np.diff(ids) < 0).any()):
        raise ValueError("segment_ids must be sorted and non-negative")
    out = np.zeros((int(ids.max()) + 1 if ids.size else 0,) + data.shape[1:], data.dtype)
    np.add.at(out, ids, data)
    return out


register(
    "segment_sum(data, segment_ids)",
    forward=_segment_sum,
    infer=_segment_sum_infer,
    grad=lambda g, n: (F("gather", g, n.inputs[1]), None),
    rule="∂segment_sum(x)/∂x = the adjoint of each element's segment (a gather)",
    doc="sums of the rows of data with the same (sorted) segment id; max(id) + 1 rows",
    numpy=False,
)


def _unsorted_infer(inputs, attrs, span):
    data, ids = inputs
    _segment_ids(ids, data.shape, span, "unsorted_segment_sum")
    num = attrs["num_segments"]
    if not isinstance(num, (int, np.integer)) or isinstance(num, bool) or num < 0:
        raise invalid(f"num_segments must be a whole number of 0 or more, got {num!r}", span)
    if data.shape is None or ids.shape is None:
        return None, data.dtype
    return (int(num),) + tuple(data.shape[len(ids.shape):]), data.dtype


def _unsorted_segment_sum(data, ids, num_segments):
    out = np.zeros((int(num_segments),) + data.shape[ids.ndim:], data.dtype)
    keep = (ids >= 0) & (ids < num_segments)  # TensorFlow drops negative ids
    if (ids >= num_segments).any():
        raise IndexError(f"segment id {ids[ids >= num_segments].flat[0]} is out of range for {num_segments} segments")
    np.add.at(out, ids[keep], data[keep])
    return out


def _unsorted_grad(g, n):
    data, ids = n.inputs
    # gather's indices must be in range: negative ids (dropped) read a zero row appended at the end
    num = n.attrs["num_segments"]
    padded = F("concat", g, F("zeros_like", F("getitem", g, index=(slice(0, 1),))), axis=0)
    safe = F("where", F("less", ids, 0), F("zeros_like", ids) + num, ids)
    return (F("gather", padded, safe), None)


register(
    "unsorted_segment_sum(data, segment_ids, num_segments)",
    attrs=("num_segments",),
    forward=_unsorted_segment_sum,
    infer=_unsorted_infer,
    grad=_unsorted_grad,
    rule="∂/∂data = the adjoint of each element's segment (a gather; 0 for negative ids)",
    doc="sums of the elements of data with the same segment id, in num_segments rows (ids in any order)",
)


def _scatter_nd(graph, inputs, attrs, span):
    """tf.scatter_nd(indices, updates, shape): gather_nd's adjoint by TensorFlow's name (public,
    so that grad --formula can write gather_nd's gradient with it). shape is shape(x) or a list."""
    from ..registry import CONSTANT  # noqa: PLC0415 - the leaf marker, next to register

    indices, updates, shape = inputs
    if shape.op.name == "shape":
        like = shape.inputs[0]
    elif shape.op is CONSTANT and shape.attrs["value"].ndim == 1 and shape.attrs["value"].dtype.kind in "iu" and (shape.attrs["value"] >= 0).all():
        like = graph.constant(np.zeros(tuple(int(v) for v in shape.attrs["value"]), graph.float_dtype), span=span)
    else:
        raise fail("E0214", "scatter_nd's shape must be known before evaluation: a list of sizes, or shape(x)", shape.span or span,
                   help=["write the shape as a list such as [3, 2], or as shape(x) of the tensor it is the shape of"])
    if indices.shape is not None and like.shape is not None and updates.shape is not None and indices.shape and indices.shape[-1] is not None:
        expected = tuple(indices.shape[:-1]) + tuple(like.shape[indices.shape[-1]:])
        if len(expected) != len(updates.shape) or any(a is not None and b is not None and a != b for a, b in zip(expected, updates.shape)):
            raise fail("E0302", f"scatter_nd's updates have shape {shape_str(updates.shape)}, but indices and shape need {shape_str(expected)}", updates.span or span)
    return graph.apply("gather_nd_grad", (updates, indices, like), {}, span)


register(
    "scatter_nd(indices, updates, shape)",
    lister=_scatter_nd,
    rule="the adjoint of gather_nd (gather_nd_grad): ∂/∂updates = the adjoint gathered at indices",
    doc="updates added into zeros of the given shape (shape(x) or a list) at the coordinates of indices (duplicates summed)",
)
