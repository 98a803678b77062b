"""The shared conformance cases (tests/data/semantics.jsonl, copied from the spec's
conformance file): every SEMANTICS.md row and the seed examples, through the
command line (`eval --json`) and through the Python API."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

import gradcli
from gradcli.errors import GradcliError

from conftest import conformance_cases, invoke, strict_json

CASES = conformance_cases()


def close(a, b, rtol=1e-5, atol=1e-7) -> bool:
    """The conformance runner's comparison: None matches None, names match names."""
    if b is None or a is None:
        return a is None and b is None
    if isinstance(b, str) or isinstance(a, str):
        return a == b
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(close(x, y, rtol, atol) for x, y in zip(a, b))
    if isinstance(a, bool) or not isinstance(a, (int, float)):
        return False
    return abs(a - b) <= atol + rtol * abs(b)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_through_cli(case, tmp_path):
    path = tmp_path / "m.grad"
    path.write_text(case["model"])
    args = ["eval", str(path), "--json"]
    for name, value in case.get("feeds", {}).items():
        args += ["--feed", f"{name}={json.dumps(value)}"]
    result = invoke(*args)
    doc = strict_json(result.stdout)
    if "exit" in case:
        codes = [d["code"] for d in doc["diagnostics"]]
        assert result.exit_code == case["exit"], result.stderr
        assert any(c.startswith(case["code_prefix"]) for c in codes), codes
        assert doc["ok"] is False
        return
    assert result.exit_code == 0, result.stdout + result.stderr
    assert doc["ok"] is True
    for name, want in case["expect"].items():
        assert close(doc["values"][name], want), (name, doc["values"][name], want)
    for field in ("dtypes", "kinds"):
        for name, want in case.get(field, {}).items():
            assert doc[field][name] == want


def _jsonish(value):
    """An API value in the JSON's terms, so one comparison serves both."""
    if value is None:
        return None
    if isinstance(value, list):
        return [_jsonish(v) for v in value]
    a = np.asarray(value, dtype=np.float64) if np.asarray(value).dtype.kind != "b" else np.asarray(value)
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        flat = ["NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity") if math.isinf(v) else v for v in a.reshape(-1).tolist()]
        return flat[0] if a.ndim == 0 else np.array(flat, dtype=object).reshape(a.shape).tolist()
    return a.tolist()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_through_api(case):
    if "exit" in case:
        with pytest.raises(GradcliError) as info:
            gradcli.loads(case["model"]).eval(feeds=case.get("feeds"))
        assert any(d.code.startswith(case["code_prefix"]) for d in info.value.diagnostics)
        assert info.value.exit_code == case["exit"]
        return
    out = gradcli.loads(case["model"]).eval(feeds=case.get("feeds"))
    for name, want in case["expect"].items():
        assert close(_jsonish(out[name]), want), (name, out[name], want)


FLOAT32_CASES = [c for c in CASES if "exit" not in c and "dtypes" not in c]


@pytest.mark.parametrize("case", FLOAT32_CASES, ids=[c["id"] for c in FLOAT32_CASES])
def test_case_in_float32(case, tmp_path):
    """--dtype float32, TensorFlow's own default: the same values, and nothing in float64
    (literals and the gradients of literals take the run's float)."""
    path = tmp_path / "m.grad"
    path.write_text(case["model"])
    args = ["eval", str(path), "--json", "--dtype", "float32"]
    for name, value in case.get("feeds", {}).items():
        args += ["--feed", f"{name}={json.dumps(value)}"]
    result = invoke(*args)
    assert result.exit_code == 0, result.stdout
    doc = strict_json(result.stdout)
    assert "float64" not in json.dumps(doc["dtypes"])
    for name, want in case["expect"].items():
        assert close(doc["values"][name], want, rtol=1e-4, atol=1e-5), (name, doc["values"][name], want)
