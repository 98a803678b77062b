"""Pasted Python (PYTHON.md): each construct parses, runs, and its misuse is a diagnostic;
the limits hold without RecursionError; tape semantics against hand-computed values."""
from __future__ import annotations

import numpy as np
import pytest

import gradcli
from gradcli.errors import GradcliError
from conftest import script_errors, script_outputs


def run(text, name="snippet.py", **kw):
    return gradcli.loads(text, name=name).eval(**kw)


def codes(text, name="snippet.py"):
    return [d.code for d in script_errors(text, name)]


def outputs(text, name="snippet.py"):
    return script_outputs(text, name)


# ----- constructs -----

def test_def_defaults_keywords_star_args_and_closures():
    out = run("def f(x, a=2.0, *rest, k=1.0):\n    return a * x + k + sum(rest)\n"
              "def outer(c):\n    def inner(t):\n        return t * c\n    return inner\n"
              "y = f(3.0) + f(1.0, 1.0, 10.0, k=0.0)\nz = outer(4.0)(2.0)\n")
    assert out["y"] == 7.0 + 11.0 and out["z"] == 8.0


def test_if_elif_else_and_conditional_expression():
    text = "n = {n}\nif n < 0:\n    s = -1.0\nelif n == 0:\n    s = 0.0\nelse:\n    s = 1.0\nt = 'big' if n > 5 else 'small'\n"
    assert [run(text.format(n=n))["s"] for n in (-3, 0, 9)] == [-1.0, 0.0, 1.0]


def test_while_break_continue_and_for_else():
    out = run("total = 0\nn = 0\nwhile True:\n    n += 1\n    if n % 2 == 0:\n        continue\n    if n > 9:\n        break\n    total += n\n"
              "found = -1\nfor i in range(5):\n    pass\nelse:\n    found = i\n")
    assert out["total"] == 1 + 3 + 5 + 7 + 9 and out["found"] == 4


def test_unpacking_targets_and_augmented_assignment():
    out = run("(a, b), c = (1.0, 2.0), 3.0\nfirst, *rest = [1.0, 2.0, 3.0]\nx = 2.0\nx **= 3\nx -= 1\n")
    assert (out["a"], out["b"], out["c"], out["first"], out["x"]) == (1.0, 2.0, 3.0, 1.0, 7.0)


def test_comprehensions_dicts_and_builtins():
    out = run("sq = [i * i for i in range(4) if i != 2]\nd = {k: v for k, v in zip(['a', 'b'], [1.0, 2.0])}\n"
              "s = sum(x for x in sq)\nn = len(d) + max(sq)\nvals = sorted(d.values(), reverse=True)\n")
    assert out["s"] == 0 + 1 + 9 and out["n"] == 11
    np.testing.assert_allclose(out["vals"], [2.0, 1.0])


def test_fstrings_percent_format_and_print():
    assert outputs("x = 2.5\nprint(f'x={x:.2f}', 'n=%d' % 3, '{} and {}'.format(1, 'b'))\n") == [["x=2.50", "n=3", "1 and b"]]


def test_repl_transcript_positions_are_the_original_text():
    with pytest.raises(GradcliError) as info:
        gradcli.loads(">>> x = 1.0\n>>> y = x +\n").eval()
    d = info.value.diagnostics[0]
    assert d.code == "E0103" and (d.span.line, d.span.column) == (2, 11)


def test_ipython_transcript_skips_out_blocks():
    assert outputs("In [1]: x = 2.0\n\nIn [2]: x * 3\nOut[2]: 6.0\n") == [[6.0]]


def test_every_independent_error_is_reported():
    found = codes("y = undefined_name\nclass A:\n    pass\nz = y * 2\nw = other_name\n")
    assert found == ["E0201", "E0218", "E0201"]  # z's error follows from y's: not repeated


def test_unsupported_constructs_have_their_own_diagnostic():
    for text in ("try:\n    x = 1\nexcept Exception:\n    pass\n", "def g():\n    global q\n", "def g():\n    yield 1\n"):
        found = codes(text + "y = g()\n" if "def" in text else text)
        assert found[0] in ("E0218",), (text, found)


def test_misuse_diagnostics():
    assert codes("s = 'abc'\ny = s(1)\n") == ["E0225"]
    assert codes("@property\ndef f():\n    return 1\n") == ["E0222"]
    assert codes("import tensorflow as tf\nw = tf.Variable(1.0)\ntf.train.AdamOptimizer(0.1).minimize(w * w)\n") == ["E0230"]
    assert codes("import tensorflow as tf\nx = tf.placeholder(tf.float32)\nif x > 0:\n    y = x\n") == ["E0227"]


# ----- limits, without RecursionError -----

def test_a_100000_iteration_loop():
    assert run("x = 0.0\nfor i in range(100000):\n    x = x + 1.0\n")["x"] == 100000.0


def test_a_200_deep_call_chain_and_deeper_recursion_is_an_error():
    text = "def f(n):\n    if n == 0:\n        return 0.0\n    return f(n - 1) + 1.0\ny = f({n})\n"
    assert run(text.format(n=199))["y"] == 199.0  # 200 calls
    assert codes(text.format(n=5000)) == ["E0226"]


def test_more_than_100000_iterations_in_all_is_an_error_naming_the_loop():
    with pytest.raises(GradcliError) as info:
        run("n = 0\nwhile n < 10:\n    n = n * 1\n")
    d = info.value.diagnostics[0]
    assert d.code == "E0220" and d.span.line == 2


def test_deeply_nested_blocks():
    depth = 80
    text = "".join("    " * i + "if True:\n" for i in range(depth)) + "    " * depth + "x = 1.0\n"
    assert run(text)["x"] == 1.0


# ----- tapes: hand-computed values -----

TF = "import tensorflow as tf\n"


def test_tape_watched_unwatched_and_outside_recorded():
    out = run(TF + "x = tf.constant(2.0)\nv = tf.Variable(3.0)\npre = v * 2.0\nwith tf.GradientTape() as t:\n    t.watch(x)\n    y = x * x * v + pre\n"
              "gx, gv, gp = t.gradient(y, [x, v, pre])\n")
    assert out["gx"] == 12.0 and out["gv"] == 4.0 and out["gp"] is None  # pre was computed before the tape


def test_tape_stop_recording_and_persistent_reuse():
    out = run(TF + "x = tf.Variable(3.0)\nwith tf.GradientTape(persistent=True) as t:\n    y = x * x\n    with t.stop_recording():\n        c = y * x\n    z = y + c\n"
              "a = t.gradient(z, x)\nb = t.gradient(y, x)\n")
    assert out["a"] == 6.0 and out["b"] == 6.0  # c is a constant to the tape


def test_nested_tapes_second_and_third_derivatives():
    out = run(TF + "x = tf.Variable(2.0)\nwith tf.GradientTape() as t3:\n    with tf.GradientTape() as t2:\n        with tf.GradientTape() as t1:\n            y = x ** 4\n"
              "        d1 = t1.gradient(y, x)\n    d2 = t2.gradient(d1, x)\nd3 = t3.gradient(d2, x)\n")
    assert (out["d1"], out["d2"], out["d3"]) == (32.0, 48.0, 48.0)  # 4x^3, 12x^2, 24x


def test_structured_sources_and_jacobian_shapes():
    out = run(TF + "w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])\nb = tf.Variable([1.0, -1.0])\nx = tf.constant([[1.0, 1.0]])\n"
              "with tf.GradientTape(persistent=True) as t:\n    y = x @ w + b\ng = t.gradient(y, {'w': w, 'b': b})\nj = t.jacobian(y, w)\n")
    np.testing.assert_allclose(out["g"]["w"], [[1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(out["g"]["b"], [1.0, 1.0])
    assert out["j"].shape == (1, 2, 2, 2)


def test_eager_training_steps_see_the_new_values():
    out = run(TF + "w = tf.Variable(1.0)\nfor _ in range(2):\n    with tf.GradientTape() as t:\n        loss = w * w\n    w.assign_sub(0.25 * t.gradient(loss, w))\nfinal = w + 0.0\n")
    assert out["final"] == 0.25  # 1 -> 0.5 -> 0.25


def test_graph_mode_assign_updates_later_runs():
    out = run(TF + "v = tf.Variable(1.0)\ny = v * 10.0\nup = v.assign_add(2.0)\nwith tf.Session() as sess:\n    sess.run(tf.global_variables_initializer())\n    before = sess.run(y)\n    sess.run(up)\n    after = sess.run(y)\n")
    assert out["before"] == 10.0 and out["after"] == 30.0
