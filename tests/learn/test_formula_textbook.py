"""grad --formula as a student hands it in: textbook formulas, every one reading back to the same
values (a property test over random expressions), LaTeX that a LaTeX-free checker accepts, and
a truthful message when a formula is too long."""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from gradcli.learn.formula import MAX_LENGTH
from gradcli.learn.latex import formula_result
from gradcli.model import expression_model, loads
from conftest import golden, invoke, strict_json


def _formula(expression: str, x: str = "x"):
    m = expression_model(expression)
    (result,) = m.formula_results(m.gradient_request(["expr"], [x])).values()
    return result


def _reads_back(expression: str, formula: str, feeds: dict, xs=("x",)):
    """The formula, evaluated as its own -e expression, equals the gradient (value and dtype)."""
    m = expression_model(expression)
    grads = m.gradients("expr", list(xs), feeds=feeds)
    back = expression_model(formula)
    value = back.eval(feeds={k: v for k, v in feeds.items() if k in back.inputs})["expr"]
    return grads, value


# ----- the textbook table: value, readable text, LaTeX -----

TEXTBOOK = [
    ("x**3 * sin(x)", "x**3*cos(x) + 3*x**2*sin(x)", r"x^{3} \cos\left(x\right) + 3 x^{2} \sin\left(x\right)"),
    ("log(x) / x", "(1 - log(x))/x**2", r"\frac{1 - \log\left(x\right)}{x^{2}}"),
    ("erf(x)", "2/sqrt(np.pi)*exp(-x**2)", r"\frac{2}{\sqrt{\pi}} \exp\left(-x^{2}\right)"),
    ("cos(x)**2 + sin(x)**2", "0.0", "0"),
    ("sigmoid(x)", "sigmoid(x)*(1 - sigmoid(x))", r"\sigma\left(x\right) \left(1 - \sigma\left(x\right)\right)"),
    ("tanh(x)", "1 - tanh(x)**2", r"1 - \tanh^{2}\left(x\right)"),
    ("log(x**2 + 1)", "2*x/(x**2 + 1)", r"\frac{2 x}{x^{2} + 1}"),
    ("1 / (1 + x**2)", "-2*x/(x**2 + 1)**2", r"-\frac{2 x}{\left(x^{2} + 1\right)^{2}}"),
    ("sqrt(x)", "0.5/sqrt(x)", r"\frac{0.5}{\sqrt{x}}"),
    ("atan2(3.0, x)", "-3/(x**2 + 9)", r"-\frac{3}{x^{2} + 9}"),
    ("relu(x) * x", "relu(x) + where(x > 0, x, 0.0)", None),
    ("x**x", "x**x*(log(x) + 1)", r"x^{x} \left(\log\left(x\right) + 1\right) \quad (x > 0)"),  # for x > 0, stated
    ("x * exp(x)", "exp(x)*(x + 1)", r"\exp\left(x\right) \left(x + 1\right)"),
]


@pytest.mark.parametrize("expression,text,tex", TEXTBOOK, ids=[e for e, _, _ in TEXTBOOK])
def test_textbook_formulas(expression, text, tex):
    result = _formula(expression)
    assert result.text == text
    if tex is not None:
        assert result.latex == tex
    assert_latex(result.latex)
    for x in (0.3, 0.7, 1.9):
        (g,), back = _reads_back(expression, result.text, {"x": x})
        assert back.dtype == g.dtype == np.float64
        np.testing.assert_allclose(back, g, rtol=1e-12, atol=1e-14)


def test_float_constants_and_masks_read_back_as_floats():
    """atan2(3, 12) would be int32 and where(..., 1, 0) an integer mask: both print as floats."""
    r = _formula("atan2(x, 3.0) * 0 + maximum(x, 0.0)")
    assert "where(" in r.text and ", 1.0, 0.0)" in r.text or "0.0" in r.text
    (g,), back = _reads_back("atan2(x, 3.0) * 0 + maximum(x, 0.0)", r.text, {"x": 0.5})
    assert back.dtype == np.float64 and float(back) == float(g)


# ----- every printed formula reads back to the same values -----

LEAVES = st.sampled_from(["x", "y", "x", "y", "2", "0.5", "3.0", "1.5"])
UNARY = ["sin", "cos", "tanh", "sigmoid", "exp", "abs", "relu", "softplus", "square", "atan", "erf"]
BINARY = ["+", "-", "*", "/"]


def _expressions():
    def extend(children):
        unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: f"{t[0]}({t[1]})")
        binary = st.tuples(children, st.sampled_from(BINARY), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        power = st.tuples(children, st.sampled_from(["2", "3", "-1", "x", "y"])).map(lambda t: f"({t[0]})**{t[1]}")
        calls = st.tuples(st.sampled_from(["maximum", "minimum", "atan2"]), children, children).map(lambda t: f"{t[0]}({t[1]}, {t[2]})")
        masks = st.tuples(children, children, children).map(lambda t: f"where({t[0]} > {t[1]}, {t[2]}, x)")
        return st.one_of(unary, binary, power, calls, masks)

    return st.recursive(LEAVES, extend, max_leaves=8)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(_expressions(), st.floats(0.2, 1.8), st.floats(-1.8, -0.2))
def test_every_formula_reads_back(expression, x, y):
    m = expression_model(expression)
    if not {"x", "y"} <= set(m.inputs):
        return
    request = m.gradient_request(["expr"], ["x", "y"])
    results = m.formula_results(request)
    for name, r in results.items():
        if r.text is None:
            continue
        # a formula that states an assumption ("y > 0") is checked where the assumption holds
        feeds = {k: abs(v) if f"{k} > 0" in r.assumes else v for k, v in {"x": x, "y": y}.items()}
        assert all(re.fullmatch(r"[xy] > 0", a) for a in r.assumes), r.assumes
        g = m.gradients("expr", [name], feeds=feeds)[0]
        assert_latex(r.latex)
        back = expression_model(r.text)
        value = back.eval(feeds={k: v for k, v in feeds.items() if k in back.inputs})["expr"]
        assert np.asarray(value).dtype == np.float64, (expression, name, r.text)
        np.testing.assert_allclose(value, g, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=f"{expression} d/d{name}: {r.text}")


# ----- LaTeX: a checker that needs no LaTeX -----

KNOWN_MACROS = {
    "frac", "sqrt", "left", "right", "sin", "cos", "tan", "exp", "log", "sinh", "cosh", "tanh", "arcsin", "arccos",
    "arctan", "sigma", "operatorname", "mathrm", "mathtt", "text", "begin", "end", "cdot", "top", "pi", "infty",
    "geq", "leq", "neq", "sum", "alpha", "beta", "gamma", "delta", "epsilon", "theta", "lambda", "mu", "tau", "phi",
    "omega", "eta", "rho", "backslash", "hat", "sim", "quad",
}


def assert_latex(text: str):
    """Balanced braces, \\left/\\right pairs and environments, and only macros a renderer knows."""
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "{}_#%&$\\ ":
            i += 2
            continue
        depth += ch == "{"
        depth -= ch == "}"
        assert depth >= 0, text
        i += 1
    assert depth == 0, text
    macros = re.findall(r"\\([A-Za-z]+)", text.replace("\\\\", " "))
    assert set(macros) <= KNOWN_MACROS, set(macros) - KNOWN_MACROS
    assert macros.count("left") == macros.count("right"), text
    assert macros.count("begin") == macros.count("end"), text


def test_the_latex_checker_catches_what_it_should():
    for bad in [r"\frac{1}{x", r"\foo{x}", r"\left(x", r"x}"]:
        with pytest.raises(AssertionError):
            assert_latex(bad)


def test_matrices_transpose_in_latex():
    model = loads("placeholder X: float[4, 2]\nplaceholder y: float[4, 1]\nvar W = [[0.5], [-0.3]]\n"
                  "pred = X @ W\ncost = 0.5 * reduce_sum((pred - y) ** 2)\n")
    (r,) = model.formula_results(model.gradient_request(["cost"], ["W"])).values()
    assert r.text == "matmul(X, pred - y, transpose_a=True)"
    assert r.latex == r"X^\top \left(\mathrm{pred} - y\right)"
    assert_latex(r.latex)


def test_grad_latex_golden_and_json():
    args = ["grad", "-e", "x / (x**2 + 1)", "--wrt", "x", "--feed", "x=0.5", "--formula", "--latex"]
    result = invoke("--color", "never", *args)
    assert result.exit_code == 0
    golden("learn/grad_latex.txt", result.stdout)
    doc = strict_json(invoke(*args, "--json").stdout)
    assert doc["latex"] == {"x": r"\frac{1}{x^{2} + 1} - \frac{2 x^{2}}{\left(x^{2} + 1\right)^{2}}"}
    assert doc["formulas"] == {"x": "1/(x**2 + 1) - 2*x**2/(x**2 + 1)**2"}


# ----- length: linear to build, truthful when over the budget -----

def _chain(n: int) -> str:
    return "var v0 = 0.5\n" + "".join(f"v{i + 1} = sin(v{i}) * 1.0001 + 0.1\n" for i in range(n))


def test_a_long_chain_has_a_formula_within_the_budget():
    model = loads(_chain(1000))
    (r,) = model.formula_results(model.gradient_request(["v1000"], ["v0"])).values()
    assert r.text.startswith("1.1051653926032188*cos(v0)*cos(v1)*cos(v2)*")
    assert r.text.count("cos(") == 1000 and len(r.text) < MAX_LENGTH


def test_a_formula_over_the_budget_says_so(monkeypatch):
    import gradcli.learn.formula.expr as F

    monkeypatch.setattr(F, "MAX_LENGTH", 2000)
    model = loads(_chain(400))
    (r,) = model.formula_results(model.gradient_request(["v400"], ["v0"])).values()
    assert r.text is None and r.too_long
    assert r.reason == "too long: the formula has 3,908 characters (a product of 401 factors), over the limit of 2,000"


def test_grad_says_too_long_not_no_spelling(tmp_path, monkeypatch):
    import gradcli.learn.formula.expr as F

    monkeypatch.setattr(F, "MAX_LENGTH", 2000)
    path = tmp_path / "chain.grad"
    path.write_text(_chain(400))
    out = invoke("grad", str(path), "--of", "v400", "--wrt", "v0", "--formula").stdout
    assert "(no formula: too long: the formula has 3,908 characters (a product of 401 factors), over the limit of 2,000)" in out
    assert "no .grad spelling" not in out


def test_formula_result_of_an_op_with_no_spelling_names_it():
    m = loads("var x = [1.0, 2.0, 3.0]\ny = reduce_sum(gather(x, [0, 2]) * 2.0)\n")
    (r,) = m.formula_results(m.gradient_request(["y"], ["x"])).values()
    if r.text is None:
        assert "()" in r.reason and "spelling" not in r.reason


def test_formula_result_is_the_formula():
    m = expression_model("x * x")
    (result,) = m.gradient_request(["expr"], ["x"]).results
    x = m.inputs["x"]
    assert formula_result(result, {x: "x"}).text == "2*x"
    assert formula_result(result, {}).reason == "an unnamed input"
