"""The textbook's last step, once the formula is built: a factor every term shares comes out.

`x**x + x**x*log(x)` is `x**x*(log(x) + 1)`, `exp(x) + x*exp(x)` is `exp(x)*(x + 1)`: one
term divides every other one (the product rule where f' is f). This runs on the finished
formula only, on its top sum and the sums that are factors of its top product: while the
formula is being built a factored sum could no longer cancel the terms added to it later
(x*y + x, then - x*y, must still be x).
"""
from __future__ import annotations

from .expr import Add, Expr, Mul, Num, add, is_num, mul

MAX_TERMS = 8  # beyond that a common factor is rare and the search not worth its cost


def tidy(e: Expr) -> Expr:
    if isinstance(e, Add):
        return common_factor(e) or e
    if isinstance(e, Mul) and len(e.factors) <= MAX_TERMS:
        factored = [(common_factor(b) or b, x) if isinstance(b, Add) and is_num(x, 1) else (b, x) for b, x in e.factors]
        if any(f[0] is not b for f, (b, _) in zip(factored, e.factors)):
            return mul(e.coef, factored)
    return e


def common_factor(e: Add) -> Expr | None:
    """x**x + x**x*log(x) -> x**x*(log(x) + 1), or None: a term whose factors (same exponents)
    every other term has comes out, leaving 1 in its place."""
    if not 2 <= e.live <= MAX_TERMS or e.const != 0:
        return None
    terms = e.terms
    factors = [_factors(t) for _, t in terms]
    for i, shared in enumerate(factors):
        if shared is None or not shared:
            continue
        if all(f is not None and all(k in f and f[k][1].text == x.text for k, (_, x) in shared.items())
               for j, f in enumerate(factors) if j != i):
            inner = add([(c * _coef(t), mul(1, [(b, x) for k, (b, x) in factors[j].items() if k not in shared]))
                         for j, (c, t) in enumerate(terms)])
            if isinstance(inner, Num):
                return None
            return mul(1, [(inner, Num(1))] + list(shared.values()))
    return None


def _factors(t: Expr) -> dict | None:
    if isinstance(t, Mul):
        return {k: (b, x) for k, (b, x) in t.collected.items() if not is_num(x, 0)}
    if isinstance(t, Num):
        return None
    return {t.text: (t, Num(1))}


def _coef(t: Expr) -> float:
    return t.coef if isinstance(t, Mul) else 1.0
