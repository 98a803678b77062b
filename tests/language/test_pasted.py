"""Every case of tests/data/pasted.jsonl (PYTHON.md's public cases, TensorFlow 2.21's values),
through the command line and through the Python API."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import gradcli
from gradcli.cli import cli
from gradcli.errors import GradcliError

DATA = Path(__file__).resolve().parent.parent / "data" / "pasted.jsonl"
CASES = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
ENGINE: set = set()  # cases whose engine part is not built yet (none now)


def close(a, b, rtol=1e-5, atol=1e-7):
    if b is None or a is None:
        return a is None and b is None
    if isinstance(b, str) or isinstance(a, str):
        return a == b
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(close(a[k], b[k]) for k in b)
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    if isinstance(b, bool) or isinstance(a, bool):
        return a is b
    return isinstance(a, (int, float)) and abs(a - b) <= atol + rtol * abs(b)


def _marks(case):
    return [pytest.mark.xfail(reason="engine part: ops helper", strict=False)] if case["id"] in ENGINE else []


PARAMS = [pytest.param(c, id=c["id"], marks=_marks(c)) for c in CASES]


@pytest.mark.parametrize("case", PARAMS)
def test_case_through_the_cli(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / case.get("filename", "m.grad")
    path.write_text(case["model"])
    args = ["eval", str(path), "--json"]
    for k, v in case.get("feeds", {}).items():
        args += ["--feed", f"{k}={json.dumps(v)}"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert "Traceback" not in result.stdout + result.stderr
    doc = json.loads(result.stdout)
    if "exit" in case:
        assert result.exit_code == case["exit"], result.stderr
        assert any(d["code"].startswith(case["code_prefix"]) for d in doc["diagnostics"])
        return
    assert result.exit_code == 0, result.stderr
    for name, want in case.get("expect", {}).items():
        assert close(doc["values"][name], want), (name, doc["values"][name], want)
    if "expect_outputs" in case:
        got = [o["values"] for o in doc.get("outputs", [])]
        assert close(got, case["expect_outputs"]), got
    for field in ("dtypes", "kinds"):
        for name, want in case.get(field, {}).items():
            assert doc[field][name] == want


@pytest.mark.parametrize("case", PARAMS)
def test_case_through_the_api(case):
    if "exit" in case:
        with pytest.raises(GradcliError) as info:
            gradcli.loads(case["model"], name=case.get("filename", "m.grad")).eval(feeds=case.get("feeds"))
        assert any(d.code.startswith(case["code_prefix"]) for d in info.value.diagnostics)
        return
    model = gradcli.loads(case["model"], name=case.get("filename", "m.grad"))
    out = model.eval(feeds=case.get("feeds") or None)
    for name, want in case.get("expect", {}).items():
        got = out[name]
        if isinstance(got, dict):
            got = {k: None if v is None else np.asarray(v).tolist() for k, v in got.items()}
        elif isinstance(got, list):
            got = [None if v is None else np.asarray(v).tolist() for v in got]
        elif got is not None:
            got = np.asarray(got).tolist()
        assert close(got, want), (name, got, want)
    if "expect_outputs" in case:
        from gradcli.render.values import output_json

        model.rerun(case.get("feeds") or None)
        got = [[output_json(v)[0] for v in o.values] for o in model.outputs]
        assert close(got, case["expect_outputs"]), got
