"""`gradcli check` on the command line: one-line checks, --hold, the report's inputs, exit
codes, and bad options as E00xx usage diagnostics (exit 2), never internal errors."""
from __future__ import annotations

import pytest

from conftest import DATA, invoke, strict_json

HW = "placeholder t = 1.0\nf = t**3\nd, = gradients(f, t)\nexpect d == 3*t\n"


@pytest.fixture
def hw(tmp_path):
    path = tmp_path / "hw.grad"
    path.write_text(HW)
    return str(path)


def test_the_issue_homework_fails_with_the_fed_point_fed(hw):
    result = invoke("check", hw, "--feed", "t=1")
    assert result.exit_code == 1
    assert "varied: t from -2:2" in result.stdout
    assert "FAILS at 5 of 6 points: it holds at the fed point, but not elsewhere" in result.stdout
    assert "counterexample: at t = " in result.stdout


def test_held_everything_is_one_point_with_a_warning_text_and_json(hw):
    result = invoke("check", hw, "--feed", "t=1", "--hold", "t")
    assert result.exit_code == 0
    assert "at the fed point only" in result.stdout and "held: t (--hold)" in result.stdout
    assert "holds at the one point checked" in result.stdout and "of 1 points" not in result.stdout
    assert "W0610" in result.stderr
    doc = strict_json(invoke("check", hw, "--feed", "t=1", "--hold", "t", "--json").stdout)
    assert doc["one_point"] is True and len(doc["points"]) == 1
    assert doc["inputs"] == {"varied": [], "held": [{"name": "t", "reason": "--hold", "dtype": "float64"}]}
    assert [d["code"] for d in doc["diagnostics"]] == ["W0610"]


def test_json_names_the_inputs_varied_with_their_ranges(hw):
    doc = strict_json(invoke("check", hw, "--feed", "t=1", "--sample", "t=0.5:3", "--json").stdout)
    assert doc["ok"] is False and doc["one_point"] is False
    assert doc["inputs"]["varied"] == [{"name": "t", "range": [0.5, 3.0], "dtype": "float64"}]
    assert all(0.5 <= p["feeds"]["t"] <= 3 for p in doc["points"][1:])
    (e,) = doc["expects"]
    assert e["status"] == "fails" and e["holds_only_at_fed_point"] and e["checked_points"] == 6


def test_no_claims_says_so_once(tmp_path):
    path = tmp_path / "m.grad"
    path.write_text("var x = 1.0\ng, = gradients(x * x, x)\n")
    out = invoke("check", str(path)).stdout
    assert out.count("no expect") == 1


def test_a_claim_never_checked_exits_1_and_says_so(tmp_path):
    path = tmp_path / "m.grad"
    path.write_text("var x = 1.0\ny = sqrt(x - 5)\nexpect y == 3 * sqrt(x - 5)\n")
    result = invoke("check", str(path))
    assert result.exit_code == 1
    assert "not checked at any point: both sides are NaN" in result.stdout
    assert "redrawn where the model was not finite" in result.stdout
    doc = strict_json(invoke("check", str(path), "--json").stdout)
    assert doc["ok"] is False and doc["expects"][0]["ok"] is None and doc["expects"][0]["status"] == "not checked"


def test_textbook_models_pass_with_data_held_from_the_command_line():
    X, Y = "[[1,2,0.5],[0.5,-1,1],[2,0,-1]]", "[[1,0],[0,1],[1,0]]"
    result = invoke("check", str(DATA / "learn" / "mlp.grad"), "--feed", f"X={X}", "--feed", f"Y={Y}", "--hold", "X", "--hold", "Y")
    assert result.exit_code == 0, result.stdout
    assert "all 4 expects hold" in result.stdout and "held: X (--hold), Y (--hold)" in result.stdout


# ----- one-line checks -----

def test_one_line_check_passes():
    result = invoke("check", "-e", "x**3 * sin(x)", "--wrt", "x", "--claim", "3*x**2*sin(x) + x**3*cos(x)")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "∂expr/∂x == 3*x**2*sin(x) + x**3*cos(x)" in result.stdout
    assert "the expect holds" in result.stdout


def test_one_line_check_fails_with_a_counterexample():
    result = invoke("check", "-e", "x**3 * sin(x)", "--claim", "3*x**2*cos(x)")
    assert result.exit_code == 1
    assert "counterexample" in result.stdout


def test_one_line_check_with_several_variables_and_json():
    args = ["check", "-e", "x * y**2", "--claim", "x=y**2", "--claim", "y=2*x*y", "--json"]
    result = invoke(*args)
    assert result.exit_code == 0
    doc = strict_json(result.stdout)
    assert [e["source"] for e in doc["expects"]] == ["∂expr/∂x == y**2", "∂expr/∂y == 2*x*y"]
    assert {v["name"] for v in doc["inputs"]["varied"]} == {"x", "y"}
    wrong = invoke("check", "-e", "x * y**2", "--claim", "x=y**2", "--claim", "y=2*y")
    assert wrong.exit_code == 1


@pytest.mark.parametrize("args,code", [
    (["-e", "x * y", "--claim", "y"], "E0032"),  # which derivative?
    (["-e", "x * y", "--claim", "z=1"], "E0032"),  # no such free name
    (["-e", "x * y", "--wrt", "z", "--claim", "1"], "E0032"),
    (["-e", "x * y"], "E0032"),  # no claim
    (["-e", "1.0", "--claim", "0"], "E0032"),  # nothing to differentiate
    (["-e", "x", "--claim", "1 +"], "E0101"),  # the claim's own syntax error
])
def test_one_line_check_usage_errors(args, code):
    result = invoke("check", *args, "--json")
    assert result.exit_code in (2, 65)
    assert strict_json(result.stdout)["diagnostics"][0]["code"].startswith(code[:3])
    if code != "E0101":
        assert strict_json(result.stdout)["diagnostics"][0]["code"] == code


def test_claim_without_e_is_a_usage_error(hw):
    result = invoke("check", hw, "--claim", "1")
    assert result.exit_code == 2 and "E0032" in result.stderr


# ----- bad options: usage diagnostics, never internal errors -----

@pytest.mark.parametrize("option", [
    ["--sample", "t=0:inf"], ["--sample", "t=3:1"], ["--sample", "t=nan:1"], ["--sample", "t=-inf:inf"], ["--sample", "t=1:1"],
])
def test_bad_sample_ranges(hw, option):
    result = invoke("check", hw, *option, "--json")
    assert result.exit_code == 2
    assert strict_json(result.stdout)["diagnostics"][0]["code"] == "E0011"


def test_sample_of_an_integer_input_with_no_integer_in_range(tmp_path):
    path = tmp_path / "m.grad"
    path.write_text("placeholder n: int32\nvar x = 1.0\ny = x * cast(n, float)\nexpect y == y\n")
    result = invoke("check", str(path), "--sample", "n=0.2:0.8", "--json")
    assert result.exit_code == 2
    d = strict_json(result.stdout)["diagnostics"][0]
    assert d["code"] == "E0011" and "no integer" in d["message"]


@pytest.mark.parametrize("option", [["--rtol", "nan"], ["--atol", "inf"], ["--rtol", "-1"]])
def test_bad_tolerances(hw, option):
    result = invoke("check", hw, *option)
    assert result.exit_code == 2 and "E0030" in result.stderr and "Traceback" not in result.stderr
    doc = strict_json(invoke("check", hw, *option, "--json").stdout)
    assert doc["diagnostics"][0]["code"] == "E0030"


@pytest.mark.parametrize("command", ["check", "explain", "graph"])
def test_a_batch_row_that_is_not_an_object(tmp_path, command, hw):
    rows = tmp_path / "rows.jsonl"
    rows.write_text("[1, 2]\n")
    result = invoke(command, hw, "--feeds", str(rows), "--json")
    assert result.exit_code == 2
    assert strict_json(result.stdout)["diagnostics"][0]["code"] == "E0406"
