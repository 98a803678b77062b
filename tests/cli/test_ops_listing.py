"""`gradcli ops`: the derivative calls are listed with their signatures, and TensorFlow
spellings name ops (issue 11)."""
from __future__ import annotations

import pytest

from conftest import invoke, run_json

pytestmark = pytest.mark.usefixtures("plain_environment")


def test_ops_lists_the_derivative_calls_and_stop_gradient():
    rows = {r["name"]: r for r in run_json("ops")["ops"]}
    assert rows["gradients"]["signature"] == 'gradients(ys, xs, grad_ys=None, stop_gradients=None, unconnected_gradients="none")'
    assert rows["hessians"]["signature"] == "hessians(ys, xs)" and rows["jacobian"]["signature"] == "jacobian(y, x)"
    assert rows["stop_gradient"]["signature"] == "stop_gradient(input)"
    for name in ("conv2d", "max_pool2d", "top_k", "matrix_solve", "dot", "gelu", "xlogy", "reduce_std", "binary_crossentropy"):
        assert name in rows, name
    assert "not TensorFlow's" in rows["dropout"]["doc"]


@pytest.mark.parametrize("spelling,name", [("tf.nn.relu", "relu"), ("tf.math.log", "log"), ("tf.linalg.solve", "matrix_solve"), ("tf.keras.losses.MSE", "mean_squared_error"), ("tf.gradients", "gradients"), ("np.dot", "dot"), ("tf.nn.swish", "silu")])
def test_ops_takes_tensorflow_spellings(spelling, name):
    doc = run_json("ops", spelling)
    assert [r["name"] for r in doc["ops"]] == [name]


def test_ops_text_of_a_tensorflow_spelling_and_an_unknown_one():
    result = invoke("ops", "tf.nn.relu", "hessians")
    assert result.exit_code == 0 and result.stdout.startswith("relu(x)") and "hessians(ys, xs)" in result.stdout
    result = invoke("ops", "tf.nn.relux")
    assert result.exit_code == 65 and "did you mean 'relu'" in result.stderr


def test_bool_attributes_of_composite_ops():
    result = invoke("eval", "-", input='var x = [1.0]\ny = gelu(x, approximate="no")\n')
    assert result.exit_code == 65 and "E0315" in result.stderr
