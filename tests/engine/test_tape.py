"""GradientTape at the engine level (engine/tape.py): recording, watching, reuse, nesting,
jacobians, custom gradients. Values are hand computed or central differences."""
from __future__ import annotations

import numpy as np
import pytest

from gradcli.engine.evaluate import evaluate
from gradcli.engine.gradients import Unconnected, gradients
from gradcli.engine.jacobians import batch_jacobian, hessians, jacobian
from gradcli.engine.graph import Graph, apply
from gradcli.engine.tape import Tape, variable_read
from gradcli.errors import GradcliError
from gradcli.source import Span


def value(node, feeds=None):
    return evaluate([node], feeds)[node]


def var(g, name, v, trainable=True):
    a = np.asarray(v, dtype=np.float64)
    return g.variable(name, g.constant(a), "float64", a.shape, trainable=trainable)


def const(g, name, v):
    node = g.constant(np.asarray(v, dtype=np.float64))
    node.name = name
    return node


def read(g, *nodes):
    for n in nodes:
        variable_read(g, n)


# ----- watching and recording -----


def test_a_read_variable_is_watched():
    g = Graph()
    x = var(g, "x", 3.0)
    with Tape(g) as t:
        read(g, x)
        y = x ** 2.0
    (dy,) = t.gradient([y], [x])
    assert value(dy) == 6.0


def test_a_constant_needs_watch():
    g = Graph()
    x = const(g, "x", 3.0)
    with Tape(g) as t:
        t.watch(x)
        y = x * x
    assert value(t.gradient([y], [x])[0]) == 6.0

    with Tape(g) as u:
        y = x * x
    (none,) = u.gradient([y], [x])
    assert isinstance(none, Unconnected)
    assert none.reason == "x is a constant this tape does not watch: call tape.watch(x)"
    # a constant made by an op (tf.constant(2.0) cast to float32) is a constant too
    c = apply("cast", g.constant(2.0), dtype="float32")
    c.name = "c"
    with Tape(g) as w:
        z = c * c
    (none,) = w.gradient([z], [c])
    assert none.reason == "c is a constant this tape does not watch: call tape.watch(c)"


def test_tensorflows_non_trainable_example():
    # x0 trainable, x1 non-trainable, x2 computed before the tape, x3 a constant: [6, None, None, None]
    g = Graph()
    x0 = var(g, "x0", 3.0)
    x1 = var(g, "x1", 3.0, trainable=False)
    x2 = var(g, "v2", 2.0) + 1.0
    x2.name = "x2"
    x3 = const(g, "x3", 3.0)
    with Tape(g) as t:
        read(g, x0, x1)
        y = x0 ** 2.0 + x1 ** 2.0 + x2 ** 2.0
    grads = t.gradient([y], [x0, x1, x2, x3])
    assert value(grads[0]) == 6.0
    assert [type(r) for r in grads[1:]] == [Unconnected] * 3
    assert [r.reason for r in grads[1:]] == [
        "x1 is a non-trainable variable",
        "x2 was computed outside the tape",
        "x3 is a constant this tape does not watch: call tape.watch(x3)",
    ]


def test_only_ops_inside_are_recorded():
    # a = 3w before the tape is a constant to it: d(a + w*w)/dw = 2w = 4
    g = Graph()
    w = var(g, "w", 2.0)
    a = w * 3.0
    a.name = "a"
    with Tape(g) as t:
        read(g, w)
        loss = a + w * w
        loss.name = "loss"
    (dw,) = t.gradient([loss], [w])
    assert value(dw) == 4.0
    # tf.gradients over the same graph differentiates through a as well: 3 + 4
    assert value(gradients([loss], [w])[0]) == 7.0


def test_a_path_through_an_unrecorded_node_is_explained():
    g = Graph()
    x = var(g, "x", 2.0)
    z = x * 2.0
    z.name = "z"
    with Tape(g) as t:
        t.watch(x)
        y = z * z
        y.name = "y"
    (r,) = t.gradient([y], [x])
    assert isinstance(r, Unconnected)
    assert r.reason == "the only path from x goes through z, which the tape did not record (computed outside it, or inside stop_recording())"


def test_stop_recording():
    # y = x*x recorded; z = y*x not; w = y + z: dw/dx through y only = 2x = 4
    g = Graph()
    x = var(g, "x", 2.0)
    with Tape(g) as t:
        read(g, x)
        y = x * x
        with t.stop_recording():
            z = y * x
            z.name = "z"
        w = y + z
    assert value(t.gradient([w], [x])[0]) == 4.0
    with Tape(g, persistent=True) as t2:
        read(g, x)
        with t2.stop_recording():
            z2 = x * x
            z2.name = "z2"
    (r,) = t2.gradient([z2], [z2])
    assert isinstance(r, Unconnected) and "stop_recording" in r.reason


def test_unwatched_inputs_record_nothing():
    # TensorFlow records an op only when it touches a watched tensor
    g = Graph()
    c = const(g, "c", 2.0)
    with Tape(g) as t:
        y = c * c
        y.name = "y"
        z = y * y
    (r,) = t.gradient([z], [y])
    assert isinstance(r, Unconnected) and "does not watch" in r.reason


def test_watch_accessed_variables_false():
    g = Graph()
    x = var(g, "x", 2.0)
    u = var(g, "u", 5.0)
    with Tape(g, watch_accessed_variables=False) as t:
        read(g, x, u)
        t.watch(u)
        y = x * u
    dx, du = t.gradient([y], [x, u])
    assert isinstance(dx, Unconnected) and "watch_accessed_variables=False" in dx.reason
    assert value(du) == 2.0


def test_unconnected_zero():
    g = Graph()
    x = var(g, "x", 2.0)
    u = var(g, "u", [5.0, 6.0])
    with Tape(g) as t:
        read(g, x)
        y = x * x
    dx, du = t.gradient([y], [x, u], unconnected="zero")
    assert value(dx) == 4.0
    assert value(du).tolist() == [0.0, 0.0]
    with pytest.raises(GradcliError) as e:
        Tape(g).gradient([y], [x], unconnected="sometimes")
    assert e.value.diagnostics[0].code == "E0504"


def test_gradient_of_a_source_itself_and_an_intermediate():
    g = Graph()
    x = const(g, "x", 3.0)
    with Tape(g, persistent=True) as t:
        t.watch(x)
        y = x * x
        z = y * y
    assert value(t.gradient([x], [x])[0]) == 1.0
    assert value(t.gradient([z], [y])[0]) == 18.0  # 2y


# ----- reuse -----


def test_persistent_tape_reused():
    g = Graph()
    x = const(g, "x", 3.0)
    with Tape(g, persistent=True) as t:
        t.watch(x)
        y = x * x
        z = y * y
    assert value(t.gradient([z], [x])[0]) == 108.0  # 4 x^3
    assert value(t.gradient([y], [x])[0]) == 6.0


def test_non_persistent_tape_used_twice_points_at_both_calls():
    g = Graph()
    x = const(g, "x", 3.0)
    with Tape(g) as t:
        t.watch(x)
        y = x * x
    first, second = Span(60, 74, 6, 7, 6, 21), Span(80, 94, 7, 8, 7, 22)
    t.gradient([y], [x], span=first)
    with pytest.raises(GradcliError) as e:
        t.jacobian(y, x, span=second)
    d = e.value.diagnostics[0]
    assert d.code == "E0510"
    assert d.span == second
    assert [(label.span, label.text) for label in d.labels] == [(first, "first used here")]
    assert "persistent=True" in d.help[0]


# ----- output_gradients -----


def test_output_gradients_seed():
    g = Graph()
    x = var(g, "x", [1.0, 2.0, 3.0])
    with Tape(g) as t:
        read(g, x)
        y = x * x
    (dx,) = t.gradient([y], [x], output_gradients=[g.constant(np.array([1.0, 0.0, 10.0]))])
    assert value(dx).tolist() == [2.0, 0.0, 60.0]


def test_output_gradients_are_checked_like_grad_ys():
    g = Graph()
    x = var(g, "x", [1.0, 2.0, 3.0])
    with Tape(g, persistent=True) as t:
        read(g, x)
        y = x * x
    with pytest.raises(GradcliError) as e:
        t.gradient([y], [x], output_gradients=[g.constant(np.array([[1.0, 2.0]]))])
    assert e.value.diagnostics[0].code == "E0502"
    with pytest.raises(GradcliError) as e:
        t.gradient([y], [x], output_gradients=[])
    assert e.value.diagnostics[0].code == "E0501"


# ----- structured sources at the engine level: lang flattens, one entry per source -----


def test_list_sources_of_a_linear_layer():
    # y = x @ w + b, loss = mean(y**2): TensorFlow's [[-4.5, -6.5], [9, 13]] and [-4.5, -6.5]
    g = Graph()
    w = var(g, "w", [[1.0, 2.0], [3.0, 4.0]])
    b = var(g, "b", [0.5, -0.5])
    x = const(g, "x", [[1.0, -2.0]])
    with Tape(g) as t:
        read(g, w, b)
        y = x @ w + b
        loss = apply("reduce_mean", y ** 2.0)
    dw, db, dw_again = t.gradient([loss], [w, b, w])
    assert value(dw).tolist() == [[-4.5, -6.5], [9.0, 13.0]]
    assert value(db).tolist() == [-4.5, -6.5]
    assert value(dw_again).tolist() == value(dw).tolist()


def test_several_targets_are_summed():
    g = Graph()
    x = const(g, "x", 3.0)
    with Tape(g) as t:
        t.watch(x)
        a, b = x * x, x * 2.0
    assert value(t.gradient([a, b], [x])[0]) == 8.0


# ----- nested tapes: higher derivatives -----


def test_nested_second_derivative():
    g = Graph()
    x = var(g, "x", 1.0)
    with Tape(g) as t2:
        read(g, x)
        with Tape(g) as t1:
            read(g, x)
            y = x * x * x
        (dy,) = t1.gradient([y], [x])
    (d2,) = t2.gradient([dy], [x])
    assert value(dy) == 3.0 and value(d2) == 6.0


def test_nested_third_derivative():
    # y = x^4 at 2: 4x^3 = 32, 12x^2 = 48, 24x = 48
    g = Graph()
    x = const(g, "x", 2.0)
    with Tape(g) as t3:
        t3.watch(x)
        with Tape(g) as t2:
            t2.watch(x)
            with Tape(g) as t1:
                t1.watch(x)
                y = x ** 4.0
            (d1,) = t1.gradient([y], [x])
        (d2,) = t2.gradient([d1], [x])
    (d3,) = t3.gradient([d2], [x])
    assert [value(d) for d in (d1, d2, d3)] == [32.0, 48.0, 48.0]


def test_inner_gradient_outside_the_outer_tape_is_a_constant():
    g = Graph()
    x = const(g, "x", 2.0)
    with Tape(g) as t2:
        t2.watch(x)
        with Tape(g) as t1:
            t1.watch(x)
            y = x * x * x
    (dy,) = t1.gradient([y], [x])  # computed after t2 stopped
    dy.name = "dy"
    (r,) = t2.gradient([dy], [x])
    assert isinstance(r, Unconnected)


def test_nested_sin_second_derivative_matches_differences():
    g = Graph()
    x = const(g, "x", 0.7)
    with Tape(g) as outer:
        outer.watch(x)
        with Tape(g) as inner:
            inner.watch(x)
            y = apply("sin", x) * x
        (dy,) = inner.gradient([y], [x])
    (d2,) = outer.gradient([dy], [x])
    f1 = lambda v: np.cos(v) * v + np.sin(v)  # noqa: E731
    h = 1e-6
    assert value(dy) == pytest.approx(f1(0.7), rel=1e-12)
    assert value(d2) == pytest.approx((f1(0.7 + h) - f1(0.7 - h)) / (2 * h), rel=1e-7)


# ----- jacobian and batch_jacobian -----


def central_jacobian(f, x, h=1e-6):
    x = np.asarray(x, dtype=np.float64)
    y0 = np.asarray(f(x))
    out = np.zeros(y0.shape + x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        out[(Ellipsis,) + idx] = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h)
    return out


def test_tape_jacobian_of_squares():
    g = Graph()
    x = var(g, "x", [1.0, 2.0, 3.0])
    with Tape(g) as t:
        read(g, x)
        y = x * x
    j = t.jacobian(y, x)
    assert j.shape == (3, 3)
    assert value(j).tolist() == [[2, 0, 0], [0, 4, 0], [0, 0, 6]]


def test_tape_jacobian_shapes_and_values_match_differences():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 3))
    w0 = rng.standard_normal((3, 2))
    g = Graph()
    x = var(g, "x", a)
    w = var(g, "w", w0)
    with Tape(g, persistent=True) as t:
        read(g, x, w)
        y = apply("tanh", x @ w)  # [2, 2]
    jx, jw = t.jacobian(y, [x, w])
    assert jx.shape == (2, 2, 2, 3) and jw.shape == (2, 2, 3, 2)
    assert np.allclose(value(jx), central_jacobian(lambda v: np.tanh(v @ w0), a), atol=1e-8)
    assert np.allclose(value(jw), central_jacobian(lambda v: np.tanh(a @ v), w0), atol=1e-8)


def test_tape_jacobian_unconnected():
    g = Graph()
    x = var(g, "x", [1.0, 2.0])
    u = var(g, "u", [1.0, 2.0, 3.0])
    with Tape(g, persistent=True) as t:
        read(g, x, u)
        y = x * 2.0
    assert isinstance(t.jacobian(y, u), Unconnected)
    z = t.jacobian(y, u, unconnected="zero")
    assert z.shape == (2, 3) and value(z).tolist() == [[0.0] * 3] * 2


def test_batch_jacobian_shape_and_values():
    # y[b] = tanh(x[b] @ w), x [4, 3], w [3, 2]: dy[b,i]/dx[b,j] = (1 - y^2)[b,i] w[j,i]
    rng = np.random.default_rng(2)
    a, w0 = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    g = Graph()
    x = var(g, "x", a)
    w = const(g, "w", w0)
    with Tape(g) as t:
        read(g, x)
        y = apply("tanh", x @ w)
    bj = t.batch_jacobian(y, x)
    assert bj.shape == (4, 2, 3)
    full = central_jacobian(lambda v: np.tanh(v @ w0), a)  # [4, 2, 4, 3]
    want = np.stack([full[b, :, b, :] for b in range(4)])
    assert np.allclose(value(bj), want, atol=1e-8)


def test_batch_jacobian_of_a_rank_3_target():
    g = Graph()
    a = np.arange(6.0).reshape(2, 3) / 4
    x = var(g, "x", a)
    y = apply("expand_dims", x * x, axis=2) * g.constant(np.array([1.0, 10.0]))  # [2, 3, 2]
    bj = batch_jacobian(y, x)
    assert bj.shape == (2, 3, 2, 3)
    want = np.zeros((2, 3, 2, 3))
    for b in range(2):
        for i in range(3):
            want[b, i, :, i] = 2 * a[b, i] * np.array([1.0, 10.0])
    assert np.allclose(value(bj), want)


def test_batch_jacobian_errors():
    g = Graph()
    x = var(g, "x", [[1.0, 2.0]])
    s = var(g, "s", 1.0)
    with pytest.raises(GradcliError) as e:
        batch_jacobian(s * 2.0, s)
    assert e.value.diagnostics[0].code == "E0505"
    with pytest.raises(GradcliError) as e:
        batch_jacobian(g.apply("concat", (x, x), {"axis": 0}), x)
    assert e.value.diagnostics[0].code == "E0505"


# ----- unknown static shapes: sizes from the feeds -----


def test_jacobian_and_hessians_with_unknown_shapes():
    g = Graph()
    x = g.placeholder("x", "float64", (None, None))
    y = apply("sin", x) * x
    j = jacobian(y, x)
    (h,) = hessians([apply("reduce_sum", y * x)], [x])
    assert j.shape == (None, None, None, None) and h.shape == (None, None, None, None)
    a = np.array([[0.3, -1.2, 2.0], [0.5, 0.1, -0.7]])
    got = evaluate([j, h], {x: a})
    assert got[j].shape == (2, 3, 2, 3)
    assert np.allclose(got[j], central_jacobian(lambda v: np.sin(v) * v, a), atol=1e-8)
    grad = lambda v: 2 * v * np.sin(v) + v * v * np.cos(v)  # noqa: E731  d/dv sum(v^2 sin v)
    assert np.allclose(got[h], central_jacobian(grad, a), atol=1e-6)
    # the same graph at another size
    b = np.array([[1.0], [2.0]])
    assert evaluate([j], {x: b})[j].shape == (2, 1, 2, 1)


def test_jacobian_with_unknown_rank_and_empty_feed():
    g = Graph()
    x = g.placeholder("x", "float64", None)
    j = jacobian(x * x, x)
    assert j.shape is None
    assert evaluate([j], {x: np.array(2.0)})[j] == 4.0
    assert evaluate([j], {x: np.zeros((0,))})[j].shape == (0, 0)


def test_batch_jacobian_with_unknown_batch_and_unknown_row():
    a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    for shape in ((None, 2), (None, None)):
        g = Graph()
        x = g.placeholder("x", "float64", shape)
        y = x * x * x
        bj = batch_jacobian(y, x)
        got = evaluate([bj], {x: a})[bj]
        want = np.stack([np.diag(3 * r * r) for r in a])
        assert got.shape == (3, 2, 2) and np.allclose(got, want), shape


def test_unknown_shape_jacobian_of_an_unconnected_y_is_zeros():
    g = Graph()
    x = g.placeholder("x", "float64", (None,))
    c = g.placeholder("c", "float64", (None,))
    j = jacobian(c * 2.0, x)
    (h,) = hessians([apply("reduce_sum", c)], [x])
    got = evaluate([j, h], {x: np.ones(2), c: np.ones(3)})
    assert got[j].tolist() == [[0.0, 0.0]] * 3
    assert got[h].tolist() == [[0.0, 0.0]] * 2


def test_unknown_shape_jacobian_cannot_be_differentiated_again():
    g = Graph()
    x = g.placeholder("x", "float64", (None,))
    j = jacobian(x * x, x)
    with pytest.raises(GradcliError) as e:
        gradients([apply("reduce_sum", j)], [x])
    assert e.value.diagnostics[0].code == "E0507"


# ----- custom gradients -----


def test_custom_gradient_replaces_the_rule():
    # y = x*x with the gradient 10*upstream instead of 2x
    g = Graph()
    x = var(g, "x", 3.0)
    body = x * x
    y = g.custom_gradient(body, [x], lambda up: [up[0] * 10.0])
    assert value(y) == 9.0
    assert value(gradients([y * 2.0], [x])[0]) == 20.0


def test_custom_gradient_log1pexp_is_stable_and_differentiable_again():
    # TensorFlow's documented example: log(1 + e^x) with grad upstream * (1 - 1/(1 + e^x))
    g = Graph()
    x = var(g, "x", 100.0)
    e = apply("exp", x)
    y = g.custom_gradient(apply("log", 1.0 + e), [x], lambda up: [up[0] * (1.0 - 1.0 / (1.0 + e))])
    (dy,) = gradients([y], [x])
    assert value(dy) == 1.0  # exp(100)/(1+exp(100)) would be inf/inf without the rule
    g2 = Graph()
    x2 = var(g2, "x", 0.5)
    e2 = apply("exp", x2)
    y2 = g2.custom_gradient(apply("log", 1.0 + e2), [x2], lambda up: [up[0] * (1.0 - 1.0 / (1.0 + e2))])
    (d1,) = gradients([y2], [x2])
    (d2,) = gradients([d1], [x2])
    s = 1 / (1 + np.exp(-0.5))
    assert value(d1) == pytest.approx(s) and value(d2) == pytest.approx(s * (1 - s))


def test_custom_gradient_on_a_tape_and_none_entries():
    g = Graph()
    a = var(g, "a", 2.0)
    b = var(g, "b", 3.0)
    with Tape(g) as t:
        read(g, a, b)
        y = g.custom_gradient(a * b, [a, b], lambda up: [up[0] * b, None])
    da, db = t.gradient([y], [a, b])
    assert value(da) == 3.0
    assert isinstance(db, Unconnected)


def test_custom_gradient_errors():
    g = Graph()
    a = var(g, "a", 2.0)
    b = var(g, "b", [1.0, 2.0])
    y = g.custom_gradient(a * apply("reduce_sum", b), [a, b], lambda up: [up[0]])
    with pytest.raises(GradcliError) as e:
        gradients([y], [a])
    assert e.value.diagnostics[0].code == "E0511" and "1 gradient for 2 inputs" in e.value.diagnostics[0].message
    y = g.custom_gradient(a * apply("reduce_sum", b), [a, b], lambda up: [up[0], up[0]])
    with pytest.raises(GradcliError) as e:
        gradients([y], [b])
    assert e.value.diagnostics[0].code == "E0511" and "shape" in e.value.diagnostics[0].message


# ----- the rest of the tape's surface -----


def test_hessian_by_a_jacobian_of_an_inner_tapes_gradient():
    # TensorFlow's idiom: t2.jacobian(t1.gradient(y, x), x); y = x0^2 x1 at [1, 2]: [[4, 2], [2, 0]]
    g = Graph()
    x = var(g, "x", [1.0, 2.0])
    with Tape(g) as t2:
        read(g, x)
        with Tape(g) as t1:
            read(g, x)
            x0 = apply("gather", x, g.constant(np.array(0, dtype=np.int32)))
            x1 = apply("gather", x, g.constant(np.array(1, dtype=np.int32)))
            y = x0 ** 2.0 * x1
        (dy,) = t1.gradient([y], [x])
    h = t2.jacobian(dy, x)
    assert h.shape == (2, 2)
    assert value(h).tolist() == [[4.0, 2.0], [2.0, 0.0]]


def test_watched_variables_and_reset():
    g = Graph()
    a, b = var(g, "a", 1.0), var(g, "b", 2.0)
    c = const(g, "c", 3.0)
    with Tape(g) as t:
        read(g, b, a, b)
        t.watch(c)
        y = a * b * c
    assert t.watched_variables() == [b, a]
    assert value(t.gradient([y], [c])[0]) == 2.0
    t.reset()
    assert t.watched_variables() == [] and not t.recorded
    with t:
        read(g, a)
        z = a * 5.0
    assert value(t.gradient([z], [a])[0]) == 5.0  # usable again after reset


def test_paused_tapes_record_nothing():
    from gradcli.engine.tape import paused

    g = Graph()
    x = var(g, "x", 2.0)
    with Tape(g) as outer, Tape(g) as inner:
        read(g, x)
        with paused(g):
            body = x * x
        y = g.custom_gradient(body, [x], lambda up: [up[0] * 3.0])
        yy = y * y
    assert body not in outer.recorded and body not in inner.recorded
    assert value(inner.gradient([y], [x])[0]) == 3.0
    assert value(outer.gradient([yy], [x])[0]) == 2 * 4.0 * 3.0  # 2y * (custom dy/dx = 3)


def test_a_tape_does_not_walk_the_graph_outside_it():
    # a long chain built before the tape: the walk stops at the tape's records
    g = Graph()
    x = var(g, "x", 0.5)
    v = x
    for _ in range(20000):
        v = v * 1.0
    with Tape(g) as t:
        t.watch(v)
        y = v * v
    assert value(t.gradient([y], [v])[0]) == 1.0
    assert len(t.recorded) == 1


# ----- large jacobians: one gradient graph run per row, replayed when differentiated again -----


def test_a_large_jacobian_is_one_gradient_graph():
    from gradcli.engine.jacobians import UNROLL_AT_MOST

    n = UNROLL_AT_MOST + 8
    rng = np.random.default_rng(3)
    a, m = rng.standard_normal(n), rng.standard_normal((n, n))
    g = Graph()
    x = var(g, "x", a)
    w = const(g, "w", m)
    y = apply("tanh", apply("matmul", w, apply("reshape", x, shape=(n, 1))))  # [n, 1]
    j = jacobian(y, x)
    assert j.op.name == "jacobian_rows" and j.shape == (n, 1, n)
    f = lambda v: np.tanh(m @ v.reshape(n, 1))  # noqa: E731
    assert np.allclose(value(j), central_jacobian(f, a), atol=1e-7)


def test_a_large_jacobian_differentiated_again():
    # d/dx sum(J * c) for y = x^3 (J = diag(3x^2)): 6 x c_ii
    from gradcli.engine.jacobians import UNROLL_AT_MOST

    n = UNROLL_AT_MOST + 3
    a = np.linspace(-1.0, 1.0, n)
    c = np.arange(n * n, dtype=np.float64).reshape(n, n) / n
    g = Graph()
    x = var(g, "x", a)
    j = jacobian(x * x * x, x)
    assert j.op.name == "jacobian_rows"
    (dj,) = gradients([apply("reduce_sum", j * g.constant(c))], [x])
    assert np.allclose(value(dj), 6 * a * np.diag(c))
    # through a tape: the hessian of sum(sin x) as a tape jacobian of a tape gradient
    with Tape(g) as outer:
        read(g, x)
        with Tape(g) as inner:
            read(g, x)
            s = apply("reduce_sum", apply("sin", x))
        (ds,) = inner.gradient([s], [x])
    h = outer.jacobian(ds, x)
    assert h.op.name == "jacobian_rows"
    assert np.allclose(value(h), np.diag(-np.sin(a)))


def test_a_large_batch_jacobian():
    from gradcli.engine.jacobians import UNROLL_AT_MOST

    t = UNROLL_AT_MOST + 1
    a = np.linspace(0.1, 2.0, 2 * t).reshape(2, t)
    g = Graph()
    x = var(g, "x", a)
    bj = batch_jacobian(apply("exp", x), x)
    assert bj.op.name == "jacobian_rows" and bj.shape == (2, t, t)
    assert np.allclose(value(bj), np.stack([np.diag(np.exp(r)) for r in a]))
    (d,) = gradients([apply("reduce_sum", bj)], [x])
    assert np.allclose(value(d), np.exp(a))


# ----- property: a tape's gradient is forward-mode differentiation through its records only -----

from hypothesis import given, settings, strategies as st  # noqa: E402

PHASES = ("before", "inside", "paused", "after")
UNARY = {"sin": (np.sin, np.cos), "tanh": (np.tanh, lambda v: 1 - np.tanh(v) ** 2), "square": (np.square, lambda v: 2 * v)}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PHASES), st.sampled_from(["sin", "tanh", "square", "add", "mul"]), st.integers(0, 99), st.integers(0, 99)), min_size=1, max_size=12))
def test_tape_gradient_is_forward_mode_through_recorded_ops(steps):
    g = Graph()
    x0 = 0.3
    x = var(g, "x", x0)
    tape = Tape(g, persistent=True)
    nodes = [x]
    dual = [(x0, 1.0)]  # value and derivative as the tape sees it
    tracked = [True]  # x is watched
    watched = False
    for phase in PHASES:
        if phase == "inside":
            tape.start()
            read(g, x)
            watched = True
        if phase == "after":
            tape.stop()
        for step_phase, op, i, j in steps:
            if step_phase != phase:
                continue
            a, b = i % len(nodes), j % len(nodes)
            (va, da), (vb, db) = dual[a], dual[b]
            if phase == "paused":
                with tape.stop_recording():
                    node = _step(op, nodes[a], nodes[b])
            else:
                node = _step(op, nodes[a], nodes[b])
            inputs = [a] if op in UNARY else [a, b]
            recorded = phase == "inside" and watched and any(tracked[k] for k in inputs)
            if op in UNARY:
                f, df = UNARY[op]
                v, d = f(va), df(va) * (da if tracked[a] else 0.0)
            elif op == "add":
                v, d = va + vb, (da if tracked[a] else 0.0) + (db if tracked[b] else 0.0)
            else:
                v, d = va * vb, (da if tracked[a] else 0.0) * vb + va * (db if tracked[b] else 0.0)
            nodes.append(node)
            dual.append((v, d if recorded else 0.0))
            tracked.append(recorded)
    target = nodes[-1]
    (grad,) = tape.gradient([target], [x])
    want = dual[-1][1] if tracked[-1] else 0.0
    if isinstance(grad, Unconnected):
        assert want == 0.0 and isinstance(grad.reason, str) and grad.reason
    else:
        assert value(grad) == pytest.approx(want, rel=1e-9, abs=1e-12)


def _step(op, a, b):
    if op in UNARY:
        return apply(op, a)
    return apply("add", a, b) if op == "add" else apply("multiply", a, b)


def test_recorded_may_be_any_container():
    # an object deciding by node id (the interpreter's tape keeps id intervals)
    g = Graph()
    x = var(g, "x", 2.0)
    a = x * 3.0
    start = a.id
    y = a * x

    class Interval:
        def __contains__(self, node):
            return node.id > start

    (gx,) = gradients([y], [x], recorded=Interval())
    assert value(gx) == 6.0  # a is a constant: d(a*x)/dx = a


def test_a_custom_gradient_error_without_a_span_points_at_the_gradient_call():
    g = Graph()
    a = var(g, "a", 2.0)
    b = var(g, "b", 3.0)
    y = g.custom_gradient(a * b, [a, b], lambda up: [up[0]])  # no span given
    call = Span(40, 60, 4, 5, 4, 25)
    with pytest.raises(GradcliError) as e:
        gradients([y], [a], span=call)
    d = e.value.diagnostics[0]
    assert (d.code, d.span, d.label) == ("E0511", call, "while computing this gradient")
