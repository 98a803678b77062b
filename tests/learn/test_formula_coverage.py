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


CONV = "var x = reshape(cast(range(32), float) / 10.0 - 1.0, [1, 4, 4, 2])\nvar w = reshape(cast(range(36), float) / 20.0 - 0.8, [3, 3, 2, 2])\n"


@pytest.mark.parametrize("source,x,spelled", [
    ("var a = [1.0, 2.0]\nvar b = [3.0, 4.0, 5.0]\ny = reduce_sum(concat([a, b], 0) * [1.0, 2.0, 3.0, 4.0, 5.0])\n", "b", "[2:5]"),
    ("var a = [[1.0, 2.0]]\ny = reduce_sum(tile(a, [3, 2]) * reshape(cast(range(12), float), [3, 4]))\n", "a", "reduce_sum(reshape("),
    ("var p = [1.0, 2.0, 3.0]\ny = reduce_sum(gather(p, [0, 2, 2]) * [1.0, 2.0, 3.0])\n", "p", "unsorted_segment_sum("),
    ("var d = [1.0, 2.0]\ny = reduce_sum(diag(d) * [[1.0, 2.0], [3.0, 4.0]])\n", "d", None),
    # convolution and pooling gradients, as TensorFlow names them (public ops that read back)
    (CONV + 'y = reduce_sum(sin(conv2d(x, w, 1, "SAME")))\n', "x", 'conv2d_backprop_input(shape(x), w, cos(conv2d(x, w, 1, "SAME")), 1, "SAME")'),
    (CONV + 'y = reduce_sum(sin(conv2d(x, w, 1, "SAME")))\n', "w", 'conv2d_backprop_filter(x, shape(w), cos(conv2d(x, w, 1, "SAME")), 1, "SAME")'),
    (CONV + 'y = reduce_sum(conv2d(x * x, w, [2, 2], "VALID", dilations=1) ** 2)\n', "w", "conv2d_backprop_filter(x**2, shape(w), "),
    (CONV + 'y = reduce_sum(conv2d(x * x, w, 2, "SAME") ** 2)\n', "x", "conv2d_backprop_input([1, 4, 4, 2], w, "),
    ("var s = [[[0.5, -1.0], [2.0, 0.3], [1.5, -0.2], [0.1, 0.4]]]\nvar k = [[[0.2], [0.7]], [[-0.5], [1.0]]]\n"
     'y = reduce_sum(conv1d(s, k, 1, "VALID") ** 2)\n', "k", "conv2d_backprop_filter("),
    (CONV + 'y = reduce_sum(sin(max_pool2d(x, 2, 2, "VALID")))\n', "x", 'max_pool2d_backprop(x, cos(max_pool2d(x, 2, 2, "VALID")), 2, 2, "VALID")'),
    (CONV + 'y = reduce_sum(avg_pool2d(x, 3, 1, "SAME") ** 2)\n', "x", 'avg_pool2d_backprop(shape(x), 2*avg_pool2d(x, 3, 1, "SAME"), 3, 1, "SAME")'),
    # gather_nd's scatter, trace's identity, cholesky's mask
    ("var p = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]\ny = reduce_sum(gather_nd(p, [[0, 1], [2, 0], [0, 1]]) * [1.0, 2.0, 3.0])\n", "p",
     "scatter_nd([[0, 1], [2, 0], [0, 1]], [1.0, 2.0, 3.0], shape(p))"),
    ("var p = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]\ny = reduce_sum(gather_nd(p, [[2], [0]]) ** 2)\n", "p", "scatter_nd([[2], [0]], 2*gather_nd(p, [[2], [0]]), shape(p))"),
    ("var a = [[2.0, 1.0], [0.5, 3.0]]\ny = trace(a @ a)\n", "a", "eye(2)"),
    ("var a = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]]\n"
     "y = reduce_sum(cholesky(a) * [[1.0, 0.0, 0.0], [2.0, 3.0, 0.0], [4.0, 5.0, 6.0]])\n", "a", "[[0.5, 0.0, 0.0], [1.0, 0.5, 0.0], [1.0, 1.0, 0.5]]"),
])
def test_gradients_helpers_have_readable_spellings(source, x, spelled):
    text = _formula_reads_back(source, x, {})
    if spelled:
        assert spelled in text


def test_the_backprop_ops_take_their_shapes_known():
    """input_sizes is shape(x) or a list: a size computed from inputs is E0214, an out_backprop of
    the wrong shape E0302, each a diagnostic."""
    from gradcli.errors import GradcliError

    for line, code in [
        ('y = conv2d_backprop_input(shape(x) * 2, w, ones([1, 4, 4, 2]), 1, "SAME")\n', "E0214"),
        ('y = conv2d_backprop_input([1, 4, 4, 2], w, ones([1, 3, 3, 2]), 1, "SAME")\n', "E0302"),
        ('y = max_pool2d_backprop(x, ones([1, 4, 4, 2]), 2, 2, "VALID")\n', "E0302"),
        ('y = avg_pool2d_backprop([4, 4], ones([1, 2, 2, 2]), 2, 2, "VALID")\n', "E0214"),
        ('y = scatter_nd([[0], [1]], ones([2, 3]), shape(x) + 1)\n', "E0214"),
        ('y = scatter_nd([[0], [1]], ones([2, 3]), [4, 2])\n', "E0302"),
    ]:
        with pytest.raises(GradcliError) as error:
            loads(CONV + line)
        assert error.value.diagnostics[0].code == code, line
