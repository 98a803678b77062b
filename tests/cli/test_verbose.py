"""-v adds timings and the graph's size (nodes, and how many each op made) on stderr."""
from __future__ import annotations

import re

from conftest import invoke


def _verbose(*args):
    result = invoke("-v", *args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result


def test_eval_prints_timings_then_the_graph_size():
    result = _verbose("eval", "-e", "x*sin(x)", "--feed", "x=2")
    assert result.stdout == "expr  float64  1.81859\n"
    timing, graph = result.stderr.splitlines()
    assert re.fullmatch(r"timing: parse\+build [\d.]+ ms, evaluate [\d.]+ ms; total [\d.]+ ms; 3 nodes evaluated", timing)
    # x, sin(x), x * sin(x)
    assert graph == "graph: 3 nodes, 3 ops (multiply 1, placeholder 1, sin 1)"


def test_grad_counts_the_gradient_graph_it_builds():
    result = _verbose("grad", "-e", "x*sin(x)", "--feed", "x=2")
    graph = result.stderr.splitlines()[-1]
    nodes = int(re.match(r"graph: (\d+) nodes", graph).group(1))
    assert nodes > 3
    assert "cos 1" in graph  # d sin(x)/dx = cos(x): a node of the gradient graph


def test_a_model_file_counts_every_name_and_claim():
    result = _verbose("eval", "samples/linear.grad", "--feed", "X=[[2],[3]]", "--feed", "Y=[[3],[2]]")
    graph = result.stderr.splitlines()[-1]
    total, kinds, listed = re.fullmatch(r"graph: (\d+) nodes, (\d+) ops \((.*)\)", graph).groups()
    counts = dict((name, int(n)) for name, n in (part.split(" ") for part in listed.split(", ")))
    assert sum(counts.values()) == int(total) and len(counts) == int(kinds)
    assert list(counts.values()) == sorted(counts.values(), reverse=True)  # most used first
    assert counts["placeholder"] == 2 and counts["variable"] == 2  # X, Y; W, b
    assert counts["reduce_sum"] == 3  # cost, and the two expects' right-hand sides


def test_without_v_nothing_is_added():
    result = invoke("eval", "-e", "x*sin(x)", "--feed", "x=2")
    assert result.stderr == ""


def test_graph_and_check_report_it_too():
    for args in (["graph", "-e", "x*sin(x)"], ["check", "samples/homework.grad"]):
        result = invoke("-v", *args)
        assert result.stderr.splitlines()[-1].startswith("graph: "), args
