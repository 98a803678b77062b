"""print() in TensorFlow 1 graph code shows a tensor's symbolic description, with
TensorFlow's op names; a session's results and eager tensors print values.

The expected texts are TensorFlow's own: the low-level API guide's `Const:0`,
`Const_1:0`, `add:0`; `MatMul:0`; `name=` winning; and the gradient names TF 1
prints for the seed answer (`gradients/AddN:0`) and for `x ** 3`
(`gradients/pow_grad/Reshape:0`, the transcript in the conformance case repl-echo)."""
from __future__ import annotations

import json

import gradcli

from conftest import invoke


def printed(text, name="snippet.py"):
    from gradcli.render.outputs import output_lines

    model = gradcli.loads(text, name=name)
    return [line for line, _ in output_lines(model.outputs)]


GRAPH = "import tensorflow as tf\nsess = tf.Session()\n"


def test_the_low_level_guides_constants_and_sum():
    text = "import tensorflow as tf\na = tf.constant(3.0, dtype=tf.float32)\nb = tf.constant(4.0)\ntotal = a + b\nprint(a)\nprint(b)\nprint(total)\nsess = tf.Session()\n"
    assert printed(text) == ['Tensor("Const:0", shape=(), dtype=float32)', 'Tensor("Const_1:0", shape=(), dtype=float32)', 'Tensor("add:0", shape=(), dtype=float32)']


def test_matmul_and_its_shape():
    text = GRAPH + "m1 = tf.constant([[3., 3.]])\nm2 = tf.constant([[2.], [2.]])\nproduct = tf.matmul(m1, m2)\nprint(product)\nprint(sess.run(product))\n"
    assert printed(text) == ['Tensor("MatMul:0", shape=(1, 1), dtype=float32)', "[[12]]"]


def test_name_keyword_and_int32_in_a_list_shows_the_repr():
    text = GRAPH + "a = tf.constant(5, name='a')\nb = tf.constant(3, name='b')\nresult = tf.add(a, b, name='add_a_b')\nprint([a, result])\n"
    assert printed(text) == ["[<tf.Tensor 'a:0' shape=() dtype=int32>, <tf.Tensor 'add_a_b:0' shape=() dtype=int32>]"]


def test_repeated_names_get_tensorflows_suffixes_case_insensitively():
    # ops.Graph.unique_name: `+` is "add", then tf.add's "Add" is taken (names compare lowercased): Add_1
    text = GRAPH + "a = tf.constant(1.0)\nb = tf.constant(2.0)\nc = a + b\nd = tf.add(a, b)\ne = a + b\nf = tf.add(a, b, name='add')\nprint(c, d, e, f)\n"
    assert printed(text) == ['Tensor("add:0", shape=(), dtype=float32) Tensor("Add_1:0", shape=(), dtype=float32) '
                             'Tensor("add_2:0", shape=(), dtype=float32) Tensor("add_3:0", shape=(), dtype=float32)']


def test_operators_placeholders_variables_and_reductions():
    text = ("import tensorflow as tf\nx = tf.placeholder(tf.float32, [None, 2])\nW = tf.Variable(tf.zeros([2, 1]), name='weight')\n"
            "b = tf.Variable(0.0)\ny = tf.matmul(x, W) + b\nloss = tf.reduce_mean(tf.square(y - 1.0))\nneg = -loss\nq = loss / 2\n"
            "print(x)\nprint(W, b)\nprint(y, loss)\nprint(neg, q)\n")
    assert printed(text) == [
        'Tensor("Placeholder:0", shape=(None, 2), dtype=float32)',
        "<tf.Variable 'weight:0' shape=(2, 1) dtype=float32_ref> <tf.Variable 'Variable:0' shape=() dtype=float32_ref>",
        'Tensor("add:0", shape=(None, 1), dtype=float32) Tensor("Mean:0", shape=(), dtype=float32)',
        'Tensor("Neg:0", shape=(), dtype=float32) Tensor("truediv:0", shape=(), dtype=float32)',
    ]


def test_an_unknown_rank_has_no_shape_in_str_and_unknown_in_repr():
    text = "import tensorflow as tf\nx = tf.placeholder(tf.float32, name='x')\ny = x * 2\nprint(y, [y], str(y), f'{y!r}')\n"
    assert printed(text) == ['Tensor("mul:0", dtype=float32) [<tf.Tensor \'mul:0\' shape=<unknown> dtype=float32>] '
                             'Tensor("mul:0", dtype=float32) <tf.Tensor \'mul:0\' shape=<unknown> dtype=float32>']


def test_the_seed_answers_gradient_prints_as_tensorflow_1_prints_it():
    text = ("import tensorflow as tf\nx = tf.Variable(2.0)\ny = x**2 + x - 1\ngrad = tf.gradients(y, x)\nprint(grad)\n"
            "init = tf.global_variables_initializer()\nwith tf.Session() as sess:\n    sess.run(init)\n    grad_value = sess.run(grad)\n    print(grad_value)\n")
    # x reaches y through pow and add: its two gradients are summed by an AddN
    assert printed(text) == ["[<tf.Tensor 'gradients/AddN:0' shape=() dtype=float32>]", "[5]"]


def test_gradient_names_follow_the_op_that_consumes_x():
    text = (GRAPH + "x = tf.Variable(2.0)\ny = x ** 3\ng = tf.gradients(y, x)\nprint(g)\n"
            "X = tf.placeholder(tf.float32, [None, 2])\nw = tf.Variable([[1.0], [-1.0]])\nloss = tf.reduce_mean(tf.square(tf.matmul(X, w)))\n"
            "gw = tf.gradients(loss, [w])[0]\nprint(gw)\ns = tf.reduce_sum(w)\nprint(tf.gradients(s, w))\n")
    assert printed(text) == ["[<tf.Tensor 'gradients/pow_grad/Reshape:0' shape=() dtype=float32>]",
                             'Tensor("gradients_1/MatMul_grad/MatMul_1:0", shape=(2, 1), dtype=float32)',
                             "[<tf.Tensor 'gradients_2/Sum_grad/Tile:0' shape=(2, 1) dtype=float32>]"]


def test_a_none_gradient_prints_none_and_python_values_print_as_python_does():
    text = GRAPH + "a = tf.Variable(1.0)\nb = tf.Variable(2.0)\ng = tf.gradients(a * 2, [a, b])\nn = 2\nl = [1, 2]\nprint(g[1], n, l, 'text', 2.5)\n"
    lines = printed(text)
    assert lines[0] == "None 2 [1 2] text 2.5"


def test_eager_code_prints_values():
    text = "import tensorflow as tf\nx = tf.constant([1.0, 2.0])\ny = x * 2\nprint(y)\nprint(str(y) == str(y))\n"
    assert printed(text) == ["[2 4]", "True"]


def test_json_outputs_hold_the_text_with_the_tensors_dtype_and_shape(tmp_path):
    path = tmp_path / "snippet.py"
    path.write_text("import tensorflow as tf\nx = tf.placeholder(tf.float32, [None, 2])\ny = x * 2\nprint(y, [y])\n")
    result = invoke("eval", str(path), "--json")
    assert result.exit_code == 0, result.output
    (out,) = json.loads(result.stdout)["outputs"]
    assert out["values"] == ['Tensor("mul:0", shape=(None, 2), dtype=float32)', ["<tf.Tensor 'mul:0' shape=(None, 2) dtype=float32>"]]
    assert out["dtypes"] == ["float32", ["float32"]] and out["shapes"] == [[None, 2], [[None, 2]]]


def test_printing_a_placeholder_needs_no_feed():
    text = "import tensorflow as tf\nx = tf.placeholder(tf.float32)\nprint(x * 2)\n"
    model = gradcli.loads(text, name="snippet.py")
    assert not model.resolved.evaluated and printed(text) == ['Tensor("mul:0", dtype=float32)']


def test_a_grad_model_prints_values():
    assert printed("var x = 2.0\ny = x * 3\nprint(y)\n", name="model.grad") == ["6"]


def test_an_assign_op_prints_its_description_and_does_not_run():
    text = (GRAPH + "v = tf.Variable(1.0)\nup = v.assign(5.0)\ninc = v.assign_add(1.0)\nprint(up, [inc])\n"
            "sess.run(tf.global_variables_initializer())\nprint(sess.run(v))\n")
    assert printed(text) == ["Tensor(\"Assign:0\", shape=(), dtype=float32_ref) [<tf.Tensor 'AssignAdd:0' shape=() dtype=float32_ref>]", "1"]


def test_function_op_types_and_indexing():
    text = (GRAPH + "x = tf.placeholder(tf.float32, [3, 2])\nprint(tf.nn.relu(x), tf.sigmoid(x), tf.transpose(x), tf.reduce_sum(x, axis=0))\n"
            "print(x[0], tf.reshape(x, [6]), tf.cast(x, tf.int32), tf.square(x))\n")
    assert printed(text) == [
        'Tensor("Relu:0", shape=(3, 2), dtype=float32) Tensor("Sigmoid:0", shape=(3, 2), dtype=float32) '
        'Tensor("transpose:0", shape=(2, 3), dtype=float32) Tensor("Sum:0", shape=(2,), dtype=float32)',
        'Tensor("strided_slice:0", shape=(2,), dtype=float32) Tensor("Reshape:0", shape=(6,), dtype=float32) '
        'Tensor("Cast:0", shape=(3, 2), dtype=int32) Tensor("Square:0", shape=(3, 2), dtype=float32)',
    ]
