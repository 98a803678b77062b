"""Stated assumptions (learn/formula/assume.py): `x**x` is `x**x*(log(x) + 1)` for x > 0, and
every output says "for x > 0"; the formula reads back to the gradient on that domain (and not
outside it, which is why it is stated). Common factors come out of the finished formula
(learn/formula/tidy.py)."""
from __future__ import annotations

import numpy as np
import pytest

from gradcli.learn.formula import formula
from gradcli.model import expression_model, loads
from conftest import invoke, strict_json


def _result(expression: str, x: str = "x"):
    m = expression_model(expression, shapes={name: () for name in "xy" if name in expression})  # scalars, as -e with --feed
    return m.formula_results(m.gradient_request(["expr"], [x]))[x]


def _reads_back(expression: str, text: str, feeds: dict, x: str = "x"):
    m = expression_model(expression)
    (g,) = m.gradients("expr", [x], feeds=feeds)
    back = expression_model(text)
    return g, back.eval(feeds={k: v for k, v in feeds.items() if k in back.inputs})["expr"]


def test_x_to_the_x_in_textbook_form_for_x_positive():
    r = _result("x**x")
    assert (r.text, r.assumes) == ("x**x*(log(x) + 1)", ("x > 0",))
    assert r.latex == r"x^{x} \left(\log\left(x\right) + 1\right) \quad (x > 0)"
    for x in (0.05, 0.5, 1.0, 2.5, 7.0):
        g, back = _reads_back("x**x", r.text, {"x": x})
        np.testing.assert_allclose(back, g, rtol=1e-12)
    # outside the domain the textbook form is not TensorFlow's gradient: that is why it is stated
    g, back = _reads_back("x**x", r.text, {"x": -1.0})
    assert np.isfinite(g) and not np.isfinite(back)


def test_every_output_states_the_assumption():
    out = invoke("grad", "-e", "x**x", "--wrt", "x", "--formula", "--feed", "x=2").stdout
    assert "= x**x*(log(x) + 1)  (for x > 0)" in out
    doc = strict_json(invoke("grad", "-e", "x**x", "--wrt", "x", "--formula", "--feed", "x=2", "--json").stdout)
    assert doc["formulas"] == {"x": "x**x*(log(x) + 1)"} and doc["assumes"] == {"x": ["x > 0"]}
    doc = strict_json(invoke("grad", "-e", "x**x", "--wrt", "x", "--latex", "--feed", "x=2", "--json").stdout)
    assert doc["latex"] == {"x": r"x^{x} \left(\log\left(x\right) + 1\right) \quad (x > 0)"}
    assert list(doc)[-1] == "diagnostics"
    out = invoke("grad", "-e", "x**x", "--wrt", "x", "--latex", "--feed", "x=2").stdout
    assert out.rstrip().endswith(r"\quad (x > 0)") and "(for x > 0)" not in out


def test_a_formula_without_assumptions_says_so():
    doc = strict_json(invoke("grad", "-e", "x**3", "--wrt", "x", "--formula", "--feed", "x=2", "--json").stdout)
    assert doc["assumes"] == {"x": []}
    assert "assumes" not in strict_json(invoke("grad", "-e", "x**3", "--wrt", "x", "--feed", "x=2", "--json").stdout)


def test_a_null_formula_says_why_in_json():
    doc = strict_json(invoke("grad", "-e", "x**3 + reduce_sum(top_k(y, 2)[0])", "--wrt", "x", "--wrt", "y", "--formula", "--feed", "x=2", "--feed", "y=1,3,2", "--json").stdout)
    assert doc["formulas"]["x"] == "3*x**2" and doc["formulas"]["y"] is None
    assert doc["no_formula"] == {"y": "top_k_indices() has no public equivalent here (top_k's indices)"}
    doc = strict_json(invoke("grad", "-e", "x**3", "--wrt", "x", "--formula", "--feed", "x=2", "--json").stdout)
    assert doc["no_formula"] == {}


@pytest.mark.parametrize("expression,x,text,assumes", [
    ("x**y", "y", "x**y*log(x)", ("x > 0",)),
    ("x**y + y**x", "x", "y**x*log(y) + x**(y - 1)*y", ("y > 0",)),
    ("x**y + y**x", "y", "x*y**(x - 1) + x**y*log(x)", ("x > 0",)),
    ("relu(x) * x", "x", "relu(x) + where(x > 0, x, 0.0)", ()),  # a mask that is the derivative stays
    ("(x + 1)**x", "x", None, ()),  # a condition on an expression is no stated domain: the where stays
])
def test_which_wheres_become_assumptions(expression, x, text, assumes):
    r = _result(expression, x)
    if text is None:
        assert "where(x + 1 > 0" in r.text
    else:
        assert r.text == text
    assert r.assumes == assumes
    feeds = {"x": 1.7, "y": 0.6}
    g, back = _reads_back(expression, r.text, {k: v for k, v in feeds.items() if k in expression}, x)
    np.testing.assert_allclose(back, g, rtol=1e-12)


def test_the_plain_api_assumes_nothing():
    """formula() returns a string, with nowhere to state an assumption: it keeps the where."""
    m = expression_model("x**x")
    (g,) = m.gradient_request(["expr"], ["x"]).results
    assert formula(g, {m.inputs["x"]: "x"}) == "x**x + where(x > 0, x**x*log(x), 0.0)"


def test_an_assumption_inside_a_model_reads_back_on_its_domain():
    source = "var a = 1.5\nplaceholder t: float[3]\ny = reduce_sum(a ** t)\n"
    m = loads(source)
    r = m.formula_results(m.gradient_request(["y"], ["t"]))["t"]
    assert r.assumes == ("a > 0",) and "where" not in r.text
    feeds = {"t": np.array([0.5, -1.0, 2.0])}
    back = loads(source + f"formula = {r.text}\n").eval(feeds=feeds, fetch=["formula"])["formula"]
    np.testing.assert_allclose(back, m.gradients("y", ["t"], feeds=feeds)[0], rtol=1e-12)


@pytest.mark.parametrize("expression,text", [
    ("x * exp(x)", "exp(x)*(x + 1)"),
    ("x * sin(x) * exp(x)", None),  # no term divides every other: left as it is
])
def test_common_factors_come_out_of_the_finished_formula(expression, text):
    r = _result(expression)
    if text is not None:
        assert r.text == text
    for x in (0.3, 1.2):
        g, back = _reads_back(expression, r.text, {"x": x})
        np.testing.assert_allclose(back, g, rtol=1e-12)
