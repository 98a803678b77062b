"""Reductions over axes: one shape rule, one way to send a gradient back."""
from __future__ import annotations

import numpy as np

from ..graph import Node, apply
from ..dtypes import static_size
from ...errors import fail
from ..registry import float_only, register

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
    others = F("prod_derivative", x, axis=axis)
    return (restore(g, x, axis, keepdims) * others,)


def _extreme(fn, initial):
    # an empty reduction is the identity of max or min (-inf, +inf, or the integer bounds), as TensorFlow
    def forward(x, axis=None, keepdims=False):
        if x.dtype.kind in "iu":
            start = np.iinfo(x.dtype).min if initial < 0 else np.iinfo(x.dtype).max
        elif x.dtype.kind == "b":
            start = initial > 0
        else:
            start = initial
        return fn(x, axis=axis, keepdims=keepdims, initial=start)

    return forward


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
def _mean(x, axis=None, keepdims=False):
    # sum / count: NaN for an empty reduction (as TensorFlow), without NumPy's warning
    count = x.size if axis is None else int(np.prod([x.shape[a] for a in axis], dtype=np.int64))
    return np.sum(x, axis=axis, keepdims=keepdims) / np.asarray(count, x.dtype if x.dtype.kind == "f" else np.float64)


reduction("reduce_mean", _mean, _mean_grad, "∂mean(x)/∂x = 1/n for every element", "mean of elements", aliases=("mean",), floats=True)
reduction("reduce_max", _extreme(np.max, -np.inf), _extreme_grad, "∂max(x)/∂x = 1 at the maximum (split evenly among ties)", "largest element", aliases=("max", "amax"))
reduction("reduce_min", _extreme(np.min, np.inf), _extreme_grad, "∂min(x)/∂x = 1 at the minimum (split evenly among ties)", "smallest element", aliases=("min", "amin"))
reduction("reduce_prod", np.prod, _prod_grad, "∂prod(x)/∂xᵢ = product of the other elements", "product of elements", aliases=("prod",))
reduction("reduce_logsumexp", _logsumexp, _logsumexp_grad, "∂logsumexp(x)/∂x = softmax(x)", "log(sum(exp(x))), computed stably", aliases=("logsumexp",), floats=True)


def _flat_axes(x, axis):
    """x with the reduced axes moved last and flattened: (array [L, n], undo)."""
    axes = _np_axis(x, axis)
    if axes is None:
        axes = tuple(range(x.ndim))
    lead = x.ndim - len(axes)
    moved = np.moveaxis(x, axes, range(lead, x.ndim))
    shape = moved.shape
    size = int(np.prod(shape[lead:], dtype=np.int64))
    flat = moved.reshape((int(np.prod(shape[:lead], dtype=np.int64)), size))

    def undo(out):
        return np.moveaxis(out.reshape(shape), range(lead, x.ndim), axes)

    return flat, undo


def _prod_derivative(x, *vs, axis=None):
    """Dᵐ⁺¹ prod(x)[v₁, ..., vₘ, eⱼ] for each j along the reduced axes, exact with zeros among x.

    With no v this is each element's product of the others; with v₁ it is the product
    of all but two elements, weighted by v₁ (the second derivative), and so on. It is
    the coefficient of ε₁⋯εₘ in ∏_{l≠j} (x_l + Σᵣ εᵣ vᵣ,l) with εᵣ² = 0: a polynomial
    over the subsets of {1..m}, multiplied along the axis from both ends.
    """
    flat, undo = _flat_axes(x, axis)
    rows, n = flat.shape
    m = len(vs)
    if m == 0:
        ones = np.ones((rows, 1), x.dtype)
        before = np.cumprod(np.concatenate([ones, flat[:, :-1]], axis=1), axis=1) if n else flat
        after = np.cumprod(np.concatenate([ones, flat[:, :0:-1]], axis=1), axis=1)[:, ::-1] if n else flat
        return undo(before * after)
    v = [_flat_axes(np.broadcast_to(w, x.shape).astype(x.dtype), axis)[0] for w in vs]
    full = (1 << m) - 1

    def times_factor(poly, l):  # poly * (x_l + Σ εᵣ vᵣ,l)
        out = poly * flat[:, l]
        for r in range(m):
            bit = 1 << r
            for subset in range(1 << m):
                if subset & bit:
                    out[subset] = out[subset] + poly[subset ^ bit] * v[r][:, l]
        return out

    unit = np.zeros((1 << m, rows), x.dtype)
    unit[0] = 1
    prefix = [unit]
    for l in range(n - 1):
        prefix.append(times_factor(prefix[-1], l))
    out = np.zeros((rows, n), x.dtype)
    suffix = unit
    for j in range(n - 1, -1, -1):
        before = prefix[j]
        out[:, j] = sum(before[a] * suffix[full ^ a] for a in range(1 << m))
        suffix = times_factor(suffix, j)
    return undo(out)


def _prod_derivative_grad(g, n):
    x, *vs = n.inputs
    axis = n.attrs.get("axis")
    # the derivative tensor is symmetric: one order more for x, the same order for each v
    gx = F("prod_derivative", x, *vs, g, axis=axis)
    gvs = [F("prod_derivative", x, *(vs[:r] + vs[r + 1:]), g, axis=axis) for r in range(len(vs))]
    return (gx, *gvs)


register(
    "prod_derivative(x, values, axis=None)",
    attrs=("axis",),
    forward=_prod_derivative,
    infer=lambda i, a, s: (i[0].shape, i[0].dtype),
    grad=_prod_derivative_grad,
    doc="the derivatives of reduce_prod along axis: each element's product of the others, weighted by values (made by gradients of reduce_prod)",
    rule="∂/∂x = prod_derivative of one order more; ∂/∂vᵣ = prod_derivative with g in vᵣ's place",
    tags=("internal",),
)


# ----- statistics built from the reductions above (composites: their derivatives are theirs) -----

def _variance(graph, inputs, attrs, span):
    (x,) = inputs
    axis, keepdims = attrs.get("axis"), attrs.get("keepdims", False)
    mean = graph.apply("reduce_mean", (x,), {"axis": axis, "keepdims": True}, span)
    return graph.apply("reduce_mean", (graph.apply("squared_difference", (x, mean), {}, span),), {"axis": axis, "keepdims": keepdims}, span)


def _std(graph, inputs, attrs, span):
    return graph.apply("sqrt", (_variance(graph, inputs, attrs, span),), {}, span)


def _euclidean_norm(graph, inputs, attrs, span):
    (x,) = inputs
    squares = graph.apply("reduce_sum", (x * x,), {"axis": attrs.get("axis"), "keepdims": attrs.get("keepdims", False)}, span)
    return graph.apply("sqrt", (squares,), {}, span)


for _name, _build, _doc, _rule in (
    ("reduce_variance", _variance, "mean of squared deviations from the mean (population variance)", "∂var(x)/∂x = 2*(x - mean)/n"),
    ("reduce_std", _std, "square root of reduce_variance", "∂std(x)/∂x = (x - mean)/(n*std)"),
    ("reduce_euclidean_norm", _euclidean_norm, "sqrt(sum(x²)) over axis", "∂|x|/∂x = x/|x| (NaN at a zero vector)"),
):
    register(f"{_name}(input_tensor, axis=None, keepdims=False)", attrs=("axis", "keepdims"), lister=_build, doc=_doc, rule=_rule)
