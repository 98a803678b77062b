"""Evaluation frees what the fetches no longer need, and bounds what a run holds at once."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import gradcli
from gradcli.engine.evaluate import LIVE_FACTOR, evaluate
from gradcli.errors import GradcliError

N = 500_000  # elements of each intermediate: 4 MB in float64
MB = N * 8

CHAIN = (
    "placeholder x: float[None]\n"
    "a = x * 2.0\n"
    "b = a * 3.0\n"
    "c = b * 4.0\n"
    "d = c * 5.0\n"
    "y = reduce_sum(d)\n"
)


def _nodes(model, *names):
    return [model.resolved.bindings[n] for n in names]


def _peak(fn) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_keep_fetches_returns_only_the_fetches_with_the_right_values():
    model = gradcli.loads(CHAIN)
    x, y, b = _nodes(model, "x", "y", "b")
    feed = np.arange(4.0)
    values = evaluate([y, b], {x: feed}, keep="fetches")
    assert set(values) == {y, b}
    assert values[y] == pytest.approx(120.0 * feed.sum())
    np.testing.assert_array_equal(values[b], feed * 6.0)
    everything = evaluate([y, b], {x: feed})  # keep="all": every node needed, the same count
    assert len(everything) == values.evaluated > 6 and everything[y] == values[y]


def test_an_intermediate_is_released_after_its_last_use():
    model = gradcli.loads(CHAIN)
    x, y = _nodes(model, "x", "y")
    feed = np.ones(N)
    peak_all = _peak(lambda: evaluate([y], {x: feed}))
    peak_freed = _peak(lambda: evaluate([y], {x: feed}, keep="fetches"))
    # keeping everything holds a, b, c and d (16 MB); freeing holds at most two at once
    assert peak_all > 3.5 * MB
    assert peak_freed < 2.5 * MB


def test_a_released_intermediate_is_really_gone(monkeypatch):
    """A weak reference to each value made: only the fetch survives the run."""
    import weakref

    model = gradcli.loads(CHAIN)
    x, y, c = _nodes(model, "x", "y", "c")
    made = []
    for node in _nodes(model, "a", "b", "c", "d"):
        forward = node.op.forward

        def spy(*args, _forward=forward, **kw):
            out = _forward(*args, **kw)
            if not any(r() is out for r in made):  # a spy may wrap a spy: count each array once
                made.append(weakref.ref(out))
            return out

        monkeypatch.setattr(node.op, "forward", spy)
    values = evaluate([y, c], {x: np.ones(8)}, keep="fetches")
    alive = [r() for r in made if r() is not None]
    assert len(made) == 4 and len(alive) == 1 and alive[0] is values[c]


def test_the_mlp_style_eval_keeps_results_and_frees_the_rest():
    model = gradcli.loads(CHAIN)
    result = model.run({"x": np.ones(10)})
    assert {e.name: float(np.sum(e.value)) for e in result.entries if e.name in ("y", "d")} == {"y": 1200.0, "d": 1200.0}
    assert result.nodes_evaluated >= 6


LIVE = (
    "a = ones([1000])\n"
    "b = a + 1\n"
    "c = b + a\n"
    "d = c + b\n"
    "e = d + c\n"
    "y = reduce_sum(e + d + c + b + a)\n"
    "fetch y\n"
)


def test_the_live_total_is_bounded_with_a_diagnostic_at_the_op_that_crosses_it():
    model = gradcli.loads(LIVE, max_elements=1000)
    with pytest.raises(GradcliError) as caught:
        model.run()
    (d,) = caught.value.diagnostics
    assert d.code == "E0305"
    assert d.message == (f"add() would bring the elements held at once to 5,000, over the limit of {LIVE_FACTOR * 1000:,} "
                         f"({LIVE_FACTOR} x --max-elements 1,000)")
    assert (d.span.line, d.span.column) == (5, 5)  # e = d + c: a, b, c, d are all still needed
    assert d.notes == ["held at once: the feeds, the results kept for output, and intermediates still needed"]


def test_a_chain_of_big_intermediates_fits_because_each_is_freed():
    text = "a = ones([1000])\n" + "".join(f"v{i + 1} = v{i} * 2.0\n".replace("v0", "a") for i in range(8)) + "y = reduce_sum(v8)\nfetch y\n"
    model = gradcli.loads(text, max_elements=1000)
    assert model.eval()["y"] == 1000 * 2.0 ** 8
    # keeping every value of the same run goes over the bound
    nodes = [model.resolved.bindings["y"]]
    with pytest.raises(GradcliError) as caught:
        evaluate(nodes, {}, 0, 1000)
    assert caught.value.diagnostics[0].code == "E0305"


def test_the_bound_is_a_cli_diagnostic(tmp_path, run_cli=None):
    import subprocess

    (tmp_path / "m.grad").write_text(LIVE)
    out = subprocess.run(["gradcli", "eval", "m.grad", "--max-elements", "1000"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert out.returncode == 65
    assert out.stderr.startswith("error[E0305]: add() would bring the elements held at once to 5,000")
    assert "= help: raise the limit with --max-elements if you mean it" in out.stderr
    ok = subprocess.run(["gradcli", "eval", "m.grad", "--max-elements", "2000"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert ok.returncode == 0 and ok.stdout == "y  float64  19000\n"


def test_a_nan_result_still_names_the_op_that_made_it():
    model = gradcli.loads("placeholder x\na = x * 2.0\nb = log(a - 10.0)\ny = b + 1.0\nfetch y\n")
    result = model.run({"x": 1.0})
    (w,) = [w for w in result.warnings if w.code == "W0601"]
    assert w.message == "log() produced NaN"


@pytest.mark.parametrize("text, message", [
    ("var x = zeros([30000])\ny = reduce_sum(sin(x))\nh = hessians(y, x)\n",
     "the Hessian with respect to x (30,000 elements) would have 900,000,000 elements, over the limit of 100,000,000"),
    ("var x = zeros([30000])\ny = sin(x)\nh = jacobian(y, x)\n",
     "jacobian of y (30,000 elements) with respect to x (30,000) would have 900,000,000 elements, over the limit of 100,000,000"),
])
def test_hessians_and_jacobians_check_their_size_before_making_seed_rows(text, message):
    import time

    start = time.perf_counter()
    with pytest.raises(GradcliError) as caught:
        gradcli.loads(text)
    assert time.perf_counter() - start < 5  # 30,000 seed rows of 30,000 would take minutes and 7 GB
    (d,) = caught.value.diagnostics
    assert (d.code, d.message, d.span.line) == ("E0305", message, 3)


def test_a_small_hessian_is_still_computed():
    model = gradcli.loads("var x = [1.0, 2.0]\ny = reduce_sum(x * x * x)\nh = hessians(y, x)\n")
    (h,) = model.eval()["h"]
    np.testing.assert_allclose(h, [[6.0, 0.0], [0.0, 12.0]])
