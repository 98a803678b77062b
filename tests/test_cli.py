"""The command line against CLI.md: exact text output, the JSON documents, feeds of
every kind, every exit code, and the group options.

CliRunner for speed (stdout and stderr asserted separately); a few subprocess
tests run the installed `gradcli` and `python -m gradcli` as a user would.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gradcli.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
LINEAR = str(SAMPLES / "linear.grad")
LINEAR_FEEDS = ["--feed", "X=[[2],[3]]", "--feed", "Y=[[3],[2]]"]


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    """No colour variables from the caller's shell, a fixed width, and the repo as cwd."""
    for name in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(ROOT)


def invoke(*args, input=None, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input, env=env)
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr, result.stderr
    return result


def _no_constants(name):
    raise ValueError(f"bare {name} in JSON output")


def strict_json(text: str):
    """Exactly one JSON document, with NaN/Infinity refused."""
    lines = [line for line in text.split("\n") if line.strip()]
    assert len(lines) == 1, f"expected one JSON line, got {len(lines)}: {text[:500]!r}"
    return json.loads(lines[0], parse_constant=_no_constants)


def json_lines(text: str):
    return [json.loads(line, parse_constant=_no_constants) for line in text.split("\n") if line.strip()]


def run_json(*args, input=None, code=0):
    result = invoke(*args, "--json", input=input)
    assert result.exit_code == code, (result.stdout, result.stderr)
    return strict_json(result.stdout)


def expr_value(value, *extra, model="x"):
    """The JSON value of `-e x` fed with x=VALUE."""
    doc = run_json("eval", "-e", model, "--feed", f"x={value}", *extra)
    return doc["values"]["expr"], doc


# ---------------------------------------------------------------- golden text

LINEAR_TEXT = """\
pred  float64[2,1]  [[3.8763]
                     [5.54121]]
cost  float64       6.65403
dW    float64       12.3762    ∂cost/∂W
db    float64       4.41751    ∂cost/∂b
expect dW == reduce_sum((W * X + b - Y) * X)   holds (max abs error 0)
expect db == reduce_sum(W * X + b - Y)         holds (max abs error 0)
"""

GOLDEN = {
    "quadratic": """\
y        float64  5
grad[0]  float64  5  ∂y/∂x
""",
    "stop_gradients": """\
a           float64  0
b           float64  0
total[0]    float64  3  ∂(a + b)/∂a
total[1]    float64  1  ∂(a + b)/∂b
partial[0]  float64  1  ∂(a + b)/∂a
partial[1]  float64  1  ∂(a + b)/∂b
""",
    "unconnected": """\
a        float64[1,2]  [[1 1]]
b        float64[3,1]  [[1]
                        [1]
                        [1]]
none[0]  None          None     ∂b/∂a: b does not depend on a
zero[0]  float64[1,2]  [[0 0]]  ∂b/∂a
""",
    "seed_question": """\
X     float64[3,3]  [[0.12573 -0.132105 0.640423]
                     [0.1049 -0.535669 0.361595]
                     [1.304 0.947081 -0.703735]]
y     float64[2,2]  [[0.102968 -0.980527]
                     [-0.817478 -1.02788]]
g[0]  None          None                           ∂X/∂y: X does not depend on y
""",
}


def test_linear_prints_the_normative_example_of_cli_md():
    result = invoke("eval", "samples/linear.grad", *LINEAR_FEEDS)
    assert result.exit_code == 0
    assert result.stdout == LINEAR_TEXT
    assert result.stderr == ""


def test_the_normative_example_is_the_one_in_cli_md():
    """The golden text above is copied from CLI.md's "Text output"; keep them equal."""
    spec = Path("/work/shared/spec/CLI.md")
    if not spec.exists():
        pytest.skip("the spec is not next to this checkout")
    text = spec.read_text(encoding="utf-8")
    block = text.split("$ gradcli eval samples/linear.grad --feed 'X=[[2],[3]]' --feed 'Y=[[3],[2]]'\n", 1)[1].split("```", 1)[0]
    assert block == LINEAR_TEXT


@pytest.mark.parametrize("sample", sorted(GOLDEN))
def test_sample_text_output(sample):
    result = invoke("eval", f"samples/{sample}.grad")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == GOLDEN[sample]
    assert result.stderr == ""


def test_seed_question_says_why_the_gradient_is_none():
    result = invoke("eval", "samples/seed_question.grad", "--fetch", "g")
    assert "X does not depend on y" in result.stdout
    assert "None" in result.stdout


def test_text_output_has_no_colour_when_piped():
    result = invoke("eval", "samples/unconnected.grad")
    assert "\x1b[" not in result.stdout


# ---------------------------------------------------------------- JSON: eval

EVAL_KEYS = {"format_version", "version", "command", "ok", "model", "dtype", "seed", "values", "shapes", "dtypes", "kinds", "derivatives", "expects", "diagnostics"}
DIAGNOSTIC_KEYS = {"severity", "code", "message", "file", "line", "column", "end_line", "end_column", "spans", "notes", "help", "rendered"}
SPAN_KEYS = {"line", "column", "end_line", "end_column", "label", "primary"}


def test_eval_json_document_has_every_key_of_cli_md():
    doc = run_json("eval", "samples/linear.grad", *LINEAR_FEEDS)
    assert EVAL_KEYS <= set(doc)
    assert doc["format_version"] == 1
    assert doc["version"] == "0.1.0"
    assert doc["command"] == "eval"
    assert doc["ok"] is True
    assert doc["model"] == "samples/linear.grad"
    assert doc["dtype"] == "float64"
    assert doc["seed"] == 0
    assert list(doc["values"]) == ["pred", "cost", "dW", "db"]
    assert np.allclose(doc["values"]["pred"], [[3.87629984], [5.54120964]], rtol=1e-12)
    assert doc["values"]["cost"] == pytest.approx(6.654033562006477, rel=1e-15)
    assert doc["values"]["dW"] == pytest.approx(12.3762286, rel=1e-12)
    assert doc["values"]["db"] == pytest.approx(4.41750948, rel=1e-12)
    assert doc["shapes"] == {"pred": [2, 1], "cost": [], "dW": [], "db": []}
    assert doc["dtypes"] == {name: "float64" for name in ("pred", "cost", "dW", "db")}
    assert doc["kinds"] == {name: "tensor" for name in ("pred", "cost", "dW", "db")}
    assert doc["derivatives"] == {"dW": {"of": ["cost"], "wrt": "W"}, "db": {"of": ["cost"], "wrt": "b"}}
    assert doc["diagnostics"] == []
    first = doc["expects"][0]
    assert {"line", "source", "ok", "max_abs_err"} <= set(first)
    assert first["source"] == "dW == reduce_sum((W * X + b - Y) * X)"
    assert first["ok"] is True and first["max_abs_err"] == 0.0
    assert first["line"] == 11  # the sample has two comment lines above CLI.md's
    assert [e["ok"] for e in doc["expects"]] == [True, True]


def test_json_carries_full_precision():
    doc = run_json("eval", "samples/linear.grad", *LINEAR_FEEDS, "--precision", "2")
    assert doc["values"]["cost"] == pytest.approx(6.654033562006477, rel=1e-15)


def test_json_for_lists_has_kinds_and_one_entry_per_element():
    doc = run_json("eval", "samples/quadratic.grad")
    assert doc["kinds"] == {"y": "tensor", "grad": "list"}
    assert doc["values"]["grad"] == [5.0]
    assert doc["shapes"]["grad"] == [[]]
    assert doc["dtypes"]["grad"] == ["float64"]
    assert doc["derivatives"]["grad"] == [{"of": ["y"], "wrt": "x"}]


def test_json_list_of_two_scalars_is_not_a_tensor():
    doc = run_json("eval", "samples/stop_gradients.grad", "--fetch", "total")
    assert doc["kinds"]["total"] == "list"
    assert doc["values"]["total"] == [3.0, 1.0]
    assert doc["shapes"]["total"] == [[], []]


def test_json_none_gradient_is_null_with_unconnected_and_reason():
    doc = run_json("eval", "samples/seed_question.grad")
    assert doc["values"]["g"] == [None]
    assert doc["shapes"]["g"] == [None]
    assert doc["dtypes"]["g"] == [None]
    (entry,) = doc["derivatives"]["g"]
    assert entry["of"] == ["X"] and entry["wrt"] == "y"
    assert entry["unconnected"] is True
    assert entry["reason"] == "X does not depend on y"


def test_json_non_finite_values_are_strings():
    value, doc = expr_value("[1,nan,inf,-inf]")
    assert value == [1.0, "NaN", "Infinity", "-Infinity"]
    assert doc["shapes"]["expr"] == [4]


@pytest.mark.parametrize("text, expected", [("nan", "NaN"), ("inf", "Infinity"), ("-inf", "-Infinity")])
def test_json_non_finite_scalars_are_strings(text, expected):
    value, _ = expr_value(text)
    assert value == expected


def test_non_finite_values_are_warned_about_with_the_op():
    result = invoke("eval", "-e", "log(x)", "--feed", "x=0")
    assert result.exit_code == 0
    assert "-inf" in result.stdout
    assert "W06" in result.stderr and "log" in result.stderr
    doc = run_json("eval", "-e", "log(x)", "--feed", "x=0")
    assert doc["values"]["expr"] == "-Infinity"
    (warning,) = doc["diagnostics"]
    assert warning["severity"] == "warning" and warning["code"].startswith("W06")
    assert warning["line"] == 1 and warning["column"] == 1


def test_json_diagnostic_schema_for_an_error():
    doc = run_json("eval", "samples/linear.grad", "--feed", "X=[[2],[3],[4]]", "--feed", "Y=[[3],[2]]", code=2)
    assert doc["ok"] is False
    assert doc["command"] == "eval"
    (d,) = doc["diagnostics"]
    assert set(d) == DIAGNOSTIC_KEYS
    assert d["severity"] == "error" and d["code"] == "E0402"
    assert d["file"] == "samples/linear.grad"
    assert (d["line"], d["column"], d["end_line"], d["end_column"]) == (3, 13, 3, 14)
    assert all(set(s) == SPAN_KEYS for s in d["spans"])
    assert d["spans"][0]["primary"] is True
    assert d["rendered"].startswith("error[E0402]: ")


def test_json_usage_error_has_null_positions():
    doc = run_json("grad", "samples/quadratic.grad", "--wrt", "x", "--wrt", "x", code=2)
    (d,) = doc["diagnostics"]
    assert d["code"].startswith("E00")
    for key in ("file", "line", "column", "end_line", "end_column"):
        assert d[key] is None
    assert d["spans"] == []


# ---------------------------------------------------------------- JSON: grad

def test_grad_json_document():
    doc = run_json("grad", "samples/linear.grad", "--of", "cost", "--wrt", "W", "--wrt", "b", *LINEAR_FEEDS)
    assert doc["command"] == "grad" and doc["ok"] is True
    assert doc["of"] == ["cost"]
    assert doc["wrt"] == ["W", "b"]
    assert doc["values"]["cost"] == pytest.approx(6.654033562006477)
    assert doc["gradients"]["W"] == pytest.approx(12.3762286)
    assert doc["gradients"]["b"] == pytest.approx(4.41750948)
    assert doc["shapes"] == {"values": {"cost": []}, "gradients": {"W": [], "b": []}}
    assert doc["dtypes"] == {"values": {"cost": "float64"}, "gradients": {"W": "float64", "b": "float64"}}
    assert doc["unconnected"] == {}
    assert doc["diagnostics"] == []


def test_grad_json_none_gradient():
    doc = run_json("grad", "samples/unconnected.grad", "--of", "b", "--wrt", "a")
    assert doc["gradients"] == {"a": None}
    assert doc["shapes"]["gradients"] == {"a": None}
    assert doc["dtypes"]["gradients"] == {"a": None}
    assert doc["unconnected"] == {"a": "b does not depend on a"}


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_jq_reads_the_gradients():
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    out = subprocess.run(
        f"gradcli grad {LINEAR} --of cost --wrt W --wrt b --feed 'X=[[2],[3]]' --feed 'Y=[[3],[2]]' --json | jq .gradients.W",
        shell=True, capture_output=True, text=True, env=env, check=True,
    )
    assert float(out.stdout) == pytest.approx(12.3762286)


def test_grad_text_output():
    result = invoke("grad", "-e", "x**2 + x - 1", "--wrt", "x", "--feed", "x=2")
    assert result.exit_code == 0
    assert result.stdout == "expr      float64  5\n∂expr/∂x  float64  5\n"


def test_grad_text_none_gradient_says_why():
    result = invoke("grad", "samples/unconnected.grad", "--of", "b", "--wrt", "a")
    assert result.exit_code == 0
    assert "None" in result.stdout and "b does not depend on a" in result.stdout


def test_grad_without_wrt_is_every_variable():
    doc = run_json("grad", "samples/linear.grad", "--of", "cost", *LINEAR_FEEDS)
    assert doc["wrt"] == ["W", "b"]
    assert list(doc["gradients"]) == ["W", "b"]


def test_grad_expression_without_wrt_is_every_free_name():
    doc = run_json("grad", "-e", "y*x + sin(x)", "--feed", "x=0", "--feed", "y=3")
    assert doc["of"] == ["expr"]
    assert doc["wrt"] == ["y", "x"]
    assert doc["gradients"] == {"y": 0.0, "x": 4.0}


def test_grad_a_name_twice_in_wrt_is_a_usage_error():
    result = invoke("grad", "samples/quadratic.grad", "--wrt", "x", "--wrt", "x")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "'x'" in result.stderr and "twice" in result.stderr


def test_grad_ys_seeds_the_y():
    doc = run_json("grad", "-e", "x*x", "--wrt", "x", "--feed", "x=[1,2,3]", "--grad-ys", "expr=[1,0,10]")
    assert doc["gradients"]["x"] == [2.0, 0.0, 60.0]


def test_grad_ys_for_a_name_that_is_not_a_y():
    result = invoke("grad", "-e", "x*x", "--wrt", "x", "--feed", "x=2", "--grad-ys", "z=1")
    assert result.exit_code == 2
    assert "--grad-ys" in result.stderr


STOP_MODEL = "var a = 0.0\nb = 2 * a\ny = a + b\n"


def test_grad_stop_gives_partial_derivatives():
    total = run_json("grad", "-", "--of", "y", "--wrt", "a", "--wrt", "b", input=STOP_MODEL)
    assert total["gradients"] == {"a": 3.0, "b": 1.0}
    partial = run_json("grad", "-", "--of", "y", "--wrt", "a", "--wrt", "b", "--stop", "a", "--stop", "b", input=STOP_MODEL)
    assert partial["gradients"] == {"a": 1.0, "b": 1.0}


def test_grad_stop_on_the_only_path_gives_none_with_a_reason():
    doc = run_json("grad", "samples/linear.grad", "--of", "cost", "--wrt", "W", "--stop", "pred", *LINEAR_FEEDS)
    assert doc["gradients"] == {"W": None}
    assert "pred" in doc["unconnected"]["W"] and "stop_gradients" in doc["unconnected"]["W"]


def test_grad_unconnected_zero():
    doc = run_json("grad", "samples/unconnected.grad", "--of", "b", "--wrt", "a", "--unconnected", "zero")
    assert doc["gradients"] == {"a": [[0.0, 0.0]]}
    assert doc["shapes"]["gradients"] == {"a": [1, 2]}
    assert doc["unconnected"] == {}


# ---------------------------------------------------------------- feeds

@pytest.mark.parametrize("text, expected", [
    ("2", 2.0),
    ("-1.5e3", -1500.0),
    ("1,2,3", [1.0, 2.0, 3.0]),
    ("[[2],[3]]", [[2.0], [3.0]]),
    ("[[[1, 2]], [[3, 4]]]", [[[1.0, 2.0]], [[3.0, 4.0]]]),
    (" 7 ", 7.0),
])
def test_feed_values(text, expected):
    value, doc = expr_value(text)
    assert value == expected
    assert doc["dtypes"]["expr"] == "float64"  # integers into a float input are fine


def test_feed_value_shapes():
    _, doc = expr_value("[[2],[3]]")
    assert doc["shapes"]["expr"] == [2, 1]
    _, doc = expr_value("1,2,3")
    assert doc["shapes"]["expr"] == [3]


def test_feed_from_npy(tmp_path):
    np.save(tmp_path / "x.npy", np.array([[2.0], [3.0]]))
    value, doc = expr_value(f"@{tmp_path / 'x.npy'}")
    assert value == [[2.0], [3.0]]


def test_feed_from_json(tmp_path):
    (tmp_path / "x.json").write_text("[[1, 2], [3, 4.5]]")
    value, _ = expr_value(f"@{tmp_path / 'x.json'}")
    assert value == [[1.0, 2.0], [3.0, 4.5]]


def test_feed_from_csv(tmp_path):
    (tmp_path / "x.csv").write_text("1,2,3\n4,5,6\n")
    value, doc = expr_value(f"@{tmp_path / 'x.csv'}")
    assert value == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert doc["shapes"]["expr"] == [2, 3]


def test_feed_from_txt(tmp_path):
    (tmp_path / "x.txt").write_text("1 2\n3   4\n")
    value, _ = expr_value(f"@{tmp_path / 'x.txt'}")
    assert value == [[1.0, 2.0], [3.0, 4.0]]


def test_linear_with_file_feeds(tmp_path):
    np.save(tmp_path / "X.npy", np.array([[2.0], [3.0]]))
    (tmp_path / "Y.json").write_text("[[3], [2]]")
    result = invoke("eval", "samples/linear.grad", "--feed", f"X=@{tmp_path / 'X.npy'}", "--feed", f"Y=@{tmp_path / 'Y.json'}")
    assert result.exit_code == 0
    assert result.stdout == LINEAR_TEXT


def test_npy_with_objects_is_refused_without_unpickling(tmp_path):
    np.save(tmp_path / "evil.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    result = invoke("eval", "-e", "x", "--feed", f"x=@{tmp_path / 'evil.npy'}")
    assert result.exit_code == 2
    assert "E0406" in result.stderr


def test_feed_file_of_unknown_type(tmp_path):
    (tmp_path / "x.xlsx").write_text("1")
    result = invoke("eval", "-e", "x", "--feed", f"x=@{tmp_path / 'x.xlsx'}")
    assert result.exit_code == 2
    assert ".npy" in result.stderr


def test_feeds_json_object_file(tmp_path):
    path = tmp_path / "feeds.json"
    path.write_text(json.dumps({"X": [[2], [3]], "Y": [[3], [2]]}))
    result = invoke("eval", "samples/linear.grad", "--feeds", path)
    assert result.exit_code == 0
    assert result.stdout == LINEAR_TEXT


def test_feed_beats_the_same_name_in_feeds_file(tmp_path):
    path = tmp_path / "feeds.json"
    path.write_text(json.dumps({"x": 1, "y": 10}))
    doc = run_json("eval", "-e", "x + y", "--feeds", path, "--feed", "x=5")
    assert doc["values"]["expr"] == 15.0


def test_feeds_from_stdin():
    result = invoke("eval", "samples/linear.grad", "--feeds", "-", input='{"X": [[2], [3]], "Y": [[3], [2]]}')
    assert result.exit_code == 0
    assert result.stdout == LINEAR_TEXT


def test_feeds_batch_jsonl_one_line_per_row(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join([
        json.dumps({"x": 1}),
        json.dumps({"x": [1, 2]}),
        json.dumps({"x": 3}),
    ]) + "\n")
    result = invoke("eval", "-e", "x * 2", "--feeds", path, "--json")
    assert result.exit_code == 0
    docs = json_lines(result.stdout)
    assert [d["row"] for d in docs] == [0, 1, 2]
    assert [d["values"]["expr"] for d in docs] == [2.0, [2.0, 4.0], 6.0]
    assert all(d["ok"] for d in docs)


def test_feeds_batch_bad_row_gets_its_own_error_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join([
        json.dumps({"X": [[2], [3]], "Y": [[3], [2]]}),
        json.dumps({"X": [[2], [3], [4]], "Y": [[3], [2]]}),  # wrong shape: exit 2
        json.dumps({"X": [[1], [1]], "Y": [[3], [2]]}),
    ]) + "\n")
    result = invoke("eval", "samples/linear.grad", "--feeds", path, "--fetch", "cost", "--json")
    assert result.exit_code == 2
    docs = json_lines(result.stdout)
    assert [d["row"] for d in docs] == [0, 1, 2]
    assert [d["ok"] for d in docs] == [True, False, True]
    assert docs[1]["diagnostics"][0]["code"] == "E0402"
    assert docs[0]["values"]["cost"] == pytest.approx(6.654033562006477)
    assert "cost" in docs[2]["values"]


def test_feeds_batch_exit_is_the_highest_of_the_rows(tmp_path):
    path = tmp_path / "rows.ndjson"
    path.write_text('{"n": 2}\n{"n": 2.5}\n{"n": 3}\n')
    model = tmp_path / "m.grad"
    model.write_text("placeholder n: int32\ny = n * 2\n")
    result = invoke("eval", model, "--feeds", path, "--json")
    assert result.exit_code == 2
    assert [d["ok"] for d in json_lines(result.stdout)] == [True, False, True]


def test_feeds_batch_line_that_is_not_json_is_its_rows_error(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"x": 1}\n{"x": \n[1, 2]\n{"x": 4}\n')
    result = invoke("eval", "-e", "x", "--feeds", path, "--json")
    assert result.exit_code == 2
    docs = json_lines(result.stdout)
    assert [d["row"] for d in docs] == [0, 1, 2, 3]
    assert [d["ok"] for d in docs] == [True, False, False, True]
    assert docs[1]["diagnostics"][0]["line"] == 2
    assert docs[3]["values"]["expr"] == 4.0


def test_feeds_batch_from_stdin_with_several_objects():
    result = invoke("eval", "-e", "x + 1", "--feeds", "-", "--json", input='{"x": 1}\n{"x": 2}\n')
    assert result.exit_code == 0
    docs = json_lines(result.stdout)
    assert [(d["row"], d["values"]["expr"]) for d in docs] == [(0, 2.0), (1, 3.0)]


def test_feeds_batch_text_marks_the_rows(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"x": 1}\n{"x": [[1], 2]}\n')
    result = invoke("eval", "-e", "x", "--feeds", path)
    assert result.exit_code == 2
    assert "# row 0" in result.stdout and "# row 1" in result.stdout
    assert "row 1:" in result.stderr and "E0406" in result.stderr


def test_wrong_shape_shows_both_shapes_and_points_at_the_declaration():
    result = invoke("eval", "samples/linear.grad", "--feed", "X=[[2],[3],[4]]", "--feed", "Y=[[3],[2]]")
    assert result.exit_code == 2
    assert result.stdout == ""
    err = result.stderr
    assert "error[E0402]" in err
    assert "[2, 1]" in err and "[3, 1]" in err
    assert "samples/linear.grad:3:13" in err
    assert "placeholder X: float[2, 1]" in err


def test_non_integral_value_into_int32(tmp_path):
    model = tmp_path / "n.grad"
    model.write_text("placeholder n: int32\ny = n * 2\n")
    result = invoke("eval", model, "--feed", "n=2.5")
    assert result.exit_code == 2
    assert "E0403" in result.stderr and "int32" in result.stderr and "whole number" in result.stderr
    assert f"{model}:1:13" in result.stderr
    ok = run_json("eval", model, "--feed", "n=3")
    assert ok["values"]["y"] == 6 and ok["dtypes"]["y"] == "int32"
    also_ok = run_json("eval", model, "--feed", "n=3.0")
    assert also_ok["values"]["y"] == 6


def test_unknown_feed_name_has_did_you_mean():
    result = invoke("eval", "samples/linear.grad", "--feed", "Xx=[[2],[3]]", "--feed", "Y=[[3],[2]]")
    assert result.exit_code == 2
    assert "E0404" in result.stderr
    assert "'Xx'" in result.stderr and "did you mean 'X'?" in result.stderr


def test_feeding_a_name_that_is_not_an_input():
    result = invoke("eval", "samples/linear.grad", *LINEAR_FEEDS, "--feed", "pred=1")
    assert result.exit_code == 2
    assert "'pred'" in result.stderr


def test_missing_feeds_are_listed_together_with_their_types():
    result = invoke("eval", "samples/linear.grad")
    assert result.exit_code == 2
    assert result.stdout == ""
    err = result.stderr
    assert "E0401" in err and "X, Y" in err
    assert "X: float64[2, 1]" in err and "Y: float64[2, 1]" in err
    assert err.count("error[") == 1


def test_only_needed_feeds_are_required():
    doc = run_json("eval", "samples/linear.grad", "--fetch", "W")
    assert doc["values"]["W"] == pytest.approx(1.6649098)


def _caret_column(rendered: str, line_text: str) -> int:
    """0-based column of the first ^ under `line_text` in a rendered diagnostic."""
    lines = rendered.splitlines()
    for i, line in enumerate(lines):
        if line.endswith(" | " + line_text):
            start = line.index(" | ") + 3
            return lines[i + 1].index("^") - start
    raise AssertionError(f"{line_text!r} not in {rendered}")


@pytest.mark.parametrize("value, bad", [
    ("[[2],[3x]]", 7),
    ("1,2,,3", 4),
    ("[1, 2", 5),
    ("abc", 0),
    ("[1 2]", 3),
    ("]", 0),
])
def test_garbage_feed_value_has_a_caret_into_the_value(value, bad):
    result = invoke("eval", "-e", "x", "--feed", f"x={value}")
    assert result.exit_code == 2
    assert "E0406" in result.stderr
    shown = value if "[" in value or "," not in value else f"[{value}]"
    column = _caret_column(result.stderr, shown)
    offset = 1 if shown != value else 0
    assert column == bad + offset


@pytest.mark.parametrize("text", ["x", "=2", "2x=1", "x y=2"])
def test_feed_that_is_not_name_equals_value(text):
    result = invoke("eval", "-e", "x", "--feed", text)
    assert result.exit_code == 2
    assert "E0405" in result.stderr


def test_ragged_feed_value():
    result = invoke("eval", "-e", "x", "--feed", "x=[[1,2],[3]]")
    assert result.exit_code == 2
    assert "E0406" in result.stderr


def test_deeply_nested_feed_value():
    value, _ = expr_value("[" * 30 + "1" + "]" * 30, model="reduce_sum(x)")
    assert value == 1.0
    # deeper than NumPy's 64 dimensions: an error about the value, not a crash
    depth = 5000
    result = invoke("eval", "-e", "x", "--feed", "x=" + "[" * depth + "1" + "]" * depth)
    assert result.exit_code == 2
    assert "E0406" in result.stderr


def test_fetch_overrides_the_script():
    doc = run_json("eval", "samples/linear.grad", *LINEAR_FEEDS, "--fetch", "cost", "--fetch", "db")
    assert list(doc["values"]) == ["cost", "db"]


def test_fetch_unknown_name():
    result = invoke("eval", "samples/linear.grad", *LINEAR_FEEDS, "--fetch", "cots")
    assert result.exit_code == 65
    assert "did you mean 'cost'?" in result.stderr


# ---------------------------------------------------------------- run options

def test_dtype_float32():
    doc = run_json("eval", "samples/linear.grad", *LINEAR_FEEDS, "--dtype", "float32")
    assert doc["dtype"] == "float32"
    assert set(doc["dtypes"].values()) == {"float32"}
    assert doc["values"]["cost"] == pytest.approx(6.6540337, rel=1e-6)
    assert doc["values"]["cost"] != pytest.approx(6.654033562006477, rel=1e-12)
    result = invoke("eval", "samples/linear.grad", *LINEAR_FEEDS, "--dtype", "float32")
    assert "float32" in result.stdout and "float64" not in result.stdout


def test_dtype_float32_for_grad():
    doc = run_json("grad", "-e", "x**2", "--feed", "x=3", "--dtype", "float32")
    assert doc["dtypes"] == {"values": {"expr": "float32"}, "gradients": {"x": "float32"}}


def test_seed_makes_random_ops_reproducible():
    a = run_json("eval", "-e", "random_normal([4])", "--seed", "7")
    b = run_json("eval", "-e", "random_normal([4])", "--seed", "7")
    c = run_json("eval", "-e", "random_normal([4])", "--seed", "8")
    assert a["seed"] == 7 and c["seed"] == 8
    assert a["values"] == b["values"]
    assert a["values"] != c["values"]
    default = run_json("eval", "-e", "random_normal([4])")
    zero = run_json("eval", "-e", "random_normal([4])", "--seed", "0")
    assert default["values"] == zero["values"]


def test_precision():
    three = invoke("eval", "samples/linear.grad", *LINEAR_FEEDS, "--fetch", "cost", "--precision", "3")
    assert three.stdout.splitlines()[0] == "cost  float64  6.65"
    ten = invoke("eval", "samples/linear.grad", *LINEAR_FEEDS, "--fetch", "cost", "--precision", "10")
    assert ten.stdout.splitlines()[0] == "cost  float64  6.654033562"


@pytest.mark.parametrize("bad", ["0", "18", "x"])
def test_precision_out_of_range_is_a_usage_error(bad):
    result = invoke("eval", "samples/quadratic.grad", "--precision", bad)
    assert result.exit_code == 2


def test_max_elements():
    result = invoke("eval", "-e", "ones([1000, 1000])", "--max-elements", "1000")
    assert result.exit_code == 65
    assert "E0305" in result.stderr
    doc = run_json("eval", "-e", "ones([100000, 100000])", code=65)  # refused before allocating
    assert doc["diagnostics"][0]["code"] == "E0305"
    fits = run_json("eval", "-e", "ones([10, 10])", "--max-elements", "100")
    assert fits["shapes"]["expr"] == [10, 10]


def test_inline_expression_free_names_are_placeholders():
    doc = run_json("eval", "-e", "x*y + 1", "--feed", "x=2", "--feed", "y=3")
    assert doc["model"] == "<expr>"
    assert doc["values"] == {"expr": 7.0}
    missing = invoke("eval", "-e", "x*y + 1", "--feed", "x=2")
    assert missing.exit_code == 2 and "E0401" in missing.stderr and "y" in missing.stderr


def test_inline_expression_errors_point_into_the_expression():
    result = invoke("eval", "-e", "x +* 2")
    assert result.exit_code == 65
    assert "<expr>:1:" in result.stderr


def test_model_and_expression_together_is_a_usage_error():
    result = invoke("eval", "samples/quadratic.grad", "-e", "x")
    assert result.exit_code == 2


def test_model_from_stdin():
    result = invoke("eval", "-", input=(SAMPLES / "quadratic.grad").read_text())
    assert result.exit_code == 0
    assert result.stdout == GOLDEN["quadratic"]
    doc = run_json("eval", "-", input="y = (\n", code=65)
    assert doc["model"] == "<stdin>"
    assert doc["diagnostics"][0]["file"] == "<stdin>"


# ---------------------------------------------------------------- group options

def test_color_always_puts_colour_codes_in():
    result = invoke("--color", "always", "eval", "samples/unconnected.grad")
    assert "\x1b[" in result.stdout
    error = invoke("--color", "always", "eval", "-e", "x +* 2")
    assert "\x1b[" in error.stderr


def test_color_never_and_auto_when_piped_leave_them_out():
    for args in (["--color", "never"], []):
        result = invoke(*args, "eval", "samples/unconnected.grad")
        assert "\x1b[" not in result.stdout
        error = invoke(*args, "eval", "-e", "x +* 2")
        assert "\x1b[" not in error.stderr


def test_force_color_and_no_color():
    assert "\x1b[" in invoke("eval", "samples/unconnected.grad", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in invoke("eval", "-e", "x +* 2", env={"FORCE_COLOR": "1"}).stderr
    assert "\x1b[" not in invoke("eval", "samples/unconnected.grad", env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" not in invoke("eval", "samples/unconnected.grad", env={"NO_COLOR": "1", "FORCE_COLOR": "1"}).stdout


def test_color_option_beats_the_environment():
    assert "\x1b[" in invoke("--color", "always", "eval", "samples/unconnected.grad", env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" not in invoke("--color", "never", "eval", "samples/unconnected.grad", env={"FORCE_COLOR": "1"}).stdout


def test_colour_never_reaches_json():
    result = invoke("--color", "always", "eval", "samples/unconnected.grad", "--json")
    assert "\x1b[" not in result.stdout
    strict_json(result.stdout)


def test_quiet_drops_warnings():
    loud = invoke("eval", "-e", "log(x)", "--feed", "x=0")
    assert "warning[W06" in loud.stderr
    quiet = invoke("-q", "eval", "-e", "log(x)", "--feed", "x=0")
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    assert quiet.stdout == loud.stdout


def test_quiet_keeps_errors():
    result = invoke("-q", "eval", "samples/linear.grad")
    assert result.exit_code == 2 and "E0401" in result.stderr


def test_verbose_prints_timings_on_stderr():
    result = invoke("-v", "eval", "samples/quadratic.grad")
    assert result.exit_code == 0
    assert result.stdout == GOLDEN["quadratic"]
    assert "timing:" in result.stderr and "ms" in result.stderr
    grad = invoke("-v", "grad", "-e", "x*x", "--feed", "x=1")
    assert "timing:" in grad.stderr


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == "gradcli 0.1.0\n"


def test_group_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("eval", "grad", "check", "explain", "graph", "ops"):
        assert f"  {command} " in result.stdout
    assert invoke("-h").stdout == result.stdout


EVAL_OPTIONS = ["--feed", "--feeds", "--fetch", "--dtype", "--seed", "--precision", "--max-elements", "--json"]


@pytest.mark.parametrize("command, options", [
    ("eval", ["--expr", *EVAL_OPTIONS]),
    ("grad", ["--expr", "--of", "--wrt", "--grad-ys", "--stop", "--unconnected", "--formula", *EVAL_OPTIONS]),
])
def test_command_help(command, options):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: gradcli {command} ") or result.stdout.startswith(f"Usage: cli {command} ")
    for option in options:
        assert option in result.stdout
    assert invoke(command, "-h").stdout == result.stdout


@pytest.mark.parametrize("command", ["check", "explain", "graph", "ops"])
def test_help_of_the_learning_commands(command):
    import importlib.util

    if importlib.util.find_spec("gradcli.cli.learning") is None:
        pytest.skip("gradcli.cli.learning is not written yet")
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert f" {command} " in result.stdout.splitlines()[0]


# ---------------------------------------------------------------- exit codes

@pytest.mark.parametrize("args", [
    ["eval", "samples/quadratic.grad", "--bogus"],
    ["bogus-command"],
    ["eval", "samples/quadratic.grad", "--dtype", "float16"],
    ["eval", "samples/quadratic.grad", "--seed", "x"],
    ["grad", "samples/quadratic.grad", "--unconnected", "maybe"],
    ["eval"],
    ["grad"],
])
def test_usage_errors_exit_2(args):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip()


def test_usage_error_with_json_is_one_document():
    """Through the console entry point, as a user runs it."""
    out = subprocess.run(["gradcli", "eval", "--bogus", "--json"], capture_output=True, text=True)
    assert out.returncode == 2
    doc = strict_json(out.stdout)
    assert doc["ok"] is False and doc["command"] == "eval"
    assert doc["diagnostics"][0]["code"].startswith("E00")
    assert "bogus" in doc["diagnostics"][0]["message"]


def test_feed_errors_exit_2():
    assert invoke("eval", "-e", "x", "--feed", "x=[1,").exit_code == 2
    assert invoke("eval", "samples/linear.grad").exit_code == 2


@pytest.mark.parametrize("text, code", [
    ("y = (\n", "E01"),          # syntax
    ("y = x + 1\n", "E02"),      # unknown name
    ("y = ones([2]) + ones([3])\n", "E03"),  # shapes
    ("var x = 1.0\ng = gradients(x, [x], grad_ys=[1.0, 2.0])\n", "E05"),  # invalid gradients call
])
def test_invalid_model_exits_65(tmp_path, text, code):
    model = tmp_path / "bad.grad"
    model.write_text(text)
    result = invoke("eval", model)
    assert result.exit_code == 65, result.stderr
    assert f"error[{code}" in result.stderr
    assert result.stdout == ""
    doc = run_json("eval", model, code=65)
    assert doc["ok"] is False and doc["diagnostics"][0]["code"].startswith(code)


def test_unreadable_model_exits_66(tmp_path):
    result = invoke("eval", tmp_path / "nope.grad")
    assert result.exit_code == 66
    assert "E0002" in result.stderr
    assert invoke("eval", tmp_path).exit_code == 66  # a directory
    doc = run_json("eval", tmp_path / "nope.grad", code=66)
    assert doc["diagnostics"][0]["code"] == "E0002"


def test_unreadable_feed_file_exits_66(tmp_path):
    result = invoke("eval", "-e", "x", "--feed", f"x=@{tmp_path / 'nope.npy'}")
    assert result.exit_code == 66
    assert "E0003" in result.stderr
    assert invoke("eval", "-e", "x", "--feeds", tmp_path / "nope.json").exit_code == 66


def test_internal_error_exits_70_with_one_line_and_no_traceback(monkeypatch):
    import gradcli.model

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug of ours")

    monkeypatch.setattr(gradcli.model.Model, "run", broken)
    result = invoke("eval", "samples/quadratic.grad")
    assert result.exit_code == 70
    assert result.stdout == ""
    assert "internal error" in result.stderr and "ZeroDivisionError: a bug of ours" in result.stderr
    assert "report" in result.stderr
    assert result.stderr.splitlines()[0].startswith("error[E0099]")
    assert len(result.stderr.strip().splitlines()) == 1

    doc = run_json("eval", "samples/quadratic.grad", code=70)
    assert doc["ok"] is False
    assert "internal error" in doc["diagnostics"][0]["message"]

    debug = CliRunner().invoke(cli, ["--debug", "eval", "samples/quadratic.grad"])
    assert debug.exit_code == 70
    assert "Traceback" in debug.stderr and "a bug of ours" in debug.stderr


def test_stdin_terminal_gives_a_hint_and_exit_2():
    import pty

    leader, follower = pty.openpty()
    try:
        for args in (["eval", "-"], ["eval", "-e", "x", "--feeds", "-"]):
            out = subprocess.run(["gradcli", *args], stdin=follower, capture_output=True, text=True, timeout=60)
            assert out.returncode == 2, out.stderr
            assert "terminal" in out.stderr and "pipe" in out.stderr
            assert "Traceback" not in out.stderr
    finally:
        os.close(leader)
        os.close(follower)


# ---------------------------------------------------------------- the installed command

def test_installed_command_and_python_m_agree():
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    args = ["eval", LINEAR, "--feed", "X=[[2],[3]]", "--feed", "Y=[[3],[2]]"]
    for command in (["gradcli"], [sys.executable, "-m", "gradcli"]):
        out = subprocess.run([*command, *args], capture_output=True, text=True, env=env, cwd=ROOT)
        assert out.returncode == 0, out.stderr
        assert out.stdout == LINEAR_TEXT
        assert out.stderr == ""


def test_installed_command_exit_codes():
    cases = [(["eval", LINEAR], 2), (["eval", "/nonexistent/model.grad"], 66), (["eval", "-e", "x +* 2"], 65), (["--version"], 0)]
    for args, code in cases:
        out = subprocess.run(["gradcli", *args], capture_output=True, text=True)
        assert out.returncode == code, (args, out.stderr)
        assert "Traceback" not in out.stderr


# ---------------------------------------------------------------- engine bugs found by these tests, now fixed


def test_huge_integer_literal_is_a_diagnostic_not_an_internal_error():
    result = invoke("eval", "-e", "9223372036854775808")
    assert result.exit_code == 65
    assert "internal" not in result.stderr


def test_integer_literal_out_of_int32_range_does_not_wrap():
    result = invoke("eval", "-", "--json", input="y = 2147483648\n")
    doc = strict_json(result.stdout)
    assert doc["values"]["y"] == 2147483648 and doc["dtypes"]["y"] == "int64"  # as tf.constant(2**31)


def test_float_axis_in_stack_is_a_diagnostic_for_grad():
    result = invoke("grad", "-e", "stack(x, 2.5)", "--feed", "x=2")
    assert result.exit_code == 65
    assert "internal" not in result.stderr
