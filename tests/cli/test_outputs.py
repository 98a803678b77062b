"""A pasted script's outputs (print calls, REPL echoes): the text layout and the JSON
"outputs" objects (render/outputs.py), and eval's default view of a script that prints.

The records are built by hand here (language.program.Output), so these pin the
rendering whatever the interpreter fills in."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import invoke, run_json
from gradcli.engine.gradients import Unconnected
from gradcli.engine.graph import Graph
from gradcli.language.program import Output
from gradcli.model import Model
from gradcli.render.outputs import output_lines, output_text, outputs_json

pytestmark = pytest.mark.usefixtures("plain_environment")


def none_gradient(reason="y does not depend on b"):
    g = Graph()
    b = g.constant(1.0)
    b.name = "b"
    return Unconnected(b, (), _reason=reason)


def text(outputs, precision=6):
    return "\n".join(line for line, _ in output_lines(outputs, precision))


# ----- text -----


def test_print_arguments_are_joined_by_spaces_and_strings_print_bare():
    outs = [Output(5, "print(tape.gradient(y, x))", [np.array(6.0, dtype=np.float32)]), Output(6, "print('done', x + 1.0)", ["done", np.array(4.0)])]
    assert text(outs) == "6\ndone 4"


def test_numbers_use_gradcli_format_at_the_precision():
    outs = [Output(1, "print(...)", [12.376228642, 5.0, 3, True, None, np.float32(0.1), 1e-12, float("nan"), float("-inf")])]
    assert text(outs) == "12.3762 5 3 True None 0.1 1e-12 nan -inf"
    assert text(outs, precision=3) == "12.4 5 3 True None 0.1 1e-12 nan -inf"


def test_arrays_in_numpy_layout():
    arr = np.array([[3.87629986], [5.5412097]])
    assert text([Output(1, "print(pred_)", [arr])]) == "[[3.8763]\n [5.54121]]"
    # after another argument: the continuation lines are NumPy's, as print shows them
    assert text([Output(1, "print('pred', pred_)", ["pred", arr])]) == "pred [[3.8763]\n [5.54121]]"
    assert text([Output(1, "print(v)", [np.array([True, False])])]) == "[True False]"


def test_containers_print_as_python_prints_them():
    value = [np.array(12.376228, dtype=np.float32), np.array(4.4175096, dtype=np.float32)]
    assert text([Output(1, "print(grads_)", [value])]) == "[12.3762, 4.41751]"
    assert output_text((1.6649098, 0.54648024)) == "(1.66491, 0.54648)"
    assert output_text((1.5,)) == "(1.5,)"
    assert output_text(()) == "()"
    assert output_text({"w": 3.0, "b": 1.0}) == "{'w': 3, 'b': 1}"
    assert output_text({1: "a", "k": ["x", (2, None)]}) == "{1: 'a', 'k': ['x', (2, None)]}"
    assert output_text([]) == "[]"


def test_a_multi_line_array_inside_a_list_aligns_under_its_bracket():
    value = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([5.0])]
    assert output_text(value) == "[[[1 2]\n  [3 4]], [5]]"
    assert output_text({"w": np.eye(2)}) == "{'w': [[1 0]\n       [0 1]]}"


def test_an_echo_shows_strings_as_a_repl_does():
    outs = [Output(3, "'done'", ["done"], echo=True), Output(4, "W_, b_", [(1.6649098, 0.54648024)], echo=True)]
    assert text(outs) == "'done'\n(1.66491, 0.54648)"


def test_a_none_gradient_prints_none_and_its_reason():
    outs = [Output(7, "print(g)", [none_gradient()]), Output(8, "print([g1, g2])", [[np.array(6.0), none_gradient("b is an int32 tensor")]])]
    lines = output_lines(outs)
    assert lines == [
        ("None", ""),
        ("  = None: y does not depend on b", "none"),
        ("[6, None]", ""),
        ("  = None: b is an int32 tensor", "none"),
    ]


def test_deep_nesting_needs_no_recursion():
    value = 1.0
    for _ in range(5000):
        value = [value]
    assert output_text(value) == "[" * 5000 + "1" + "]" * 5000
    doc = outputs_json([Output(1, "print(v)", [value])])[0]
    depth, v = 0, doc["values"][0]
    while isinstance(v, list):
        v, depth = v[0], depth + 1
    assert (depth, v) == (5000, 1.0)


# ----- JSON -----


def test_outputs_json_objects():
    outs = [
        Output(5, "print(tape.gradient(y, x))", [np.array(6.0, dtype=np.float32)]),
        Output(6, "print('done', x + 1.0, 3, True)", ["done", np.array([4.0, float("nan")]), 3, True]),
        Output(9, "print(sess.run(grads))", [[np.array(12.5, dtype=np.float32), None]]),
        Output(10, "grads", [{"w": np.array([1.0, float("inf")]), 2: (1.5, "a")}], echo=True),
        Output(11, "print(g)", [none_gradient()]),
    ]
    assert outputs_json(outs) == [
        {"line": 5, "source": "print(tape.gradient(y, x))", "values": [6.0], "dtypes": ["float32"], "shapes": [[]]},
        {
            "line": 6,
            "source": "print('done', x + 1.0, 3, True)",
            "values": ["done", [4.0, "NaN"], 3, True],
            "dtypes": ["str", "float64", "int", "bool"],
            "shapes": [None, [2], [], []],
        },
        {"line": 9, "source": "print(sess.run(grads))", "values": [[12.5, None]], "dtypes": [["float32", None]], "shapes": [[[], None]]},
        {
            "line": 10,
            "source": "grads",
            "values": [{"w": [1.0, "Infinity"], "2": [1.5, "a"]}],
            "dtypes": [{"w": "float64", "2": ["float", "str"]}],
            "shapes": [{"w": [2], "2": [[], None]}],
        },
        {"line": 11, "source": "print(g)", "values": [None], "dtypes": [None], "shapes": [None], "reasons": ["y does not depend on b"]},
    ]


# ----- eval's view of a script with outputs -----

MODEL = "var x = 3.0\ny = x * x\n"
OUTS = [
    Output(3, "print(y)", [np.array(9.0)]),
    Output(4, "print('grad', [g], g2)", ["grad", [np.array([[1.0, 2.0], [3.0, 4.0]])], none_gradient("y does not depend on z")]),
]


@pytest.fixture
def printing_model(monkeypatch, tmp_path):
    monkeypatch.setattr(Model, "outputs", property(lambda self: list(OUTS)))
    path = tmp_path / "script.py"
    path.write_text(MODEL)
    return path


def test_eval_shows_the_outputs_instead_of_the_names(printing_model):
    result = invoke("eval", printing_model)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "9\ngrad [[[1 2]\n  [3 4]]] None\n  = None: y does not depend on z\n"


def test_eval_fetch_still_shows_just_those_names(printing_model):
    result = invoke("eval", printing_model, "--fetch", "y")
    assert result.stdout == "y  float64  9\n"


def test_eval_json_adds_outputs_and_keeps_the_values(printing_model):
    doc = run_json("eval", printing_model)
    assert doc["values"] == {"y": 9.0}
    assert doc["outputs"] == [
        {"line": 3, "source": "print(y)", "values": [9.0], "dtypes": ["float64"], "shapes": [[]]},
        {
            "line": 4,
            "source": "print('grad', [g], g2)",
            "values": ["grad", [[[1.0, 2.0], [3.0, 4.0]]], None],
            "dtypes": ["str", ["float64"], None],
            "shapes": [None, [[2, 2]], None],
            "reasons": ["y does not depend on z"],
        },
    ]


def test_a_model_without_outputs_is_shown_as_before(tmp_path):
    path = tmp_path / "m.grad"
    path.write_text(MODEL)
    assert invoke("eval", path).stdout == "y  float64  9\n"
    assert "outputs" not in run_json("eval", path)


def test_a_multi_dimensional_array_in_a_list_keeps_numpys_blank_lines_bare():
    value = [np.arange(4.0).reshape(2, 1, 2)]
    assert output_text(value) == "[[[[0 1]]\n\n  [[2 3]]]]"


# ----- end to end: a pasted script's prints -----

TAPE_SCRIPT = """\
import tensorflow as tf
x = tf.Variable([1.0, 2.0])
with tf.GradientTape() as t2:
    with tf.GradientTape() as t1:
        y = tf.reduce_sum(x ** 3)
    g = t1.gradient(y, x)
h = t2.jacobian(g, x)
print(h)
u = tf.constant(1.0)
with tf.GradientTape() as t3:
    z = u * 2.0
print(t3.gradient(z, u), "and", [1, (2,)], {"k": 1.5})
h
"""


def test_a_pasted_tape_script_prints_as_python_would(tmp_path):
    path = tmp_path / "snippet.py"
    path.write_text(TAPE_SCRIPT)
    result = invoke("-q", "eval", path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "[[6 0]\n [0 12]]\n"
        "None and [1, (2,)] {'k': 1.5}\n"
        "  = None: u is a constant this tape does not watch: call tape.watch(u)\n"
        "[[6 0]\n [0 12]]\n"
    )
    doc = run_json("eval", path)
    assert [o["line"] for o in doc["outputs"]] == [8, 12, 13]
    assert doc["outputs"][1]["values"] == [None, "and", [1, [2]], {"k": 1.5}]
    assert doc["outputs"][1]["reasons"] == ["u is a constant this tape does not watch: call tape.watch(u)"]
    assert doc["outputs"][0]["dtypes"] == ["float32"] and doc["outputs"][0]["shapes"] == [[2, 2]]
