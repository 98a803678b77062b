"""Chained comparisons (PYTHON.md): `0 < i < 10` in pasted code is Python's
`(0 < i) and (i < 10)` with the middle evaluated once; a .grad model does not chain (E0110)."""
from __future__ import annotations

import pytest

from gradcli.errors import ParseError
from gradcli.language import ast
from gradcli.language.parse import parse
from gradcli.source import Source
from conftest import script_errors, script_outputs


def outputs(text, name="snippet.py"):
    return script_outputs(text, name)


def error(text, name="snippet.py"):
    return script_errors(text, name)[0]


# Every value below is what CPython 3 prints for the same lines.
@pytest.mark.parametrize("expr, want", [
    ("0 < 5 < 10", True),
    ("0 < 15 < 10", False),
    ("1 < 2 > 3", False),
    ("1 == 1 == 1", True),
    ("1 == 1 == 2", False),
    ("3 > 2 > 1 > 0", True),
    ("3 > 2 > 1 > 5", False),
    ("1 < 2 == 2.0 <= 2 != 3", True),
    ("'a' < 'b' < 'c'", True),
    ("(1 < 2) < 3", True),  # parenthesised: True < 3, not a chain
    ("(0 < 5 < 10) == True", True),
    ("2 in [1, 2] != False", True),  # `in` chains too: (2 in [1, 2]) and ([1, 2] != False)
    ("None is None is not 1", True),
])
def test_python_values_chain_as_python_does(expr, want):
    assert outputs(f"print({expr})\n") == [[want]]


def test_the_middle_operand_is_evaluated_once_and_the_chain_stops_at_the_first_false_link():
    text = ("calls = []\ndef f(v):\n    calls.append(v)\n    return v\n"
            "a = 0 < f(5) < 10\nb = 0 < f(-1) < f(99)\nprint(a, b, calls)\n")
    assert outputs(text) == [[True, False, [5, -1]]]  # f(99) never runs: Python short-circuits


def test_loop_counters_and_shapes():
    text = ("import tensorflow as tf\nx = tf.zeros([3, 4])\nhits = [i for i in range(10) if 2 < i <= 5]\n"
            "ok = 0 < x.shape[0] < x.shape[1]\nfor i in range(4):\n    if 0 < i < 3:\n        print(i)\nprint(hits, ok)\n")
    assert outputs(text) == [[1], [2], [[3, 4, 5], True]]


def test_a_scalar_tensor_chain_is_the_last_link_as_and_gives_it():
    # eager TensorFlow: bool(0 < x) is True, so the value is the tensor x < 1 (True); 2 < x is False
    text = "import tensorflow as tf\nx = tf.constant(0.5)\nprint(0 < x < 1, 2 < x < 1, 0 < x < 0.25)\n"
    assert outputs(text) == [[True, False, False]]


def test_a_tensor_of_several_values_in_a_chain_says_what_python_runs():
    d = error("import tensorflow as tf\ny = tf.constant([0.5, 2.0])\nz = 0 < y < 1\n")
    assert d.code == "E0223"
    assert any("(0 < y) and (y < 1)" in n for n in d.notes)
    assert d.help == ["for an elementwise test, write tf.logical_and(0 < y, y < 1)"]


def test_a_placeholder_in_a_chain_is_tensorflows_bool_error_naming_the_chain():
    d = error("import tensorflow as tf\nx = tf.placeholder(tf.float32)\ny = 0 < x < 1\n")
    assert d.code == "E0227"
    assert "TensorFlow: using a tf.Tensor as a Python bool is not allowed" in d.notes
    assert any("chained comparison 0 < x < 1" in n for n in d.notes)
    assert (d.span.line, d.span.column, d.span.end_column) == (3, 5, 10)  # the first link, which must be a bool


def test_the_parser_shares_the_middle_operand():
    (stmt,) = parse(Source("snippet.py", "y = a < b <= c\n")).statements
    chain = stmt.value
    assert type(chain) is ast.ChainedCompare and [link.op for link in chain.links] == ["<", "<="]
    assert chain.links[0].right is chain.links[1].left


@pytest.mark.parametrize("text", ["y = a == b != c\n", "y = 0 < x < 1\n", "expect a < b < c\n"])
def test_a_grad_model_keeps_e0110(text):
    with pytest.raises(ParseError) as info:
        parse(Source("model.grad", text))
    assert info.value.diagnostics[0].code == "E0110"


def test_expect_does_not_chain_in_pasted_code_either():
    with pytest.raises(ParseError) as info:
        parse(Source("snippet.py", "expect a == b == c\n"))
    d = info.value.diagnostics[0]
    assert d.code == "E0110" and "expect takes one == comparison" in d.notes[0]
