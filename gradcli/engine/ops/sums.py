"""Running sums and products, clipping and norms (einsum lives in products.py)."""
from __future__ import annotations

import numpy as np

from ..graph import apply
from .broadcasting import unbroadcast
from .reduce import _reduce_infer, restore
from ..registry import broadcasting, float_only, register
from .structure import invalid, one_axis, take_index, _squeeze_axes

F = apply  # gradient rules read `F("op", ...)`


# ----- running sums and clipping -----

def _cumsum(x, axis=0, exclusive=False, reverse=False):
    axis = int(axis) % x.ndim
    if reverse:
        x = np.flip(x, axis)
    out = np.cumsum(x, axis=axis)
    if exclusive and x.shape[axis]:
        pads = [(1, 0) if i == axis else (0, 0) for i in range(x.ndim)]
        out = np.pad(out[take_index(axis, x.ndim, slice(None, -1))], pads)
    return np.flip(out, axis) if reverse else out


def _cumsum_infer(inputs, attrs, span):
    x = inputs[0]
    if x.rank is not None:
        one_axis(attrs.get("axis", 0), x.rank, span)
    return x.shape, x.dtype


register(
    "cumsum(x, axis=0, exclusive=False, reverse=False)",
    attrs=("axis", "exclusive", "reverse"),
    forward=_cumsum,
    infer=_cumsum_infer,
    grad=lambda g, n: (F("cumsum", g, axis=n.attrs.get("axis", 0), exclusive=n.attrs.get("exclusive", False), reverse=not n.attrs.get("reverse", False)),),
    rule="∂cumsum(x)/∂x = cumsum of the adjoint in the other direction",
    doc="running sum along axis",
    numpy=True,
    domain=(-2.0, 2.0),
    test_shapes=(((3,),), ((2, 3),)),
)


def _clip_grad(g, n):
    t, lo, hi = n.inputs
    zeros = F("zeros_like", g)
    inside = F("logical_and", t >= lo, t <= hi)
    return (
        unbroadcast(F("where", inside, g, zeros), t),
        unbroadcast(F("where", t < lo, g, zeros), lo),
        unbroadcast(F("where", t > hi, g, zeros), hi),
    )


register(
    "clip_by_value(t, clip_value_min, clip_value_max)",
    forward=lambda t, lo, hi: np.maximum(np.minimum(t, hi), lo),  # lo > hi gives lo everywhere, as TensorFlow
    infer=broadcasting,
    grad=_clip_grad,
    rule="∂clip(t,lo,hi)/∂t = 1 where lo <= t <= hi; ∂/∂lo = 1 where t < lo; ∂/∂hi = 1 where t > hi",
    doc="t limited to [clip_value_min, clip_value_max]",
    promote=True,
    domain=(-2.0, 2.0),
)


# ----- norms and the like -----

def _norm_infer(inputs, attrs, span):
    ord = attrs.get("ord", "euclidean")
    if ord not in ("euclidean", "fro", 2, 2.0):
        raise invalid(f"only the euclidean norm is supported, not ord={ord!r}", span, help=['leave ord out, or use ord="euclidean"'])
    return float_only(_reduce_infer)(inputs, attrs, span)


def _norm_grad(g, n):
    x, axis, keepdims = n.inputs[0], n.attrs.get("axis"), n.attrs.get("keepdims", False)
    # x/|x|: NaN at a zero vector, as TensorFlow
    return (restore(g, x, axis, keepdims) * x / restore(n, x, axis, keepdims),)


def _norm(x, ord="euclidean", axis=None, keepdims=False):
    axes = None if axis is None else tuple(int(a) % x.ndim for a in _squeeze_axes(axis))
    return np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdims))


register(
    "norm(tensor, ord=\"euclidean\", axis=None, keepdims=False)",
    attrs=("ord", "axis", "keepdims"),
    forward=_norm,
    infer=_norm_infer,
    grad=_norm_grad,
    rule="∂|x|/∂x = x/|x| (NaN at a zero vector)",
    doc="euclidean norm over axis (all elements by default)",
    domain=(0.5, 2.0),
)
register(
    "l2_loss(t)",
    forward=lambda x: np.sum(x * x) / 2,
    infer=float_only(lambda i, a, s: ((), i[0].dtype)),
    grad=lambda g, n: (g * n.inputs[0],),
    rule="∂(sum(x²)/2)/∂x = x",
    doc="half the sum of squares, sum(t²)/2",
    domain=(-2.0, 2.0),
)


# ----- running products -----

def _cumprod(x, axis=0, exclusive=False, reverse=False):
    axis = int(axis) % x.ndim
    if reverse:
        x = np.flip(x, axis)
    if exclusive and x.shape[axis]:
        pads = [(1, 0) if i == axis else (0, 0) for i in range(x.ndim)]
        x = np.pad(x[take_index(axis, x.ndim, slice(None, -1))], pads, constant_values=1)
    out = np.cumprod(x, axis=axis)
    return np.flip(out, axis) if reverse else out


def _cumprod_grad(g, n):
    # TensorFlow's _CumprodGrad: cumsum(y*g) in the other direction, over x (NaN where x is 0, as TensorFlow)
    x = n.inputs[0]
    axis, exclusive, reverse = n.attrs.get("axis", 0), n.attrs.get("exclusive", False), n.attrs.get("reverse", False)
    return (F("cumsum", n * g, axis=axis, exclusive=exclusive, reverse=not reverse) / x,)


register(
    "cumprod(x, axis=0, exclusive=False, reverse=False)",
    attrs=("axis", "exclusive", "reverse"),
    forward=_cumprod,
    infer=_cumsum_infer,
    grad=_cumprod_grad,
    rule="∂cumprod(x)/∂x = cumsum(y*g, other direction)/x (NaN where x is 0, as TensorFlow)",
    doc="running product along axis",
    domain=(0.5, 2.0),
    test_shapes=(((3,),), ((2, 3),)),
)
