"""The engine through its Python API: reasons for None, numeric provenance, limits."""
from __future__ import annotations

import numpy as np
import pytest

import gradcli
from gradcli.engine.evaluate import evaluate
from gradcli.engine.gradients import Unconnected, gradients
from gradcli.engine.jacobians import hessians, jacobian
from gradcli.engine.graph import Graph, apply
from gradcli.errors import EvalError, FeedError, GradcliError, GradientError


def test_python_api_of_the_readme():
    model = gradcli.load("samples/linear.grad")
    feeds = {"X": [[2], [3]], "Y": [[3], [2]]}
    out = model.eval(feeds=feeds)
    assert out["cost"] == pytest.approx(6.6540337, rel=1e-6)
    dW, db = model.gradients("cost", ["W", "b"], feeds=feeds)
    assert dW == pytest.approx(12.376228, rel=1e-6) and db == pytest.approx(4.4175096, rel=1e-6)
    assert model.why_none("cost", "b") is None
    assert model.why_none("pred", "Y") == "pred does not depend on Y"


def test_gradients_api_takes_tf_keywords():
    model = gradcli.loads("a = 0.0\nb = 2 * a\nc = a + b\n")
    assert model.gradients("c", ["a", "b"]) == [3.0, 1.0]
    assert model.gradients("c", ["a", "b"], stop_gradients=["a", "b"]) == [1.0, 1.0]
    model = gradcli.loads("var a = 1.0\nvar b = 1.0\ny = 2 * a\n")
    g = model.gradients("y", ["a", "b"], unconnected_gradients="zero")
    assert g == [2.0, 0.0]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("var x = 1.5\ny = round(x) * 2.0\n", "the only path from x to y goes through round() at 2:5, which has no gradient"),
        ("var x = 1.5\ny = stop_gradient(x) * 2.0\n", "the only path from x to y goes through stop_gradient() at 2:5"),
        ("var x = 1.5\ny = cast(cast(x, int32), float)\n", "the only path from x to y goes through cast() at 2:10, an int32 tensor"),
        ("var x = 1.5\nvar z = 2.0\ny = z * 2.0\n", "y does not depend on x"),
        ("var n: int32 = 2\ny = cast(n, float) * 2.0\n", "n is an int32 tensor, and integer tensors are constants for gradients"),
        ("var x = 1.5\ny = floor(x) + ceil(x)\n", "every path from x to y is cut: floor() at 2:5, which has no gradient; ceil() at 2:16, which has no gradient"),
    ],
)
def test_why_none_names_the_cut(text, reason):
    model = gradcli.loads(text)
    x = "n" if "var n" in text else "x"
    assert model.why_none("y", x) == reason


def test_why_none_with_stop_gradients():
    model = gradcli.loads("var x = 1.0\nt = 2 * x\ny = t * t\n")
    assert model.why_none("y", "x", stop_gradients=["t"]) == "the only path from x to y goes through t, which stop_gradients holds constant"


def test_first_non_finite_value_is_located():
    model = gradcli.loads("var x = [1.0, 0.0]\nl = log(x)\ny = reduce_sum(l * 2.0)\n")
    result = model.run()
    (w,) = result.warnings
    assert w.code == "W0601"
    assert (w.span.line, w.span.column) == (2, 5)
    assert w.message == "log() produced an infinite value"


def test_static_size_limit_refuses_before_allocating():
    with pytest.raises(EvalError) as info:
        gradcli.loads("z = zeros([100000, 100000])\n")
    assert info.value.diagnostics[0].code == "E0305"
    with pytest.raises(EvalError):
        gradcli.loads("z = ones([10, 10])\n", max_elements=50)


def test_runtime_size_limit_refuses_shapes_known_only_from_feeds():
    model = gradcli.loads("placeholder x\nplaceholder y\nz = x * y\n", max_elements=1000)
    with pytest.raises(EvalError) as info:
        model.eval(feeds={"x": np.ones((100, 1)), "y": np.ones((1, 100))})
    assert info.value.diagnostics[0].code == "E0305"
    assert model.eval(feeds={"x": np.ones((10, 1)), "y": np.ones((1, 10))})["z"].shape == (10, 10)


def test_missing_feeds_are_listed_together_and_only_needed_ones():
    model = gradcli.loads("placeholder a: float[2]\nplaceholder b\nplaceholder unused: float[3]\ny = a * b\n")
    with pytest.raises(FeedError) as info:
        model.eval()
    d = info.value.diagnostics[0]
    assert d.code == "E0401" and d.message == "missing feeds for a, b"
    np.testing.assert_allclose(model.eval(feeds={"a": [1, 2], "b": 3})["y"], [3, 6])


def test_feed_errors():
    model = gradcli.loads("placeholder X: float[2, 1]\nplaceholder n: int32\ny = X * 2\nm = n * 2\n")
    with pytest.raises(FeedError) as info:
        model.eval(feeds={"X": [1, 2, 3]}, fetch=["y"])
    assert "shape [2, 1]" in info.value.diagnostics[0].message and "[3]" in info.value.diagnostics[0].message
    with pytest.raises(FeedError) as info:
        model.eval(feeds={"n": 2.5}, fetch=["m"])
    assert info.value.diagnostics[0].code == "E0403"
    assert model.eval(feeds={"n": 2.0}, fetch=["m"])["m"] == 4
    with pytest.raises(FeedError) as info:
        model.eval(feeds={"XX": 1})
    assert info.value.diagnostics[0].help == ["did you mean 'X'?"]


def test_no_gradient_rule_is_an_error_only_on_the_path():
    with pytest.raises(GradientError) as info:
        gradcli.loads("var x = 1.5\ny = reduce_sum(unique([x, x]))\ng = gradients(y, x)\n")
    assert info.value.diagnostics[0].code == "E0503"
    out = gradcli.loads("var x = 1.5\nvar z = 2.0\ny = reduce_sum(unique([z, z])) + x\ng = gradients(y, x)\n").eval()
    assert out["g"] == [1.0]


def test_engine_builder_api_and_long_chain():
    graph = Graph()
    x = graph.variable("x", graph.constant(0.5), "float64", ())
    v = x
    for _ in range(100_000):
        v = apply("sin", v)
    (g,) = gradients([v], [x])
    values = evaluate([v, g])
    # d/dx of sin iterated: the product of cosines along the chain, positive and tiny
    assert 0 < values[g] < 1e-3


def test_hessian_and_jacobian_shapes_and_zeros():
    graph = Graph()
    x = graph.variable("x", graph.constant([1.0, 2.0, 3.0]), "float64", (3,))
    y = apply("reduce_sum", x * x * x)
    (h,) = hessians([y], [x])
    np.testing.assert_allclose(evaluate([h])[h], np.diag([6.0, 12.0, 18.0]))
    j = jacobian(x * 2.0, x)
    np.testing.assert_allclose(evaluate([j])[j], 2 * np.eye(3))
    z = graph.constant(3.0)
    (hz,) = hessians([z * z], [x])
    np.testing.assert_array_equal(evaluate([hz])[hz], np.zeros((3, 3)))


def test_grad_ys_none_entry_means_ones():
    graph = Graph()
    x = graph.variable("x", graph.constant(3.0), "float64", ())
    (g,) = gradients([x * x, x * 2.0], [x], grad_ys=[None, graph.constant(5.0)])
    assert evaluate([g])[g] == 16.0


def test_unconnected_result_has_a_reason():
    graph = Graph()
    a = graph.variable("a", graph.constant(1.0), "float64", ())
    b = graph.variable("b", graph.constant(1.0), "float64", ())
    y = a * 2.0
    y.name = "y"
    ga, gb = gradients([y], [a, b])
    assert isinstance(gb, Unconnected) and gb.reason == "y does not depend on b"


def test_errors_carry_exit_codes():
    with pytest.raises(GradcliError) as info:
        gradcli.loads("y = (\n")
    assert info.value.exit_code == 65
    with pytest.raises(GradcliError) as info:
        gradcli.load("does/not/exist.grad")
    assert info.value.exit_code == 66
