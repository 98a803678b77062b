"""Neural-network ops: softmax and the cross-entropy losses, all stable for large logits."""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..dtypes import broadcast_shapes
from ...errors import fail
from .elementwise import unbroadcast
from .reduce import normalize_axes
from ..registry import float_only, register, same_as_first

F = apply


def _axis_checked(rule):
    def infer(inputs, attrs, span):
        x = inputs[-1]
        if x.rank is not None:
            normalize_axes(attrs.get("axis", -1), x.rank, span)
        return rule(inputs, attrs, span)

    return infer


def _log_softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True) if x.size else 0
    shifted = x - np.where(np.isfinite(m), m, 0)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _softmax(x, axis=-1):
    return np.exp(_log_softmax(x, axis))


register(
    "softmax(logits, axis=-1)",
    attrs=("axis",),
    forward=lambda x, axis=-1: _softmax(x, int(axis)),
    infer=_axis_checked(float_only(same_as_first)),
    grad=lambda g, n: (n * (g - F("reduce_sum", g * n, axis=n.attrs.get("axis", -1), keepdims=True)),),
    rule="∂softmax(x)/∂x applied to g = y*(g - sum(g*y, axis))",
    doc="exp(x)/sum(exp(x)) along axis, computed stably",
    domain=(-2.0, 2.0),
    test_shapes=(((3,),), ((2, 3),)),
)
register(
    "log_softmax(logits, axis=-1)",
    attrs=("axis",),
    forward=lambda x, axis=-1: _log_softmax(x, int(axis)),
    infer=_axis_checked(float_only(same_as_first)),
    grad=lambda g, n: (g - F("exp", n) * F("reduce_sum", g, axis=n.attrs.get("axis", -1), keepdims=True),),
    rule="∂log_softmax(x)/∂x applied to g = g - softmax(x)*sum(g, axis)",
    doc="x - logsumexp(x) along axis, computed stably",
    domain=(-2.0, 2.0),
    test_shapes=(((3,),), ((2, 3),)),
)


def _sigmoid_xent(z, x):
    # max(x, 0) - x*z + log(1 + exp(-|x|)): no overflow for any logit
    return np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))


def _sigmoid_xent_grad(g, n):
    z, x = n.inputs
    return unbroadcast(g * -x, z), unbroadcast(g * (F("sigmoid", x) - z), x)


register(
    "sigmoid_cross_entropy_with_logits(labels, logits)",
    forward=_sigmoid_xent,
    infer=float_only(lambda i, a, s: (broadcast_shapes(i[0].shape, i[1].shape, s, i), i[1].dtype)),
    grad=_sigmoid_xent_grad,
    rule="∂/∂logits = sigmoid(logits) - labels, ∂/∂labels = -logits",
    doc="elementwise logistic loss of logits against labels in [0, 1]",
    promote=True,
    domain=(0.1, 0.9),
)


def _softmax_xent(z, x, axis=-1):
    return -np.sum(z * _log_softmax(x, int(axis)), axis=int(axis))


def _xent_infer(inputs, attrs, span):
    z, x = inputs
    shape = broadcast_shapes(z.shape, x.shape, span, inputs)
    if shape is None:
        return None, x.dtype
    axis = normalize_axes(attrs.get("axis", -1), len(shape), span)[0]
    return shape[:axis] + shape[axis + 1:], x.dtype


def _expand(g, axis):
    return F("expand_dims", g, axis=axis)


def _softmax_xent_grad(g, n):
    # as TensorFlow: softmax - labels (exact when each row of labels sums to 1)
    z, x = n.inputs
    axis = n.attrs.get("axis", -1)
    if n.rank is not None:
        axis = normalize_axes(axis, n.rank + 1)[0]
    ge = _expand(g, axis)
    return unbroadcast(ge * -F("log_softmax", x, axis=axis), z), unbroadcast(ge * (F("softmax", x, axis=axis) - z), x)


register(
    "softmax_cross_entropy_with_logits(labels, logits, axis=-1)",
    attrs=("axis",),
    forward=_softmax_xent,
    infer=float_only(_xent_infer),
    grad=_softmax_xent_grad,
    rule="∂/∂logits = softmax(logits) - labels, ∂/∂labels = -log_softmax(logits)",
    doc="cross-entropy of softmax(logits) against a distribution labels, over axis",
    promote=True,  # no domain: test labels must be distributions (tests/test_ops.py CASES)
)


def _sparse_infer(inputs, attrs, span):
    z, x = inputs
    if z.dtype.kind not in "iu":
        raise fail("E0303", f"sparse labels must be integers, got {z.dtype.name}", z.span or span, help=["use softmax_cross_entropy_with_logits for float labels"])
    float_only(same_as_first)((x,), attrs, span)
    if x.rank is not None and x.rank == 0:
        raise fail("E0302", "logits need a class axis (rank 1 or more), got a scalar", x.span or span)
    if x.shape is not None and x.shape[-1] is None:
        raise fail("E0313", "the number of classes (the logits' last axis) must be known before evaluation", x.span or span, help=["declare the logits' last dimension"])
    if z.shape is not None and x.shape is not None:
        if len(z.shape) != len(x.shape) - 1 or any(a is not None and b is not None and a != b for a, b in zip(z.shape, x.shape)):
            raise fail("E0302", f"labels of shape {list(z.shape)} do not match logits of shape {list(x.shape)} without their last axis", span)
    return (x.shape[:-1] if x.shape is not None else z.shape), x.dtype


def _sparse_xent(z, x):
    classes = x.shape[-1]
    bad = z[(z < 0) | (z >= classes)]
    if bad.size:
        raise IndexError(f"label {bad.flat[0]} is out of range for {classes} classes")
    picked = np.take_along_axis(_log_softmax(x), z[..., None].astype(np.intp), axis=-1)
    return -picked[..., 0]


def _sparse_xent_grad(g, n):
    z, x = n.inputs
    hot = F("one_hot", z, depth=x.shape[-1], dtype=x.dtype)
    return None, _expand(g, -1) * (F("softmax", x) - hot)


register(
    "sparse_softmax_cross_entropy_with_logits(labels, logits)",
    forward=_sparse_xent,
    infer=_sparse_infer,
    grad=_sparse_xent_grad,
    rule="∂/∂logits = softmax(logits) - one_hot(labels); integer labels get None",
    doc="cross-entropy of softmax(logits) against integer class labels",
)
