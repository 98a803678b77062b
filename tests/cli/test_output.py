"""Text and JSON output against CLI.md: the normative text example, the samples, the
eval and grad JSON documents."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import LINEAR, LINEAR_FEEDS, LINEAR_TEXT, SAMPLE_TEXT, expr_value, invoke, run_json

pytestmark = pytest.mark.usefixtures("plain_environment")


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


@pytest.mark.parametrize("sample", sorted(SAMPLE_TEXT))
def test_sample_text_output(sample):
    result = invoke("eval", f"samples/{sample}.grad")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == SAMPLE_TEXT[sample]
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


def test_json_failure_schema_with_outputs_and_warnings():
    """A pasted script's failure: the common keys, "outputs" as on success, then every
    diagnostic (the warnings met, then the error) in the one diagnostic schema."""
    printed = 'import tensorflow as tf\nx = tf.constant([1.0, 2.0])\nprint("x", x * 2, {"n": 2})\n'
    success = run_json("eval", "-", input=printed)
    doc = run_json("eval", "-", input=printed + "y = x + nope\n", code=65)
    assert list(doc) == ["format_version", "version", "command", "ok", "model", "dtype", "seed", "outputs", "diagnostics"]
    assert doc["ok"] is False and doc["dtype"] == success["dtype"] == "float32"
    assert doc["outputs"] == success["outputs"]  # the same objects as on success
    (out,) = doc["outputs"]
    assert set(out) == {"line", "source", "values", "dtypes", "shapes"}
    assert out["values"] == ["x", [2.0, 4.0], {"n": 2}] and out["shapes"] == [None, [2], {"n": []}]
    assert [d["severity"] for d in doc["diagnostics"]] == ["warning", "error"]
    for d in doc["diagnostics"]:
        assert set(d) == DIAGNOSTIC_KEYS
        assert all(set(s) == SPAN_KEYS for s in d["spans"])
    assert doc["diagnostics"][1]["rendered"].startswith("error[E0201]: ")


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
