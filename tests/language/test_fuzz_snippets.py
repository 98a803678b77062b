"""Snippets as people paste them (tests/data/fuzz_snippets.jsonl): Stack Overflow questions
about tf.gradients and GradientTape, tutorial cells, IPython and >>> transcripts, Python 2
prints, typos, CRLF and BOMs. Each case holds what `eval --json` must show (the outputs,
hand-computed or from NumPy; TensorFlow's values where TensorFlow gives them), or the
error's exit status and code. Every other command must be well-behaved on every snippet:
no traceback, no internal error, a documented exit status, and every error a diagnostic
with a span and a help line.

The snippets are also seeds of the mutation fuzz (tests/cli/test_fuzz_cli.py).
"""
from __future__ import annotations

import json

import pytest

from conftest import DATA, invoke, strict_json

CASES = [json.loads(line) for line in (DATA / "fuzz_snippets.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
DOCUMENTED = {0, 1, 2, 65, 66}


def close(a, b, rtol=1e-5, atol=1e-7):
    if a is None or b is None or isinstance(a, str) or isinstance(b, str) or isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(close(a[k], b[k]) for k in b)
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    return isinstance(a, (int, float)) and abs(a - b) <= atol + rtol * abs(b)


def _path(case, tmp_path):
    path = tmp_path / case["filename"]
    path.write_bytes(case["model"].encode("utf-8"))  # bytes: CRLF and the BOM stay as pasted
    return path


def _feeds(case):
    return [arg for k, v in case["feeds"].items() for arg in ("--feed", f"{k}={json.dumps(v)}")]


def well_behaved(result, as_json):
    out, err = result.stdout, result.stderr
    assert "Traceback" not in out + err, err[-3000:]
    assert "E0099" not in out + err, (out + err)[-3000:]
    assert result.exit_code in DOCUMENTED, (result.exit_code, err[-3000:])
    if not as_json:
        return None
    doc = strict_json(out)
    assert doc["ok"] is (result.exit_code == 0)
    for d in doc["diagnostics"]:
        if d["severity"] == "error" and not d["code"].startswith("E00"):  # E00xx: usage, no source position
            assert d["line"] is not None and d["help"], d["rendered"]
    return doc


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_eval(case, tmp_path):
    result = invoke("eval", _path(case, tmp_path), "--json", *_feeds(case))
    doc = well_behaved(result, True)
    if "exit" in case:
        errors = [d for d in doc["diagnostics"] if d["severity"] == "error"]  # warnings met before it come too
        assert result.exit_code == case["exit"], errors
        assert errors[0]["code"] == case["code"], errors[0]["rendered"]
        return
    assert result.exit_code == 0, result.stderr
    if "expect_outputs" in case:
        got = [o["values"] for o in doc.get("outputs", [])]
        assert close(got, case["expect_outputs"]), got
    for name, want in case.get("expect", {}).items():
        assert close(doc["values"][name], want), (name, doc["values"][name], want)


# (command, as_json): every command in JSON; the text renderers that differ most from eval's
RUNS = [(["grad"], True), (["grad"], False), (["check", "--points", "2"], True), (["explain"], True), (["explain"], False),
        (["graph"], True), (["graph"], False), (["graph", "--format", "dot"], False), (["graph", "--format", "mermaid"], False)]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_every_command(case, tmp_path):
    path = _path(case, tmp_path)
    for command, as_json in RUNS:
        well_behaved(invoke(*command, path, *(["--json"] if as_json else []), *_feeds(case), allow_traceback=True), as_json)
    well_behaved(invoke("eval", path, *_feeds(case), allow_traceback=True), False)


# ---------------------------------------------------------------- grad's defaults on pasted code

def _case(case_id):
    return next(c for c in CASES if c["id"] == case_id)


def test_grad_default_y_is_not_a_numpy_result_of_sess_run(tmp_path):
    """`gw, gb = sess.run(...)` binds NumPy constants last: the default y is the cost they came from."""
    path = _path(_case("sigmoid-logreg"), tmp_path)
    doc = well_behaved(invoke("grad", path, "--json", "--feed", "X=[[1, 2], [2, 3], [3, 1]]", "--feed", "Y=[[0], [0], [1]]"), True)
    assert doc["of"] == ["cost"] and set(doc["gradients"]) == {"W", "b"}
    assert close(doc["gradients"]["W"], [[0.0], [2 / 3]]) and close(doc["gradients"]["b"], [1 / 6])


def test_grad_default_xs_skip_variables_no_name_reaches(tmp_path):
    result = invoke("grad", _path(_case("list-comp"), tmp_path), "--json")
    doc = well_behaved(result, True)
    assert result.exit_code == 2
    d = next(d for d in doc["diagnostics"] if d["severity"] == "error")
    assert d["code"] == "E0008" and "Variable, Variable_1, Variable_2" in d["message"] and "--wrt" in d["help"][0]
