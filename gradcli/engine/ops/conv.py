"""Convolution and pooling, NHWC (channels last), as tf.nn.conv2d, conv1d, max_pool2d and
avg_pool2d: strides, padding "SAME", "VALID" or explicit pairs, and dilations.

conv2d is bilinear in (input, filters); its two adjoints are ops too, and the three are
closed under differentiation (the adjoint of each is one of the others), so derivatives
nest to any order. Max pooling sends the gradient to the first maximum of each window
(row-major order, as TensorFlow's CPU kernel); its gradient of a gradient picks the same
element again and passes nothing to the input (a piecewise-constant choice).
"""
from __future__ import annotations

import math

import numpy as np

from ..graph import apply
from ..dtypes import shape_str
from ...errors import fail
from ..registry import register

F = apply


# ----- geometry: strides, dilations and padding of the two spatial axes -----

def _pair(value, what, span, length=4):
    """An int or a list of 1, 2 or 4 ints (batch and channel entries 1) as (h, w)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values = (int(value),) * 2
    elif isinstance(value, (list, tuple)) and len(value) in (1, 2, length) and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        values = tuple(int(v) for v in value)
        if len(values) == length:
            if values[0] != 1 or values[-1] != 1:
                raise fail("E0311", f"{what} {list(values)}: the batch and channel entries must be 1", span)
            values = values[1:-1]
        elif len(values) == 1:
            values = values * 2
    else:
        raise fail("E0311", f"{what} must be an integer or a list of 1, 2 or {length} integers, got {value!r}", span)
    if any(v < 1 for v in values):
        raise fail("E0311", f"{what} must be 1 or more, got {list(values)}", span)
    return values


def _padding(padding, span):
    """'SAME', 'VALID', or explicit [[0, 0], [top, bottom], [left, right], [0, 0]]."""
    if isinstance(padding, str) and padding.upper() in ("SAME", "VALID"):
        return padding.upper()
    if isinstance(padding, (list, tuple)) and len(padding) == 4:
        pairs = [tuple(p) for p in padding]
        if all(len(p) == 2 and all(isinstance(v, (int, np.integer)) and v >= 0 for v in p) for p in pairs) and pairs[0] == (0, 0) and pairs[3] == (0, 0):
            return tuple(tuple(int(v) for v in p) for p in pairs[1:3])
    raise fail("E0311", f"padding must be \"SAME\", \"VALID\" or [[0, 0], [top, bottom], [left, right], [0, 0]], got {padding!r}", span)


def _out_and_pads(size, k, stride, dilation, padding):
    """Output length and (before, after) padding of one spatial axis, as TensorFlow computes them."""
    span_k = (k - 1) * dilation + 1
    if padding == "VALID":
        return max(0, (size - span_k) // stride + 1) if size >= span_k else 0, (0, 0)
    if padding == "SAME":
        out = math.ceil(size / stride)
        total = max((out - 1) * stride + span_k - size, 0)
        return out, (total // 2, total - total // 2)
    before, after = padding
    padded = size + before + after
    return (max(0, (padded - span_k) // stride + 1) if padded >= span_k else 0), (before, after)


def _geometry(x_shape, k_shape, attrs, span=None):
    """((OH, OW), ((pt, pb), (pl, pr)), strides, dilations) for an NHWC input and a [KH, KW, ...] window."""
    strides = _pair(attrs.get("strides", 1), "strides", span)
    dilations = _pair(attrs.get("dilations") or 1, "dilations", span)
    padding = _padding(attrs["padding"], span)
    outs, pads = [], []
    for axis in range(2):
        size, k = x_shape[1 + axis], k_shape[axis]
        if size is None or k is None:
            outs.append(None)
            pads.append(None)
            continue
        pad = padding if isinstance(padding, str) else padding[axis]
        o, p = _out_and_pads(size, k, strides[axis], dilations[axis], pad)
        outs.append(o)
        pads.append(p)
    return tuple(outs), tuple(pads), strides, dilations


def _patches(xp, k_shape, out_hw, strides, dilations):
    """A view [N, OH, OW, KH, KW, C] of the padded input's windows."""
    n, _, _, c = xp.shape
    s = xp.strides
    (sh, sw), (dh, dw) = strides, dilations
    shape = (n, out_hw[0], out_hw[1], k_shape[0], k_shape[1], c)
    return np.lib.stride_tricks.as_strided(xp, shape, (s[0], s[1] * sh, s[2] * sw, s[1] * dh, s[2] * dw, s[3]), writeable=False)


def _pad(x, pads, value=0.0):
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=value)


def _scatter_windows(windows, x_shape, pads, strides, dilations):
    """The adjoint of _patches: add each window [N, OH, OW, KH, KW, C] back into a padded input, then crop."""
    n, oh, ow, kh, kw, c = windows.shape
    (sh, sw), (dh, dw) = strides, dilations
    hp, wp = x_shape[1] + sum(pads[0]), x_shape[2] + sum(pads[1])
    out = np.zeros((n, hp, wp, c), windows.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, i * dh: i * dh + (oh - 1) * sh + 1: sh, j * dw: j * dw + (ow - 1) * sw + 1: sw, :] += windows[:, :, :, i, j, :]
    return out[:, pads[0][0]: hp - pads[0][1], pads[1][0]: wp - pads[1][1], :]


# ----- conv2d and its two adjoints -----

_CONV_ATTRS = ("strides", "padding", "data_format", "dilations")


def _conv_attrs(n):
    return {k: n.attrs.get(k) for k in _CONV_ATTRS if k in n.attrs}


def _check_nhwc(attrs, span):
    fmt = attrs.get("data_format") or "NHWC"
    if fmt != "NHWC":
        raise fail("E0311", f"only data_format=\"NHWC\" (channels last) is supported, not {fmt!r}", span)


def _conv2d(x, w, strides=1, padding="VALID", data_format=None, dilations=None):
    out_hw, pads, st, dl = _geometry(x.shape, w.shape, {"strides": strides, "padding": padding, "dilations": dilations})
    windows = _patches(_pad(x, pads), w.shape, out_hw, st, dl)
    return np.einsum("nhwijc,ijco->nhwo", windows, w)


def _conv2d_infer(inputs, attrs, span):
    x, w = inputs
    _check_nhwc(attrs, span)
    for t, what in ((x, "input"), (w, "filters")):
        if t.rank is not None and t.rank != 4:
            raise fail("E0302", f"conv2d's {what} must have rank 4 ({'[batch, height, width, channels]' if t is x else '[height, width, in, out]'}), got {shape_str(t.shape)}", t.span or span)
    if x.shape is None or w.shape is None:
        _geometry((None,) * 4, (None,) * 4, attrs, span)
        return (None, None, None, None if w.shape is None else w.shape[3]), x.dtype
    if None not in (x.shape[3], w.shape[2]) and x.shape[3] != w.shape[2]:
        raise fail("E0302", f"conv2d's input has {x.shape[3]} channels but its filters expect {w.shape[2]}", span)
    out_hw, _, _, _ = _geometry(x.shape, w.shape, attrs, span)
    return (x.shape[0],) + out_hw + (w.shape[3],), x.dtype


def _conv2d_grad(g, n):
    x, w = n.inputs
    a = _conv_attrs(n)
    return F("conv2d_input_grad", g, w, x, **a), F("conv2d_filter_grad", x, g, w, **a)


register(
    "conv2d(input, filters, strides, padding, data_format=\"NHWC\", dilations=None)",
    attrs=_CONV_ATTRS,
    forward=_conv2d,
    infer=_conv2d_infer,
    grad=_conv2d_grad,
    rule="∂/∂input = the transposed convolution of the adjoint; ∂/∂filters = the correlation of input and adjoint",
    doc="2-D convolution (cross-correlation, as TensorFlow) of NHWC input with [h, w, in, out] filters",
    promote=True,
    test_shapes=(((1, 4, 4, 2), (3, 3, 2, 2)),),
)


def _conv2d_input_grad(g, w, like, strides=1, padding="VALID", data_format=None, dilations=None):
    out_hw, pads, st, dl = _geometry(like.shape, w.shape, {"strides": strides, "padding": padding, "dilations": dilations})
    windows = np.einsum("nhwo,ijco->nhwijc", g, w)
    return _scatter_windows(windows, like.shape, pads, st, dl)


def _conv2d_filter_grad(x, g, like, strides=1, padding="VALID", data_format=None, dilations=None):
    out_hw, pads, st, dl = _geometry(x.shape, like.shape, {"strides": strides, "padding": padding, "dilations": dilations})
    windows = _patches(_pad(x, pads), like.shape, out_hw, st, dl)
    return np.einsum("nhwijc,nhwo->ijco", windows, g)


register(
    "conv2d_input_grad(t, filters, like, strides, padding, data_format=\"NHWC\", dilations=None)",
    attrs=_CONV_ATTRS,
    forward=_conv2d_input_grad,
    infer=lambda i, a, s: (i[2].shape, i[0].dtype),
    grad=lambda h, n: (F("conv2d", h, n.inputs[1], **_conv_attrs(n)), F("conv2d_filter_grad", h, n.inputs[0], n.inputs[1], **_conv_attrs(n)), None),
    rule="∂/∂t = conv2d of the adjoint; ∂/∂filters = the filter gradient of the adjoint and t",
    doc="the gradient of conv2d with respect to its input (made by gradients)",
    tags=("internal",),
)
register(
    "conv2d_filter_grad(input, t, like, strides, padding, data_format=\"NHWC\", dilations=None)",
    attrs=_CONV_ATTRS,
    forward=_conv2d_filter_grad,
    infer=lambda i, a, s: (i[2].shape, i[0].dtype),
    grad=lambda h, n: (F("conv2d_input_grad", n.inputs[1], h, n.inputs[0], **_conv_attrs(n)), F("conv2d", n.inputs[0], h, **_conv_attrs(n)), None),
    rule="∂/∂input = the input gradient of t through the adjoint filters; ∂/∂t = conv2d of input and the adjoint",
    doc="the gradient of conv2d with respect to its filters (made by gradients)",
    tags=("internal",),
)


def _conv1d(graph, inputs, attrs, span):
    x, w = inputs
    fmt = attrs.get("data_format") or "NWC"
    if fmt != "NWC":
        raise fail("E0311", f"only data_format=\"NWC\" (channels last) is supported, not {fmt!r}", span)
    for t, what, rank in ((x, "input", 3), (w, "filters", 3)):
        if t.rank is not None and t.rank != rank:
            raise fail("E0302", f"conv1d's {what} must have rank 3, got {shape_str(t.shape)}", t.span or span)
    stride, dilation = attrs.get("stride", 1), attrs.get("dilations") or 1
    one = lambda v, what: [1, _pair(v, what, span, length=3)[1]]  # noqa: E731
    padding = attrs["padding"]
    if isinstance(padding, (list, tuple)):
        if len(padding) != 3:
            raise fail("E0311", f"conv1d's explicit padding is [[0, 0], [left, right], [0, 0]], got {padding!r}", span)
        padding = [[0, 0], [0, 0], list(padding[1]), [0, 0]]
    x4 = graph.apply("expand_dims", (x,), {"axis": 1}, span)
    w4 = graph.apply("expand_dims", (w,), {"axis": 0}, span)
    y = graph.apply("conv2d", (x4, w4), {"strides": one(stride, "stride"), "padding": padding, "dilations": one(dilation, "dilations")}, span)
    return graph.apply("squeeze", (y,), {"axis": [1]}, span)


register(
    "conv1d(input, filters, stride, padding, data_format=\"NWC\", dilations=None)",
    attrs=("stride", "padding", "data_format", "dilations"),
    lister=_conv1d,
    rule="conv2d over a height of 1",
    doc="1-D convolution of NWC input with [w, in, out] filters",
)


# ----- pooling -----

_POOL_ATTRS = ("ksize", "strides", "padding", "data_format")


def _pool_geometry(shape, attrs, span=None):
    k = _pair(attrs["ksize"], "ksize", span)
    return k, _geometry(shape, k, {"strides": attrs.get("strides", 1), "padding": attrs["padding"]}, span)


def _pool_infer(inputs, attrs, span):
    x = inputs[0]
    _check_nhwc(attrs, span)
    if x.rank is not None and x.rank != 4:
        raise fail("E0302", f"pooling needs an NHWC input of rank 4, got {shape_str(x.shape)}", x.span or span)
    if isinstance(attrs.get("padding"), (list, tuple)):
        raise fail("E0311", "pooling takes padding \"SAME\" or \"VALID\"", span)
    if x.shape is None:
        _pool_geometry((None,) * 4, attrs, span)
        return None, x.dtype
    _, (out_hw, _, _, _) = _pool_geometry(x.shape, attrs, span)
    return (x.shape[0],) + out_hw + (x.shape[3],), x.dtype


def _pool_windows(x, attrs, fill):
    k, (out_hw, pads, st, dl) = _pool_geometry(x.shape, attrs)
    windows = _patches(_pad(x, pads, fill), k, out_hw, st, dl)
    return windows, (k, out_hw, pads, st, dl)


def _attrs(**kw):
    return {k: v for k, v in kw.items() if v is not None}


def _max_choice(x, **attrs):
    """One-hot [N, OH, OW, KH, KW, C] of each window's first maximum (row-major), and the geometry."""
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    windows, geo = _pool_windows(x, attrs, fill)
    n, oh, ow, kh, kw, c = windows.shape
    flat = windows.transpose(0, 1, 2, 5, 3, 4).reshape(n, oh, ow, c, kh * kw)
    first = np.argmax(flat, axis=-1) if flat.size else np.zeros(flat.shape[:-1], np.intp)
    hot = (np.arange(kh * kw) == first[..., None]).reshape(n, oh, ow, c, kh, kw).transpose(0, 1, 2, 4, 5, 3)
    return hot, geo


def _max_pool(x, ksize, strides=1, padding="VALID", data_format=None):
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    windows, _ = _pool_windows(x, _attrs(ksize=ksize, strides=strides, padding=padding), fill)
    return windows.max(axis=(3, 4)) if windows.size else np.zeros(windows.shape[:3] + windows.shape[5:], x.dtype)


def _max_pool_grad(x, g, ksize, strides=1, padding="VALID", data_format=None):
    hot, (k, out_hw, pads, st, dl) = _max_choice(x, ksize=ksize, strides=strides, padding=padding)
    return _scatter_windows(hot * g[:, :, :, None, None, :], x.shape, pads, st, dl)


def _max_pool_grad_grad(x, h, ksize, strides=1, padding="VALID", data_format=None):
    hot, (k, out_hw, pads, st, dl) = _max_choice(x, ksize=ksize, strides=strides, padding=padding)
    windows = _patches(_pad(h, pads), k, out_hw, st, dl)
    return (windows * hot).sum(axis=(3, 4))


def _pool_attrs(n):
    return {k: n.attrs[k] for k in _POOL_ATTRS if k in n.attrs}


register(
    "max_pool2d(input, ksize, strides, padding, data_format=\"NHWC\")",
    attrs=_POOL_ATTRS,
    forward=_max_pool,
    infer=_pool_infer,
    grad=lambda g, n: (F("max_pool_grad", n.inputs[0], g, **_pool_attrs(n)),),
    rule="∂/∂input = the adjoint at each window's first maximum (ties: the first in row-major order)",
    doc="the maximum of each ksize window of an NHWC input",
    aliases=("max_pool",),
    test_shapes=(((1, 4, 4, 2),),),
)
register(
    "max_pool_grad(input, t, ksize, strides, padding, data_format=\"NHWC\")",
    attrs=_POOL_ATTRS,
    forward=_max_pool_grad,
    infer=lambda i, a, s: (i[0].shape, i[1].dtype),
    grad=lambda h, n: (F("zeros_like", n.inputs[0]), F("max_pool_grad_grad", n.inputs[0], h, **_pool_attrs(n))),
    rule="∂/∂t = the adjoint at each window's chosen element; the input only chooses (zeros)",
    doc="the gradient of max_pool2d: t sent to each window's first maximum (made by gradients)",
    tags=("internal",),
)
register(
    "max_pool_grad_grad(input, t, ksize, strides, padding, data_format=\"NHWC\")",
    attrs=_POOL_ATTRS,
    forward=_max_pool_grad_grad,
    infer=lambda i, a, s: _pool_infer((i[0],), a, s)[0:1] + (i[1].dtype,),
    grad=lambda h, n: (F("zeros_like", n.inputs[0]), F("max_pool_grad", n.inputs[0], h, **_pool_attrs(n))),
    rule="∂/∂t = max_pool_grad of the adjoint; the input only chooses (zeros)",
    doc="t read at each window's first maximum of input (made by second derivatives of max_pool2d)",
    tags=("internal",),
)


def _avg_counts(shape, dtype, attrs):
    """How many real (unpadded) elements each window holds: SAME windows at the edges hold fewer."""
    ones = np.ones((1,) + tuple(shape[1:3]) + (1,), dtype)
    windows, _ = _pool_windows(ones, attrs, 0.0)
    return windows.sum(axis=(3, 4))


def _avg_pool(x, ksize, strides=1, padding="VALID", data_format=None):
    attrs = _attrs(ksize=ksize, strides=strides, padding=padding)
    windows, _ = _pool_windows(x, attrs, 0.0)
    return windows.sum(axis=(3, 4)) / _avg_counts(x.shape, x.dtype, attrs)


def _avg_pool_grad(g, like, ksize, strides=1, padding="VALID", data_format=None):
    attrs = _attrs(ksize=ksize, strides=strides, padding=padding)
    k, (out_hw, pads, st, dl) = _pool_geometry(like.shape, attrs)
    share = g / _avg_counts(like.shape, g.dtype, attrs)
    windows = np.broadcast_to(share[:, :, :, None, None, :], share.shape[:3] + k + share.shape[3:])
    return _scatter_windows(np.ascontiguousarray(windows), like.shape, pads, st, dl)


register(
    "avg_pool2d(input, ksize, strides, padding, data_format=\"NHWC\")",
    attrs=_POOL_ATTRS,
    forward=_avg_pool,
    infer=_pool_infer,
    grad=lambda g, n: (F("avg_pool_grad", g, n.inputs[0], **_pool_attrs(n)),),
    rule="∂/∂input = the adjoint shared evenly over each window's real elements",
    doc="the mean of each ksize window of an NHWC input (SAME windows count only real elements, as TensorFlow)",
    aliases=("avg_pool",),
    test_shapes=(((1, 4, 4, 2),),),
)
register(
    "avg_pool_grad(t, like, ksize, strides, padding, data_format=\"NHWC\")",
    attrs=_POOL_ATTRS,
    forward=_avg_pool_grad,
    infer=lambda i, a, s: (i[1].shape, i[0].dtype),
    grad=lambda h, n: (F("avg_pool2d", h, **_pool_attrs(n)), None),
    rule="∂/∂t = avg_pool2d of the adjoint",
    doc="the gradient of avg_pool2d (made by gradients)",
    tags=("internal",),
)


# ----- the adjoints by TensorFlow's names: public, so that a formula can say them -----
# tf.nn.conv2d_backprop_input(input_sizes, filters, out_backprop, ...) names the input's shape
# where the internal op takes a tensor of that shape (`like`): shape(x) gives x itself, a
# list of sizes a zeros constant of that shape. grad --formula writes conv2d's gradients
# with these (learn/formula/spellings.py), and they read back.

def _shaped_like(graph, sizes, what, span):
    """The tensor of the shape `sizes` names: x for shape(x), zeros for a list of sizes."""
    from ..registry import CONSTANT  # noqa: PLC0415 - the leaf marker, next to register

    if sizes.op.name == "shape":
        return sizes.inputs[0]
    if sizes.op is CONSTANT and sizes.attrs["value"].ndim == 1 and sizes.attrs["value"].dtype.kind in "iu":
        dims = tuple(int(v) for v in sizes.attrs["value"])
        if len(dims) == 4 and all(d >= 0 for d in dims):
            return graph.constant(np.zeros(dims, graph.float_dtype), span=span)
    raise fail("E0214", f"{what} must be known before evaluation: four sizes, or shape(x)", sizes.span or span,
               help=[f"write {what} as a list such as [1, 4, 4, 2], or as shape(x) of the tensor it is the shape of"])


def _check_out_backprop(expected, g, span):
    if expected is None or g.shape is None:
        return
    if len(g.shape) != 4 or any(a is not None and b is not None and a != b for a, b in zip(expected, g.shape)):
        raise fail("E0302", f"out_backprop has shape {shape_str(g.shape)}, but the convolution's output has shape {shape_str(expected)}", g.span or span)


def _conv2d_backprop_input(graph, inputs, attrs, span):
    sizes, w, g = inputs
    like = _shaped_like(graph, sizes, "input_sizes", span)
    _check_out_backprop(_conv2d_infer((like, w), attrs, span)[0], g, span)
    return graph.apply("conv2d_input_grad", (g, w, like), attrs, span)


def _conv2d_backprop_filter(graph, inputs, attrs, span):
    x, sizes, g = inputs
    like = _shaped_like(graph, sizes, "filter_sizes", span)
    _check_out_backprop(_conv2d_infer((x, like), attrs, span)[0], g, span)
    return graph.apply("conv2d_filter_grad", (x, g, like), attrs, span)


register(
    "conv2d_backprop_input(input_sizes, filters, out_backprop, strides, padding, data_format=\"NHWC\", dilations=None)",
    attrs=_CONV_ATTRS,
    lister=_conv2d_backprop_input,
    rule="the adjoint of conv2d with respect to its input, as gradients makes it (conv2d_input_grad)",
    doc="conv2d's gradient with respect to an input of shape input_sizes (shape(x) or a list), given out_backprop",
)
register(
    "conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding, data_format=\"NHWC\", dilations=None)",
    attrs=_CONV_ATTRS,
    lister=_conv2d_backprop_filter,
    rule="the adjoint of conv2d with respect to its filters, as gradients makes it (conv2d_filter_grad)",
    doc="conv2d's gradient with respect to filters of shape filter_sizes (shape(w) or a list), given out_backprop",
)


def _check_pool_backprop(x, g, attrs, span):
    _check_out_backprop(_pool_infer((x,), attrs, span)[0], g, span)


def _max_pool2d_backprop(graph, inputs, attrs, span):
    x, g = inputs
    _check_pool_backprop(x, g, attrs, span)
    return graph.apply("max_pool_grad", (x, g), attrs, span)


def _avg_pool2d_backprop(graph, inputs, attrs, span):
    sizes, g = inputs
    like = _shaped_like(graph, sizes, "input_sizes", span)
    _check_pool_backprop(like, g, attrs, span)
    return graph.apply("avg_pool_grad", (g, like), attrs, span)


register(
    "max_pool2d_backprop(input, out_backprop, ksize, strides, padding, data_format=\"NHWC\")",
    attrs=_POOL_ATTRS,
    lister=_max_pool2d_backprop,
    rule="the adjoint of max_pool2d, as gradients makes it (max_pool_grad)",
    doc="max_pool2d's gradient at input: out_backprop sent to each window's first maximum",
)
register(
    "avg_pool2d_backprop(input_sizes, out_backprop, ksize, strides, padding, data_format=\"NHWC\")",
    attrs=_POOL_ATTRS,
    lister=_avg_pool2d_backprop,
    rule="the adjoint of avg_pool2d, as gradients makes it (avg_pool_grad)",
    doc="avg_pool2d's gradient for an input of shape input_sizes (shape(x) or a list): out_backprop shared over each window",
)
