"""The gradient loop checks what every rule returns (TensorFlow's _GradientsHelper and
tinygrad do): one gradient (or None) per input, each of its input's static shape. A rule
that breaks this is a bug of ours: an internal error that names the op, never a silently
dropped or misshapen gradient."""
from __future__ import annotations

import numpy as np
import pytest

from gradcli.engine.evaluate import evaluate
from gradcli.engine.gradients import GradientRuleError, gradients
from gradcli.engine.graph import Graph, apply
from gradcli.engine.registry import NAMES, OPS, broadcasting, register

from conftest import invoke


@pytest.fixture
def toy_op():
    """Register an op for one test only (the registry forgets it afterwards)."""
    added = []

    def add(name, grad):
        op = register(f"{name}(x, y)", forward=lambda x, y: x * y, infer=broadcasting, grad=grad, doc="a test op", rule="a deliberately wrong rule")
        added.append(op)
        return op

    yield add
    for op in added:
        OPS.pop(op.name, None)
        NAMES.pop(op.name, None)


def _xy(graph):
    x = graph.variable("x", graph.constant([1.0, 2.0, 3.0]), "float64", (3,))
    return x, graph.variable("y", graph.constant([4.0, 5.0, 6.0]), "float64", (3,))


def test_a_rule_that_returns_too_few_gradients_names_the_op(toy_op):
    toy_op("toy_one_short", lambda g, node: [g * node.inputs[1]])  # forgets y's gradient
    graph = Graph()
    x, y = _xy(graph)
    z = apply("toy_one_short", x, y)
    with pytest.raises(GradientRuleError, match=r"gradient rule of toy_one_short returned 1 gradient for 2 inputs"):
        gradients([z], [x, y])


def test_a_rule_that_returns_too_many_gradients_names_the_op(toy_op):
    toy_op("toy_one_more", lambda g, node: [g, g, g])
    graph = Graph()
    x, y = _xy(graph)
    with pytest.raises(GradientRuleError, match=r"toy_one_more returned 3 gradients for 2 inputs"):
        gradients([apply("toy_one_more", x, y)], [x])


def test_a_rule_that_returns_a_wrong_shape_names_the_op_and_the_input(toy_op):
    toy_op("toy_summed", lambda g, node: [apply("reduce_sum", g * node.inputs[1]), g * node.inputs[0]])
    graph = Graph()
    x, y = _xy(graph)
    with pytest.raises(GradientRuleError, match=r"toy_summed returned shape \[\] for input 0, of shape \[3\]"):
        gradients([apply("toy_summed", x, y)], [x, y])


def test_a_correct_toy_rule_passes_and_none_is_allowed(toy_op):
    toy_op("toy_right", lambda g, node: [g * node.inputs[1], None])  # y gets no gradient: allowed
    graph = Graph()
    x, y = _xy(graph)
    gx, gy = gradients([apply("toy_right", x, y)], [x, y])
    assert evaluate([gx])[gx].tolist() == [4.0, 5.0, 6.0]
    assert gy.reason  # unconnected, with its reason in words


def test_unknown_dimensions_fit_any_size(toy_op):
    toy_op("toy_unknown", lambda g, node: [g * node.inputs[1], g * node.inputs[0]])
    graph = Graph()
    x = graph.placeholder("x", "float64", (None,))
    y = graph.variable("y", graph.constant([4.0, 5.0, 6.0]), "float64", (3,))
    gx, gy = gradients([apply("toy_unknown", x, y)], [x, y])
    assert evaluate([gx], {x: np.array([1.0, 2.0, 3.0])})[gx].tolist() == [4.0, 5.0, 6.0]


def test_the_command_line_reports_a_broken_rule_as_an_internal_error(toy_op, monkeypatch):
    """Through the CLI: one line, E0099, exit 70, naming the op."""
    toy_op("toy_cli_short", lambda g, node: [g])
    import gradcli.language.spellings  # noqa: F401  (the interpreter looks ops up by name)

    result = invoke("grad", "-e", "toy_cli_short(x, y)", "--wrt", "x", "--feed", "x=1", "--feed", "y=2")
    if "E0202" in result.stderr:
        pytest.skip("the language does not call ops registered after start-up")
    assert result.exit_code == 70
    assert "E0099" in result.stderr and "gradient rule of toy_cli_short returned 1 gradient for 2 inputs" in result.stderr
