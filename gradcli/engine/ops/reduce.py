"""Reductions over axes: one shape rule, one way to send a gradient back."""
from __future__ import annotations

import numpy as np

from ..graph import Node, apply
from ..dtypes import static_size
from ...errors import fail
from ..registry import NO_GRADIENT, float_only, register

F = apply


def normalize_axes(axis, rank, span=None) -> tuple[int, ...] | None:
    """Axes as sorted non-negative ints; None (all axes) stays None when rank is unknown."""
    if axis is None:
        return None if rank is None else tuple(range(rank))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if rank is None:
        if any(a < 0 for a in axes):
            return None
        return tuple(sorted(set(int(a) for a in axes)))
    out = []
    for a in axes:
        if not -rank <= a < rank:
            raise fail("E0304", f"axis {a} is out of range for a tensor of rank {rank}", span, help=[f"use an axis from {-rank} to {rank - 1}" if rank else "a scalar has no axes"])
        out.append(int(a) % rank)
    if len(set(out)) != len(out):
        raise fail("E0304", f"axis {list(axes)} names an axis twice", span)
    return tuple(sorted(out))


def reduced_shape(shape, axes, keepdims):
    if shape is None or axes is None:
        return None
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _reduce_infer(inputs, attrs, span):
    x = inputs[0]
    axes = normalize_axes(attrs.get("axis"), x.rank, span)
    return reduced_shape(x.shape, axes, attrs.get("keepdims", False)), x.dtype


def _np_axis(x, axis):
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return tuple(int(a) % max(x.ndim, 1) for a in axes)


def restore(g: Node, x: Node, axis, keepdims) -> Node:
    """The gradient of a reduction, broadcast back to the input's shape."""
    if static_size(x.shape) is not None:
        axes = normalize_axes(axis, x.rank)
        if not keepdims:
            g = F("reshape", g, shape=reduced_shape(x.shape, axes, True))
        return F("broadcast_to", g, shape=tuple(x.shape))
    return F("unreduce", g, x, axis=axis, keepdims=keepdims)


def _unreduce(g, like, axis, keepdims):
    axes = _np_axis(like, axis)
    if axes is None:
        axes = tuple(range(like.ndim))
    if not keepdims:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, like.shape).copy()


register(
    "unreduce(t, like, axis=None, keepdims=False)",
    attrs=("axis", "keepdims"),
    forward=_unreduce,
    infer=lambda i, a, s: (i[1].shape, i[0].dtype),
    grad=lambda g, n: (F("reduce_sum", g, axis=n.attrs["axis"], keepdims=n.attrs["keepdims"]), None),
    doc="broadcast a reduction's gradient back to the run-time shape of `like` (made by gradients)",
    rule="∂/∂t = reduce_sum of the adjoint over the same axes",
    tags=("internal",),
)


def reduction(name, forward, grad, rule, doc, aliases=(), domain=(-2.0, 2.0), floats=False):
    register(
        f"{name}(input_tensor, axis=None, keepdims=False)",
        attrs=("axis", "keepdims"),
        forward=lambda x, axis=None, keepdims=False: np.asarray(forward(x, axis=_np_axis(x, axis), keepdims=keepdims), dtype=x.dtype),
        infer=float_only(_reduce_infer) if floats else _reduce_infer,
        grad=grad,
        rule=rule,
        doc=doc,
        aliases=aliases,
        domain=domain,
        numpy=True,
    )


def _sum_grad(g, n):
    return (restore(g, n.inputs[0], n.attrs.get("axis"), n.attrs.get("keepdims", False)),)


def _count(x: Node, axis) -> Node | float:
    """How many elements each output of a reduction over `axis` summed."""
    if static_size(x.shape) is not None:
        axes = normalize_axes(axis, x.rank)
        return float(np.prod([x.shape[a] for a in axes])) if axes else 1.0
    return F("cast", F("size", x), dtype=x.dtype) / F("cast", F("size", F("reduce_sum", x, axis=axis)), dtype=x.dtype)


def _mean_grad(g, n):
    x = n.inputs[0]
    return (restore(g, x, n.attrs.get("axis"), n.attrs.get("keepdims", False)) / _count(x, n.attrs.get("axis")),)


def _extreme_grad(g, n):
    # the gradient is split evenly among tied elements, as TensorFlow does
    x = n.inputs[0]
    axis, keepdims = n.attrs.get("axis"), n.attrs.get("keepdims", False)
    y = restore(n, x, axis, keepdims)
    hit = F("cast", F("equal", x, y), dtype=x.dtype)
    ties = restore(F("reduce_sum", hit, axis=axis, keepdims=keepdims), x, axis, keepdims)
    return (restore(g, x, axis, keepdims) * hit / ties,)


def _prod_grad(g, n):
    # the product of the others, without dividing by x: exact with zeros among the elements
    x = n.inputs[0]
    axis, keepdims = n.attrs.get("axis"), n.attrs.get("keepdims", False)
    others = F("prod_of_others", x, axis=axis)
    return (restore(g, x, axis, keepdims) * others,)


def _logsumexp_grad(g, n):
    x = n.inputs[0]
    axis, keepdims = n.attrs.get("axis"), n.attrs.get("keepdims", False)
    return (restore(g, x, axis, keepdims) * F("exp", x - restore(n, x, axis, keepdims)),)


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros((), x.dtype)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


reduction("reduce_sum", np.sum, _sum_grad, "∂sum(x)/∂x = 1 for every element", "sum of elements", aliases=("sum",))
reduction("reduce_mean", np.mean, _mean_grad, "∂mean(x)/∂x = 1/n for every element", "mean of elements", aliases=("mean",), floats=True)
reduction("reduce_max", np.max, _extreme_grad, "∂max(x)/∂x = 1 at the maximum (split evenly among ties)", "largest element", aliases=("max", "amax"))
reduction("reduce_min", np.min, _extreme_grad, "∂min(x)/∂x = 1 at the minimum (split evenly among ties)", "smallest element", aliases=("min", "amin"))
reduction("reduce_prod", np.prod, _prod_grad, "∂prod(x)/∂xᵢ = product of the other elements", "product of elements", aliases=("prod",))
reduction("reduce_logsumexp", _logsumexp, _logsumexp_grad, "∂logsumexp(x)/∂x = softmax(x)", "log(sum(exp(x))), computed stably", aliases=("logsumexp",), floats=True)


def _prod_of_others(x, axis=None):
    """For each element, the product of the others along the reduced axes (no division)."""
    axes = _np_axis(x, axis)
    if axes is None:
        axes = tuple(range(x.ndim))
    if not axes:
        return np.ones_like(x)
    moved = np.moveaxis(x, axes, range(-len(axes), 0))
    lead = moved.shape[: moved.ndim - len(axes)]
    flat = moved.reshape(lead + (-1,))
    ones = np.ones(lead + (1,), x.dtype)
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.flip(np.cumprod(np.concatenate([ones, np.flip(flat, -1)[..., :-1]], axis=-1), axis=-1), -1)
    out = (before * after).reshape(moved.shape)
    return np.moveaxis(out, range(-len(axes), 0), axes)


def _prod_of_others_grad(g, n):
    return (F("prod_of_others_vjp", g, n.inputs[0], axis=n.attrs.get("axis")), None)


def _prod_of_others_vjp(g, x, axis=None):
    """Σ_{i≠j} gᵢ · (product of all but xᵢ and xⱼ), for each j: exact with zeros among the x.

    For each j, the products of the others of x with xⱼ set to 1 are, at i ≠ j,
    the products of all but i and j. That is O(n²) in the reduced size; it is
    only met in second derivatives of reduce_prod.
    """
    axes = _np_axis(x, axis)
    if axes is None:
        axes = tuple(range(x.ndim))
    if not axes:
        return np.zeros_like(x)
    lead = x.ndim - len(axes)
    moved_x = np.moveaxis(x, axes, range(lead, x.ndim))
    moved_g = np.moveaxis(g, axes, range(lead, x.ndim))
    shape = moved_x.shape
    size = int(np.prod(shape[lead:]))
    flat_x = moved_x.reshape(shape[:lead] + (size,))
    flat_g = moved_g.reshape(shape[:lead] + (size,))
    eye = np.eye(size, dtype=bool)
    pinned = np.where(eye, 1, flat_x[..., None, :])  # row j: x with xⱼ set to 1
    pair = _prod_of_others(pinned, axis=-1)  # [..., j, i]: product of all but i and j (i ≠ j)
    pair = np.where(eye, 0, pair)
    out = (pair * flat_g[..., None, :]).sum(axis=-1)
    return np.moveaxis(out.reshape(shape), range(lead, x.ndim), axes)


register(
    "prod_of_others(x, axis=None)",
    attrs=("axis",),
    forward=_prod_of_others,
    infer=lambda i, a, s: (i[0].shape, i[0].dtype),
    grad=_prod_of_others_grad,
    doc="each element's product of the other elements along axis (made by gradients of reduce_prod)",
    rule="∂/∂xⱼ = Σᵢ product of all but xᵢ and xⱼ",
    tags=("internal",),
)
register(
    "prod_of_others_vjp(t, x, axis=None)",
    attrs=("axis",),
    forward=_prod_of_others_vjp,
    infer=lambda i, a, s: (i[1].shape, i[1].dtype),
    grad=NO_GRADIENT,  # a third derivative of reduce_prod: say so rather than guess
    doc="the adjoint of prod_of_others (made by second derivatives of reduce_prod)",
    rule="no gradient rule: third derivatives of reduce_prod are not supported",
    tags=("internal",),
)
