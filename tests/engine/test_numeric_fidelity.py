"""TensorFlow fidelity of numbers and dtypes (issues 11 and 14): each test is a reproduction
with TensorFlow's value, a hand-computed one, or central differences."""
from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import invoke, run_json
from gradcli.engine.evaluate import evaluate
from gradcli.engine.gradients import Unconnected, gradients
from gradcli.engine.graph import Graph, apply

pytestmark = pytest.mark.usefixtures("plain_environment")


def value(node, feeds=None):
    return evaluate([node], feeds)[node]


def var(g, x0, dtype="float64"):
    a = np.asarray(x0, dtype=dtype)
    return g.variable("x", g.constant(a), dtype, a.shape)


def S(x):
    return apply("reduce_sum", x)


def derivative(f, x0, order):
    """The order-th derivative of f at x0 by nesting gradients."""
    g = Graph()
    x = var(g, x0)
    y = f(x)
    for _ in range(order):
        (y,) = gradients([y], [x])
        if isinstance(y, Unconnected):
            return y
    return value(y)


# ----- float ops on integer literals compute in the default float (issue 14)

@pytest.mark.parametrize(
    "expr,expected",
    [
        ("softplus(2)", math.log1p(math.exp(2))),
        ("erf(1)", math.erf(1)),
        ("reciprocal(3)", 1 / 3),
        ("leaky_relu(-1)", -0.2),
        ("reduce_mean([1, 2])", 1.5),
        ("reduce_logsumexp([1, 2])", math.log(math.exp(1) + math.exp(2))),
        ("atan2(1, 2)", math.atan2(1, 2)),
        ("sqrt(2)", math.sqrt(2)),
    ],
)
def test_float_ops_on_integer_literals(expr, expected):
    doc = run_json("eval", "-e", expr)
    assert doc["dtypes"]["expr"] == "float64"
    assert doc["values"]["expr"] == pytest.approx(expected, rel=1e-12)


def test_a_strong_integer_into_a_float_op_is_still_an_error():
    result = invoke("eval", "-", input="var n: int32 = 2\ny = atan2(n, n)\n")
    assert result.exit_code == 65 and "E0303" in result.stderr


# ----- divide's rule in TensorFlow's accurate form (issue 14)

def test_third_derivative_of_one_over_x_at_1e50():
    # d³(1/x)/dx³ = -6/x⁴: tiny and negative (the rule -g*a/(b*b) gave the wrong sign)
    got = derivative(lambda x: 1.0 / x, 1e50, 3)
    assert got < 0 and got == pytest.approx(-6e-200, rel=1e-12)


def test_tenth_derivative_of_one_over_x_at_2():
    # dⁿ(1/x)/dxⁿ = (-1)ⁿ n!/xⁿ⁺¹
    assert derivative(lambda x: 1.0 / x, 2.0, 10) == pytest.approx(math.factorial(10) / 2**11, rel=1e-12)


def test_high_derivatives_of_other_quotient_rules():
    # atan'(x) = 1/(1+x²); the 5th derivative of atan at 1e10 is 24/x⁵ to first order
    assert derivative(lambda x: apply("atan", x), 1e10, 5) == pytest.approx(24e-50, rel=1e-6)
    # sqrt: d⁴ sqrt(x)/dx⁴ = -15/16 x^(-7/2)
    assert derivative(lambda x: apply("sqrt", x), 1e40, 4) == pytest.approx(-15 / 16 * 1e40 ** -3.5, rel=1e-12)


# ----- integer arithmetic (issue 14)

@pytest.mark.parametrize("expr", ["7 // 0", "7 % 0", "0 ** -1", "[1, 2] // [1, 0]"])
def test_literal_integer_division_by_zero(expr):
    result = invoke("eval", "-e", expr)
    assert result.exit_code == 65 and "E0318" in result.stderr


@pytest.mark.parametrize("model", ["var n: int32 = 0\ny = 7 // n\n", "var n: int32 = 0\ny = 7 % n\n", "var n: int32 = 2\ny = n ** -1\n", "var n: int32 = 0\ny = n ** -1\n"])
def test_integer_tensor_division_by_zero(model):
    result = invoke("eval", "-", input=model)
    assert result.exit_code == 65 and "E0318" in result.stderr and "internal" not in result.stderr


@pytest.mark.parametrize("expr", ["2 ** 100", "9223372036854775807 + 1", "-9223372036854775807 - 2", "3037000500 * 3037000500", "2 ** 10000000000"])
def test_literal_arithmetic_that_does_not_fit(expr):
    result = invoke("eval", "-e", expr)
    assert result.exit_code == 65 and "E0317" in result.stderr


@pytest.mark.parametrize("expr,expected,dtype", [("2 ** 62", 2**62, "int64"), ("2 ** -1", 0.5, "float64"), ("7 // 2", 3, "int32"), ("-7 % 3", 2, "int32"), ("9223372036854775806 + 1", 9223372036854775807, "int64"), ("(-2) ** 63", -(2**63), "int64")])
def test_literal_arithmetic_is_exact(expr, expected, dtype):
    doc = run_json("eval", "-e", expr)
    assert doc["values"]["expr"] == expected
    assert doc["dtypes"]["expr"] == dtype


def test_integer_float_division_is_still_ieee():
    doc = run_json("eval", "-e", "x / 0.0", "--feed", "x=1")
    assert doc["values"]["expr"] == "inf" or doc["values"]["expr"] in (float("inf"), "Infinity")


# ----- bool attributes (issue 14)

@pytest.mark.parametrize("call", ['matmul(a, a, transpose_a="no")', "matmul(a, a, transpose_b=1)", 'reduce_sum(a, keepdims="yes")', 'cumsum(a, reverse="True")'])
def test_bool_attributes_take_true_or_false_only(call):
    result = invoke("eval", "-", input=f"var a = [[1.0, 2.0], [3.0, 4.0]]\ny = {call}\n")
    assert result.exit_code == 65 and "E0315" in result.stderr


def test_bool_attributes_accept_true():
    doc = run_json("eval", "-", input="var a = [[1.0, 2.0], [3.0, 4.0]]\ny = matmul(a, a, transpose_a=True)\n")
    assert doc["values"]["y"] == [[10, 14], [14, 20]]


# ----- pow's exponent gradient, empty extremes, clip (issue 14)

def test_pow_exponent_gradient_nan_where_not_finite():
    g = Graph()
    x = g.variable("x", g.constant(np.array([0.0, -1.0, 0.0, 2.0])), "float64", (4,))
    p = g.variable("p", g.constant(np.array([-1.0, 2.0, 2.0, 3.0])), "float64", (4,))
    _, gp = gradients([S(x ** p)], [x, p])
    got = value(gp)
    # 0**-1 = inf: NaN (TensorFlow); (-1)**2 = 1 and 0**2 = 0: 0; 2**3*log 2 elsewhere
    assert np.isnan(got[0]) and got[1] == 0 and got[2] == 0 and got[3] == pytest.approx(8 * math.log(2))


def test_reduce_max_and_min_of_empty():
    g = Graph()
    empty = g.constant(np.zeros((0, 2)))
    assert value(apply("reduce_max", empty)) == -np.inf and value(apply("reduce_min", empty)) == np.inf
    assert value(apply("reduce_max", empty, axis=0)).tolist() == [-np.inf, -np.inf]
    ints = g.constant(np.zeros(0, np.int32))
    assert value(apply("reduce_max", ints)) == np.iinfo(np.int32).min


def test_clip_with_lo_above_hi_is_tensorflows():
    g = Graph()
    t = g.constant(np.array([0.0, 2.0, 5.0]))
    # TensorFlow: maximum(minimum(t, hi), lo): lo everywhere when lo > hi
    assert value(apply("clip_by_value", t, 3.0, 1.0)).tolist() == [3.0, 3.0, 3.0]


# ----- dtypes given explicitly make strong tensors (issue 11)

def test_constant_and_cast_with_a_dtype_are_strongly_typed():
    doc = run_json("eval", "-", input="a = tf.constant(0.1, dtype=tf.float32)\nb = cast(2, float32)\n")
    assert doc["dtypes"] == {"a": "float32", "b": "float32"}
    for model in ("a = tf.constant(0.1, dtype=tf.float32)\nvar x = 1.0\ny = a * x\n", "var x = 1.0\ny = x + cast(1, float32)\n"):
        result = invoke("eval", "-", input=model)
        assert result.exit_code == 65 and "E0301" in result.stderr, model


def test_a_float32_or_int32_seed_for_a_float64_y_is_an_error():
    for seed in ("tf.constant(1.0, dtype=tf.float32)", "cast(1, int32)"):
        result = invoke("eval", "-", input=f"var x = 2.0\ng = gradients(x * x, x, grad_ys={seed})\n")
        assert result.exit_code == 65 and "E0506" in result.stderr, seed
    doc = run_json("eval", "-", input="var x = 2.0\ng = gradients(x * x, x, grad_ys=2)\n")
    assert doc["values"]["g"] == [8]


def test_tf_variables_keep_their_initial_dtype():
    model = "a = tf.Variable(3)\nb = tf.Variable([[1, 2]])\nc = tf.Variable(tf.zeros(2, dtype=tf.float32))\nd = tf.Variable(2.0)\ne = tf.Variable(True)\ng = gradients(a * a, a)\nfetch a, b, c, d, e\n"
    doc = run_json("eval", "-", input=model)
    assert doc["dtypes"]["a"] == "int32" and doc["dtypes"]["b"] == "int32" and doc["dtypes"]["c"] == "float32"
    assert doc["dtypes"]["d"] == "float64" and doc["dtypes"]["e"] == "bool"
    doc = run_json("eval", "-", input="a = tf.Variable(3)\ng = gradients(a * a, a)\n")
    assert doc["values"]["g"] == [None]
    # gradcli's own declaration keeps the default float (LANGUAGE.md)
    assert run_json("eval", "-", input="var x = 3\nfetch x\n")["dtypes"]["x"] == "float64"


def test_nested_bool_lists_are_bool_tensors():
    doc = run_json("eval", "-", input="m = [[True], [False]]\n")
    assert doc["dtypes"]["m"] == "bool" and doc["values"]["m"] == [[True], [False]]


# ----- TensorFlow's fused gradient kernels (issue 11)

@pytest.mark.parametrize("op", ["sqrt", "rsqrt", "reciprocal"])
def test_safe_kernels_send_zero_where_the_incoming_gradient_is_zero(op):
    g = Graph()
    x = var(g, [-1.0, 0.0, 4.0])
    y = S(apply("where", x > 0.0, apply(op, x), apply("zeros_like", x)))
    (gx,) = gradients([y], [x])
    d = {"sqrt": 0.5 / 2.0, "rsqrt": -0.5 * 4.0 ** -1.5, "reciprocal": -1 / 16}[op]
    assert value(gx).tolist() == [0.0, 0.0, d]


def test_x_to_the_half_has_no_such_rule():
    # x**0.5 and log keep NaN in the dead branch, in TensorFlow too
    g = Graph()
    x = var(g, [-1.0, 4.0])
    (gx,) = gradients([S(apply("where", x > 0.0, x ** 0.5, apply("zeros_like", x)))], [x])
    got = value(gx)
    assert np.isnan(got[0]) and got[1] == 0.25


def test_safe_norm_idiom_has_a_finite_gradient_at_zero():
    g = Graph()
    x = var(g, [0.0, 0.0])
    s = S(x * x)
    safe = apply("where", s > 0.0, apply("sqrt", apply("where", s > 0.0, s, apply("ones_like", s))), apply("zeros_like", s))
    (gx,) = gradients([safe], [x])
    assert value(gx).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("op", ["relu", "relu6", "leaky_relu"])
def test_relu_family_second_derivatives_are_zeros(op):
    g = Graph()
    x = var(g, [-1.0, 0.5, 7.0])
    (gx,) = gradients([S(apply(op, x))], [x])
    (gg,) = gradients([S(gx)], [x])
    assert not isinstance(gg, Unconnected) and value(gg).tolist() == [0.0, 0.0, 0.0]
    # and the second derivative through a weight stays a product rule: d²(w*relu(w*x))/dw²
    w = g.variable("w", g.constant(2.0), "float64", ())
    (gw,) = gradients([S(apply(op, w * x) * w)], [w])
    (gww,) = gradients([gw], [w])
    alpha = 0.2 if op == "leaky_relu" else 0.0
    slope = np.array([alpha, 1.0, 1.0 if op != "relu6" else 0.0])
    assert value(gww) == pytest.approx(float(np.sum(2 * slope * np.array([-1.0, 0.5, 7.0]))))


def test_hessian_of_a_relu_net_is_zeros():
    doc = run_json("eval", "-", input="var x = [1.0, -2.0]\ny = reduce_sum(relu(x) * 3.0)\nh = hessians(y, x)\n")
    assert doc["values"]["h"] == [[[0, 0], [0, 0]]]


def test_softsign_second_derivative_is_computed():
    # d²/dx² x/(1+|x|) = -2 sign(x)/(1+|x|)³: TensorFlow raises LookupError here
    assert derivative(lambda x: apply("softsign", x), 1.0, 2) == pytest.approx(-2 / 8)


@pytest.mark.parametrize("shape,axis,expected", [((1, 2, 1), [], (2,)), ((1, 2, 1), None, (2,)), ((1, 2, 1), [2], (1, 2))])
def test_squeeze_with_an_empty_list_squeezes_every_size_1_axis(shape, axis, expected):
    g = Graph()
    y = apply("squeeze", g.constant(np.zeros(shape)), axis=axis)
    assert y.shape == expected and value(y).shape == expected
