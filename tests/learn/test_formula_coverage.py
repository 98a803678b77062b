"""Every op of the registry is accounted for by the formulas: a public op is spelled by its
name, an internal one (a gradient's helper) has a spelling or a reason it has none. A new op
fails this test until it is classified."""
from __future__ import annotations

import numpy as np
import pytest

import gradcli.engine.ops  # noqa: F401 - registers every op
from gradcli.engine.registry import OPS
from gradcli.learn.formula import HANDLED_INTERNAL, NO_FORMULA
from gradcli.model import loads


def test_every_internal_op_has_a_formula_rule_or_a_reason():
    internal = {name for name, op in OPS.items() if "internal" in op.tags}
    assert internal - HANDLED_INTERNAL - set(NO_FORMULA) == set(), "internal ops with no formula rule"
    assert (HANDLED_INTERNAL & set(NO_FORMULA)) == set()
    assert set(NO_FORMULA) <= internal, "NO_FORMULA names an op that is not internal (or no longer exists)"


def test_every_public_differentiable_op_is_spelled_by_its_name():
    public = [op for op in OPS.values() if "internal" not in op.tags and op.differentiable]
    assert public
    for op in public:
        assert all(part.isidentifier() for part in op.name.split(".")) and op.signature.startswith(op.name + "(")


def _formula_reads_back(source, x, feeds):
    m = loads(source)
    request = m.gradient_request(["y"], [x])
    (r,) = m.formula_results(request).values()
    assert r.text is not None, r.reason
    (g,) = m.gradients("y", [x], feeds=feeds)
    back = loads(source + f"formula = {r.text}\n")
    value = back.eval(feeds=feeds, fetch=["formula"])["formula"]
    assert value.dtype == g.dtype, r.text  # a float constant prints as a float: [1.0, 2.0], not [1, 2]
    np.testing.assert_allclose(value, g, rtol=1e-12)
    return r.text


@pytest.mark.parametrize("source,x,spelled", [
    ("var a = [1.0, 2.0]\nvar b = [3.0, 4.0, 5.0]\ny = reduce_sum(concat([a, b], 0) * [1.0, 2.0, 3.0, 4.0, 5.0])\n", "b", "[2:5]"),
    ("var a = [[1.0, 2.0]]\ny = reduce_sum(tile(a, [3, 2]) * reshape(cast(range(12), float), [3, 4]))\n", "a", "reduce_sum(reshape("),
    ("var p = [1.0, 2.0, 3.0]\ny = reduce_sum(gather(p, [0, 2, 2]) * [1.0, 2.0, 3.0])\n", "p", "unsorted_segment_sum("),
    ("var d = [1.0, 2.0]\ny = reduce_sum(diag(d) * [[1.0, 2.0], [3.0, 4.0]])\n", "d", None),
])
def test_gradients_helpers_have_readable_spellings(source, x, spelled):
    text = _formula_reads_back(source, x, {})
    if spelled:
        assert spelled in text
