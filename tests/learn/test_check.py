"""gradcli check: claims at sampled points, counterexamples, finite differences."""
from __future__ import annotations

import json


import gradcli
import gradcli.engine.graph
from gradcli.engine.registry import OPS

from conftest import ROOT, golden, invoke_at_root as invoke  # noqa: E402


def test_homework_passes_and_every_gradient_agrees():
    result = invoke("check", "samples/homework.grad")
    assert result.exit_code == 0, result.output
    assert "W0602" not in result.stderr
    golden("learn/check_pass.txt", result.stdout)


def test_claim_true_only_at_the_fed_point_fails_with_a_counterexample():
    result = invoke("check", "samples/homework_wrong.grad")
    assert result.exit_code == 1
    assert "holds at the fed point, but not elsewhere" in result.stdout
    assert "counterexample" in result.stdout
    golden("learn/check_fail_elsewhere.txt", result.stdout)


def test_claim_false_at_the_fed_point_fails():
    model = gradcli.loads("var x = 2.0\ng, = gradients(x**2, x)\nexpect g == 5.0\n")
    report = model.check()
    assert not report.ok
    (claim,) = report.claims
    assert not claim.holds_at_fed_point_only
    assert all(not r.ok for r in claim.results)


def test_json_document():
    result = invoke("check", "samples/homework_wrong.grad", "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["command"] == "check" and doc["ok"] is False
    assert len(doc["points"]) == 6 and doc["points"][0]["kind"] == "fed"
    assert set(doc["points"][1]["feeds"]) == {"x"}
    wrong = [e for e in doc["expects"] if not e["ok"]]
    assert len(wrong) == 1 and wrong[0]["line"] == 12 and wrong[0]["holds_only_at_fed_point"]
    assert {"point", "lhs", "rhs", "err", "ok"} <= set(wrong[0]["values"][0])
    fd = doc["finite_differences"]
    assert [f["name"] for f in fd] == ["dy", "dc"] and all(f["ok"] for f in fd)
    assert {"name", "label", "of", "wrt", "max_abs_err", "max_rel_err", "ok"} <= set(fd[0])


def test_sampling_is_reproducible_and_respects_ranges():
    model = gradcli.load(ROOT / "samples/homework_wrong.grad")
    a = model.check(points=4, sample={"x": (0.5, 1.0)}, seed=3)
    b = model.check(points=4, sample={"x": (0.5, 1.0)}, seed=3)
    xs = [float(p.feeds["x"]) for p in a.points[1:]]
    assert xs == [float(p.feeds["x"]) for p in b.points[1:]]
    assert all(0.5 <= x <= 1.0 for x in xs)


def test_unknown_dimensions_are_drawn_with_size_three():
    model = gradcli.loads("placeholder v: float[None, 2]\ns = reduce_sum(v * v)\ng, = gradients(s, v)\nexpect g == 2 * v\n")
    report = model.check(points=2)
    assert report.ok
    assert report.points[1].feeds["v"].shape == (3, 2)
    assert report.claims[0].skipped[0][0] == 0  # v is not fed: the fed point is skipped


def test_non_finite_points_are_redrawn():
    model = gradcli.loads("var x = 2.0\ny = log(x)\ng, = gradients(y, x)\nexpect g == 1 / x\n")
    report = model.check(points=5)
    assert report.ok
    assert all(float(p.feeds["x"]) > 0 for p in report.points[1:])


def test_finite_differences_hold_stop_gradient_grad_ys_and_intermediate_x():
    report = gradcli.load(ROOT / "samples/fd_cases.grad").check()
    names = {f.name: f for f in report.finite_differences}
    assert set(names) == {"ga", "gv", "total[0]", "total[1]", "partial[0]", "partial[1]"}
    for f in names.values():
        assert f.ok, (f.name, f.max_abs_err)
    assert not [w for w in report.warnings if w.code == "W0602"]


def test_cli_no_fd_and_stop_gradients_sample():
    result = invoke("check", "samples/stop_gradients.grad")
    assert result.exit_code == 0 and "W0602" not in result.stderr
    result = invoke("check", "samples/homework.grad", "--no-fd")
    assert result.exit_code == 0 and "finite differences" not in result.stdout


def test_a_wrong_gradient_rule_is_caught(monkeypatch):
    sin = OPS["sin"]
    # a deliberately wrong rule: d sin(x)/dx = sin(x)
    monkeypatch.setattr(sin, "grad", lambda g, n: (g * gradcli.engine.graph.apply("sin", n.inputs[0]),))
    report = gradcli.loads("var x = 1.0\ny = sin(x)\ng, = gradients(y, x)\n").check()
    (fd,) = report.finite_differences
    assert fd.ok is False
    warnings = [w for w in report.warnings if w.code == "W0602"]
    assert warnings and "g" in warnings[0].message and "point" in warnings[0].message


def test_kink_is_a_warning_not_a_failure():
    model = gradcli.loads("var x = 0.0\ny = abs(x) + relu(x)\ng, = gradients(y, x)\nexpect g == sign(x) + where(x > 0, 1.0, 0.0)\n")
    report = model.check(points=3)
    assert report.ok
    assert report.finite_differences[0].ok is False  # at x = 0: a kink


def test_random_ys_are_skipped():
    report = gradcli.loads("var x = 1.0\ny = x * random_normal([])\ng, = gradients(y, x)\n").check(points=2)
    assert report.finite_differences[0].skipped == "the ys depend on random ops"


def test_bad_sample_option_is_a_usage_error():
    result = invoke("check", "samples/homework.grad", "--sample", "x=3:1")
    assert result.exit_code == 2
    assert "E0011" in result.stderr


def test_unknown_sample_name():
    result = invoke("check", "samples/homework.grad", "--sample", "xx=0:1", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["diagnostics"][0]["code"] == "E0404"
