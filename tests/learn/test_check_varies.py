"""check varies every float input, fed or not: the wrong derivations of issue 12 fail with a
counterexample, right derivations of textbook models pass with their data fed and held."""
from __future__ import annotations

import numpy as np
import pytest

import gradcli
from gradcli.errors import GradcliError
from conftest import DATA

LEARN = DATA / "learn"
X4 = [[1, 2], [0.5, -1], [2, 0], [-1, 1]]
Y4 = [[1], [0], [1], [0]]
X3 = [[1, 2, 0.5], [0.5, -1, 1], [2, 0, -1]]
ONE_HOT = [[1, 0], [0, 1], [1, 0]]


def _failing(report):
    (claim,) = report.failed
    return claim


# ----- the wrong derivations of the issue: each fails with a counterexample -----

def test_a_fed_placeholder_is_varied():
    model = gradcli.loads("placeholder t = 1.0\nf = t**3\nd, = gradients(f, t)\nexpect d == 3*t\n")
    report = model.check(feeds={"t": 1.0})
    claim = _failing(report)
    assert claim.holds_at_fed_point_only
    w = claim.worst
    t = float(report.points[w.point].feeds["t"])
    assert t != 1.0 and float(w.lhs) == pytest.approx(3 * t**2) and float(w.rhs) == pytest.approx(3 * t)
    assert [u.name for u in report.varied] == ["t"] and not report.held


def test_a_fed_coefficient_is_varied():
    model = gradcli.loads("placeholder a\nvar x = 1.0\nf = a * x**2\nd, = gradients(f, x)\nexpect d == 2*x\n")
    report = model.check(feeds={"a": 1.0})
    claim = _failing(report)
    bad = [r for r in claim.results if not r.ok]
    point = report.points[bad[0].point]
    assert float(point.feeds["a"]) != 1.0
    assert float(bad[0].lhs) == pytest.approx(2 * float(point.feeds["a"]) * float(point.feeds["x"]))
    assert {u.name for u in report.varied} == {"a", "x"}


def test_a_claim_true_only_for_positive_inputs_fails_even_when_fed_positive():
    model = gradcli.loads("var x = 1.5\ny = sqrt(x * x)\nd, = gradients(y, x)\nexpect d == 1.0\n")
    report = model.check(feeds={"x": 1.5})
    claim = _failing(report)
    w = claim.worst
    assert float(report.points[w.point].feeds["x"]) < 0 and float(w.lhs) == -1.0


def test_a_claim_of_the_wrong_shape_fails_naming_both_shapes():
    model = gradcli.loads("var x = [1.0, 2.0, 3.0]\ny = reduce_sum(x * x)\ng, = gradients(y, x)\nexpect g == reshape(2 * x, [3, 1])\n")
    report = model.check(points=2)
    claim = _failing(report)
    assert all(not r.ok for r in claim.results)
    assert claim.results[0].reason == "g has shape [3], reshape(2 * x, [3, 1]) [3, 1]"
    # eval says the same, instead of broadcasting [3] against [3, 1] silently
    (result,) = model.run().claims
    assert result.ok is False and "[3, 1]" in result.reason


def test_a_scalar_constant_side_stands_for_every_element():
    model = gradcli.loads("var x = [1.0, 2.0]\ny = reduce_sum(3 * x)\ng, = gradients(y, x)\nexpect g == 3.0\n")
    assert model.check(points=2).ok


# ----- right derivations: pass with data fed, and with data fed and held -----

MODELS = {
    "linreg": {"X": X4, "y": Y4},
    "logreg": {"X": X4, "y": Y4},
    "softmax": {"X": X3, "Y": ONE_HOT},
    "mlp": {"X": X3, "Y": ONE_HOT},
}


@pytest.mark.parametrize("name", list(MODELS))
def test_right_derivations_pass_with_data_held(name):
    model = gradcli.load(LEARN / f"{name}.grad")
    feeds = MODELS[name]
    report = model.check(feeds=feeds, hold=list(feeds), points=4)
    assert report.ok, [(c.claim.text, c.worst.err) for c in report.failed]
    assert {u.name for u in report.held} == set(feeds)
    assert {u.name for u in report.varied} == set(model.resolved.inputs) - set(feeds)
    assert all(len(c.checked) == 5 for c in report.claims)
    assert all(f.ok for f in report.finite_differences)
    # the held data really is the fed data at every point
    for p in report.points[1:]:
        assert set(p.feeds) == {u.name for u in report.varied}


@pytest.mark.parametrize("name", ["linreg", "logreg", "mlp"])
def test_right_derivations_pass_with_data_fed_and_varied(name):
    report = gradcli.load(LEARN / f"{name}.grad").check(feeds=MODELS[name], points=4)
    assert report.ok
    X = np.asarray(MODELS[name]["X"], float)
    for p in report.points[1:]:
        assert p.feeds["X"].shape == X.shape and not np.array_equal(p.feeds["X"], X)


def test_the_softmax_claim_needs_its_one_hot_labels_held():
    """p - Y is the gradient only when each row of Y sums to 1: varied labels break it."""
    report = gradcli.load(LEARN / "softmax.grad").check(feeds=MODELS["softmax"], points=3)
    assert [c.claim.text.split(" ==")[0] for c in report.failed] == ["dW", "db"]


# ----- held inputs, one point, domains -----

def test_nothing_varies_is_one_point_with_a_warning():
    model = gradcli.loads("placeholder t = 1.0\nf = t**3\nd, = gradients(f, t)\nexpect d == 3*t\n")
    report = model.check(feeds={"t": 1.0}, hold=["t"])
    assert report.ok and report.one_point and len(report.points) == 1
    assert [w.code for w in report.warnings] == ["W0610"]


def test_integer_inputs_fed_are_held_and_unfed_ones_drawn():
    model = gradcli.loads("placeholder n: int32\nvar x = 1.0\ny = x ** cast(n, float)\ng, = gradients(y, x)\nexpect g == cast(n, float) * x ** (cast(n, float) - 1)\n")
    fed = model.check(feeds={"n": 3}, points=3)
    assert fed.ok and [u.name for u in fed.held] == ["n"] and all(int(p.shown.get("n", 3)) == 3 for p in fed.points)
    drawn = model.check(points=3, sample={"n": (1, 4)})
    assert drawn.ok and {int(p.feeds["n"]) for p in drawn.points[1:]} <= {1, 2, 3, 4}


def test_non_finite_points_are_redrawn_and_counted():
    model = gradcli.loads("var x = 2.0\ny = log(x)\ng, = gradients(y, x)\nexpect g == 1 / x\n")
    report = model.check(points=5)
    assert report.ok and report.redrawn > 0
    assert all(float(p.feeds["x"]) > 0 for p in report.points[1:])
    assert sum(p.redrawn for p in report.points) == report.redrawn


def test_both_sides_nan_is_not_checked_never_a_pass():
    model = gradcli.loads("var x = 1.0\ny = sqrt(x - 5)\nexpect y == 3 * sqrt(x - 5)\n")
    report = model.check(points=3)
    (claim,) = report.claims
    assert claim.status == "not checked" and not claim.checked and not report.ok
    assert "W0611" in [w.code for w in report.warnings]
    # NaN == NaN is not evidence in eval either
    (result,) = model.run().claims
    assert result.ok is None and result.reason == "both sides are NaN"


def test_one_side_not_finite_fails_and_both_not_finite_checks_nothing():
    from gradcli.learn.claims import compare

    assert compare([1.0, np.nan], [1.0, 2.0]).status == "fails"
    assert compare([1.0, np.nan], [1.0, np.nan]).status == "holds"  # the NaN element says nothing
    assert compare([np.nan, np.inf], [np.nan, np.inf]).status == "not checked"
    assert compare(np.inf, 1.0).status == "fails"


def test_points_where_the_model_is_not_finite_are_redrawn_not_failed():
    model = gradcli.loads("var x = 1.0\nexpect sqrt(x) == sqrt(abs(x))\n")
    report = model.check(points=6)
    assert report.ok and report.redrawn > 0


def test_hold_needs_a_value_and_excludes_sample():
    model = gradcli.loads("placeholder x\ny = x * x\nexpect y == x ** 2\n")
    with pytest.raises(GradcliError) as e:
        model.check(hold=["x"])
    assert e.value.diagnostics[0].code == "E0031"
    with pytest.raises(GradcliError) as e:
        model.check(feeds={"x": 1.0}, hold=["x"], sample={"x": (0, 1)})
    assert e.value.diagnostics[0].code == "E0031"


# ----- hessians and jacobians against finite differences -----

def test_hessians_and_jacobians_are_cross_checked():
    model = gradcli.loads(
        "var x = [0.5, -1.0, 2.0]\ny = reduce_sum(sin(x) * x[0])\nH = hessians(y, x)\nJ = jacobian(sin(x) * x, x)\n")
    report = model.check(points=2)
    kinds = {f.kind: f for f in report.finite_differences}
    assert set(kinds) == {"hessian", "jacobian"}
    assert kinds["hessian"].ok and kinds["hessian"].elements == 9 * 3
    assert kinds["jacobian"].ok and kinds["jacobian"].elements == 9 * 3
    assert kinds["hessian"].label == "∂²y/∂x²"


def test_a_wrong_second_derivative_rule_is_caught_by_the_hessian_check(monkeypatch):
    import gradcli.engine.graph
    from gradcli.engine.registry import OPS

    cos = OPS["cos"]
    # d cos(x)/dx = +sin(x): a wrong sign, seen only at second order through sin's rule
    monkeypatch.setattr(cos, "grad", lambda g, n: (g * gradcli.engine.graph.apply("sin", n.inputs[0]),))
    report = gradcli.loads("var x = [0.5, 1.0]\ny = reduce_sum(sin(x))\nH = hessians(y, x)\n").check(points=2)
    (fd,) = report.finite_differences
    assert fd.kind == "hessian" and fd.ok is False
