"""The ops issue 11 added that are built from other ops (composites) or need special inputs:
each against TensorFlow's definition computed by hand in NumPy, and its first and second
derivatives against central differences in float64."""
from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import invoke, run_json
from gradcli.engine.evaluate import evaluate
from gradcli.engine.gradients import Unconnected, gradients
from gradcli.engine.graph import Graph, apply

from gradcheck import check_gradient as check, value


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _erf(x):
    return np.vectorize(math.erf)(x)


def spd(rng, n):
    m = rng.uniform(-1, 1, (n, n))
    return m @ m.T + n * np.eye(n)


SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
R = np.random.default_rng(0)
A23, B23, P23 = R.uniform(-2, 2, (2, 3)), R.uniform(-2, 2, (2, 3)), R.uniform(0.1, 0.9, (2, 3))
LABELS = np.array([[0.0, 1.0, 0.0], [0.3, 0.3, 0.4]])

# name, float inputs, attrs, NumPy reference of the (first) output, which outputs are differentiated
CASES = [
    ("selu", [A23], {}, lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x))),
    ("gelu", [A23], {}, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    ("gelu", [A23], {"approximate": True}, lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))),
    ("silu", [A23], {}, lambda x: x * _sigmoid(x)),
    ("swish", [A23], {"beta": 1.5}, lambda x: x * _sigmoid(1.5 * x)),
    ("log_sigmoid", [A23], {}, lambda x: np.log(_sigmoid(x))),
    ("bias_add", [A23, R.uniform(-1, 1, 3)], {}, lambda x, b: x + b),
    ("l2_normalize", [A23], {"axis": 1}, lambda x: x / np.sqrt(np.sum(x * x, axis=1, keepdims=True))),
    ("l2_normalize", [A23], {}, lambda x: x / np.sqrt(np.sum(x * x))),
    ("batch_normalization", [A23, B23[0], P23[0] + 0.5, B23[1], P23[1]], {"variance_epsilon": 0.01}, lambda x, m, v, o, s: (x - m) * s / np.sqrt(v + 0.01) + o),
    ("reduce_variance", [A23], {"axis": 1}, lambda x: np.var(x, axis=1)),
    ("reduce_std", [A23], {"axis": 0, "keepdims": True}, lambda x: np.std(x, axis=0, keepdims=True)),
    ("reduce_std", [A23], {}, lambda x: np.std(x)),
    ("reduce_euclidean_norm", [A23], {"axis": [0, 1]}, lambda x: np.sqrt(np.sum(x * x))),
    ("tensordot", [A23, R.uniform(-1, 1, (3, 2))], {"axes": 1}, lambda a, b: a @ b),
    ("tensordot", [A23, B23], {"axes": [[0, 1], [0, 1]]}, lambda a, b: np.sum(a * b)),
    ("tensordot", [A23, R.uniform(-1, 1, (3, 2))], {"axes": [[1], [0]]}, lambda a, b: a @ b),
    ("tensordot", [A23, R.uniform(-1, 1, (2,))], {"axes": 0}, lambda a, b: np.multiply.outer(a, b)),
    ("dot", [A23[0], B23[0]], {}, lambda a, b: a @ b),
    ("dot", [A23, R.uniform(-1, 1, (3, 2))], {}, lambda a, b: a @ b),
    ("sort", [A23], {}, lambda x: np.sort(x, axis=-1)),
    ("sort", [A23], {"axis": 0, "direction": "DESCENDING"}, lambda x: -np.sort(-x, axis=0)),
    ("top_k", [A23], {"k": 2}, lambda x: -np.sort(-x, axis=-1)[:, :2]),
    ("moments", [A23], {"axes": [0]}, lambda x: np.mean(x, axis=0)),
    ("moments", [A23], {"axes": [0, 1], "keepdims": True}, lambda x: np.mean(x, keepdims=True)),
    ("slogdet", [spd(R, 3) - 4 * np.eye(3)], {}, lambda x: np.linalg.slogdet(x)[0]),
    ("mean_squared_error", [A23, B23], {}, lambda t, p: np.mean((p - t) ** 2, axis=-1)),
    ("keras.losses.MSE", [A23, B23], {}, lambda t, p: np.mean((p - t) ** 2, axis=-1)),
    ("losses.mean_squared_error", [A23, B23], {}, lambda t, p: np.mean((p - t) ** 2)),
    ("losses.mean_squared_error", [A23, B23, np.array([[1.0, 0.5, 2.0]])], {}, lambda t, p, w: np.sum(w * (p - t) ** 2) / 6),
    ("binary_crossentropy", [LABELS, P23], {}, lambda t, p: -np.mean(t * np.log(p + 1e-7) + (1 - t) * np.log(1 - p + 1e-7), axis=-1)),
    ("binary_crossentropy", [LABELS, A23], {"from_logits": True}, lambda t, z: np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))), axis=-1)),
    ("binary_crossentropy", [LABELS, P23], {"label_smoothing": 0.2}, lambda t, p: -np.mean((t * 0.8 + 0.1) * np.log(p + 1e-7) + (1 - (t * 0.8 + 0.1)) * np.log(1 - p + 1e-7), axis=-1)),
    ("categorical_crossentropy", [LABELS, P23], {}, lambda t, p: -np.sum(t * np.log(p / p.sum(axis=-1, keepdims=True)), axis=-1)),
    ("categorical_crossentropy", [LABELS, A23], {"from_logits": True}, lambda t, z: -np.sum(t * (z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))), axis=-1)),
    ("conv1d", [R.uniform(-1, 1, (2, 5, 2)), R.uniform(-1, 1, (3, 2, 1))], {"stride": 1, "padding": "VALID"}, lambda x, w: np.stack([np.stack([sum(x[n, i + k] @ w[k] for k in range(3)) for i in range(3)]) for n in range(2)])),
    ("conv1d", [R.uniform(-1, 1, (1, 5, 1)), R.uniform(-1, 1, (2, 1, 2))], {"stride": 2, "padding": "SAME"}, None),
    # empty tensors
    ("gelu", [np.zeros((0, 3))], {}, lambda x: x),
    ("l2_normalize", [np.zeros((0, 3))], {"axis": 1}, lambda x: x),
    ("moments", [np.zeros((0, 3))], {"axes": [1]}, lambda x: np.zeros(0)),
    ("sort", [np.zeros((2, 0))], {}, lambda x: x),
    ("top_k", [np.zeros((2, 3))], {"k": 0}, lambda x: np.zeros((2, 0))),
    ("tensordot", [np.zeros((0, 3)), R.uniform(-1, 1, (3, 2))], {"axes": 1}, lambda a, b: np.zeros((0, 2))),
    ("categorical_crossentropy", [np.zeros((0, 3)), np.zeros((0, 3))], {"from_logits": True}, lambda t, z: np.zeros(0)),
    ("reduce_std", [np.zeros((2, 0))], {"axis": 0}, lambda x: np.zeros(0)),
]


@pytest.mark.parametrize("name,arrays,attrs,reference", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_composite(name, arrays, attrs, reference):
    rng = np.random.default_rng(len(name))
    g = Graph()
    xs = [g.variable(f"x{i}", g.constant(a), "float64", a.shape) for i, a in enumerate(arrays)]
    out = g.call(name, xs, dict(attrs))
    outs = out if isinstance(out, list) else [out]
    first = value(outs[0])
    if reference is not None:
        np.testing.assert_allclose(first, reference(*arrays), rtol=1e-10, atol=1e-12)
    assert outs[0].shape is None or first.shape == tuple(outs[0].shape)
    ys = [y for y in outs if y.dtype.kind == "f" and y.op.grad != "not differentiable"]
    grads = check(ys, xs, arrays, rng, f"{name} first order")
    connected = [(gx, x) for gx, x in zip(grads, xs) if not isinstance(gx, Unconnected)]
    if connected and name != "moments":  # TensorFlow's variance stops the mean's gradient: not a true Hessian
        s = apply("add_n", *[apply("reduce_sum", gx * g.constant(rng.standard_normal(x.shape))) for gx, x in connected])
        check([s], xs, arrays, rng, f"{name} second order")


def test_tf1_mean_squared_error_ignores_zero_weights():
    g = Graph()
    t, p = g.constant(np.zeros((2, 2))), g.constant(np.array([[1.0, 2.0], [3.0, 4.0]]))
    w = g.constant(np.array([[1.0, 0.0]]))
    assert value(g.call("losses.mean_squared_error", [t, p, w], {})) == pytest.approx((1 + 9) / 2)  # 2 nonzero weights


def test_moments_variance_and_tensorflows_stopped_mean():
    g = Graph()
    a = np.array([[1.0, 2.0], [3.0, 5.0]])
    x = g.variable("x", g.constant(a), "float64", a.shape)
    mean, var = g.call("moments", [x], {"axes": [0]})
    np.testing.assert_allclose(value(var), [1.0, 2.25])
    # the variance is about stop_gradient(mean): its first derivative is still 2(x - mean)/n
    (gx,) = gradients([apply("reduce_sum", var)], [x])
    np.testing.assert_allclose(value(gx), [[-1.0, -1.5], [1.0, 1.5]])


def test_top_k_values_indices_and_gradient():
    g = Graph()
    x = g.variable("x", g.constant(np.array([1.0, 3.0, 3.0, 2.0])), "float64", (4,))
    values, indices = g.call("top_k", [x], {"k": 3})
    assert value(values).tolist() == [3.0, 3.0, 2.0] and value(indices).tolist() == [1, 2, 3]  # ties: lower index first
    assert indices.dtype == np.int32
    (gx,) = gradients([apply("reduce_sum", values * g.constant(np.array([1.0, 10.0, 100.0])))], [x])
    assert value(gx).tolist() == [0.0, 1.0, 10.0, 100.0]


def test_cholesky_and_logdet_on_symmetric_inputs():
    rng = np.random.default_rng(4)
    a = spd(rng, 3)
    g = Graph()
    x = g.variable("x", g.constant(a), "float64", a.shape)
    sym = (x + apply("matrix_transpose", x)) * 0.5  # cholesky reads one triangle: differentiate a symmetric input
    l_node = apply("cholesky", sym)
    np.testing.assert_allclose(value(l_node), np.linalg.cholesky(a), rtol=1e-12)
    grads = check([l_node], [x], [a], rng, "cholesky first order")
    s = apply("reduce_sum", grads[0] * g.constant(rng.standard_normal(a.shape)))
    check([s], [x], [a], rng, "cholesky second order")
    ld = g.call("logdet", [sym], {})
    assert value(ld) == pytest.approx(np.linalg.slogdet(a)[1], rel=1e-12)
    (gl,) = gradients([ld], [x])
    np.testing.assert_allclose(value(gl), np.linalg.inv(a).T, rtol=1e-10)  # ∂ log det A/∂A = A⁻ᵀ


def test_dropout_is_seeded_and_scaled():
    g = Graph()
    x = g.variable("x", g.constant(np.ones(1000)), "float64", (1000,))
    y = g.call("dropout", [x], {"rate": 0.25})
    first, again, other = (evaluate([y], seed=s)[y] for s in (1, 1, 2))
    assert first.tolist() == again.tolist() and first.tolist() != other.tolist()
    assert set(np.unique(first)) <= {0.0, 1 / 0.75}
    assert 0.2 < np.mean(first == 0) < 0.3
    (gx,) = gradients([apply("reduce_sum", y)], [x])
    np.testing.assert_array_equal(evaluate([gx], seed=1)[gx], first)  # the mask over 1 - rate
    assert "E0311" in invoke("eval", "-e", "dropout([1.0, 2.0], 1.0)").stderr


def test_max_pool_ties_go_to_the_first_maximum():
    g = Graph()
    a = np.array([[1.0, 5.0], [5.0, 2.0]]).reshape(1, 2, 2, 1)
    x = g.variable("x", g.constant(a), "float64", a.shape)
    y = apply("max_pool2d", x, ksize=2, strides=2, padding="VALID")
    (gx,) = gradients([apply("reduce_sum", y)], [x])
    assert value(gx).reshape(2, 2).tolist() == [[0.0, 1.0], [0.0, 0.0]]
    (gg,) = gradients([apply("reduce_sum", gx * g.constant(np.ones(a.shape)))], [x])
    assert value(gg).tolist() == np.zeros(a.shape).tolist()  # the choice is piecewise constant


def test_avg_pool_same_counts_only_real_elements():
    g = Graph()
    x = g.constant(np.arange(9.0).reshape(1, 3, 3, 1))
    y = value(apply("avg_pool2d", x, ksize=2, strides=2, padding="SAME"))
    # windows [0,1,3,4], [2,5], [6,7], [8]: TensorFlow divides by the real elements
    assert y.reshape(2, 2).tolist() == [[2.0, 3.5], [6.5, 8.0]]


def test_conv2d_same_padding_shapes_as_tensorflow():
    g = Graph()
    x = g.constant(np.zeros((1, 5, 7, 3)))
    w = g.constant(np.zeros((3, 2, 3, 4)))
    assert apply("conv2d", x, w, strides=2, padding="SAME").shape == (1, 3, 4, 4)
    assert apply("conv2d", x, w, strides=[1, 2, 3, 1], padding="VALID").shape == (1, 2, 2, 4)
    assert apply("conv2d", x, w, strides=1, padding="VALID", dilations=2).shape == (1, 1, 5, 4)
    assert apply("max_pool2d", x, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME").shape == (1, 3, 4, 3)


@pytest.mark.parametrize(
    "model,code",
    [
        ("var x = [[[[1.0]]]]\ny = conv2d(x, [[[[1.0], [2.0]]]], 1, \"VALID\")\n", "E0302"),
        ("var x = [[[[1.0]]]]\ny = conv2d(x, [[[[1.0]]]], 1, \"FULL\")\n", "E0311"),
        ("var x = [[[[1.0]]]]\ny = conv2d(x, [[[[1.0]]]], 0, \"VALID\")\n", "E0311"),
        ("var x = [[[[1.0]]]]\ny = max_pool2d(x, 1, 1, \"VALID\", data_format=\"NCHW\")\n", "E0311"),
        ("var x = [1.0, 2.0]\nv, i = top_k(x, k=3)\n", "E0311"),
        ("var x = [[1.0, 2.0], [3.0, 4.0]]\ny = tensordot(x, x, 3)\n", "E0311"),
        ("var x = [[1.0, 2.0], [3.0, 4.0]]\ny = matrix_solve(x, [[1.0, 2.0, 3.0]])\n", "E0302"),
        ("var x = [1.0, 2.0]\ny = segment_sum(x, [1, 0])\n", "E0310"),
        ("var x = [1.0, 2.0]\ny = unsorted_segment_sum(x, [0, 5], 2)\n", "E0309"),
        ("var x = [1.0, 2.0]\ny = gather_nd(x, [[2]])\n", "E0309"),
        ("var x = [[1.0, 2.0], [2.0, 1.0]]\ny = cholesky(x)\n", "E0308"),
        ("var x = [1.0, 2.0]\ny = bias_add([[1.0, 2.0, 3.0]], x)\n", "E0302"),
    ],
)
def test_new_op_errors(model, code):
    result = invoke("eval", "-", input=model)
    assert code in result.stderr and result.exit_code == 65, result.stderr


def test_tensorflow_spellings_reach_the_new_ops():
    model = "\n".join([
        "var x = [[0.2, 0.7], [0.9, 0.4]]",
        "a = tf.nn.gelu(x, approximate=True)",
        "b = tf.keras.losses.MSE(x, x * 2.0)",
        "c = tf.losses.mean_squared_error(x, x * 2.0)",
        "d = tf.compat.v1.losses.mean_squared_error(x, x * 2.0)",
        "e = tf.math.xlogy(x, x)",
        "f = tf.linalg.solve(x, x)",
        "h = tf.nn.swish(x)",
        "k = tf.keras.losses.binary_crossentropy(x, x)",
        "m = tf.math.reduce_std(x)",
        "",
    ])
    doc = run_json("eval", "-", input=model)
    assert doc["values"]["c"] == doc["values"]["d"] == pytest.approx(np.mean(np.array([[0.2, 0.7], [0.9, 0.4]]) ** 2))
    np.testing.assert_allclose(doc["values"]["f"], np.eye(2), atol=1e-12)
    assert doc["values"]["m"] == pytest.approx(np.std([0.2, 0.7, 0.9, 0.4]))


def test_safe_ops_at_zero():
    g = Graph()
    x = g.variable("x", g.constant(np.array([0.0, 2.0])), "float64", (2,))
    y = g.variable("y", g.constant(np.array([0.0, 0.0])), "float64", (2,))
    assert value(apply("xlogy", x, y)).tolist() == [0.0, -np.inf]
    assert value(apply("div_no_nan", x, y)).tolist() == [0.0, 0.0]
    gx, gy = gradients([apply("reduce_sum", apply("xlogy", x, y))], [x, y])
    assert value(gx).tolist()[0] == 0.0 and value(gy).tolist()[0] == 0.0  # TensorFlow's _XLogyGrad
    gx, gy = gradients([apply("reduce_sum", apply("div_no_nan", x, y))], [x, y])
    assert value(gx).tolist() == [0.0, 0.0] and value(gy).tolist() == [0.0, 0.0]


def test_batched_matmul_broadcasts_batch_axes():
    g = Graph()
    a = g.constant(np.ones((2, 1, 2, 3)))
    b = g.constant(np.ones((4, 3, 5)))
    y = apply("matmul", a, b)
    assert y.shape == (2, 4, 2, 5) and value(y).shape == (2, 4, 2, 5)


@pytest.mark.parametrize(
    "expr,expected",
    [  # the examples of TensorFlow's and Keras's documentation, with their printed values
        ("gelu([-3.0, -1.0, 0.0, 1.0, 3.0])", [-0.00404951, -0.15865529, 0.0, 0.8413447, 2.9959507]),
        ("gelu([-3.0, -1.0, 0.0, 1.0, 3.0], approximate=True)", [-0.00363752, -0.15880796, 0.0, 0.841192, 2.9963627]),
        ("binary_crossentropy([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])", [0.916, 0.714]),
        ("categorical_crossentropy([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])", [0.0513, 2.303]),
        ("xlogy(0.0, 0.0)", 0.0),
        ("div_no_nan(3.0, 0.0)", 0.0),
        ("selu([1.0, -1.0])", [1.0507009873554805, -1.1113307378125625]),
        ("reduce_std([[1.0, 2.0], [3.0, 4.0]])", 1.1180339887498949),
        ("reduce_variance([[1.0, 2.0], [3.0, 4.0]], 1)", [0.25, 0.25]),
        ("reduce_euclidean_norm([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]], 1)", [3.7416573867739413, 1.7320508075688772]),
        ("cumprod([2.0, 3.0, 4.0], exclusive=True, reverse=True)", [12.0, 4.0, 1.0]),
        ("segment_sum([[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0], [5.0, 6.0, 7.0, 8.0]], [0, 0, 1])", [[5.0, 5.0, 5.0, 5.0], [5.0, 6.0, 7.0, 8.0]]),
        ("unsorted_segment_sum([1.0, 2.0, 3.0, 4.0], [0, 1, 0, 1], 2)", [4.0, 6.0]),
        ("gather_nd([[1.0, 2.0], [3.0, 4.0]], [[1, 0], [0, 1]])", [3.0, 2.0]),
        ("tensordot([[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]], [[1], [0]])", [[1.0, 2.0], [3.0, 4.0]]),
        ("logdet([[2.0, 1.0], [1.0, 2.0]])", math.log(3.0)),
    ],
)
def test_documented_values(expr, expected):
    doc = run_json("eval", "-e", expr)
    np.testing.assert_allclose(doc["values"]["expr"], expected, rtol=2e-3 if "crossentropy" in expr else 1e-4, atol=1e-7)  # float32 documentation values
