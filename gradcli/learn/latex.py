"""A gradient's formula with its LaTeX, or why it has none; the formula (gradcli.learn.formula's expression) as LaTeX for a write-up:
`\\frac{2 x}{x^{2} + 1}`, `\\sigma\\left(x\\right)`, `\\cos`, `X^\\top`.

Built bottom-up over the expression with an explicit stack (no recursion over
its depth), from the same structure the .grad text is made of, so the two
always say the same thing. What has no mathematical spelling (an index, a
reshape with its shape) is written as the .grad call in `\\operatorname{...}`.
"""
from __future__ import annotations

import math
import re

from dataclasses import dataclass

from .formula import assume
from .formula import (ADD, ATOM, MUL, POW, UNARY, Add, Call, Expr, FormulaUnavailable, Mul, Num, Sym, Where,
                      _NAMED_CONSTANTS, _formula, arg_text, is_num, number_text)


@dataclass
class FormulaResult:
    text: str | None  # the .grad expression, or None
    latex: str | None  # the same as LaTeX, or None
    reason: str | None = None  # why there is none, in words
    assumes: tuple = ()  # the domain the formula holds on ("x > 0"), stated (learn/formula/assume.py); the LaTeX ends with it

    def as_latex(self) -> "FormulaResult":
        """The same result, shown as its LaTeX (which states the assumptions itself)."""
        return FormulaResult(self.latex, self.latex, self.reason)

    @property
    def shown(self) -> str | None:
        """The formula as the listing shows it: `x**x*(log(x) + 1)  (for x > 0)`."""
        if self.text is None or not self.assumes:
            return self.text
        return f"{self.text}  (for {' and '.join(self.assumes)})"

    @property
    def too_long(self) -> bool:
        return self.reason is not None and self.reason.startswith("too long")


def formula_result(node, names: dict | None = None, fed: dict | None = None) -> FormulaResult:
    """A gradient's formula, its LaTeX, or why there is none ("too long: ...", "gather_grad() has no ...")."""
    try:
        with assume.noting() as assumed:
            e = _formula(node, names, fed)
        tex = latex(e)
        if assumed:
            tex += r" \quad (" + ", ".join(_raw(a) for a in assumed) + ")"
        return FormulaResult(arg_text(e), tex, assumes=tuple(assumed))
    except FormulaUnavailable as error:  # FormulaTooLong says how long it is, and the limit
        return FormulaResult(None, None, str(error))

FUNCTIONS = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "exp": r"\exp", "log": r"\log",
    "sinh": r"\sinh", "cosh": r"\cosh", "tanh": r"\tanh", "asin": r"\arcsin", "acos": r"\arccos",
    "atan": r"\arctan", "sigmoid": r"\sigma", "softplus": r"\operatorname{softplus}",
    "erf": r"\operatorname{erf}", "reduce_sum": r"\sum", "reduce_mean": r"\operatorname{mean}", "relu": r"\operatorname{relu}", "sign": r"\operatorname{sign}",
}
GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "theta", "lambda", "mu", "sigma", "tau", "phi", "omega", "eta", "rho"}
_LATEX_CONSTANTS = {
    "2/sqrt(np.pi)": r"\frac{2}{\sqrt{\pi}}", "np.pi": r"\pi", "1/sqrt(2*np.pi)": r"\frac{1}{\sqrt{2\pi}}",
    "sqrt(2/np.pi)": r"\sqrt{\frac{2}{\pi}}", "log(2)": r"\log 2", "log(10)": r"\log 10",
    "1/log(2)": r"\frac{1}{\log 2}", "1/log(10)": r"\frac{1}{\log 10}",
}


def escape(text: str) -> str:
    """Text inside \\operatorname{} or \\mathrm{}: LaTeX's special characters escaped."""
    out = []
    for ch in text:
        if ch in "\\":
            out.append(r"\backslash ")
        elif ch in "{}_#%&$":
            out.append("\\" + ch)
        elif ch == "^":
            out.append(r"\hat{}")
        elif ch == "~":
            out.append(r"\sim ")
        else:
            out.append(ch)
    return "".join(out)


def name_latex(name: str) -> str:
    m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    if m:
        return f"{name_latex(m.group(1))}_{{{m.group(2)}}}"
    if name in GREEK:
        return "\\" + name
    if len(name) == 1:
        return name
    return r"\mathrm{" + escape(name) + "}"


def number_latex(value) -> str:
    if not isinstance(value, (bool, int)) and float(value) != 0:
        named = _NAMED_CONSTANTS.get(abs(float(value)))
        if named is not None:
            return ("-" if float(value) < 0 else "") + _LATEX_CONSTANTS[named]
    text = number_text(value)
    if text in ("inf", "-inf"):
        return text.replace("inf", r"\infty")
    if text == "nan":
        return r"\mathrm{NaN}"
    m = re.fullmatch(r"(-?[\d.]+)e([+-]?)0*(\d+)", text)
    if m:
        mant, sign, exp = m.groups()
        power = f"10^{{{'-' if sign == '-' else ''}{exp}}}"
        return power if mant == "1" else f"{mant} \\cdot {power}"
    return text


def _children(e: Expr) -> list:
    if isinstance(e, Add):
        return [t for _, t in e.terms]
    if isinstance(e, Mul):
        return [x for f in e.factors for x in f]
    if isinstance(e, Call):
        return list(e.args)
    if isinstance(e, Where):
        return [e.cond, e.a, e.b]
    return []


def latex(root: Expr) -> str:
    """root as LaTeX (children first, from an explicit stack)."""
    done: dict[int, str] = {}
    stack = [(root, False)]
    while stack:
        e, ready = stack.pop()
        if id(e) in done:
            continue
        if not ready:
            stack.append((e, True))
            stack.extend((c, False) for c in _children(e) if id(c) not in done)
            continue
        done[id(e)] = _one(e, done)
    return done[id(root)]


def _wrap(e: Expr, text: str, above: int) -> str:
    return f"\\left({text}\\right)" if e.prec < above else text


def _one(e: Expr, done) -> str:
    if isinstance(e, Num):
        return number_latex(e.value)
    if isinstance(e, Sym):
        return name_latex(e.text)
    if isinstance(e, Add):
        return _sum(e, done)
    if isinstance(e, Mul):
        return _product(e.coef, e.factors, done)
    if isinstance(e, Where):
        return (r"\begin{cases} " + done[id(e.a)] + r" & \text{if } " + done[id(e.cond)]
                + r" \\ " + done[id(e.b)] + r" & \text{otherwise} \end{cases}")
    if isinstance(e, Call):
        return _call(e, done)
    return _raw(e.text)


def _raw(text: str) -> str:
    m = re.fullmatch(r"shape\((\w+)\)\[(\d+)\]", text)  # an unknown size, the batch: shape(X)[0]
    if m:
        return r"\operatorname{shape}\left(" + name_latex(m.group(1)) + r"\right)_{" + m.group(2) + "}"
    # a comparison `x > 0` reads as mathematics; anything else keeps its .grad spelling
    m = re.fullmatch(r"([A-Za-z_]\w*|-?[\d.]+) (>=|<=|==|!=|>|<) ([A-Za-z_]\w*|-?[\d.]+)", text)
    if m:
        sym = {">=": r"\geq", "<=": r"\leq", "==": "=", "!=": r"\neq", ">": ">", "<": "<"}[m.group(2)]
        side = [name_latex(p) if not re.fullmatch(r"-?[\d.]+", p) else p for p in (m.group(1), m.group(3))]
        return f"{side[0]} {sym} {side[1]}"
    return r"\mathtt{" + escape(text) + "}"


def _sum(e: Add, done) -> str:
    pieces = [(c, done[id(t)], t) for c, t in e.terms]
    if e.const != 0:
        if all(c < 0 for c, _, _ in pieces):
            pieces.insert(0, (e.const, None, None))
        else:
            pieces.append((e.const, None, None))
    out = []
    for i, (c, text, t) in enumerate(pieces):
        if t is None:
            body = number_latex(abs(c))
        elif abs(c) == 1:
            body = _wrap(t, text, MUL) if not isinstance(t, Mul) else text
        elif isinstance(t, Mul):
            body = _product(abs(c) * t.coef, t.factors, done)
        else:
            body = _product(abs(c), [(t, Num(1))], done)
        sign = "-" if c < 0 else "+"
        out.append(("-" if sign == "-" else "") + body if i == 0 else f" {sign} {body}")
    return "".join(out)


def _power(base: Expr, exp: Expr, done) -> str:
    text = done.get(id(base))
    if text is None:
        text = latex(base)
    if is_num(exp, 1):
        return text
    if is_num(exp, 0.5):
        return r"\sqrt{" + text + "}"
    if isinstance(base, Call) and base.fn in FUNCTIONS and base.args:
        # cos^{2}(x), as a textbook writes a power of a function
        return f"{FUNCTIONS[base.fn]}^{{{_exp_text(exp, done)}}}\\left({done.get(id(base.args[0])) or latex(base.args[0])}\\right)"
    needs = base.prec < ATOM or (isinstance(base, Num) and float(base.value) < 0) or isinstance(base, Call) and base.fn == "@"
    return f"{_wrap(base, text, ATOM + 1) if needs else text}^{{{_exp_text(exp, done)}}}"


def _exp_text(exp: Expr, done) -> str:
    return done.get(id(exp)) or latex(exp)


def _product(coef: float, factors, done) -> str:
    num, den = [], []
    for base, exp in factors:
        if is_num(exp) and float(exp.value) < 0:
            den.append((base, Num(-float(exp.value))))
        elif isinstance(exp, Mul) and exp.coef < 0:
            from .formula import mul  # noqa: PLC0415 - the product algebra, for an exponent's negation

            den.append((base, mul(-exp.coef, exp.factors)))
        else:
            num.append((base, exp))

    def part(items, alone):
        texts = []
        for base, exp in items:
            t = _power(base, exp, done)
            if is_num(exp, 1) and base.prec <= MUL and not (alone and len(items) == 1):
                t = f"\\left({t}\\right)"
            texts.append(t)
        return " ".join(texts)

    lead = number_latex(abs(coef)) if abs(coef) != 1 else ""
    if den:
        bottom = part(den, True)
        if "frac" in lead:
            body = f"{lead} \\frac{{{part(num, True) or '1'}}}{{{bottom}}}"
        else:
            top = " ".join(p for p in (lead, part(num, not lead)) if p) or "1"
            body = f"\\frac{{{top}}}{{{bottom}}}"
    else:
        top = part(num, not lead)
        body = " ".join(p for p in (lead, top) if p) or "1"
        if lead and top and re.match(r"[\d.]", top):
            body = f"{lead} \\cdot {top}"
    return ("-" if coef < 0 else "") + body


def _call(e: Call, done) -> str:
    args = [done.get(id(a)) or latex(a) for a in e.args]
    kwargs = dict(e.kwargs or ())
    if e.fn == "cast" and len(args) == 2:  # a change of dtype is no change in mathematics
        return args[0]
    if e.fn == "@":
        return " ".join(_wrap(a, t, MUL + 1) for a, t in zip(e.args, args))
    if e.fn == "matmul" and len(args) == 2 and set(kwargs) <= {"transpose_a", "transpose_b"}:
        a = _wrap(e.args[0], args[0], ATOM) + (r"^\top" if kwargs.get("transpose_a") == "True" else "")
        b = _wrap(e.args[1], args[1], ATOM) + (r"^\top" if kwargs.get("transpose_b") == "True" else "")
        return f"{a} {b}"
    if e.fn in ("transpose", "matrix_transpose") and len(args) == 1 and not kwargs:
        return _wrap(e.args[0], args[0], ATOM) + r"^\top"
    if kwargs:
        return r"\operatorname{" + escape(e.fn) + r"}\left(" + ", ".join(args + [f"\\mathrm{{{escape(k)}}}={escape(v)}" for k, v in e.kwargs]) + r"\right)"
    if e.fn == "sqrt" and len(args) == 1:
        return r"\sqrt{" + args[0] + "}"
    if e.fn == "abs" and len(args) == 1:
        return r"\left|" + args[0] + r"\right|"
    if e.fn in FUNCTIONS and len(args) == 1:
        return FUNCTIONS[e.fn] + r"\left(" + args[0] + r"\right)"
    return r"\operatorname{" + escape(e.fn) + r"}\left(" + ", ".join(args) + r"\right)"


__all__ = ["latex", "escape", "name_latex", "number_latex", "ADD", "UNARY", "POW", "math"]
