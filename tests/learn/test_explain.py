"""gradcli explain: forward pass, traced reverse accumulation with numbers, JSON schema."""
from __future__ import annotations

import json

import numpy as np

from conftest import ROOT, golden, invoke_at_root as invoke  # noqa: E402

import gradcli  # noqa: E402
from gradcli.learn.explain import explain_model  # noqa: E402


def test_scalar_expression_golden():
    result = invoke("explain", "-e", "x**2 + x - 1", "--wrt", "x", "--feed", "x=2")
    assert result.exit_code == 0, result.output
    assert "∂expr/∂x = 1 + 4 = 5   (two paths" in result.stdout
    golden("learn/explain_scalar.txt", result.stdout)


def test_fan_out_sample_golden():
    result = invoke("explain", "samples/explain.grad", "--of", "y", "--wrt", "x")
    assert result.exit_code == 0, result.output
    assert "three paths" in result.stdout
    golden("learn/explain_fanout.txt", result.stdout)


def test_tensor_model_golden():
    result = invoke("explain", "samples/linear.grad", "--of", "cost", "--wrt", "W", "--wrt", "b", "--feed", "X=[[2],[3]]", "--feed", "Y=[[3],[2]]")
    assert result.exit_code == 0, result.output
    assert "∂cost/∂W = 12.3762" in result.stdout
    golden("learn/explain_tensor.txt", result.stdout)


def test_none_gradient_shows_its_reason():
    result = invoke("explain", "-e", "2*a + floor(b)", "--wrt", "a", "--wrt", "b", "--feed", "a=1", "--feed", "b=1.5")
    assert result.exit_code == 0, result.output
    assert "∂expr/∂b = None: the only path from b to expr goes through floor()" in result.stdout


def test_json_schema():
    result = invoke("explain", "samples/explain.grad", "--of", "y", "--wrt", "x", "--json")
    doc = json.loads(result.stdout)
    assert doc["command"] == "explain" and doc["ok"] is True
    assert {"id", "name", "op", "expr", "shape", "dtype", "value"} <= set(doc["forward"][0])
    step = doc["backward"][0]
    assert {"id", "name", "op", "rule", "adjoint", "sent"} <= set(step)
    assert {"to", "value"} <= set(step["sent"][0])
    assert abs(doc["gradients"]["x"]["value"] - (2 * (2 * 6 + np.cos(6)))) < 1e-12


def test_adjoints_match_the_gradient():
    model = gradcli.load(ROOT / "samples/linear.grad")
    feeds = {"X": [[2], [3]], "Y": [[3], [2]]}
    ex = explain_model(model, ["cost"], ["W", "b"], feeds)
    dW, db = model.gradients("cost", ["W", "b"], feeds=feeds)
    assert np.allclose(ex.gradients[0].value, dW) and np.allclose(ex.gradients[1].value, db)
    assert ex.backward[0].name == "cost" and float(ex.backward[0].adjoint) == 1.0


def test_grad_ys_seed_is_used():
    result = invoke("explain", "-e", "x*x", "--wrt", "x", "--feed", "x=[1,2,3]", "--grad-ys", "expr=[1,0,10]", "--json")
    doc = json.loads(result.stdout)
    assert doc["gradients"]["x"]["value"] == [2.0, 0.0, 60.0]


def test_missing_feed_is_an_error_document():
    result = invoke("explain", "-e", "x*x", "--wrt", "x", "--json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["diagnostics"][0]["code"] == "E0401"
