"""gradcli check on GradientTape code: tape.gradient and tape.jacobian results are
cross-checked against central finite differences, as tf.gradients' are, and `expect`
claims about them are checked at sampled points."""
from __future__ import annotations

import numpy as np

import gradcli


def check(text, **options):
    return gradcli.loads(text, name="snippet.py", dtype="float64").check(**options)


TAPE = """import tensorflow as tf
x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    y = x ** 3 + 2 * x
g = tape.gradient(y, x)
"""


def test_a_right_hand_claim_holds_and_the_tape_gradient_agrees_with_finite_differences():
    report = check(TAPE + "expect g == 3 * x ** 2 + 2\n")
    assert report.ok and report.claims[0].status == "holds" and len(report.claims[0].checked) == 6
    (fd,) = report.finite_differences
    assert (fd.name, fd.label, fd.ok) == ("g", "∂y/∂x", True)
    assert fd.elements == 6 and fd.max_rel_err < 1e-6


def test_a_wrong_hand_claim_fails_everywhere_with_the_tapes_value():
    report = check(TAPE + "expect g == 3 * x ** 2\n")
    assert not report.ok
    (claim,) = report.claims
    fed = claim.results[0]
    assert (float(fed.lhs), float(fed.rhs)) == (29.0, 27.0)  # d/dx (x^3 + 2x) at 3 is 29, the claim says 27
    assert all(not r.ok for r in claim.results)
    assert report.finite_differences[0].ok  # the tape itself is right


CUSTOM = """import tensorflow as tf

@tf.custom_gradient
def cube(x):
    def grad(dy):
        return dy * {rule}
    return x ** 3, grad

x = tf.Variable(1.5)
with tf.GradientTape() as tape:
    y = cube(x)
g = tape.gradient(y, x)
"""


def test_a_wrong_custom_gradient_under_a_tape_is_caught_by_finite_differences():
    report = check(CUSTOM.format(rule="2 * x ** 2"))
    (fd,) = report.finite_differences
    assert fd.ok is False
    (warning,) = [w for w in report.warnings if w.code == "W0602"]
    assert warning.span.line == 12 and "g (∂y/∂x)" in warning.message
    # the rule gives 2x^2 where d(x^3)/dx is 3x^2: the relative error is 1/3 at every point
    assert abs(fd.max_rel_err - 1 / 3) < 1e-6


def test_a_right_custom_gradient_under_a_tape_agrees():
    report = check(CUSTOM.format(rule="3 * x ** 2"))
    assert report.finite_differences[0].ok is True
    assert not [w for w in report.warnings if w.code == "W0602"]


def test_ops_the_tape_did_not_record_are_held_as_constants():
    # a = x*x before the tape and c inside stop_recording are constants to the tape: dy/dx = a,
    # which finite differences of y with a and c held agree with (3x^2 + 5 would be the full derivative)
    text = ("import tensorflow as tf\nx = tf.Variable(2.0)\na = x * x\nwith tf.GradientTape() as tape:\n    b = a * x\n"
            "    with tape.stop_recording():\n        c = x * 5.0\n    y = b + c\ng = tape.gradient(y, x)\nexpect g == a\n")
    report = check(text)
    assert report.ok and report.finite_differences[0].ok is True
    assert report.finite_differences[0].elements == 6


def test_watched_constants_persistent_tapes_and_structured_sources():
    text = ("import tensorflow as tf\nx = tf.constant([1.0, 2.0])\nw = tf.Variable(0.5)\n"
            "with tf.GradientTape(persistent=True) as tape:\n    tape.watch(x)\n    y = tf.reduce_sum(tf.sin(x) * w)\n    z = w ** 2\n"
            "gx, gw = tape.gradient(y, [x, w])\ngz = tape.gradient(z, {'w': w})\n")
    report = check(text)
    fds = {fd.name: fd for fd in report.finite_differences}
    assert {"gx", "gw"} <= set(fds) and all(fd.ok for fd in report.finite_differences)
    assert fds["gx"].elements == 2 * 6  # two elements of x at the fed point and 5 sampled points of w
    assert len(report.finite_differences) == 3


def test_a_tape_jacobian_is_cross_checked():
    text = ("import tensorflow as tf\nx = tf.Variable([1.0, 2.0])\nwith tf.GradientTape() as tape:\n    y = x * x\n"
            "j = tape.jacobian(y, x)\n")
    report = check(text)
    (fd,) = report.finite_differences
    assert fd.kind == "jacobian" and fd.ok is True and fd.elements == 4 * 6


def test_an_unwatched_source_is_none_and_skipped():
    text = "import tensorflow as tf\nx = tf.constant(2.0)\nwith tf.GradientTape() as tape:\n    y = x * x\ng = tape.gradient(y, x)\n"
    (fd,) = check(text).finite_differences
    assert fd.skipped == "None (unconnected)"


def test_a_training_loop_checks_every_steps_gradient():
    text = ("import tensorflow as tf\nw = tf.Variable(1.0)\nfor step in range(3):\n    with tf.GradientTape() as tape:\n"
            "        loss = (w * 2.0 - 3.0) ** 2\n    g = tape.gradient(loss, w)\n    w.assign_sub(0.1 * g)\n")
    report = check(text)
    assert len(report.finite_differences) == 3 and all(fd.ok for fd in report.finite_differences)
    # the last step's gradient, by hand: g = 4 (2w - 3) with w going 1.0 -> 1.4 -> 1.48, so -0.16
    model = gradcli.loads(text, name="snippet.py", dtype="float64")
    np.testing.assert_allclose(model.eval()["g"], -0.16)
