"""Core array ops that gradient rules are built from: where, casts, reshapes, sums.
(matmul lives with the other products, in products.py.)"""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..dtypes import broadcast_shapes, is_float, shape_mismatch, shape_str, static_size
from ...errors import fail
from .broadcasting import unbroadcast
from ..registry import NOT_DIFFERENTIABLE, broadcasting, register, same_as_first

F = apply


# ----- where -----

def _where_infer(inputs, attrs, span):
    c, a, b = inputs
    if c.dtype != np.bool_:
        raise fail("E0303", f"where's condition must be bool, got {c.dtype.name}", c.span or span, help=["compare first, e.g. where(x > 0, a, b)"])
    shape = broadcast_shapes(broadcast_shapes(c.shape, a.shape, span, inputs), b.shape, span, inputs)
    return shape, a.dtype


def _where_grad(g, n):
    c, a, b = n.inputs
    zeros = F("zeros_like", g)
    return (None, unbroadcast(F("where", c, g, zeros), a), unbroadcast(F("where", c, zeros, g), b))


def _where_forward(c, a, b):
    return np.where(c, a, b)


register(
    "where(condition, x, y)",
    forward=_where_forward,
    infer=_where_infer,
    grad=_where_grad,
    rule="∂where(c,a,b)/∂a = 1 where c, ∂/∂b = 1 where not c",
    doc="elementwise choice: a where condition holds, else b",
    numpy=True,
    promote=1,  # a and b share a dtype like any binary op; the condition keeps its own
)

# ----- likes, casts, identity-like -----

register(
    "zeros_like(input, dtype=None)",
    attrs=("dtype",),
    forward=lambda x, dtype=None: np.zeros_like(x, dtype=dtype),
    infer=lambda i, a, s: (i[0].shape, a.get("dtype") or i[0].dtype),
    grad=NOT_DIFFERENTIABLE,
    doc="zeros of x's shape and dtype",
    numpy=True,
)
register(
    "ones_like(input, dtype=None)",
    attrs=("dtype",),
    forward=lambda x, dtype=None: np.ones_like(x, dtype=dtype),
    infer=lambda i, a, s: (i[0].shape, a.get("dtype") or i[0].dtype),
    grad=NOT_DIFFERENTIABLE,
    doc="ones of x's shape and dtype",
    numpy=True,
)


def _cast_grad(g, n):
    x = n.inputs[0]
    if is_float(x.dtype) and is_float(n.dtype):
        return (F("cast", g, dtype=x.dtype),)
    return (None,)  # an integer on either side: only float paths count


register(
    "cast(x, dtype)",
    attrs=("dtype",),
    forward=lambda x, dtype: x.astype(dtype),
    infer=lambda i, a, s: (i[0].shape, a["dtype"]),
    grad=_cast_grad,
    rule="∂cast(x)/∂x = 1 between float dtypes; none through an integer dtype",
    doc="x converted to dtype",
    domain=(-2.0, 2.0),
)
register(
    "stop_gradient(input)",
    forward=lambda x: x,
    infer=same_as_first,
    grad=NOT_DIFFERENTIABLE,
    rule="no gradient: the identity whose gradient is cut",
    doc="x, but gradients do not flow through it",
)


# ----- shapes -----

def _broadcast_to_infer(inputs, attrs, span):
    x = inputs[0]
    target = tuple(attrs["shape"])
    if x.shape is not None:
        if len(x.shape) > len(target) or broadcast_shapes(x.shape, target, span, inputs) != target:
            raise shape_mismatch(x.shape, target, span, inputs, what="broadcast to the target")
    return target, x.dtype


register(
    "broadcast_to(input, shape)",
    attrs=("shape",),
    forward=lambda x, shape: np.broadcast_to(x, tuple(shape)).copy(),
    infer=_broadcast_to_infer,
    grad=lambda g, n: (unbroadcast(g, n.inputs[0]),),
    rule="∂broadcast_to(x)/∂x = the adjoint summed over the broadcast axes",
    doc="x repeated along new or size-1 axes to shape",
    numpy=True,
)
register(
    "broadcast_like(input, like)",
    forward=lambda x, like: np.broadcast_to(x, np.shape(like)).copy(),
    infer=lambda i, a, s: (i[1].shape, i[0].dtype),
    grad=lambda g, n: (unbroadcast(g, n.inputs[0]), None),
    rule="∂/∂x = the adjoint summed over the broadcast axes",
    doc="x broadcast to the run-time shape of `like` (made by gradients)",
    tags=("internal",),
)


def _reshape_infer(inputs, attrs, span):
    x = inputs[0]
    target = [int(d) for d in attrs["shape"]]
    if target.count(-1) > 1:
        raise fail("E0306", "reshape's shape can have at most one -1", span)
    size = static_size(x.shape)
    known = int(np.prod([d for d in target if d != -1]))
    if -1 in target:
        if size is None:
            return tuple(None if d == -1 else d for d in target), x.dtype
        if known == 0 or size % known:
            raise fail("E0306", f"cannot reshape {shape_str(x.shape)} ({size} elements) into {shape_str(target)}", span)
        target[target.index(-1)] = size // known
    elif size is not None and size != known:
        raise fail("E0306", f"cannot reshape {shape_str(x.shape)} ({size} elements) into {shape_str(target)} ({known} elements)", span)
    return tuple(target), x.dtype


def _reshape_grad(g, n):
    x = n.inputs[0]
    if static_size(x.shape) is not None:
        return (F("reshape", g, shape=tuple(x.shape)),)
    return (F("reshape_like", g, x),)


register(
    "reshape(tensor, shape)",
    attrs=("shape",),
    forward=lambda x, shape: np.reshape(x, tuple(shape)),
    infer=_reshape_infer,
    grad=_reshape_grad,
    rule="∂reshape(x)/∂x = the adjoint reshaped back",
    doc="the same elements in a new shape (-1: inferred)",
    numpy=True,
)
register(
    "reshape_like(tensor, like)",
    forward=lambda x, like: np.reshape(x, np.shape(like)),
    infer=lambda i, a, s: (i[1].shape, i[0].dtype),
    grad=lambda g, n: (F("reshape_like", g, n.inputs[0]), None),
    rule="∂/∂x = the adjoint reshaped back",
    doc="x reshaped to the run-time shape of `like` (made by gradients)",
    tags=("internal",),
)


# ----- sums of many -----

def _add_n_infer(inputs, attrs, span):
    if not inputs:
        raise fail("E0307", "add_n needs at least one tensor", span)
    return broadcasting(inputs, attrs, span)


register(
    "add_n(values)",
    forward=lambda *xs: np.sum(np.stack(np.broadcast_arrays(*xs)), axis=0) if len(xs) > 2 else (xs[0] + xs[1] if len(xs) == 2 else xs[0].copy()),
    infer=_add_n_infer,
    grad=lambda g, n: tuple(unbroadcast(g, x) for x in n.inputs),
    rule="∂(a+b+...)/∂each = 1",
    doc="sum of a list of tensors",
    promote=True,
)


# ----- integer facts about a tensor -----

register("shape(input)", forward=lambda x: np.asarray(x.shape, np.int32), infer=lambda i, a, s: ((i[0].rank,), np.dtype(np.int32)), grad=NOT_DIFFERENTIABLE, doc="the shape as an int32 vector")
register("size(input)", forward=lambda x: np.asarray(x.size, np.int32), infer=lambda i, a, s: ((), np.dtype(np.int32)), grad=NOT_DIFFERENTIABLE, doc="the number of elements, int32")
register("rank(input)", forward=lambda x: np.asarray(x.ndim, np.int32), infer=lambda i, a, s: ((), np.dtype(np.int32)), grad=NOT_DIFFERENTIABLE, doc="the number of dimensions, int32")


def _fill_infer(inputs, attrs, span):
    dims = tuple(int(d) for d in attrs["dims"])
    if any(d < 0 for d in dims):
        raise fail("E0306", f"a shape cannot have negative dimensions: {shape_str(dims)}", span)
    return dims, inputs[0].dtype


register(
    "fill(dims, value)",
    attrs=("dims",),
    forward=lambda v, dims: np.full(tuple(dims), v, dtype=v.dtype),
    infer=_fill_infer,
    grad=lambda g, n: (F("reduce_sum", g),),
    rule="∂fill(dims, v)/∂v = sum of the adjoint",
    doc="a tensor of shape dims filled with value",
)
