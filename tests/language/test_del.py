"""`del` in pasted code: what Python allows (names, items of lists and dicts, tuples of
them) runs; what Python, NumPy or TensorFlow refuse is a diagnostic at the target."""
from __future__ import annotations

import pytest

import gradcli
from conftest import script_errors, script_outputs


def outputs(text, name="snippet.py"):
    return script_outputs(text, name)


def error(text, name="snippet.py"):
    return script_errors(text, name)[0]


def test_del_tape_after_a_persistent_tape_is_done():
    text = ("import tensorflow as tf\nx = tf.Variable(3.0)\nwith tf.GradientTape(persistent=True) as tape:\n    y = x * x\n    z = y * x\n"
            "dy = tape.gradient(y, x)\ndz = tape.gradient(z, x)\ndel tape\nprint(dy, dz)\n")
    assert outputs(text) == [[6.0, 27.0]]
    d = error(text + "again = tape.gradient(y, x)\n")
    assert d.code == "E0201" and d.span.line == 10  # the name is gone, as Python's NameError


def test_del_of_list_and_dict_items_as_python_does():
    # CPython: [2, 5] {'b': 2} [] (items deleted left to right: l[0] first, then l[1:3] of what is left)
    text = ("l = []\nfor v in [1, 2, 3, 4, 5]:\n    l.append(v)\ndel l[0], l[1:3]\nd = {'a': 1, 'b': 2}\ndel d['a']\n"
            "e = [1]\ndel e[-1]\nprint(l, d, e)\n")
    assert outputs(text) == [[[2, 5], {"b": 2}, []]]


def test_del_of_a_literal_number_list_item():
    assert outputs("m = [1.5, 2.5, 3.5, 4.5]\ndel m[1:3]\nn = [[1, 2], [3, 4]]\ndel n[0]\nprint(m, n)\n") == [[[1.5, 4.5], [[3, 4]]]]


def test_del_of_names_and_tuples_of_names():
    text = "a, b, c = 1, 2, 3\ndel (a, b)\ndel [c]\nz = 1\n"
    out = gradcli.loads(text, name="snippet.py").eval()
    assert "a" not in out and "c" not in out and out["z"] == 1


def test_a_tensor_element_cannot_be_deleted():
    d = error("import tensorflow as tf\nx = tf.constant([1.0, 2.0])\ndel x[0]\n")
    assert (d.code, d.message) == ("E0233", "cannot delete an element of a tensor")
    assert d.notes == ["TensorFlow: 'EagerTensor' object doesn't support item deletion"]
    assert (d.span.line, d.span.column, d.span.end_column) == (3, 5, 9)


def test_a_variable_element_in_graph_code_says_refvariable():
    d = error("import tensorflow as tf\nv = tf.Variable([1.0, 2.0])\nsess = tf.Session()\ndel v[0]\n")
    assert d.code == "E0233" and d.notes == ["TensorFlow: 'RefVariable' object doesn't support item deletion"]


def test_numpy_arrays_attributes_and_out_of_range():
    assert error("import numpy as np\nx = np.ones(3)\ndel x[0]\n").notes == ["NumPy: cannot delete array elements"]
    assert error("l = []\ndel l.append\n").message == "cannot delete an attribute"
    assert error("l = []\nl.append(1)\ndel l[3]\n").message == "index 3 is out of range for a list of 1"
    assert error("d = {'a': 1}\ndel d['b']\n").message == "the key 'b' is not in this dict"
    assert error("del q\n").code == "E0201"


@pytest.mark.parametrize("target, what", [("f(x)", "a function call"), ("1", "a literal"), ("x + 1", "an expression"), ("(a, f(b))", "a function call")])
def test_python_syntax_errors_for_targets_that_are_not_names(target, what):
    d = error(f"x = 1\ndel {target}\n")
    assert (d.code, d.message) == ("E0113", f"cannot delete {what}")
