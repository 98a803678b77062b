"""Neural-network ops: softmax and the cross-entropy losses (stable for large logits), and the
activations, normalizations, dropout and Keras-style losses built from other ops."""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..dtypes import broadcast_shapes
from ...errors import fail
from .broadcasting import unbroadcast
from .reduce import normalize_axes
from ..registry import float_only, register, same_as_first
from ..dtypes import is_float

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


# ----- activations and normalizations built from other ops (composites) -----
#
# A composite is registered with a builder (the `lister` field): it makes its nodes from
# other ops, so its forward, shape rule and every derivative are theirs.

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def composite(signature, build, doc, rule, **options):
    register(signature, lister=build, doc=doc, rule=rule, **options)


def _call(graph, span):
    return lambda op, *inputs, **attrs: graph.apply(op, inputs, attrs, span)


def _selu(graph, inputs, attrs, span):
    (x,) = inputs
    f = _call(graph, span)
    return f("where", f("greater", x, 0.0), x * _SELU_SCALE, f("elu", x) * (_SELU_SCALE * _SELU_ALPHA))


def _gelu(graph, inputs, attrs, span):
    (x,) = inputs
    f = _call(graph, span)
    approximate = attrs.get("approximate", False)
    if approximate:
        inner = (x + f("pow", x, 3.0) * 0.044715) * float(np.sqrt(2 / np.pi))
        return x * 0.5 * (f("tanh", inner) + 1.0)
    return x * 0.5 * (f("erf", x * float(1 / np.sqrt(2))) + 1.0)


def _silu(graph, inputs, attrs, span):
    (x,) = inputs
    f = _call(graph, span)
    beta = attrs.get("beta", 1.0)
    return x * f("sigmoid", x * beta if beta != 1.0 else x)


def _log_sigmoid(graph, inputs, attrs, span):
    (x,) = inputs
    f = _call(graph, span)
    return -f("softplus", -x)


composite("selu(features)", _selu, "scale*x if x > 0 else scale*alpha*(exp(x) - 1), with TensorFlow's constants", "∂selu(x)/∂x = scale if x > 0 else scale*alpha*exp(x)")
composite("gelu(features, approximate=False)", _gelu, "x*Φ(x) = 0.5*x*(1 + erf(x/√2)); approximate=True: the tanh form", "∂gelu(x)/∂x = Φ(x) + x*φ(x) (of the tanh form with approximate=True)", attrs=("approximate",))
composite("silu(features, beta=1.0)", _silu, "x*sigmoid(beta*x) (swish)", "∂silu(x)/∂x = σ(βx)*(1 + βx*(1 - σ(βx)))", aliases=("swish",), attrs=("beta",))
composite("log_sigmoid(x)", _log_sigmoid, "log(sigmoid(x)) = -softplus(-x), computed stably", "∂log_sigmoid(x)/∂x = σ(-x)")


def _bias_add(graph, inputs, attrs, span):
    value, bias = inputs
    if attrs.get("data_format") not in (None, "NHWC", "NWC", "N...C"):
        raise fail("E0311", f"bias_add supports data_format NHWC (channels last), not {attrs['data_format']!r}", span)
    if bias.rank is not None and bias.rank != 1:
        raise fail("E0302", f"bias_add's bias must be a vector, got a tensor of shape {list(bias.shape)}", bias.span or span)
    if value.rank is not None and value.rank < 2:
        raise fail("E0302", f"bias_add needs a value of rank 2 or more, got rank {value.rank}", value.span or span)
    if value.shape is not None and bias.shape is not None and None not in (value.shape[-1], bias.shape[0]) and value.shape[-1] != bias.shape[0]:
        raise fail("E0302", f"bias_add's bias has {bias.shape[0]} entries for a last axis of {value.shape[-1]}", span)
    return graph.apply("add", (value, bias), {}, span)


composite("bias_add(value, bias, data_format=None)", _bias_add, "value + bias along the last (channel) axis", "∂/∂value = 1, ∂/∂bias = the adjoint summed over all but the last axis")


def _moments(graph, inputs, attrs, span):
    (x,) = inputs
    f = _call(graph, span)
    axes, keepdims = attrs["axes"], attrs.get("keepdims", False)
    mean = f("reduce_mean", x, axis=axes, keepdims=True)
    # as TensorFlow: the variance about a mean whose gradient is stopped
    variance = f("reduce_mean", f("squared_difference", x, f("stop_gradient", mean)), axis=axes, keepdims=True)
    if not keepdims:
        mean, variance = (f("squeeze", t, axis=axes) for t in (mean, variance))
    return [mean, variance]


composite(
    "moments(x, axes, shift=None, keepdims=False)",
    _moments,
    "[mean, variance] of x over axes (a list of two tensors)",
    "as TensorFlow: the variance is taken about stop_gradient(mean)",
    attrs=("axes", "shift", "keepdims"),
)


def _batch_normalization(graph, inputs, attrs, span):
    x, mean, variance, *rest = inputs
    offset, scale = (rest + [graph.constant(v, weak=True, span=span) for v in (0.0, 1.0)][len(rest):])[:2]
    f = _call(graph, span)
    inv = f("rsqrt", variance + attrs["variance_epsilon"]) * scale
    return x * inv + (offset - mean * inv)


composite(
    "batch_normalization(x, mean, variance, offset=0.0, scale=1.0, variance_epsilon=0.001)",
    _batch_normalization,
    "(x - mean)*scale/sqrt(variance + variance_epsilon) + offset (None for offset or scale: none)",
    "as TensorFlow: inv = scale*rsqrt(variance + ε); x*inv + (offset - mean*inv)",
    attrs=("variance_epsilon",),
)


def _l2_normalize(graph, inputs, attrs, span):
    (x,) = inputs
    f = _call(graph, span)
    squares = f("reduce_sum", x * x, axis=attrs.get("axis"), keepdims=True)
    return x * f("rsqrt", f("maximum", squares, float(attrs.get("epsilon", 1e-12))))


composite(
    "l2_normalize(x, axis=None, epsilon=1e-12)",
    _l2_normalize,
    "x / sqrt(max(sum(x²) over axis, epsilon))",
    "as TensorFlow: x * rsqrt(maximum(sum(x², axis), ε))",
    attrs=("axis", "epsilon"),
)


def _dropout(graph, inputs, attrs, span):
    (x,) = inputs
    f = _call(graph, span)
    rate = attrs["rate"]
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate < 1:
        raise fail("E0311", f"dropout's rate must be a number in [0, 1), got {rate!r}", span)
    shape = attrs.get("noise_shape") or x.shape
    if shape is None or None in tuple(shape):
        raise fail("E0313", "dropout needs the shape of x (or noise_shape) before evaluation", span, help=["declare the shape, or pass noise_shape="])
    if not is_float(x.dtype):
        raise fail("E0303", f"dropout needs a float tensor, got {x.dtype.name}", span)
    u = graph.apply("random_uniform", (), {"shape": tuple(shape), "dtype": x.dtype, "seed": attrs.get("seed")}, span)
    keep = f("cast", f("greater_equal", u, float(rate)), dtype=x.dtype)
    return x * keep * float(1 / (1 - rate))


composite(
    "dropout(x, rate, noise_shape=None, seed=None)",
    _dropout,
    "x/(1 - rate) where a uniform draw >= rate, else 0; seeded by --seed (the random mask is not TensorFlow's)",
    "∂/∂x = the mask/(1 - rate)",
    attrs=("rate", "noise_shape", "seed"),
)


# ----- losses (the functions, not Keras classes) -----

_KERAS_EPSILON = 1e-7


def _mse_v1(graph, inputs, attrs, span):
    labels, predictions, *rest = inputs
    weights = rest[0] if rest else graph.constant(1.0, weak=True, span=span)
    f = _call(graph, span)
    losses = f("squared_difference", predictions, labels) * weights
    nonzero = f("reduce_sum", f("cast", f("not_equal", f("broadcast_like", weights, losses), 0.0), dtype=losses.dtype))
    return f("div_no_nan", f("reduce_sum", losses), nonzero)


composite(
    "losses.mean_squared_error(labels, predictions, weights=1.0)",
    _mse_v1,
    "tf.losses of TensorFlow 1: sum(weights*(predictions - labels)²) / the count of nonzero weights (a scalar)",
    "∂/∂predictions = 2*weights*(predictions - labels)/count",
)


def _mse(graph, inputs, attrs, span):
    y_true, y_pred = inputs
    f = _call(graph, span)
    return f("reduce_mean", f("squared_difference", y_pred, y_true), axis=-1)


composite(
    "mean_squared_error(y_true, y_pred)",
    _mse,
    "keras: mean((y_pred - y_true)²) over the last axis",
    "∂/∂y_pred = 2*(y_pred - y_true)/n",
    aliases=("keras.losses.MSE", "keras.losses.mse", "keras.losses.mean_squared_error", "keras.metrics.mean_squared_error"),
)


def _smooth(f, y_true, smoothing, classes):
    if not smoothing:
        return y_true
    return y_true * (1.0 - smoothing) + smoothing / classes


def _binary_crossentropy(graph, inputs, attrs, span):
    y_true, y_pred = inputs
    f = _call(graph, span)
    axis = attrs.get("axis", -1)
    y_true = _smooth(f, y_true, attrs.get("label_smoothing", 0.0), 2.0)
    if attrs.get("from_logits", False):
        losses = f("sigmoid_cross_entropy_with_logits", y_true, y_pred)
    else:
        # Keras's backend: clip to [ε, 1 - ε], then log(p + ε) and log(1 - p + ε)
        p = f("clip_by_value", y_pred, _KERAS_EPSILON, 1.0 - _KERAS_EPSILON)
        losses = -(y_true * f("log", p + _KERAS_EPSILON) + (1.0 - y_true) * f("log", 1.0 - p + _KERAS_EPSILON))
    return f("reduce_mean", losses, axis=axis)


def _categorical_crossentropy(graph, inputs, attrs, span):
    y_true, y_pred = inputs
    f = _call(graph, span)
    axis = attrs.get("axis", -1)
    smoothing = attrs.get("label_smoothing", 0.0)
    if smoothing:
        if y_pred.shape is None or y_pred.shape[axis] is None:
            raise fail("E0313", "label_smoothing needs the number of classes before evaluation", span)
        y_true = _smooth(f, y_true, smoothing, float(y_pred.shape[axis]))
    if attrs.get("from_logits", False):
        return f("softmax_cross_entropy_with_logits", y_true, y_pred, axis=axis)
    p = y_pred / f("reduce_sum", y_pred, axis=axis, keepdims=True)
    p = f("clip_by_value", p, _KERAS_EPSILON, 1.0 - _KERAS_EPSILON)
    return -f("reduce_sum", y_true * f("log", p), axis=axis)


composite(
    "binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1)",
    _binary_crossentropy,
    "keras: mean over axis of -(y*log(p + ε) + (1 - y)*log(1 - p + ε)), p clipped to [ε, 1 - ε], ε = 1e-7",
    "∂/∂p = (p - y)/(p(1 - p)) / n inside the clip, 0 outside",
    attrs=("from_logits", "label_smoothing", "axis"),
    aliases=("keras.losses.binary_crossentropy", "keras.metrics.binary_crossentropy"),
)
composite(
    "categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1)",
    _categorical_crossentropy,
    "keras: -sum(y*log(p)) over axis, p = y_pred/sum(y_pred) clipped to [ε, 1 - ε]",
    "∂/∂logits = softmax(logits) - y with from_logits=True",
    attrs=("from_logits", "label_smoothing", "axis"),
    aliases=("keras.losses.categorical_crossentropy", "keras.metrics.categorical_crossentropy"),
)
