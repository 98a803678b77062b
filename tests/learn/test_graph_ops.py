"""gradcli graph (tree, DOT rendered by Graphviz, Mermaid) and gradcli ops (and docs/ops.md)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, golden, invoke_at_root as invoke  # noqa: E402

from gradcli.render.ops_table import markdown_table, op_rows  # noqa: E402
from gradcli.engine.registry import OPS  # noqa: E402

LINEAR = ["samples/linear.grad", "--feed", "X=[[2],[3]]", "--feed", "Y=[[3],[2]]"]


def test_tree_golden_with_values_and_adjoints():
    result = invoke("graph", *LINEAR, "--of", "cost")
    assert result.exit_code == 0, result.output
    assert "(adjoint 12.3762)" in result.stdout  # W's adjoint is dcost/dW
    golden("learn/graph_tree.txt", result.stdout)


def test_tree_prints_shared_nodes_once():
    result = invoke("graph", "samples/explain.grad", "--of", "y")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("── t  [multiply]") == 1 and result.stdout.count("shown above") == 2
    golden("learn/graph_shared.txt", result.stdout)


def test_tree_without_feeds_shows_structure():
    result = invoke("graph", "samples/linear.grad", "--of", "cost")
    assert result.exit_code == 0, result.output
    assert "adjoint" not in result.stdout and "reduce_sum" in result.stdout


def _dot(*args) -> str:
    result = invoke("graph", *args, "--format", "dot")
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed (apt-get install graphviz)")
@pytest.mark.parametrize("args", [LINEAR, ["samples/linear.grad"], ["-e", "x**2 + x - 1", "--feed", "x=2"], ["samples/homework.grad"]])
def test_dot_renders_with_graphviz(args):
    text = _dot(*args)
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "<svg" in done.stdout


def test_dot_labels_are_escaped():
    text = _dot("-e", 'reduce_sum(x, axis=[0]) + x', "--feed", "x=[1,2]")
    for line in text.splitlines():
        if "label=" in line:
            assert re.fullmatch(r'  n\d+ \[label="(?:[^"\\]|\\.)*"(, style=[^\]]+)?\];', line), line
    assert text.startswith("digraph gradcli {") and text.rstrip().endswith("}")


def test_mermaid_declares_every_edge_end_and_quotes_labels():
    result = invoke("graph", *LINEAR, "--format", "mermaid")
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "flowchart BT"
    declared = {}
    for line in lines[1:]:
        m = re.fullmatch(r'  (n\d+)\["([^"]*)"\]', line)
        if m:
            declared[m.group(1)] = m.group(2)
    edges = [re.fullmatch(r"  (n\d+) --> (n\d+)", line) for line in lines[1:] if "-->" in line]
    assert edges and all(edges)
    for e in edges:
        assert e.group(1) in declared and e.group(2) in declared
    assert len(declared) + len(edges) == len(lines) - 1


def test_graph_json():
    result = invoke("graph", *LINEAR, "--of", "cost", "--json")
    doc = json.loads(result.stdout)
    assert doc["command"] == "graph" and doc["roots"][0]["name"] == "cost"
    ids = {n["id"] for n in doc["nodes"]}
    assert all(a in ids and b in ids for a, b in doc["edges"])
    assert doc["text"].startswith("(each adjoint is ∂cost/∂node") and doc["adjoints_of"] == ["cost"]


def test_ops_lists_every_public_op():
    result = invoke("ops")
    assert result.exit_code == 0
    public = [op for op in OPS.values() if "internal" not in op.tags]
    for op in public:
        assert op.signature in result.stdout
    assert "sum_to(" not in result.stdout
    assert "no gradient (None)" in result.stdout and "no gradient rule (error on the path)" in result.stdout


def test_ops_json_and_markers():
    doc = json.loads(invoke("ops", "--json").stdout)
    rows = {r["name"]: r for r in doc["ops"]}
    assert rows["floor"]["gradient"].startswith("no gradient (None)") and not rows["floor"]["differentiable"]
    assert rows["unique"]["gradient"] == "no gradient rule (error on the path)"
    assert rows["sin"]["gradient"] == "∂sin(x)/∂x = cos(x)" and rows["sin"]["differentiable"]
    assert rows["reduce_sum"]["aliases"] == ["sum"]


def test_ops_by_name_and_unknown():
    result = invoke("ops", "sum", "matmul")
    assert result.exit_code == 0 and "reduce_sum(" in result.stdout and "matmul(" in result.stdout
    result = invoke("ops", "sine")
    assert result.exit_code == 65 and "did you mean 'sin'" in result.stderr


def test_docs_ops_md_is_up_to_date():
    path = ROOT / "docs" / "ops.md"
    text = markdown_table(op_rows())
    if os.environ.get("GRADCLI_UPDATE_DOCS"):
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, "docs/ops.md is stale: GRADCLI_UPDATE_DOCS=1 python -m pytest tests/learn/test_graph_ops.py"
