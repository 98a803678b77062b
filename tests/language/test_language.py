"""Name resolution and the language's value rules (LANGUAGE.md), through the Python API."""
from __future__ import annotations

import numpy as np
import pytest

import gradcli
from gradcli.errors import GradcliError


def run(text, feeds=None, **kw):
    return gradcli.loads(text, **kw).eval(feeds=feeds)


def error_of(text, feeds=None, **kw):
    with pytest.raises(GradcliError) as info:
        gradcli.loads(text, **kw).eval(feeds=feeds)
    return info.value.diagnostics[0]


# ----- statements and names -----

def test_default_fetch_is_every_plain_binding_in_first_binding_order():
    out = run("var x = 2.0\ny = x * 3\nz = y + 1\ny = y * 2\n")
    assert list(out) == ["y", "z"]
    assert out["y"] == 12.0  # the newest binding
    assert out["z"] == 7.0


def test_fetch_statements_add_up_and_may_name_declarations():
    out = run("var x = 2.0\ny = x * 3\nfetch y\nfetch x\n")
    assert list(out) == ["y", "x"]


def test_semicolons_and_brackets_spanning_lines():
    out = run("var x = 1.0; y = (x +\n 2) * [\n 1.0,\n 2.0]\n")
    np.testing.assert_allclose(out["y"], [3.0, 6.0])


def test_unknown_name_suggests_nearest():
    d = error_of("var weight = 1.0\ny = wieght * 2\n")
    assert d.code == "E0201"
    assert d.help == ["did you mean 'weight'?"]
    assert (d.span.line, d.span.column, d.span.end_column) == (2, 5, 11)


def test_names_and_ops_live_apart():
    out = run("sum = 3.0\nrange = [1.0, 2.0]\ny = reduce_sum(range) + sum(range) + sum\n")
    assert out["y"] == 9.0


def test_unknown_op_suggests_nearest():
    d = error_of("var x = 1.0\ny = reduce_summ(x)\n")
    assert d.code == "E0202" and "reduce_sum" in d.help[0]


def test_unknown_keyword_shows_signature():
    d = error_of("var x = [1.0]\ny = reduce_sum(x, axes=0)\n")
    assert d.code == "E0204"
    assert "did you mean 'axis'?" in d.help
    assert any("reduce_sum(input_tensor, axis=None, keepdims=False)" in h for h in d.help)


def test_wrong_argument_count():
    assert error_of("var x = 1.0\ny = sin(x, x)\n").code == "E0205"
    assert error_of("y = matmul([[1.0]])\n").code == "E0205"


def test_imports_bind_modules_and_tensorflow_means_float32():
    model = gradcli.loads("import tensorflow as tf\nfrom numpy import *\nx = tf.Variable(2.0)\ny = x * x\n")
    assert [w.code for w in model.warnings] == ["W0213"]  # one note: TensorFlow's float32
    y = model.eval()["y"]
    assert y == 4.0 and y.dtype == np.float32
    assert gradcli.loads("import tensorflow as tf\nx = tf.Variable(2.0)\n", dtype="float64").eval()["x"].dtype == np.float64
    assert [w.code for w in gradcli.loads("import matplotlib.pyplot as plt\n").warnings] == ["W0210"]


def test_declaring_twice_is_an_error():
    d = error_of("var x = 1.0\nplaceholder x\n")
    assert d.code == "E0215" and d.labels


# ----- TensorFlow and NumPy spellings -----

def test_tensorflow_namespaces_are_stripped():
    out = run("var x = [1.0, 4.0]\ny = tf.reduce_sum(tf.math.log(x)) + tf.nn.relu(-1.0) + tf.linalg.trace([[1.0, 0.0], [0.0, 2.0]])\n")
    assert out["y"] == pytest.approx(np.log(4.0) + 3.0)


def test_tf_random_normal_is_random_normal():
    a = run("r = tf.random.normal([2])\n")["r"]
    b = run("r = random_normal([2])\n")["r"]
    np.testing.assert_array_equal(a, b)


def test_numpy_names_with_shared_arguments():
    out = run("var x = [[1.0, 2.0], [3.0, 4.0]]\ny = np.sum(np.exp(x), axis=0)\nz = np.transpose(x, axes=[1, 0])\nd = np.dot([1.0, 2.0], [3.0, 4.0])\n")
    np.testing.assert_allclose(out["y"], np.exp([[1, 2], [3, 4]]).sum(axis=0))
    np.testing.assert_allclose(out["z"], [[1, 3], [2, 4]])
    assert out["d"] == 11.0


def test_other_numpy_names_name_the_op_to_use():
    d = error_of("var x = [1.0, 2.0]\ny = np.cumprod(x)\n")
    assert d.code == "E0203"
    # on NumPy values, NumPy's own function runs
    np.testing.assert_allclose(run("y = np.concatenate([[1.0], [2.0]]) * 2\n")["y"], [2.0, 4.0])


def test_tf1_declarations():
    model = gradcli.loads('x = tf.Variable(2.0)\nX = tf.placeholder(tf.float32, [None, 1])\ny = reduce_sum(X) * x\n', dtype="float32")
    X = model.inputs["X"]
    assert X.dtype == np.float32 and X.shape == (None, 1)
    assert model.eval(feeds={"X": [[1], [2]]})["y"] == 6.0
    # under the float64 default, a float32 placeholder and an untyped variable do not mix
    d = error_of('X = tf.placeholder(tf.float32, [None, 1])\nx = tf.Variable(2.0)\ny = reduce_sum(X) * x\n')
    assert d.code == "E0301" and "--dtype float32" in d.help[1]


# ----- values and types -----

def test_numeric_list_literal_is_one_constant_tensor():
    out = run("t = [[1.0, 2.0], [3.0, 4.0]]\n")
    assert out["t"].shape == (2, 2)


def test_list_of_tensors_is_packed_where_a_tensor_is_expected():
    model = gradcli.loads("var x = 1.0\nvar y = 2.0\nl = [x, y]\nv = l * 2\n")
    out = model.eval()
    assert isinstance(out["l"], list) and len(out["l"]) == 2
    np.testing.assert_allclose(out["v"], [2.0, 4.0])


def test_weak_literals_take_the_tensors_dtype():
    out = run("var x: float32 = 2.0\nh = 0.5\nn = 2\ny = x * h + n\n")
    assert out["y"].dtype == np.float32 and out["y"] == 3.0


def test_literal_arithmetic_follows_python():
    out = run("a = 2**-1\nb = 7/2\nc = 7//2\nd = -7 % 3\ne = 2 ** 10\n")
    assert (out["a"], out["b"], out["c"], out["d"], out["e"]) == (0.5, 3.5, 3, 2, 1024)
    assert out["c"].dtype == np.int32 and out["b"].dtype == np.float64


def test_weak_float_standing_alone_takes_the_default_float():
    out = run("h = 0.5\n", dtype="float32")
    assert out["h"].dtype == np.float32


def test_integer_true_division_gives_the_default_float():
    out = run("var a: int32 = 7\nvar b: int32 = 2\nq = a / b\n", dtype="float32")
    assert out["q"].dtype == np.float32 and out["q"] == 3.5


def test_mixed_strong_dtypes_suggest_cast():
    d = error_of("var a: float32 = 1.0\nvar b = 2.0\nc = a * b\n")
    assert d.code == "E0301" and "cast" in d.help[0]
    assert len(d.labels) == 2


def test_var_without_type_is_default_float():
    out = run("var x = 2\nfetch x\n")
    assert out["x"].dtype == np.float64 and out["x"] == 2.0


def test_declared_type_casts_and_checks():
    out = run("var n: int32 = 3\nfetch n\n")
    assert out["n"].dtype == np.int32
    assert error_of("var n: int32 = 2.5\n").code == "E0206"
    assert error_of("var x: float[3] = [1.0, 2.0]\n").code == "E0206"


def test_placeholder_default_and_unknown_dims():
    model = gradcli.loads("placeholder X: float[None, 2] = [[1.0, 2.0]]\ny = reduce_sum(X)\n")
    assert model.eval()["y"] == 3.0
    assert model.eval(feeds={"X": [[1, 1], [1, 1], [1, 1]]})["y"] == 6.0


# ----- unpacking and indexing -----

def test_unpack_a_list_and_a_tensor():
    out = run("var x = 1.0\ng, = gradients(x * x, x)\na, b = [[1.0, 2.0], [3.0, 4.0]]\n")
    assert out["g"] == 2.0
    np.testing.assert_allclose(out["b"], [3.0, 4.0])


def test_unpacking_the_wrong_count_points_at_both_sides():
    d = error_of("var x = 1.0\na, b, c = gradients(x * x, [x, x])\n")
    assert d.code == "E0208" and "2 values into 3 names" in d.message
    assert d.labels and d.labels[0].text == "3 names"


def test_indexing_and_slicing():
    out = run("t = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]\na = t[0]\nb = t[-1, 1:]\nc = t[:, 0]\nd = t[0, ::2]\n")
    np.testing.assert_allclose(out["a"], [1, 2, 3])
    np.testing.assert_allclose(out["b"], [5, 6])
    np.testing.assert_allclose(out["c"], [1, 4])
    np.testing.assert_allclose(out["d"], [1, 3])


def test_index_out_of_range_is_static():
    d = error_of("t = [1.0, 2.0]\ny = t[2]\n")
    assert d.code == "E0309"


def test_list_values_are_indexed_to_their_elements():
    out = run("var x = 3.0\ng = gradients(x * x, [x, x])\nfirst = g[0] * 10\n")
    assert out["first"] == 60.0


# ----- gradient calls -----

def test_fresh_expression_as_x_warns_and_suggests_binding():
    model = gradcli.loads("var x = [1.0, 2.0]\ny = x * x\ng = gradients(y, x[0])\n")
    assert model.eval()["g"] == [None]
    (w,) = model.warnings
    assert w.code == "W0501" and "bind it to a name" in w.help[0]


def test_none_gradient_in_an_expression_explains_itself():
    d = error_of("var a = 1.0\nvar b = 1.0\nga, gb = gradients(2 * a, [a, b])\nz = gb + 1\n")
    assert d.code == "E0509"
    assert d.notes == ["it is None because 2 * a does not depend on b"]


def test_gradients_argument_errors():
    assert error_of("var x = 1.0\ng = gradients(x, x, 1.0, 2.0)\n").code == "E0505"
    assert error_of("var x = 1.0\ng = gradients(x)\n").code == "E0505"
    assert error_of("var x = 1.0\ng = gradients(x, x, stop=[x])\n").code == "E0505"


def test_compatibility_keywords_are_accepted():
    out = run('var x = 2.0\ng = gradients(x * x, x, name="g", gate_gradients=True, aggregation_method=None, colocate_gradients_with_ops=False)\n')
    assert out["g"] == [4.0]


def test_gradient_results_differentiate_again():
    out = run("var x = 2.0\ny = x ** 3\ng = gradients(gradients(y, x)[0], x)\nh = hessians(y, x)\nj = jacobian(x * [1.0, 2.0], x)\n")
    assert out["g"] == [12.0] and out["h"] == [12.0]
    np.testing.assert_allclose(out["j"], [1.0, 2.0])


# ----- hostile input -----

def test_deep_parentheses_resolve_without_recursion():
    assert run("var x = 1.0\ny = " + "(" * 5000 + "x" + ")" * 5000 + "\n")["y"] == 1.0


def test_deep_unary_minus_and_calls():
    assert run("y = " + "-" * 5000 + "1\n")["y"] == 1
    text = "var x = 1.0\ny = " + "sin(" * 3000 + "x" + ")" * 3000 + "\ng = gradients(y, x)\n"
    out = run(text)
    assert np.isfinite(out["g"][0])


def test_long_sum_and_long_chain():
    out = run("var x = 1.0\ny = " + " + ".join(["x"] * 20000) + "\ng = gradients(y, x)\n")
    assert out["y"] == 20000.0 and out["g"] == [20000.0]
    model = gradcli.loads("var v = 0.5\n" + "v = sin(v)\n" * 100000 + "g = gradients(v, [v])\nfetch v\n")
    assert 0 < model.eval()["v"] < 0.01


def test_deeply_nested_list_literal_is_refused_cleanly():
    assert error_of("y = " + "[" * 40 + "1" + "]" * 40 + "\n").code == "E0306"


def test_empty_program_evaluates_to_nothing():
    assert run("") == {}
    assert run("# only a comment\n") == {}


def test_tf_constant_is_a_tensor_of_the_runs_float_not_a_literal():
    # TensorFlow: tf.constant(3.0) is float32, and float64 * float32 is an error
    script = "import tensorflow as tf\na = tf.constant(2.0, dtype=tf.float64)\nb = tf.constant(3.0)\nc = a * b\n"
    with pytest.raises(GradcliError) as info:
        gradcli.loads(script, dtype=None)
    (d,) = info.value.errors
    assert d.code == "E0301" and "float64 and float32" in d.message
    assert not any("--dtype float32" in h for h in d.help)  # the script already runs in float32
    # with --dtype float64 the untyped constant is float64 and the two mix
    assert gradcli.loads(script, dtype="float64").eval()["c"] == 6.0
    # an integer constant is int32: a float literal does not adapt it
    assert error_of("c = tf.constant(2) * 1.5\n").code == "E0301"
    # a literal still adapts to the tensor it meets
    assert run("b = tf.constant(3.0)\nc = b * 2\n", dtype="float32")["c"].dtype == np.float32
