"""Engine benchmarks: an MLP against hand-written NumPy, and a long scalar chain.

    python bench/bench_engine.py            # both
    python bench/bench_engine.py --quick    # fewer runs

(1) The MLP of the issue in float64: X [1024, 784] -> relu(X@W1+b1) [1024]
-> tanh(.@W2+b2) [1024] -> .@W3+b3 [10], loss = mean softmax cross-entropy
against one-hot labels, gradients w.r.t. the six parameters. The graph is
built once; each run evaluates loss and gradients. The reference is the same
forward and backward written by hand in NumPy. Runs alternate; medians are
compared (target: engine <= 1.10x NumPy).

(2) A chain of 10,000 lines `v = sin(v) * 1.0001 + 0.1` (30,000 ops) built
with the engine API: build + evaluate + gradient of the last v w.r.t. the
first, in us per op (target <= 20) and the time ratio of 30,000 ops over
3,000 (target <= 12); and a 100,000-node chain must not hit a RecursionError.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradcli.engine.evaluate import evaluate  # noqa: E402
from gradcli.engine.gradients import gradients  # noqa: E402
from gradcli.engine.graph import Graph, apply  # noqa: E402

SIZES = (784, 1024, 1024, 10)
BATCH = 1024


def mlp_params(rng):
    params = {}
    for i, (m, n) in enumerate(zip(SIZES, SIZES[1:]), start=1):
        params[f"W{i}"] = rng.standard_normal((m, n)) * np.sqrt(2.0 / m)
        params[f"b{i}"] = np.zeros(n)
    return params


def engine_mlp(X, Y, params):
    """The graph, built once: returns a function that evaluates loss and gradients."""
    g = Graph()
    x = g.constant(X)
    y = g.constant(Y)
    p = {k: g.variable(k, g.constant(v), "float64", v.shape) for k, v in params.items()}
    h1 = apply("relu", x @ p["W1"] + p["b1"])
    h2 = apply("tanh", h1 @ p["W2"] + p["b2"])
    logits = h2 @ p["W3"] + p["b3"]
    loss = apply("reduce_mean", apply("softmax_cross_entropy_with_logits", y, logits))
    names = list(p)
    grads = gradients([loss], [p[k] for k in names])
    fetches = [loss, *grads]

    def run():
        values = evaluate(fetches)
        return values[loss], {k: values[gk] for k, gk in zip(names, grads)}

    return run


def numpy_mlp(X, Y, P):
    """The same loss and gradients by hand."""
    a1 = X @ P["W1"] + P["b1"]
    h1 = np.maximum(a1, 0)
    h2 = np.tanh(h1 @ P["W2"] + P["b2"])
    logits = h2 @ P["W3"] + P["b3"]
    m = logits.max(axis=1, keepdims=True)
    shifted = logits - m
    lse = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    logp = shifted - lse
    loss = -(Y * logp).sum(axis=1).mean()
    n = X.shape[0]
    d3 = (np.exp(logp) - Y) / n
    g = {"W3": h2.T @ d3, "b3": d3.sum(axis=0)}
    d2 = (d3 @ P["W3"].T) * (1 - h2 * h2)
    g["W2"], g["b2"] = h1.T @ d2, d2.sum(axis=0)
    d1 = (d2 @ P["W2"].T) * (a1 > 0)
    g["W1"], g["b1"] = X.T @ d1, d1.sum(axis=0)
    return loss, g


def bench_mlp(runs):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, SIZES[0]))
    Y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], BATCH)]
    params = mlp_params(rng)
    run = engine_mlp(X, Y, params)
    # same numbers first
    loss_e, grads_e = run()
    loss_n, grads_n = numpy_mlp(X, Y, params)
    assert np.allclose(loss_e, loss_n, rtol=1e-12), (loss_e, loss_n)
    for k in grads_n:
        assert np.allclose(grads_e[k], grads_n[k], rtol=1e-9, atol=1e-12), k
    engine, numpy = [], []
    for _ in range(runs):
        t = time.perf_counter()
        run()
        engine.append(time.perf_counter() - t)
        t = time.perf_counter()
        numpy_mlp(X, Y, params)
        numpy.append(time.perf_counter() - t)
    e, n = statistics.median(engine), statistics.median(numpy)
    print(f"MLP {SIZES} batch {BATCH}, float64, median of {runs} alternating runs")
    print(f"  engine {e * 1e3:8.1f} ms   numpy {n * 1e3:8.1f} ms   ratio {e / n:.3f}x  (target <= 1.10x)")
    return e / n


def chain(lines):
    """Build the chain, evaluate the last v and its gradient w.r.t. the first: seconds."""
    t = time.perf_counter()
    g = Graph()
    v0 = g.variable("v", g.constant(0.5), "float64", ())
    v = v0
    for _ in range(lines):
        v = apply("sin", v) * 1.0001 + 0.1
    (dv,) = gradients([v], [v0])
    values = evaluate([v, dv])
    assert np.isfinite(values[dv])
    return time.perf_counter() - t


def bench_chain(repeats):
    small = min(chain(1_000) for _ in range(repeats))
    big = min(chain(10_000) for _ in range(repeats))
    ops_small, ops_big = 3 * 1_000, 3 * 10_000
    print("scalar chain v = sin(v) * 1.0001 + 0.1: build + evaluate + gradient")
    print(f"  {ops_small:>6,} ops {small * 1e3:8.1f} ms  {small / ops_small * 1e6:5.1f} us/op")
    print(f"  {ops_big:>6,} ops {big * 1e3:8.1f} ms  {big / ops_big * 1e6:5.1f} us/op  (target <= 20)")
    print(f"  ratio 30,000 / 3,000 ops: {big / small:.2f}  (target <= 12)")
    t = time.perf_counter()
    chain(100_000 // 3)
    print(f"  100,000-op chain: ok in {time.perf_counter() - t:.2f} s (no RecursionError)")
    return big / ops_big * 1e6, big / small


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    bench_mlp(5 if quick else 11)
    bench_chain(1 if quick else 3)
