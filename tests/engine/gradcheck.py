"""Central-difference gradient checks shared by the op suites (tests/engine/test_ops.py and
test_new_ops.py): one definition of the numeric gradient and of the seeded comparison."""
from __future__ import annotations

import numpy as np

from gradcli.engine.evaluate import evaluate
from gradcli.engine.gradients import Unconnected, gradients

STEP = 1e-6
RTOL = 1e-5
ATOL = 1e-6


def value(node, feeds=None):
    return evaluate([node], feeds)[node]

def numeric_grad(f, xs):
    """Central differences of the scalar f at each element of each x."""
    out = []
    for k, x in enumerate(xs):
        grad = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            hi = [a.copy() for a in xs]
            lo = [a.copy() for a in xs]
            hi[k][idx] += STEP
            lo[k][idx] -= STEP
            grad[idx] = (f(hi) - f(lo)) / (2 * STEP)
        out.append(grad)
    return out

def check_gradient(ys, xs, points, rng, order_label):
    """gradients(ys, xs) seeded with random cotangents vs central differences of sum(y * cot)."""
    g = xs[0].graph
    cots = [rng.standard_normal(np.shape(value(y))) for y in ys]
    grads = gradients(ys, xs, grad_ys=[g.constant(c) for c in cots])

    def f(values):
        got = evaluate(ys, dict(zip(xs, values)))
        return sum(float(np.sum(got[y] * c)) for y, c in zip(ys, cots))

    expected = numeric_grad(f, points)
    for x, gx, want in zip(xs, grads, expected):
        got = np.zeros(x.shape) if isinstance(gx, Unconnected) else value(gx)
        assert got.shape == tuple(x.shape), f"{order_label}: gradient shape {got.shape} for x of shape {x.shape}"
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=order_label)
    return grads
