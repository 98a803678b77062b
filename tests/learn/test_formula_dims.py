"""Formulas of models whose placeholders are [None, k], as TensorFlow users declare them: the
unknown batch size is tracked symbolically (learn/dims.py), so a mean over it is a division by
cast(shape(X)[0], float) or a reduce_mean, never a number, and every formula reads back to the
gradient at the fed batch size and at another one."""
from __future__ import annotations

import numpy as np
import pytest

from gradcli.learn.formula import dims
from gradcli.model import load, loads
from conftest import invoke, strict_json

LINEAR = """placeholder X: float[None, 3]
placeholder y: float[None, 1]
var W = [[0.1], [-0.2], [0.3]]
var b = 0.5
pred = X @ W + b
loss = reduce_mean((pred - y) ** 2)
"""

LOGISTIC = """placeholder X: float[None, 2]
placeholder y: float[None, 1]
var W = [[0.3], [-0.4]]
var b = [0.1]
logits = matmul(X, W) + b
loss = reduce_mean(sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
"""

SOFTMAX = """placeholder X: float[None, 3]
placeholder y: float[None, 2]
var W = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]
var b = [0.1, -0.1]
logits = matmul(X, W) + b
loss = reduce_mean(softmax_cross_entropy_with_logits(labels=y, logits=logits))
"""

RNG = np.random.default_rng(12)


def _batch(n: int, k: int, classes: int | None = None, labels01: bool = False) -> dict:
    X = RNG.normal(size=(n, k))
    if classes is not None:
        y = np.eye(classes)[RNG.integers(0, classes, n)]
    elif labels01:
        y = RNG.integers(0, 2, (n, 1)).astype(float)
    else:
        y = RNG.normal(size=(n, 1))
    return {"X": X, "y": y}


def reads_back(source: str, xs: list, feeds_list: list, y: str = "loss") -> dict:
    """The formulas of d(y)/d(xs), each evaluated as a line appended to the model, equal the
    gradients at every feed of feeds_list (batches of different sizes)."""
    m = loads(source)
    texts = m.formulas(m.gradient_request([y], xs), feeds_list[0])
    assert all(t is not None for t in texts.values()), texts
    back = loads(source + "".join(f"formula_{x} = {texts[x]}\n" for x in xs))
    for feeds in feeds_list:
        grads = m.gradients(y, xs, feeds=feeds)
        values = back.eval(feeds=feeds, fetch=[f"formula_{x}" for x in xs])
        for x, g in zip(xs, grads):
            got = values[f"formula_{x}"]
            assert np.shape(got) == np.shape(g), (x, texts[x], np.shape(got), np.shape(g))
            np.testing.assert_allclose(got, g, rtol=1e-10, atol=1e-12, err_msg=f"d{y}/d{x} = {texts[x]} at batch {len(feeds['X'])}")
    return texts


@pytest.mark.parametrize("source,expected,feeds", [
    (LINEAR, {"W": "2*matmul(X, pred - y, transpose_a=True)/cast(shape(X)[0], float)", "b": "reduce_mean(2*(pred - y))"},
     [_batch(4, 3), _batch(7, 3), _batch(1, 3)]),
    (LOGISTIC, {"W": "matmul(X, sigmoid(logits) - y, transpose_a=True)/cast(shape(X)[0], float)",
                "b": "reduce_mean(sigmoid(logits) - y, axis=[0])"},
     [_batch(5, 2, labels01=True), _batch(2, 2, labels01=True)]),
    (SOFTMAX, {"W": "matmul(X, softmax(logits, axis=1) - y, transpose_a=True)/cast(shape(X)[0], float)",
               "b": "reduce_mean(softmax(logits, axis=1) - y, axis=[0])"},
     [_batch(6, 3, classes=2), _batch(3, 3, classes=2)]),
], ids=["linear", "logistic", "softmax"])
def test_none_batch_models_have_formulas_that_hold_at_every_batch_size(source, expected, feeds):
    assert reads_back(source, ["W", "b"], feeds) == expected


def test_the_tensorflow_script_gives_the_same_formulas(tmp_path):
    path = tmp_path / "lr.py"
    path.write_text("import tensorflow as tf\nX = tf.placeholder(tf.float32, [None, 3])\ny = tf.placeholder(tf.float32, [None, 1])\n"
                    "W = tf.Variable(tf.zeros([3, 1]))\nb = tf.Variable(0.0)\npred = tf.matmul(X, W) + b\n"
                    "loss = tf.reduce_mean(tf.square(pred - y))\ngrads = tf.gradients(loss, [W, b])\n")
    result = invoke("grad", str(path), "--formula", "--feed", "X=[[1,2,3],[4,5,6]]", "--feed", "y=[[1],[2]]", "--json")
    doc = strict_json(result.stdout)
    assert doc["formulas"] == {"W": "2*matmul(X, pred - y, transpose_a=True)/cast(shape(X)[0], float)", "b": "reduce_mean(2*(pred - y))"}
    assert doc["gradients"] == {"W": [[-9.0], [-12.0], [-15.0]], "b": -3.0}
    m = load(str(path))
    (latex_w, _) = [r.latex for r in m.formula_results(m.gradient_request(["loss"], ["W", "b"])).values()]
    assert latex_w == r"\frac{2 X^\top \left(\mathrm{pred} - y\right)}{\operatorname{shape}\left(X\right)_{0}}"


def test_fixed_shapes_pull_numbers_out_of_the_product():
    source = LINEAR.replace("None", "2")
    feeds = _batch(2, 3)
    assert reads_back(source, ["W", "b"], [feeds]) == {"W": "matmul(X, pred - y, transpose_a=True)", "b": "reduce_sum(pred - y)"}
    source = source.replace("reduce_mean((pred - y) ** 2)", "reduce_mean((pred - y) ** 2) * 0.5")
    assert reads_back(source, ["W"], [feeds])["W"] == "0.5*matmul(X, pred - y, transpose_a=True)"


def test_two_batches_of_different_sizes_stay_apart():
    """X and Z are separate inputs: their None dimensions are two Dims, each written from its own tensor."""
    source = ("placeholder X: float[None, 3]\nplaceholder Z: float[None, 3]\nvar W = [[1.0], [2.0], [3.0]]\n"
              "loss = reduce_mean(X @ W) + reduce_mean((Z @ W) ** 2)\n")
    feeds = [{"X": RNG.normal(size=(4, 3)), "Z": RNG.normal(size=(2, 3))}, {"X": RNG.normal(size=(1, 3)), "Z": RNG.normal(size=(5, 3))}]
    texts = reads_back(source, ["W"], feeds)
    assert "shape(X)[0]" in texts["W"] and "shape(Z)[0]" in texts["W"]


def test_a_batch_of_one_against_a_batch_is_not_taken_for_equal():
    """y fed with one row and X with two: the run broadcast y, so the dims stay apart (the
    formula of dW holds; dy, a sum back to one row, is not claimed)."""
    feeds = {"X": RNG.normal(size=(2, 3)), "y": RNG.normal(size=(1, 1))}
    m = loads(LINEAR)
    results = m.formula_results(m.gradient_request(["loss"], ["W", "b", "y"]), feeds)
    assert results["W"].text == "2*matmul(X, pred - y, transpose_a=True)/cast(shape(X)[0], float)"
    assert results["y"].text is None and "unknown" in results["y"].reason
    back = loads(LINEAR + f"formula = {results['W'].text}\n").eval(feeds=feeds, fetch=["formula"])["formula"]
    np.testing.assert_allclose(back, m.gradients("loss", ["W"], feeds=feeds)[0], rtol=1e-12)


def test_a_mean_over_a_feature_axis_and_a_sum_back_to_a_column():
    """A mean over axis 1 of [None, 3] is a number (3); the sum back to b of shape [1, 3] keeps its axis."""
    source = ("placeholder X: float[None, 3]\nvar b = [[0.1, 0.2, 0.3]]\nh = tanh(X + b)\n"
              "loss = reduce_sum(reduce_mean(h, axis=1))\n")
    texts = reads_back(source, ["b"], [{"X": RNG.normal(size=(4, 3))}, {"X": RNG.normal(size=(2, 3))}])
    assert texts["b"] == "reduce_sum(0.3333333333333333*(1 - h**2), axis=[0], keepdims=True)"


def test_an_unknown_dimension_with_no_name_is_summed_not_guessed():
    """concat's unknown rows are no input's: a mean over them is written with size()."""
    source = ("placeholder X: float[None, 2]\nplaceholder Z: float[None, 2]\nvar w = [0.5, -1.0]\n"
              "loss = reduce_mean(concat([X, Z], 0) * w)\n")
    feeds = [{"X": RNG.normal(size=(3, 2)), "Z": RNG.normal(size=(1, 2))}, {"X": RNG.normal(size=(2, 2)), "Z": RNG.normal(size=(2, 2))}]
    m = loads(source)
    (r,) = m.formula_results(m.gradient_request(["loss"], ["w"])).values()
    if r.text is not None:
        reads_back(source, ["w"], feeds)


# ----- the dimension algebra -----

def test_broadcasting_dims():
    n, m = dims.Dim(), dims.Dim()
    assert dims.broadcast((n, 1), (1, 3)) == (n, 3)
    with pytest.raises(ValueError):
        dims.broadcast((n, 1), (m, 1), unify=False)
    assert dims.broadcast((n, 1), (m, 1)) == (n, 1) and dims.find(m) is n
    fed2, fed1 = dims.Dim(fed=2), dims.Dim(fed=1)
    assert dims.broadcast((fed2,), (fed1,)) == (fed2,) and dims.find(fed1) is fed1  # kept apart
    assert dims.broadcast((fed1,), (fed2,), unify=False) == (fed2,)
    k = dims.Dim()
    assert dims.equate(k, 4) and dims.find(k) == 4
