"""Hypothesis: a random small program with a function, a loop and a condition gives the
same values and gradients as the same program unrolled by hand into plain .grad statements."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

import gradcli

OPS = st.sampled_from(["sin", "cos", "tanh", "exp"])
NUMBER = st.floats(min_value=-1.5, max_value=1.5, allow_nan=False).map(lambda v: round(v, 3))


@settings(max_examples=30, deadline=None)
@given(op=OPS, a=NUMBER, b=NUMBER, x0=NUMBER, n=st.integers(0, 6), flip=st.integers(0, 6))
def test_functions_and_loops_equal_their_unrolling(op, a, b, x0, n, flip):
    program = (
        f"var x = {x0}\n"
        f"def step(t, i):\n"
        f"    if i < {flip}:\n"
        f"        return {op}(t) * {a} + {b}\n"
        f"    return t * {a} - {b}\n"
        f"v = x\n"
        f"for i in range({n}):\n"
        f"    v = step(v, i)\n"
        f"g = gradients(v, x)\n"
    )
    lines = [f"var x = {x0}\n", "v = x\n"]
    for i in range(n):
        lines.append(f"v = {op}(v) * {a} + {b}\n" if i < flip else f"v = v * {a} - {b}\n")
    lines.append("g = gradients(v, x)\n")
    looped = gradcli.loads(program, name="p.py").eval()
    unrolled = gradcli.loads("".join(lines), name="u.grad").eval()
    np.testing.assert_allclose(looped["v"], unrolled["v"], rtol=1e-12)
    np.testing.assert_allclose(looped["g"][0], unrolled["g"][0], rtol=1e-12)
