"""Systematic op tests, read from the registry (after HIPS autograd's test_systematic.py).

For every differentiable op: the forward pass against NumPy where NumPy has
the op, the static shape rule against the computed shape, and first and
second derivatives against central differences in float64, on a fixed menu
of shapes with a fixed seed. Every other op is listed with the reason it is
tested differently.
"""
from __future__ import annotations

import warnings
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.engine.evaluate import evaluate
from gradcli.engine.gradients import Unconnected, gradients
from gradcli.engine.graph import Graph, apply
from gradcli.engine.ops import NO_GRADIENT, NOT_DIFFERENTIABLE, OPS
from gradcli.engine.ops.broadcasting import unbroadcast
from gradcli.engine.registry import DuplicateOp, register
from gradcli.errors import EvalError, GradcliError, GradientError

from gradcheck import ATOL, RTOL, check_gradient, numeric_grad, value

# empty shapes too: every op and every gradient handles empty tensors
UNARY_SHAPES = [((),), ((3,),), ((2, 3),), ((0,),), ((2, 0),)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((1, 3), (2, 3)), ((2, 3), (1, 3)), ((0,), (0,)), ((0, 3), (1, 3))]


def C(*inputs, **attrs):
    """One test case: each input is a shape (floats drawn from the op's domain) or a fixed array."""
    return inputs, attrs


def ints(*values):
    return np.array(values, dtype=np.int32)


def well_conditioned(shape):
    def make(rng):
        n = shape[-1]
        return rng.uniform(-1, 1, shape) + 3 * np.eye(n)

    return make


def distribution(shape):
    def make(rng):
        p = rng.uniform(0.1, 1.0, shape)
        return p / p.sum(axis=-1, keepdims=True)

    return make


def uniform(lo, hi, shape):
    return lambda rng: rng.uniform(lo, hi, shape)


# Cases beyond the family menus: ops with required attributes, several tensors,
# special inputs, or extra attribute variants worth covering.
CASES = {
    "leaky_relu": [C((2, 3), alpha=0.3)],
    "reduce_sum": [C((0, 3), axis=0), C((2, 0), axis=1, keepdims=True), C((2, 3), axis=0), C((2, 3), axis=1, keepdims=True), C((2, 3), axis=[0, 1])],
    "reduce_mean": [C((2, 3), axis=-1), C((2, 3), axis=0, keepdims=True)],
    "reduce_max": [C((2, 3), axis=1)],
    "reduce_min": [C((2, 3), axis=0, keepdims=True)],
    "reduce_prod": [C((2, 3), axis=1), C((0, 3), axis=0), C((2, 0), axis=1)],
    "reduce_logsumexp": [C((2, 3), axis=1), C((2, 0), axis=1), C((0, 3), axis=1)],
    "where": [C(np.array([True, False, True]), (3,), (3,)), C(np.array([[True], [False]]), (1, 3), (2, 3))],
    "cast": [C((3,), dtype="float64")],
    "broadcast_to": [C((3,), shape=(2, 3)), C((2, 1), shape=(2, 3)), C((), shape=(2,))],
    "reshape": [C((2, 3), shape=(3, 2)), C((2, 3), shape=(-1,)), C((6,), shape=(2, -1))],
    "add_n": [C((3,), (3,), (3,)), C((2, 3), (1, 3)), C((3,))],
    "fill": [C((), dims=(2, 3))],
    "transpose": [C((2, 3, 4), perm=(1, 2, 0)), C((2, 3), perm=[-1, 0])],
    "expand_dims": [C((2, 3), axis=-1), C((), axis=0)],
    "squeeze": [C((2, 1, 1), axis=[1]), C((1, 3), axis=-2)],
    "concat": [C((0, 3), (1, 3), axis=0), C((2, 3), (1, 3), axis=0), C((2, 1), (2, 2), (2, 3), axis=-1)],
    "stack": [C((3,), (3,)), C((2, 3), (2, 3), (2, 3), axis=1), C((), (), axis=-1)],
    "tile": [C((2, 3), multiples=(2, 1)), C((3,), multiples=[3]), C((2, 1), multiples=(0, 2))],
    "pad": [C((2, 3), paddings=[[1, 0], [0, 2]]), C((3,), paddings=[[0, 0]])],
    "getitem": [
        C((4,), index=(1,)),
        C((4,), index=(slice(1, 3),)),
        C((2, 3), index=(slice(None), -1)),
        C((2, 3), index=(Ellipsis, slice(None, None, 2))),
        C((2, 3), index=(None, 1, slice(None, None, -1))),
        C((2, 3, 4), index=(Ellipsis, 0, None)),
    ],
    "gather": [C((3,), ints()), C((0, 2), ints(), axis=0), C((3,), ints(0, 0, 2)), C((2, 3), ints(2, 0), axis=1), C((3, 2), np.array([[1, 1], [0, 2]], np.int64))],
    "cumsum": [C((2, 3), axis=1, exclusive=True), C((4,), reverse=True), C((2, 3), axis=-1, exclusive=True, reverse=True)],
    "clip_by_value": [  # lo < hi, as the op means them
        C((4,), uniform(-1, -0.5, ()), uniform(0.5, 1, ())),
        C((2, 3), uniform(-1, -0.2, (1, 3)), uniform(0.2, 1, ())),
    ],
    "norm": [C((2, 3), axis=1), C((2, 3), axis=0, keepdims=True), C((2, 3), axis=(0, 1))],
    "einsum": [
        C((2, 3), (3, 4), equation="ij,jk->ik"),
        C((3,), (3,), equation="i,i->"),
        C((3, 3), equation="ii->"),
        C((3, 3), equation="ii->i"),
        C((2, 2, 3), (2, 3, 2), equation="bij,bjk->bik"),
        C((2, 3), equation="ij->ji"),
        C((2, 3), equation="ij->i"),
        C((2, 3), (3,), (3, 2), equation="ij,j,jk->ik"),
        C((2, 3), (3,), equation="ij,j"),
    ],
    "constant": [C((2, 3))],
    "softmax": [C((2, 3), axis=0), C((0, 3))],
    "log_softmax": [C((2, 3), axis=0)],
    "sigmoid_cross_entropy_with_logits": [
        C(uniform(0, 1, (3,)), uniform(-3, 3, (3,))),
        C(uniform(0, 1, (2, 3)), uniform(-3, 3, (1, 3))),
    ],
    "softmax_cross_entropy_with_logits": [
        C(distribution((3,)), uniform(-3, 3, (3,))),
        C(distribution((2, 3)), uniform(-3, 3, (2, 3))),
        C(distribution((2, 3)), uniform(-3, 3, (1, 3))),
    ],
    "sparse_softmax_cross_entropy_with_logits": [C(ints(1), uniform(-3, 3, (1, 3))), C(ints(2, 0, 2), uniform(-3, 3, (3, 4)))],
    "matrix_inverse": [C(well_conditioned((3, 3))), C(well_conditioned((2, 2, 2)))],
    "matrix_determinant": [C(well_conditioned((3, 3))), C(well_conditioned((2, 2, 2)))],
    "log_abs_determinant": [C(well_conditioned((3, 3))), C(well_conditioned((2, 2, 2)))],
    "matrix_solve": [C(well_conditioned((3, 3)), (3, 2)), C(well_conditioned((2, 2)), (2, 0)), C(well_conditioned((2, 2, 2)), (2, 2, 1), adjoint=True), C(well_conditioned((2, 2)), (3, 2, 1))],
    "matmul": [C((2, 1, 2, 3), (3, 3, 2)), C((3, 2), (2, 2, 3, 1), transpose_a=True)],  # broadcasting batch axes
    "conv2d": [
        C((1, 4, 4, 2), (3, 3, 2, 2), strides=1, padding="VALID"),
        C((2, 5, 5, 1), (2, 2, 1, 2), strides=2, padding="SAME"),
        C((1, 4, 5, 2), (2, 2, 2, 1), strides=[1, 1, 1, 1], padding=[[0, 0], [1, 0], [0, 2], [0, 0]], dilations=2),
        C((1, 3, 4, 1), (2, 3, 1, 1), strides=[2, 1], padding="SAME", dilations=[1, 1]),
        C((0, 3, 3, 1), (2, 2, 1, 2), strides=1, padding="SAME"),  # an empty batch
        C((1, 2, 2, 1), (3, 3, 1, 1), strides=1, padding="VALID"),  # no output positions
    ],
    "max_pool2d": [C((1, 4, 4, 2), ksize=2, strides=2, padding="VALID"), C((0, 2, 2, 1), ksize=2, strides=1, padding="SAME"), C((2, 5, 5, 1), ksize=3, strides=2, padding="SAME"), C((1, 3, 4, 1), ksize=[1, 2, 3, 1], strides=1, padding="VALID")],
    "avg_pool2d": [C((1, 4, 4, 2), ksize=2, strides=2, padding="VALID"), C((0, 2, 2, 1), ksize=2, strides=1, padding="SAME"), C((2, 5, 5, 1), ksize=3, strides=2, padding="SAME"), C((1, 3, 4, 1), ksize=[2, 3], strides=1, padding="SAME")],
    "cumprod": [C((0, 3), axis=1), C((2, 0), axis=1, exclusive=True), C((2, 3), axis=1, exclusive=True), C((4,), reverse=True), C((2, 3), axis=-1, exclusive=True, reverse=True)],
    "gather_nd": [C((3, 2), np.zeros((0, 2), np.int32)), C((3, 2), np.array([[0, 1], [2, 0], [0, 1]], np.int32)), C((2, 3), np.array([[1], [0], [1]], np.int32)), C((2, 2, 2), np.array([[[0, 1, 1]], [[1, 0, 0]]], np.int64))],
    "segment_sum": [C((4, 2), ints(0, 0, 1, 3)), C((3,), ints(1, 1, 1)), C((0, 2), ints())],
    "unsorted_segment_sum": [C((4, 2), ints(1, -1, 1, 0), num_segments=3), C((2, 3), np.array([[0, 2, 0], [1, 1, -1]], np.int32), num_segments=3)],
}

# Ops the menu does not differentiate, with the reason and the test that covers them.
NOT_IN_MENU = {
    "custom_gradient": "internal: its gradient is the user's function (tests/engine/test_tape.py)",
    "jacobian_rows": "internal: jacobians with run-time sizes (tests/engine/test_tape.py)",
    "sum_to": "internal: reached by the second derivatives of broadcasting binary ops",
    "sum_to_like": "internal: unbroadcast with unknown shapes (test_unknown_shapes)",
    "unreduce": "internal: reductions with unknown shapes (test_unknown_shapes)",
    "prod_derivative": "internal: derivatives of reduce_prod (test_third_derivative, test_prod_derivative_orders)",
    "sqrt_grad": "internal: the gradient kernel of sqrt (test_third_derivative, tests/engine/test_numeric_fidelity.py)",
    "rsqrt_grad": "internal: the gradient kernel of rsqrt (test_third_derivative)",
    "reciprocal_grad": "internal: the gradient kernel of reciprocal (test_third_derivative)",
    "relu6_grad": "internal: second derivatives of relu6 (tests/engine/test_numeric_fidelity.py)",
    "leaky_relu_grad": "internal: second derivatives of leaky_relu (tests/engine/test_numeric_fidelity.py)",
    "broadcast_like": "internal: second derivatives of sum_to_like (test_unknown_shapes)",
    "reshape_like": "internal: reshape and squeeze with unknown shapes (test_unknown_shapes)",
    "concat_part": "internal: first and second derivatives of concat",
    "untile": "internal: first and second derivatives of tile",
    "getitem_grad": "internal: second derivatives of getitem, pad, stack",
    "gather_grad": "internal: second derivatives of gather",
    "einsum_embed": "internal: derivatives of einsum with repeated letters",
    "diag_like": "internal: second derivatives of diag_part",
    "relu_grad": "internal: second derivatives of relu, test_random_expression_gradients",
    "conv2d_input_grad": "internal: second derivatives of conv2d",
    "conv2d_filter_grad": "internal: second derivatives of conv2d",
    "max_pool_grad": "internal: second derivatives of max_pool2d",
    "max_pool_grad_grad": "internal: third derivatives of max_pool2d",
    "avg_pool_grad": "internal: second derivatives of avg_pool2d",
    "gather_nd_grad": "internal: second derivatives of gather_nd",
    "take_along_axis": "internal: sort and top_k (tests/engine/test_new_ops.py)",
    "put_along_axis": "internal: second derivatives of sort and top_k",
    "cholesky_phi": "internal: derivatives of cholesky",
    "cholesky": "reads only the lower triangle: tests/engine/test_new_ops.py differentiates it on symmetric inputs",
    "unstack": "list-valued: test_list_ops",
    "split": "list-valued: test_list_ops",
}


def menu(op):
    """The (inputs, attrs) cases an op is differentiated on."""
    cases = list(CASES.get(op.name, []))
    tensors = [p for p in op.params if p.kind != "attr"]
    if any(p.kind == "attr" and p.required for p in op.params):
        return cases
    if op.test_shapes:
        return [C(*s) for s in op.test_shapes] + cases
    if op.domain is None:
        return cases
    if all(p.kind == "tensor" for p in tensors) and len(tensors) in (1, 2):
        return [C(*s) for s in (UNARY_SHAPES if len(tensors) == 1 else BINARY_SHAPES)] + cases
    return cases


def differentiable_ops():
    return [op for op in OPS.values() if callable(op.grad) and "internal" not in op.tags and op.lister is None]


def make_inputs(op, inputs, rng):
    lo, hi = op.domain or (-2.0, 2.0)
    out = []
    for spec in inputs:
        if isinstance(spec, np.ndarray):
            out.append(spec)
        elif callable(spec):
            out.append(np.asarray(spec(rng), dtype=np.float64))
        else:
            out.append(rng.uniform(lo, hi, spec))
    return out


def build(op_name, arrays, attrs):
    g = Graph()
    nodes = []
    for i, a in enumerate(arrays):
        if a.dtype.kind == "f":
            nodes.append(g.variable(f"x{i}", g.constant(a), a.dtype.name, a.shape))
        else:
            nodes.append(g.constant(a))
    return g, nodes, g.apply(op_name, nodes, attrs)


def as_value(g, node, like):
    if isinstance(node, Unconnected):
        return np.zeros(like.shape)
    return value(node)


CASE_IDS = [(op.name, i) for op in differentiable_ops() for i in range(len(menu(op)))]


@pytest.mark.parametrize("name,i", CASE_IDS, ids=[f"{n}-{i}" for n, i in CASE_IDS])
def test_op(name, i):
    op = OPS[name]
    inputs, attrs = menu(op)[i]
    rng = np.random.default_rng(zlib.crc32(f"{name}-{i}".encode()))
    arrays = make_inputs(op, inputs, rng)
    g, nodes, y = build(name, arrays, attrs)
    out = value(y)
    # the static shape rule agrees with the computed shape and dtype
    assert out.dtype == y.dtype
    if y.shape is not None:
        assert len(y.shape) == out.ndim and all(d is None or d == o for d, o in zip(y.shape, out.shape)), (y.shape, out.shape)
    reference = REFERENCES.get(name) or numpy_reference(op)
    if reference is not None:
        with warnings.catch_warnings():  # NumPy's mean of an empty slice warns; gradcli's does not
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = reference(*arrays, **attrs)
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    xs = [n for n, a in zip(nodes, arrays) if a.dtype.kind == "f"]
    points = [a for a in arrays if a.dtype.kind == "f"]
    # first order
    grads = check_gradient([y], xs, points, rng, f"{name} first order")
    # second order: the gradient of sum(gradient * w) against differences of it
    connected = [(gx, x) for gx, x in zip(grads, xs) if not isinstance(gx, Unconnected)]
    if connected:
        ws = [g.constant(rng.standard_normal(x.shape)) for _, x in connected]
        s = apply("add_n", *[apply("reduce_sum", gx * w) for (gx, _), w in zip(connected, ws)])
        check_gradient([s], xs, points, rng, f"{name} second order")


def numpy_reference(op):
    if not op.numpy or any(p.kind != "tensor" for p in op.params):
        return None
    for name in (op.name, *op.aliases):
        fn = getattr(np, name, None)
        if callable(fn):
            return lambda *xs, **attrs: fn(*xs)
    return None


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _log_softmax(x, axis=-1):
    return x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True))


REFERENCES = {
    "sigmoid": lambda x: _sigmoid(x),
    "relu": lambda x: np.maximum(x, 0),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "rsqrt": lambda x: 1 / np.sqrt(x),
    "reduce_sum": lambda x, axis=None, keepdims=False: np.sum(x, axis=None if axis is None else tuple(np.atleast_1d(axis)), keepdims=keepdims),
    "reduce_mean": lambda x, axis=None, keepdims=False: np.mean(x, axis=axis, keepdims=keepdims),
    "transpose": lambda x, perm=None: np.transpose(x, perm),
    "concat": lambda *xs, axis: np.concatenate(xs, axis),
    "stack": lambda *xs, axis=0: np.stack(xs, axis),
    "tile": lambda x, multiples: np.tile(x, multiples),
    "pad": lambda x, paddings: np.pad(x, paddings),
    "getitem": lambda x, index: x[index],
    "gather": lambda x, i, axis=0: np.take(x, i, axis=axis),
    "cumsum": None,
    "norm": lambda x, axis=None, keepdims=False: np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims)),
    "l2_loss": lambda x: np.sum(x * x) / 2,
    "einsum": lambda *xs, equation: np.einsum(equation, *xs),
    "softmax": lambda x, axis=-1: np.exp(_log_softmax(x, axis)),
    "log_softmax": _log_softmax,
    "sigmoid_cross_entropy_with_logits": lambda z, x: -(z * np.log(_sigmoid(x)) + (1 - z) * np.log(1 - _sigmoid(x))),
    "softmax_cross_entropy_with_logits": lambda z, x, axis=-1: -np.sum(z * _log_softmax(x, axis), axis=axis),
    "sparse_softmax_cross_entropy_with_logits": lambda z, x: -np.take_along_axis(_log_softmax(x), z[..., None].astype(int), -1)[..., 0],
    "trace": lambda x: np.trace(x, axis1=-2, axis2=-1),
    "matrix_inverse": np.linalg.inv,
    "matrix_determinant": np.linalg.det,
    "diag_part": lambda x: np.diagonal(x, axis1=-2, axis2=-1),
    "matrix_transpose": lambda x: np.swapaxes(x, -1, -2),
    "log_abs_determinant": lambda x: np.linalg.slogdet(x)[1],
    "matrix_solve": lambda a, b, adjoint=False: np.linalg.solve(np.swapaxes(a, -1, -2) if adjoint else a, b),
    "matmul": lambda a, b, transpose_a=False, transpose_b=False: np.matmul(np.swapaxes(a, -1, -2) if transpose_a else a, np.swapaxes(b, -1, -2) if transpose_b else b),
    "conv2d": lambda x, w, **a: naive_conv2d(x, w, **a),
    "max_pool2d": lambda x, **a: naive_pool(x, np.max, **a),
    "avg_pool2d": lambda x, **a: naive_pool(x, np.mean, **a),
    "cumprod": lambda x, axis=0, exclusive=False, reverse=False: naive_cumprod(x, axis, exclusive, reverse),
    "xlogy": lambda x, y: x * np.log(y),
    "xlog1py": lambda x, y: x * np.log1p(y),
    "xdivy": lambda x, y: x / y,
    "div_no_nan": lambda x, y: x / y,
    "gather_nd": lambda p, i: np.array([p[tuple(c)] for c in i.reshape(-1, i.shape[-1])]).reshape(i.shape[:-1] + p.shape[i.shape[-1]:]),
    "segment_sum": lambda d, ids: np.array([d[ids == k].sum(axis=0) for k in range(ids.max() + 1)]) if ids.size else np.zeros((0,) + d.shape[1:]),
    "unsorted_segment_sum": lambda d, ids, num_segments: np.array([d[ids == k].sum(axis=0) for k in range(num_segments)]),
}


def _pair(v, length=4):
    v = [v] * 2 if isinstance(v, int) else list(v)
    return v[1:3] if len(v) == length else v * 2 if len(v) == 1 else v


def _pads(size, k, stride, dilation, padding, axis):
    eff = (k - 1) * dilation + 1
    if padding == "VALID":
        return 0, 0
    if padding == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + eff - size, 0)
        return total // 2, total - total // 2
    return tuple(padding[1 + axis])


def naive_conv2d(x, w, strides=1, padding="VALID", dilations=None):
    """Loops over every output element: TensorFlow's definition of conv2d (NHWC)."""
    (sh, sw), (dh, dw) = _pair(strides), _pair(dilations or 1)
    kh, kw = w.shape[:2]
    (pt, pb), (pl, pr) = _pads(x.shape[1], kh, sh, dh, padding, 0), _pads(x.shape[2], kw, sw, dw, padding, 1)
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    oh, ow = (xp.shape[1] - (kh - 1) * dh - 1) // sh + 1, (xp.shape[2] - (kw - 1) * dw - 1) // sw + 1
    out = np.zeros((x.shape[0], oh, ow, w.shape[3]))
    for n in range(x.shape[0]):
        for i in range(oh):
            for j in range(ow):
                for a in range(kh):
                    for b in range(kw):
                        out[n, i, j] += xp[n, i * sh + a * dh, j * sw + b * dw] @ w[a, b]
    return out


def naive_pool(x, reduce, ksize, strides=1, padding="VALID"):
    (kh, kw), (sh, sw) = _pair(ksize), _pair(strides)
    (pt, pb), (pl, pr) = _pads(x.shape[1], kh, sh, 1, padding, 0), _pads(x.shape[2], kw, sw, 1, padding, 1)
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=np.nan)
    oh, ow = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            window = xp[:, i * sh: i * sh + kh, j * sw: j * sw + kw, :]
            window = window.reshape(window.shape[0], window.shape[1] * window.shape[2], window.shape[3])
            out[:, i, j] = np.reshape([[reduce(window[n, :, c][~np.isnan(window[n, :, c])]) for c in range(x.shape[3])] for n in range(x.shape[0])], (x.shape[0], x.shape[3]))
    return out


def naive_cumprod(x, axis, exclusive, reverse):
    x = np.flip(x, axis) if reverse else x
    out = np.cumprod(x, axis=axis)
    if exclusive:
        out = out / x
    return np.flip(out, axis) if reverse else out


THIRD_IDS = [op.name for op in differentiable_ops() if menu(op)]


@pytest.mark.parametrize("name", THIRD_IDS)
def test_third_derivative(name):
    """Every gradient rule is differentiable again: the third derivative of each op against
    central differences of its second derivative (on the op's first menu case)."""
    op = OPS[name]
    inputs, attrs = menu(op)[0]
    rng = np.random.default_rng(zlib.crc32(f"{name}-third".encode()))
    arrays = make_inputs(op, inputs, rng)
    g, nodes, y = build(name, arrays, attrs)
    xs = [n for n, a in zip(nodes, arrays) if a.dtype.kind == "f"]
    points = [a for a in arrays if a.dtype.kind == "f"]
    scalar = [y]
    for _ in range(2):  # s1 = Σ sum(∂y/∂x * w), then s2 = Σ sum(∂s1/∂x * w')
        grads = gradients(scalar, xs)
        connected = [(gx, x) for gx, x in zip(grads, xs) if not isinstance(gx, Unconnected)]
        if not connected:
            return  # a linear op: the derivatives end in None, as TensorFlow's
        ws = [g.constant(rng.standard_normal(x.shape)) for _, x in connected]
        scalar = [apply("add_n", *[apply("reduce_sum", gx * w) for (gx, _), w in zip(connected, ws)])]
    check_gradient(scalar, xs, points, rng, f"{name} third order")


def test_prod_derivative_orders():
    """reduce_prod to the fourth order, with zeros among the elements and over one axis."""
    rng = np.random.default_rng(5)
    for a, axis in ((np.array([[0.0, 2.0, 3.0, 0.5], [1.5, 0.0, 0.5, 2.0]]), 1), (rng.uniform(0.5, 1.5, (3, 2)), None)):
        g, (x,), y = build("reduce_prod", [a], {"axis": axis})
        scalar = [y]
        for order in range(1, 4):
            (gx,) = gradients(scalar, [x])
            scalar = [apply("reduce_sum", gx * g.constant(rng.standard_normal(a.shape)))]
            check_gradient(scalar, [x], [a], rng, f"reduce_prod order {order + 1}")


def test_reduce_prod_of_empty_tensors():
    for shape, axis in (((0, 3), None), ((0, 3), 0), ((0, 3), 1), ((0,), None)):
        g, (x,), y = build("reduce_prod", [np.zeros(shape)], {"axis": axis})
        np.testing.assert_array_equal(value(y), np.prod(np.zeros(shape), axis=axis))
        (gx,) = gradients([apply("reduce_sum", y)], [x])
        assert value(gx).shape == shape
        (gg,) = gradients([apply("reduce_sum", gx)], [x])
        assert value(gg).shape == shape


# ----- coverage of the registry -----


def test_reduce_prod_second_derivative_with_zeros():
    rng = np.random.default_rng(0)
    a = np.array([[0.0, 2.0, 3.0], [1.5, 0.0, 0.5]])
    g, (x,), y = build("reduce_prod", [a], {"axis": 1})
    (gx,) = gradients([y], [x])
    w = g.constant(rng.standard_normal(a.shape))
    check_gradient([apply("reduce_sum", gx * w)], [x], [a], rng, "reduce_prod second order at zeros")


def test_every_op_is_covered():
    uncovered = []
    for op in OPS.values():
        if op.name in NOT_IN_MENU or op.grad in (NOT_DIFFERENTIABLE, NO_GRADIENT):
            continue
        if not menu(op):
            uncovered.append(op.name)
    assert not uncovered, f"ops with no test cases: {uncovered}"
    assert set(NOT_IN_MENU) <= set(OPS)


def test_every_op_has_doc_and_rule():
    for op in OPS.values():
        assert op.doc and op.rule, op.name
        assert op.doc[0].islower() or not op.doc[0].isalpha(), op.name
        assert not op.doc.endswith("."), op.name


def test_duplicate_registration_names_the_first():
    with pytest.raises(DuplicateOp, match=r"op 'sin' registered twice: first at .*unary\.py:\d+"):
        register("sin(x)", forward=np.sin, infer=None, doc="again")
    with pytest.raises(DuplicateOp, match=r"op 'inv' registered twice: first at .*linalg\.py"):
        register("fresh_op_name(x)", forward=np.sin, infer=None, doc="again", aliases=("inv",))
    assert "fresh_op_name" not in OPS


def test_every_op_module_is_imported_by_the_package():
    """Importing gradcli.engine.ops registers every op: each module of the folder is named by
    its __init__ (a module it forgot would register nothing until something else imported it),
    and every op records a registering line in one of those modules."""
    import ast
    from pathlib import Path

    import gradcli.engine.ops as package

    folder = Path(package.__file__).parent
    init = ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))
    imported = {a.name for node in init.body if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module is None for a in node.names}
    modules = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    assert modules - imported == set()
    where = {Path(op.registered_at.rpartition(":")[0]).stem for op in OPS.values()}
    assert where <= modules


# Inputs that reach each not-differentiable op from a float x.
NOT_DIFFERENTIABLE_PATHS = {
    "floor": lambda x: apply("floor", x),
    "ceil": lambda x: apply("ceil", x),
    "round": lambda x: apply("round", x),
    "floordiv": lambda x: apply("floordiv", x, 2.0),
    "equal": lambda x: apply("cast", apply("equal", x, 1.0), dtype="float64"),
    "not_equal": lambda x: apply("cast", apply("not_equal", x, 1.0), dtype="float64"),
    "less": lambda x: apply("cast", x < 1.0, dtype="float64"),
    "less_equal": lambda x: apply("cast", x <= 1.0, dtype="float64"),
    "greater": lambda x: apply("cast", x > 1.0, dtype="float64"),
    "greater_equal": lambda x: apply("cast", x >= 1.0, dtype="float64"),
    "logical_and": lambda x: apply("cast", apply("logical_and", x > 0.0, x < 9.0), dtype="float64"),
    "logical_or": lambda x: apply("cast", apply("logical_or", x > 0.0, x < 9.0), dtype="float64"),
    "logical_not": lambda x: apply("cast", apply("logical_not", x > 0.0), dtype="float64"),
    "zeros_like": lambda x: apply("zeros_like", x),
    "ones_like": lambda x: apply("ones_like", x),
    "stop_gradient": lambda x: apply("stop_gradient", x),
    "shape": lambda x: apply("cast", apply("shape", x), dtype="float64"),
    "size": lambda x: apply("cast", apply("size", x), dtype="float64"),
    "rank": lambda x: apply("cast", apply("rank", x), dtype="float64"),
    "one_hot": lambda x: apply("one_hot", apply("cast", x, dtype="int32"), depth=3),
    "argmax": lambda x: apply("cast", apply("argmax", x), dtype="float64"),
    "argmin": lambda x: apply("cast", apply("argmin", x), dtype="float64"),
    "eye_like": lambda x: apply("eye_like", apply("reshape", x, shape=(1, 3))),
    "argsort": lambda x: apply("cast", apply("argsort", x), dtype="float64"),
    "top_k_indices": lambda x: apply("cast", apply("top_k_indices", x, k=2), dtype="float64"),
    "determinant_sign": lambda x: apply("determinant_sign", apply("reshape", apply("concat", x, apply("getitem", x, index=(slice(0, 1),)), axis=0), shape=(2, 2))),
}
# Constructors have no tensor input, so nothing can be differentiated through them.
CONSTRUCTORS = {
    "zeros": {"shape": (2,)},
    "ones": {"shape": (2,)},
    "eye": {"num_rows": 2},
    "range": {"start": 3},
    "linspace": {"start": 0.0, "stop": 1.0, "num": 3},
    "random_normal": {"shape": (2,)},
    "random_uniform": {"shape": (2,)},
}


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.grad == NOT_DIFFERENTIABLE and op.lister is None))
def test_not_differentiable_gives_none(name):
    if name in CONSTRUCTORS:
        assert all(p.kind == "attr" for p in OPS[name].params)
        y = Graph().apply(name, (), CONSTRUCTORS[name])
        assert value(y).shape == y.shape
        return
    g = Graph()
    x = g.variable("x", g.constant([0.5, 1.0, 2.0]), "float64", (3,))
    y = NOT_DIFFERENTIABLE_PATHS[name](x)
    (gx,) = gradients([apply("reduce_sum", apply("cast", y, dtype="float64"))], [x])
    assert isinstance(gx, Unconnected), name


def _no_rule_op(name, x):
    return apply(name, x)


def test_no_gradient_rule_is_an_error():
    for name in [n for n, op in OPS.items() if op.grad == NO_GRADIENT]:
        g = Graph()
        x = g.variable("x", g.constant([1.5, 1.5, 2.0]), "float64", (3,))
        y = apply("reduce_sum", _no_rule_op(name, x))
        with pytest.raises(GradientError) as e:
            gradients([y], [x])
        assert e.value.diagnostics[0].code == "E0503"
        # off the path, behind stop_gradient: fine
        (gx,) = gradients([apply("reduce_sum", apply("stop_gradient", _no_rule_op(name, x))) + apply("reduce_sum", x)], [x])
        assert value(gx).tolist() == [1, 1, 1]


def test_unique_values_in_order_of_first_occurrence():
    g = Graph()
    u = apply("unique", g.constant([3.0, 1.0, 3.0, 2.0, 1.0]))
    assert u.shape == (None,)
    assert value(u).tolist() == [3.0, 1.0, 2.0]


# ----- list-valued ops -----

@pytest.mark.parametrize(
    "name,shape,attrs,count",
    [
        ("unstack", (3, 2), {}, 3),
        ("unstack", (2, 3), {"axis": -1}, 3),
        ("split", (4,), {"num_or_size_splits": 2}, 2),
        ("split", (2, 6), {"num_or_size_splits": [1, -1, 2], "axis": 1}, 3),
        ("split", (5, 2), {"num_or_size_splits": [2, 3]}, 2),
    ],
)
def test_list_ops(name, shape, attrs, count):
    rng = np.random.default_rng(7)
    a = rng.uniform(-2, 2, shape)
    g = Graph()
    x = g.variable("x", g.constant(a), "float64", shape)
    pieces = g.call(name, [x], attrs)
    assert len(pieces) == count
    values = evaluate(pieces)
    axis = attrs.get("axis", 0)
    if name == "unstack":
        expected = [np.take(a, i, axis=axis) for i in range(count)]
    else:
        spec = attrs["num_or_size_splits"]
        if isinstance(spec, list):
            sizes = [s if s != -1 else a.shape[axis] - sum(t for t in spec if t != -1) for s in spec]
            spec = list(np.cumsum(sizes)[:-1])
        expected = np.split(a, spec, axis=axis)
    for p, e in zip(pieces, expected):
        assert p.shape == e.shape
        np.testing.assert_array_equal(values[p], e)
    squares = [apply("reduce_sum", apply("sin", p) * float(i + 1)) for i, p in enumerate(pieces)]
    check_gradient([apply("add_n", *squares)], [x], [a], rng, name)


# ----- SEMANTICS.md: values at kinks and singular points -----

def grad_at(f, x0, wrt=None):
    g = Graph()
    x = g.variable("x", g.constant(np.asarray(x0, float)), "float64", np.shape(x0))
    (gx,) = gradients([f(x)], [x])
    return gx if isinstance(gx, Unconnected) else value(gx)


def S(x):
    return apply("reduce_sum", x)


KINKS = [
    ("relu'(0)", lambda x: apply("relu", x), 0.0, 0.0),
    ("relu6' at 0 and 6", lambda x: S(apply("relu6", x)), [0.0, 6.0, 3.0], [0.0, 0.0, 1.0]),
    ("leaky_relu' at 0 and below", lambda x: S(apply("leaky_relu", x)), [0.0, -1.0, 6.0], [0.2, 0.2, 1.0]),
    ("elu'(0)", lambda x: apply("elu", x), 0.0, 1.0),
    ("abs'(0)", lambda x: apply("abs", x), 0.0, 0.0),
    ("sign' is 0, connected", lambda x: apply("sign", x), 1.5, 0.0),
    ("softplus'(0)", lambda x: apply("softplus", x), 0.0, 0.5),
    ("reduce_max ties split", lambda x: apply("reduce_max", x), [3.0, 3.0, 1.0], [0.5, 0.5, 0.0]),
    ("reduce_min ties split", lambda x: apply("reduce_min", x), [1.0, 1.0, 3.0], [0.5, 0.5, 0.0]),
    ("clip boundaries included", lambda x: S(apply("clip_by_value", x, 0.0, 1.0)), [1.0, 0.0, 1.5, -0.5, 0.5], [1.0, 1.0, 0.0, 0.0, 1.0]),
    ("sqrt'(0)", lambda x: apply("sqrt", x), 0.0, np.inf),
    ("log'(0)", lambda x: apply("log", x), 0.0, np.inf),
    ("(1/x)' at 0", lambda x: 1.0 / x, 0.0, -np.inf),
    ("reciprocal'(0)", lambda x: apply("reciprocal", x), 0.0, -np.inf),
    ("rsqrt'(0)", lambda x: apply("rsqrt", x), 0.0, -np.inf),
    ("d(x**0)/dx at 0", lambda x: x ** 0.0, 0.0, np.nan),
    ("norm' at a zero vector", lambda x: apply("norm", x), [0.0, 0.0], [np.nan, np.nan]),
    ("norm' per row", lambda x: S(apply("norm", x, axis=1)), [[0.0, 0.0], [3.0, 4.0]], [[np.nan, np.nan], [0.6, 0.8]]),
    ("reduce_prod one zero", lambda x: apply("reduce_prod", x), [0.0, 2.0, 3.0], [6.0, 0.0, 0.0]),
    ("reduce_prod two zeros", lambda x: apply("reduce_prod", x), [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]),
    ("where", lambda x: S(apply("where", x > 1.0, x * x, -x)), [0.0, 2.0], [-1.0, 4.0]),
    ("floormod to x", lambda x: S(apply("floormod", x, 2.0)), [7.5, -7.5], [1.0, 1.0]),
]


@pytest.mark.parametrize("label,f,x0,expected", KINKS, ids=[k[0] for k in KINKS])
def test_kink_values(label, f, x0, expected):
    np.testing.assert_allclose(grad_at(f, x0), expected, rtol=1e-12)


def _two(x0, y0, f):
    g = Graph()
    x = g.variable("x", g.constant(np.asarray(x0, float)), "float64", np.shape(x0))
    y = g.variable("y", g.constant(np.asarray(y0, float)), "float64", np.shape(y0))
    return [r if isinstance(r, Unconnected) else value(r) for r in gradients([f(x, y)], [x, y])]


def test_ties_go_to_x():
    assert _two(0.0, 0.0, lambda x, y: apply("maximum", x, y)) == [1.0, 0.0]
    assert _two(0.0, 0.0, lambda x, y: apply("minimum", x, y)) == [1.0, 0.0]


def test_pow_exponent_gradient_is_zero_for_nonpositive_base():
    assert _two(-1.0, 2.0, lambda x, p: x ** p) == [-2.0, 0.0]
    assert _two(0.0, 2.0, lambda x, p: x ** p)[1] == 0.0


def test_floormod_and_floordiv():
    gx, gy = _two([7.5, -7.5], [2.0, 2.0], lambda x, y: S(apply("floormod", x, y)))
    assert gx.tolist() == [1.0, 1.0] and gy.tolist() == [-3.0, 4.0]
    gx, gy = _two([7.5], [2.0], lambda x, y: S(apply("floordiv", x, y)))
    assert isinstance(gx, Unconnected) and isinstance(gy, Unconnected)


def test_clip_gradient_reaches_the_bounds():
    g = Graph()
    x = g.variable("x", g.constant([-1.0, 0.5, 2.0]), "float64", (3,))
    lo = g.variable("lo", g.constant(0.0), "float64", ())
    hi = g.variable("hi", g.constant(1.0), "float64", ())
    grads = gradients([S(apply("clip_by_value", x, lo, hi))], [x, lo, hi])
    assert [value(v).tolist() for v in grads] == [[0.0, 1.0, 0.0], 1.0, 1.0]


def test_softmax_xent_gradients_to_labels_and_logits():
    lab, z = np.array([0.2, 0.5, 0.3]), np.array([1.0, 2.0, 3.0])
    gl, gz = _two(lab, z, lambda l, x: apply("softmax_cross_entropy_with_logits", l, x))
    np.testing.assert_allclose(gl, [2.40760596, 1.40760596, 0.40760596], rtol=1e-7)
    np.testing.assert_allclose(gz, [-0.10996943, -0.25527153, 0.36524093], rtol=1e-6)


def test_sparse_labels_get_none():
    g = Graph()
    z = g.variable("z", g.constant([[1.0, 2.0, 3.0]]), "float64", (1, 3))
    labels = g.constant(np.array([1], np.int32))
    (gz,) = gradients([apply("sparse_softmax_cross_entropy_with_logits", labels, z)], [z])
    np.testing.assert_allclose(value(gz), [[0.09003057, -0.75527155, 0.66524094]], rtol=1e-6)
    y = apply("sparse_softmax_cross_entropy_with_logits", labels, z)
    assert y.op.grad(g.constant([1.0]), y)[0] is None


def test_losses_are_stable_for_large_logits():
    g = Graph()
    big = g.constant([[1000.0, -1000.0, 0.0]])
    assert np.isfinite(value(apply("softmax", big))).all()
    assert np.isfinite(value(apply("log_softmax", big))).all()
    assert value(apply("softmax_cross_entropy_with_logits", g.constant([[0.0, 1.0, 0.0]]), big)).tolist() == [2000.0]
    s = value(apply("sigmoid_cross_entropy_with_logits", g.constant([1.0, 0.0]), g.constant([-1000.0, 1000.0])))
    assert s.tolist() == [1000.0, 1000.0]
    (gz,) = gradients([apply("sparse_softmax_cross_entropy_with_logits", g.constant(np.array([1], np.int32)), big)], [big])
    assert np.isfinite(value(gz)).all()


def test_gather_duplicates_are_summed_densely():
    g = Graph()
    x = g.variable("x", g.constant([1.0, 2.0, 3.0]), "float64", (3,))
    (gx,) = gradients([S(apply("gather", x, g.constant(np.array([0, 0, 2]))))], [x])
    assert gx.shape == (3,) and value(gx).tolist() == [2.0, 0.0, 1.0]


def test_einsum_conformance_values():
    g = Graph()
    A = g.variable("A", g.constant([[1.0, 2.0], [3.0, 4.0]]), "float64", (2, 2))
    B = g.variable("B", g.constant([[5.0, 6.0], [7.0, 8.0]]), "float64", (2, 2))
    ga, gb = gradients([apply("einsum", A, B, equation="ij,jk->ik")], [A, B])
    assert value(ga).tolist() == [[11, 15], [11, 15]] and value(gb).tolist() == [[4, 4], [6, 6]]
    (gt,) = gradients([apply("einsum", A, equation="ii->")], [A])
    assert value(gt).tolist() == [[1, 0], [0, 1]]


def test_det_and_inverse_conformance_values():
    g = Graph()
    A = g.variable("A", g.constant([[2.0, 1.0], [1.0, 3.0]]), "float64", (2, 2))
    (gd,) = gradients([apply("det", A)], [A])
    (gi,) = gradients([S(apply("inv", A))], [A])
    np.testing.assert_allclose(value(gd), [[3, -1], [-1, 2]])
    np.testing.assert_allclose(value(gi), [[-0.16, -0.08], [-0.08, -0.04]])


def test_singular_matrix_is_e0308():
    g = Graph()
    y = apply("matrix_inverse", g.constant([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(EvalError) as e:
        value(y)
    assert e.value.diagnostics[0].code == "E0308"


# ----- static shape rules and their errors -----

def _code(thunk):
    with pytest.raises(GradcliError) as e:
        thunk()
    return e.value.diagnostics[0].code


def test_shape_errors():
    g = Graph()
    m = g.constant(np.zeros((2, 3)))
    v = g.constant(np.zeros(3))
    assert _code(lambda: apply("getitem", m, index=(2,))) == "E0309"
    assert _code(lambda: apply("getitem", v, index=(0, 0))) == "E0309"
    assert _code(lambda: apply("gather", v, g.constant(np.array([3])))) == "E0309"
    assert _code(lambda: apply("gather", v, g.constant([0.0]))) == "E0303"
    assert _code(lambda: apply("transpose", m, perm=(0, 0))) == "E0311"
    assert _code(lambda: apply("squeeze", m, axis=0)) == "E0311"
    assert _code(lambda: apply("expand_dims", m, axis=3)) == "E0304"
    assert _code(lambda: apply("concat", m, v, axis=0)) == "E0302"
    assert _code(lambda: apply("concat", m, m, axis=2)) == "E0304"
    assert _code(lambda: apply("stack", m, v)) == "E0302"
    assert _code(lambda: apply("tile", m, multiples=(2,))) == "E0311"
    assert _code(lambda: apply("pad", m, paddings=[[0, -1], [0, 0]])) == "E0311"
    assert _code(lambda: apply("einsum", m, m, equation="ij,jk->ik")) == "E0302"
    assert _code(lambda: apply("einsum", m, equation="i->i")) == "E0312"
    assert _code(lambda: apply("einsum", m, equation="ij,jk->ik")) == "E0312"
    assert _code(lambda: apply("norm", m, ord=1)) == "E0311"
    assert _code(lambda: apply("unique", m)) == "E0311"
    assert _code(lambda: apply("matrix_inverse", m)) == "E0314"
    assert _code(lambda: apply("trace", v)) == "E0302"
    assert _code(lambda: g.call("split", [v], {"num_or_size_splits": 2})) == "E0311"
    assert _code(lambda: g.call("split", [v], {"num_or_size_splits": [1, 1]})) == "E0311"
    assert _code(lambda: g.call("unstack", [v], {"num": 2})) == "E0311"
    assert _code(lambda: g.apply("zeros", (), {"shape": (2, -1)})) == "E0306"
    assert _code(lambda: g.apply("range", (), {"start": 0, "limit": 3, "delta": 0})) == "E0311"
    assert _code(lambda: apply("sparse_softmax_cross_entropy_with_logits", g.constant(np.array([0, 1, 1])), m)) == "E0302"
    # out of range only at run time: the evaluator reports E0309
    free = g.placeholder("p", "int32", (None,))
    picked = apply("gather", v, free)
    with pytest.raises(EvalError) as e:
        evaluate([picked], {free: np.array([5], np.int32)})
    assert e.value.diagnostics[0].code == "E0309"


def test_unknown_shapes():
    """Unknown dimensions and ranks flow through shape rules, and gradients use run-time shapes."""
    g = Graph()
    p = g.placeholder("p", "float64", (None, 3))
    anyshape = g.placeholder("q", "float64", None)
    assert apply("getitem", p, index=(slice(None), 0)).shape == (None,)
    assert apply("getitem", p, index=(0, slice(1, None))).shape == (2,)
    assert apply("getitem", anyshape, index=(0,)).shape is None
    assert apply("transpose", p).shape == (3, None)
    assert apply("concat", p, p, axis=0).shape == (None, 3)
    assert apply("concat", p, p, axis=1).shape == (None, 6)
    assert apply("stack", p, p, axis=-1).shape == (None, 3, 2)
    assert apply("squeeze", p).shape is None
    assert apply("tile", p, multiples=(2, 2)).shape == (None, 6)
    assert apply("pad", p, paddings=[[1, 1], [0, 0]]).shape == (None, 3)
    assert apply("gather", p, g.constant(np.array([0, 1])), axis=1).shape == (None, 2)
    assert apply("einsum", p, g.constant(np.ones((3, 4))), equation="ij,jk->ik").shape == (None, 4)
    assert apply("norm", p, axis=1).shape == (None,)
    assert apply("softmax_cross_entropy_with_logits", p, p).shape == (None,)
    assert apply("diag_part", p).shape == (None,)
    assert apply("cumsum", anyshape).shape is None
    # gradients through run-time shapes, checked at a fed value
    rng = np.random.default_rng(3)
    a = rng.uniform(0.5, 2, (2, 3))
    y = (
        S(apply("reduce_max", p, axis=0) * apply("norm", p, axis=0))
        + S(apply("squeeze", apply("expand_dims", p, axis=0)) * apply("reshape", p, shape=(-1, 3)))
        + S(apply("reduce_mean", p, axis=1) * apply("cumsum", apply("getitem", p, index=(slice(None), 0))))
        + S(apply("tile", p, multiples=(1, 2)) ** 2.0)
        + S(apply("concat", p, apply("sin", p), axis=0) * apply("pad", p, paddings=[[1, 1], [0, 0]]))
        + S(p * apply("sum_to", g.constant(np.ones((1, 3))), shape=(1, 3)))
    )
    (gp,) = gradients([y], [p])

    def f(values):
        return float(evaluate([y], {p: values[0]})[y])

    expected = numeric_grad(f, [a])[0]
    np.testing.assert_allclose(evaluate([gp], {p: a})[gp], expected, rtol=RTOL, atol=ATOL)
    # and the second derivative, through the run-time-shape gradient ops
    w = g.constant(rng.standard_normal((2, 3)))
    (gg,) = gradients([S(gp * w)], [p])
    expected2 = numeric_grad(lambda values: float(np.sum(evaluate([gp], {p: values[0]})[gp] * evaluate([w])[w])), [a])[0]
    np.testing.assert_allclose(evaluate([gg], {p: a})[gg], expected2, rtol=1e-4, atol=1e-5)


# ----- constructors -----

def test_constructors():
    g = Graph()
    assert value(g.apply("zeros", (), {"shape": [2, 3]})).dtype == np.float64
    assert value(g.apply("ones", (), {"shape": (2,), "dtype": "int32"})).tolist() == [1, 1]
    assert value(g.apply("eye", (), {"num_rows": 2, "num_columns": 3})).tolist() == [[1, 0, 0], [0, 1, 0]]
    r = g.apply("range", (), {"start": 2, "limit": 9, "delta": 3})
    assert r.dtype == np.int32 and r.shape == (3,) and value(r).tolist() == [2, 5, 8]
    r = g.apply("range", (), {"start": 1.0, "limit": 0.0, "delta": -0.25})
    assert r.dtype == np.float64 and value(r).tolist() == [1.0, 0.75, 0.5, 0.25]
    l32 = Graph("float32").apply("linspace", (), {"start": 0.0, "stop": 1.0, "num": 5})
    assert l32.dtype == np.float32 and value(l32).tolist() == [0, 0.25, 0.5, 0.75, 1]
    c = g.apply("constant", (g.constant([1, 2]),), {"dtype": "float64"})
    assert c.dtype == np.float64 and value(c).tolist() == [1.0, 2.0]


def test_random_ops_are_reproducible():
    g = Graph()
    a = g.apply("random_normal", (), {"shape": (3,)})
    b = g.apply("random_normal", (), {"shape": (3,)})
    u = g.apply("random_uniform", (), {"shape": (1000,), "minval": 2.0, "maxval": 3.0, "seed": 5})
    first, again, other = evaluate([a, b, u], seed=1), evaluate([a, b, u], seed=1), evaluate([a, b, u], seed=2)
    assert first[a].tolist() == again[a].tolist() and first[a].tolist() != first[b].tolist()
    assert first[a].tolist() != other[a].tolist()
    assert 2.0 <= first[u].min() and first[u].max() < 3.0
    assert g.apply("random_normal", (), {"shape": (2,), "dtype": "float32"}).dtype == np.float32


def test_one_hot():
    g = Graph()
    oh = apply("one_hot", g.constant(np.array([0, 2, 5])), depth=3)
    assert oh.shape == (3, 3) and oh.dtype == np.float64
    assert value(oh).tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0]]


# ----- properties -----

@st.composite
def broadcast_pair(draw):
    x_shape = tuple(draw(st.lists(st.integers(1, 3), max_size=3)))
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    g_shape = lead + tuple(d if d != 1 else draw(st.integers(1, 3)) for d in x_shape)
    return x_shape, g_shape


@settings(max_examples=40, deadline=None)
@given(broadcast_pair())
def test_unbroadcast_returns_the_input_shape(shapes):
    x_shape, g_shape = shapes
    g = Graph()
    x = g.constant(np.zeros(x_shape))
    grad = g.constant(np.ones(g_shape))
    u = unbroadcast(grad, x)
    assert u.shape == x_shape
    got = value(u)
    assert got.shape == x_shape and got.sum() == np.prod(g_shape)


SMOOTH_FAMILY = sorted(
    name
    for name, op in OPS.items()
    if callable(op.grad) and op.domain is not None and not op.test_shapes and "internal" not in op.tags
    and all(p.kind == "tensor" for p in op.params) and len(op.params) in (1, 2) and name != "floormod"
)


def squash(x, domain):
    lo, hi = domain
    return lo + (hi - lo) * apply("sigmoid", x)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SMOOTH_FAMILY), st.integers(0, 99), st.integers(0, 99)), min_size=1, max_size=5), st.integers(0, 2**31))
def test_random_expression_gradients(steps, seed):
    """Random graphs of registry ops, each operand squashed into the op's domain."""
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (1, 3))
    g = Graph()
    x = g.variable("x", g.constant(a), "float64", (2, 3))
    w = g.variable("w", g.constant(b), "float64", (1, 3))
    pool = [x, w]
    for name, i, j in steps:
        op = OPS[name]
        operands = [squash(pool[k % len(pool)], op.domain) for k in (i, j)[: len(op.params)]]
        pool.append(apply(name, *operands))
    y = apply("reduce_sum", pool[-1])
    check_gradient([y], [x, w], [a, b], rng, " -> ".join(s[0] for s in steps))
