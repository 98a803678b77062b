"""A pasted script's tf.GradientTape is the engine's tape (engine/tape.py) seen from
Python: recording, watching, reuse and the reasons for None come from there. NumPy
applied to a tensor inside a tape block leaves the tape (TensorFlow's meaning): its
result is a constant to the tape, with warning W0212. Values are hand computed."""
from __future__ import annotations

import math

import numpy as np
import pytest

import gradcli
from gradcli.engine.tape import Tape as EngineTape
from gradcli.errors import GradcliError
from gradcli.language.tf_runtime import Tape

HEAD = "import tensorflow as tf\nimport numpy as np\nx = tf.Variable(2.0)\n"


def load(text):
    return gradcli.loads(text, name="snippet.py")


def warning_codes(model):
    return [d.code for d in model.warnings]


def test_numpy_inside_a_tape_is_a_constant_to_it():
    model = load(HEAD + "with tf.GradientTape(persistent=True) as t:\n    y = np.sin(x)\n    z = y * x\ngy = t.gradient(y, x)\ngz = t.gradient(z, x)\n")
    out = model.eval()
    assert out["gy"] is None  # sin(x) computed by NumPy: the tape never saw it
    # z = y * x with y a constant sin(2): dz/dx = sin(2) = 0.909297, not sin(2) + 2 cos(2) = 0.077004
    assert out["gz"] == pytest.approx(math.sin(2.0), rel=1e-6)
    assert out["z"] == pytest.approx(2.0 * math.sin(2.0), rel=1e-6)
    assert warning_codes(model).count("W0212") == 1


def test_numpy_inside_a_tape_gives_its_reason():
    model = load(HEAD + "with tf.GradientTape() as t:\n    y = np.exp(x) + x\nprint(t.gradient(y, x))\n")
    (output,) = model.outputs
    # y = exp(2) (a constant) + x: dy/dx = 1
    assert output.values[0] == pytest.approx(1.0)
    model = load(HEAD + "with tf.GradientTape() as t:\n    y = np.square(x)\nprint(t.gradient(y, x))\n")
    (output,) = model.outputs
    assert output.values[0].reason == "y was computed by NumPy, not TensorFlow, so the tape did not record it"


def test_the_same_numpy_call_outside_a_tape_stays_differentiable():
    # no tape records: tf.gradients sees np.sin as the op sin, d sin(x)/dx = cos(2)
    model = load("import tensorflow as tf\nimport numpy as np\ntf.compat.v1.disable_eager_execution()\nx = tf.compat.v1.placeholder(tf.float32, shape=())\n"
                 "y = np.sin(x)\ng = tf.gradients(y, x)[0]\n")
    assert "W0212" not in warning_codes(model)
    assert model.eval({"x": 2.0})["g"] == pytest.approx(math.cos(2.0), rel=1e-6)


def test_tf_inside_the_same_tape_is_recorded():
    out = load(HEAD + "with tf.GradientTape(persistent=True) as t:\n    a = tf.sin(x)\n    b = np.sin(x)\n    y = a + b\ng = t.gradient(y, x)\n").eval()
    assert out["g"] == pytest.approx(math.cos(2.0), rel=1e-6)  # only tf.sin's path: cos(2) = -0.416147


def test_the_language_tape_wraps_the_engine_tape():
    from gradcli.engine.graph import Graph

    g = Graph()
    tape = Tape(g, True, False, None)
    assert isinstance(tape.engine, EngineTape) and tape.persistent and not tape.watch_accessed
    assert Tape.__slots__ == ("engine", "span")  # no interval or reason state of its own
    tape.start()
    assert g.tapes == [tape.engine] and tape.active
    tape.stop()
    assert g.tapes == [] and not tape.active


def test_reasons_and_reuse_come_from_the_engine_tape():
    out = load(HEAD + "k = tf.Variable(1.0, trainable=False)\nc = tf.constant(3.0)\nwith tf.GradientTape() as t:\n    y = x * k * c\n"
               "print(t.gradient(y, [x, k, c]))\n")
    (output,) = out.outputs
    gx, gk, gc = output.values[0]
    assert gx == pytest.approx(3.0)  # k * c
    assert gk.reason == "k is a non-trainable variable"
    assert gc.reason == "c is a constant this tape does not watch: call tape.watch(c)"
    with pytest.raises(GradcliError) as info:
        load(HEAD + "with tf.GradientTape() as t:\n    y = x * x\na = t.gradient(y, x)\nb = t.jacobian(y, x)\n").eval()
    (d,) = info.value.errors
    assert d.code == "E0510" and d.span.line == 7 and d.labels[0].span.line == 6


def test_stop_recording_and_reset_and_watched_variables():
    out = load(HEAD + "v = tf.Variable(5.0)\nwith tf.GradientTape(persistent=True) as t:\n    y = x * x\n    with t.stop_recording():\n        s = y * x\n    w = y + s\n"
               "g = t.gradient(w, x)\nnames = [u.name for u in t.watched_variables()]\n"
               "with tf.GradientTape() as r:\n    a = v * x\n    r.reset()\n    b = x * 4.0\ngr = r.gradient(b, [x, v])\n").eval()
    assert out["g"] == pytest.approx(4.0)  # s = x^3 is a constant: dw/dx = 2x
    assert out["gr"][0] == pytest.approx(4.0) and out["gr"][1] is None  # v was read before the reset


def test_batch_jacobian_through_the_engine():
    out = load("import tensorflow as tf\nx = tf.constant([[1.0, 2.0], [3.0, 4.0]])\nwith tf.GradientTape() as t:\n    t.watch(x)\n    y = x * x\nj = t.batch_jacobian(y, x)\n").eval()
    np.testing.assert_allclose(out["j"], [[[2.0, 0.0], [0.0, 4.0]], [[6.0, 0.0], [0.0, 8.0]]])
