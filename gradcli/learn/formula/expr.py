"""The expression algebra: sums and products that fold constants and collect terms as they are built,
calls, comparisons and where(), each with its text made once from its children's texts."""
from __future__ import annotations

import contextlib
import hashlib
import math
import re

import numpy as np

from ...engine.registry import OPS
from . import assume
from .sig import SCALAR, FormulaTooLong, Sig
from .versioned import Version

MAX_LENGTH = 100_000  # a formula longer than this is not worth reading; formula() returns None (reason: too long)

# precedence: comparison < additive < multiplicative < unary < power < atom
CMP, ADD, MUL, UNARY, POW, ATOM = range(6)


# ----- the expression algebra -----

class Expr:
    """An immutable expression with its text (the canonical key) and precedence.

    Sums and products make their text only when it is asked for (a product of
    3,000 factors built one factor at a time must not write 3,000 texts).

    A text over MAX_LENGTH characters is never kept: the expression's text is a
    stand-in that names its length (`long`), and a text made with stand-ins in it
    counts their lengths instead of theirs. So no text ever made is much longer than
    the limit, and the formula's own length is still known exactly for the message."""

    __slots__ = ("_text", "long", "prec", "sig")

    def __init__(self, text: str | None, prec: int, sig: Sig):
        self._text, self.long = _measured(text) if text is not None else (None, None)
        self.prec, self.sig = prec, sig

    @property
    def text(self) -> str:
        if self._text is None:
            self._text, self.long = _measured(self._make_text())
        return self._text

    @property
    def key(self):
        """What like terms and like factors are collected by: the text (sums and products have their own)."""
        return self.text

    def _make_text(self) -> str:  # only sums and products are lazy
        raise AssertionError("no text")


_STAND_IN = re.compile("\x00[0-9a-f]+:(\\d+)\x00")


def _measured(text: str) -> tuple[str, int | None]:
    """(text, None), or for a text over MAX_LENGTH (with a stand-in in it, it is) (its stand-in, its length).

    A stand-in is a digest of the text: two long terms are like terms exactly when their texts are
    equal, as they would be with the texts themselves, so the formula's length is the true one."""
    if "\x00" in text:
        length = len(text) + sum(int(m.group(1)) - len(m.group(0)) for m in _STAND_IN.finditer(text))
    elif len(text) > MAX_LENGTH:
        length = len(text)
    else:
        return text, None
    return f"\x00{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}:{length}\x00", length


def too_long(e: Expr) -> FormulaTooLong:
    """Why e is not shown: its length, what it is (a sum of N terms, a product of N factors) and the limit."""
    what = None
    if isinstance(e, Add):
        what = f"a sum of {e.live + (e.const != 0):,} terms"
    elif isinstance(e, Mul):
        what = f"a product of {e.nonzero + (abs(e.coef) != 1):,} factors"
    return FormulaTooLong(e.long, MAX_LENGTH, what)


class Num(Expr):
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value
        text = number_text(value)
        super().__init__(text, UNARY if text.startswith("-") else ATOM, SCALAR)


class Sym(Expr):
    __slots__ = ("node",)

    def __init__(self, name: str, sig: Sig, node=None):
        self.node = node
        super().__init__(name, ATOM, sig)


class Add(Expr):
    # collected: key -> [coef, Expr], no Num among them (a Version of it, shared with the sum this one
    # was built from); live: how many of them have a coefficient other than 0
    __slots__ = ("_version", "live", "const", "_terms", "_hash")

    @property
    def collected(self) -> dict:
        return self._version.dict()

    @property
    def key(self):
        return ("+", self.const, self._hash)

    @property
    def terms(self) -> tuple:
        if self._terms is None:
            self._terms = _order_terms([(c, t) for c, t in self.collected.values() if c != 0])
        return self._terms

    def _make_text(self) -> str:
        return _sum_text(self.terms, self.const)


class Mul(Expr):
    # collected: key -> (base, exponent Expr), a Version as in Add; nonzero: how many exponents are not 0
    __slots__ = ("coef", "_version", "nonzero", "_factors", "_hash")

    @property
    def collected(self) -> dict:
        return self._version.dict()

    @property
    def key(self):
        return ("*", self.coef, self._hash)

    @property
    def factors(self) -> tuple:
        if self._factors is None:
            kept = [(b, x) for b, x in self.collected.values() if not is_num(x, 0)]
            # names before calls, then by text: `2*x*cos(x**2)`, and sin(x)*cos(x) == cos(x)*sin(x)
            kept.sort(key=lambda f: (_FACTOR_RANK.get(type(f[0]), 2), _natural(f[0].text)))
            self._factors = tuple(kept)
        return self._factors

    def _make_text(self) -> str:
        return _product_text(self.coef, self.factors)


# A sum's or product's key is its constant (coefficient) and the sum, modulo 2**128, of a hash of
# each entry that shows in its text: equal when the texts are (the entries are collected by key
# and the text is the same function of them), kept up to date in one step per entry changed, so
# collecting big products in a sum never writes their texts. Unequal keys that collide (two
# hashes of 64 bits each, summed) are as unlikely as a collision of a 128-bit hash.
_MASK = (1 << 128) - 1


def _entry_hash(key, value) -> int:
    return (hash((key, value, 1)) & 0xFFFF_FFFF_FFFF_FFFF) | (hash((key, value, 2)) & 0xFFFF_FFFF_FFFF_FFFF) << 64


class Call(Expr):
    __slots__ = ("fn", "args", "kwargs")


class Where(Expr):
    __slots__ = ("cond", "a", "b")


_FACTOR_RANK = {Sym: 0, Call: 1, Add: 3}


def _natural(text: str) -> tuple:
    """cos(v2) before cos(v10): numbers inside names compare as numbers (in the first 64 characters:
    sorting a chain's nested factors must not split each long text; the whole text breaks ties)."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text[:64])), text



# well-known constants a textbook writes by name (the exact float64 each evaluates to)
_NAMED_CONSTANTS = {
    2 / math.sqrt(math.pi): "2/sqrt(np.pi)",
    math.pi: "np.pi",
    1 / math.sqrt(2 * math.pi): "1/sqrt(2*np.pi)",
    math.sqrt(2 / math.pi): "sqrt(2/np.pi)",
    math.log(2): "log(2)",
    math.log(10): "log(10)",
    1 / math.log(2): "1/log(2)",
    1 / math.log(10): "1/log(10)",
}


def number_text(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == int(v) and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


def float_text(value) -> str:
    """A float that reads back as a float: `3.0`, not `3` (atan2(3, 12) would be int32)."""
    text = number_text(value)
    if isinstance(value, (bool, np.bool_, int, np.integer)) or not text.lstrip("-").isdigit():
        return text
    return text + ".0"


def coef_text(value: float) -> str:
    """A coefficient or constant term: a named constant (2/sqrt(pi)) where one is exact."""
    name = _NAMED_CONSTANTS.get(abs(float(value))) if float(value) != 0 else None
    if name is not None:
        return ("-" if value < 0 else "") + name
    return number_text(value)


def is_num(e, value=None) -> bool:
    return isinstance(e, Num) and (value is None or e.value == value)


def wrap(e: Expr, above: int) -> str:
    """e's text, parenthesised when it binds looser than `above` needs."""
    return f"({e.text})" if e.prec < above else e.text


def arg_text(e: Expr) -> str:
    """An argument of a call or where(): a float number keeps its point."""
    if isinstance(e, Num) and isinstance(e.value, (float, np.floating)):
        return float_text(e.value)
    return e.text


def add(parts) -> Expr:
    """Sum of (coef, Expr) pairs: flattened, like terms collected, zeros dropped.

    Linear in what it adds: the first sum among the parts (or a big one anywhere) is taken
    over as a new version of its dict, not copied, so a sum built one term at a time costs
    one step per term."""
    const = 0.0
    version: Version | None = None
    live = h = 0
    sig = SCALAR

    def collect(coef, e):
        nonlocal version, live, h
        if version is None:
            version = Version()
        key = e.key
        entry = version.dict().get(key)
        before = entry[0] if entry is not None else 0
        total = before + coef
        if before != 0:
            h -= _entry_hash(key, before)
        if total != 0:
            h += _entry_hash(key, total)
        live += (total != 0) - (before != 0)
        version.set(key, [total, entry[1] if entry is not None else e])  # a new list: entries may be shared

    parts = _biggest_sum_first(parts)
    for coef, e in parts:
        sig = sig.union(e.sig)
        if isinstance(e, Num):
            const += coef * float(e.value)
        elif isinstance(e, Add):
            const += coef * e.const
            if version is None and coef == 1:
                version, live, h = e._version.successor(), e.live, e._hash
                continue
            for c, t in e.terms:
                collect(coef * c, t)
        elif isinstance(e, Mul) and e.coef != 1:
            collect(coef * e.coef, mul(1.0, e.factors) if len(e.collected) < 64 else _unit(e))
        else:
            collect(coef, e)
    if not live:
        return Num(const)
    if const == 0 and live == 1:  # x + y - y is x (the entry of y stays, at 0: finding x is a scan, once)
        c, t = next(v for v in version.dict().values() if v[0] != 0)
        return t if c == 1 else mul(c, [(t, Num(1))])
    e = Add(None, ADD, sig)
    e._version, e.live, e.const, e._terms, e._hash = version, live, const, None, h & _MASK
    common = _common_denominator(e)
    return common if common is not None else e


def _biggest_sum_first(parts) -> list:
    """The parts, with a big sum (one with coefficient 1, over 64 terms) moved first so that it is
    taken over rather than copied term by term: `t + big` grows `big`. Small sums keep their order."""
    parts = list(parts)
    best, size = None, 64
    for i, (coef, e) in enumerate(parts):
        if coef == 1 and isinstance(e, Add):
            n = e._version.newest_len()
            if n is not None and n > size:
                best, size = i, n
    if best:
        parts.insert(0, parts.pop(best))
    return parts


def _unit(e: "Mul") -> "Mul":
    """e without its coefficient (the same factors, shared)."""
    out = Mul(None, e.prec, e.sig)
    out.coef, out._version, out.nonzero, out._factors, out._hash = 1.0, e._version, e.nonzero, e._factors, e._hash
    out.prec = _product_prec(1.0, out)
    return out


def _order_terms(kept) -> tuple:
    # a constant goes last, unless every other term is negative: `2*x + 1`, `1 - tanh(x)**2`
    if kept:
        first_positive = next((i for i, (c, _) in enumerate(kept) if c > 0), 0)
        kept.insert(0, kept.pop(first_positive))
    return tuple(kept)


def _sum_text(kept, const) -> str:
    pieces = []
    if const != 0 and all(c < 0 for c, _ in kept):
        pieces.append((const, None))
        pieces += kept
    else:
        pieces += kept
        if const != 0:
            pieces.append((const, None))
    out = []
    for i, (c, t) in enumerate(pieces):
        body = coef_text(abs(c)) if t is None else _term_text(abs(c), t)
        sign = "-" if c < 0 else "+"
        out.append(("-" if sign == "-" else "") + body if i == 0 else f" {sign} {body}")
    return "".join(out)


def _term_text(coef, t: Expr) -> str:
    if coef == 1:
        return wrap(t, MUL) if not isinstance(t, Mul) else t.text
    return mul(coef, [(t, Num(1))]).text


def _common_denominator(e: Add):
    """log(x)/x**2 - 1/x**2 -> (log(x) - 1)/x**2: a denominator every term shares, with one power, comes out."""
    if e.live < 2 or e.live > 32 or e.const != 0:
        return None
    terms = e.terms
    shared = None
    for _, t in terms:
        if not isinstance(t, Mul) or t.nonzero > 32:  # a textbook's terms are short; a chain's are not worth a copy
            return None
        dens = {k: (b, x) for k, (b, x) in t.collected.items() if is_num(x) and float(x.value) < 0}
        if shared is None:
            shared = dens
        else:
            shared = {k: v for k, v in shared.items() if k in dens and float(dens[k][1].value) == float(v[1].value)}
        if not shared:
            return None
    inner = add([(c, mul(t.coef, [(b, x) for k, (b, x) in t.collected.items() if k not in shared])) for c, t in terms])
    if isinstance(inner, Num):
        return None
    return mul(1, [(inner, Num(1))] + list(shared.values()))


def _is_int(e) -> bool:
    return isinstance(e, Num) and float(e.value) == int(float(e.value))


# Products already made from a product, while one formula is built (None outside): the gradient of
# x*x makes g*x twice from the same g, and the second would rebuild g's dict (a copy per line).
_made: dict | None = None


@contextlib.contextmanager
def products_remembered():
    global _made
    outer, _made = _made, {}
    try:
        yield
    finally:
        _made = outer


def mul(coef, factors) -> Expr:
    """coef * product of base**exponent (see _mul); the same product of the same product is made once."""
    factors = list(factors)
    if _made is None or not any(isinstance(b, Mul) for b, _ in factors):
        return _mul(coef, factors)
    key = (float(coef), tuple((id(b), x.key if isinstance(x, Num) else id(x)) for b, x in factors))
    made = _made.get(key)
    if made is None:
        made = _made[key] = (_mul(coef, factors), factors)  # the factors kept alive: their ids stay theirs
    return made[0]


def _mul(coef, factors) -> Expr:
    """coef * product of base**exponent: numbers folded, like bases collected, x**0 and x**1 simplified.

    Linear in what it multiplies: the first product among the factors (to the power 1) is taken
    over as a new version of its dict, not copied, so a product built one factor at a time
    (a chain's gradient) costs one step per factor."""
    coef = float(coef)
    version: Version | None = None
    nonzero = h = 0
    sig = SCALAR

    def collect(base, exp):
        nonlocal version, nonzero, h
        if version is None:
            version = Version()
        key = base.key
        old = version.dict().get(key)
        if old is None:
            version.set(key, (base, exp))
            if not is_num(exp, 0):
                nonzero += 1
                h += _entry_hash(key, exp.key)
            return
        new = Num(float(old[1].value) + float(exp.value)) if is_num(old[1]) and is_num(exp) else add([(1, old[1]), (1, exp)])
        if not is_num(old[1], 0):
            nonzero -= 1
            h -= _entry_hash(key, old[1].key)
        if not is_num(new, 0):
            nonzero += 1
            h += _entry_hash(key, new.key)
        version.set(key, (old[0], new))

    for base, exp in factors:
        sig = sig.union(base.sig).union(exp.sig)
        if isinstance(base, Num) and isinstance(exp, Num):
            with np.errstate(all="ignore"):
                coef *= float(np.power(float(base.value), float(exp.value)))
        elif isinstance(base, Mul) and is_num(exp, 1):
            coef *= base.coef
            if version is None:
                version, nonzero, h = base._version.successor(), base.nonzero, base._hash  # entries are immutable tuples
            else:
                for b, x in base.collected.values():
                    collect(b, x)
        elif isinstance(base, Mul) and _is_int(exp) and all(_is_int(x) for _, x in base.collected.values()):
            k = float(exp.value)
            coef *= base.coef ** k
            for b, x in base.collected.values():
                collect(b, Num(float(x.value) * k))
        else:
            collect(base, exp)
    if coef == 0 or not nonzero:
        return Num(coef)
    if coef == 1 and nonzero == 1:
        (b, x), = [(b, x) for b, x in version.dict().values() if not is_num(x, 0)]
        if is_num(x, 1):
            return b
    e = Mul(None, MUL, sig)
    e.coef, e._version, e.nonzero, e._factors, e._hash = coef, version, nonzero, None, h & _MASK
    e.prec = _product_prec(coef, e)
    return e


def _product_prec(coef, e: "Mul") -> int:
    if e.nonzero == 1:
        (b, x), = [(b, x) for b, x in e.collected.values() if not is_num(x, 0)] if len(e.collected) < 16 else [e.factors[0]]
        if _negative(x):
            prec = MUL
        else:
            prec = MUL if abs(coef) != 1 else _power_text_prec(b, x)
    else:
        prec = MUL
    if coef < 0:
        prec = min(prec, UNARY)
    return prec


def _power_text_prec(base, exp) -> int:
    return base.prec if is_num(exp, 1) else POW


def _product_text(coef, kept) -> str:
    num = [_power_text(b, x) for b, x in kept if not _negative(x)]
    den = [_power_text(b, _negate(x)) for b, x in kept if _negative(x)]
    lead = coef_text(abs(coef))
    if "/" in lead and den:
        lead = f"({lead})"
    top = "*".join(([lead] if abs(coef) != 1 or not num else []) + [t if p > MUL else f"({t})" for t, p in num])
    if den:
        if len(den) == 1:
            bottom = den[0][0] if den[0][1] > MUL else f"({den[0][0]})"
        else:
            bottom = "(" + "*".join(t if p > MUL else f"({t})" for t, p in den) + ")"
        top = f"{top}/{bottom}"
    if coef < 0:
        top = "-" + top
    return top


def _negative(x) -> bool:
    return (is_num(x) and float(x.value) < 0) or (isinstance(x, Mul) and x.coef < 0)


def _negate(x) -> Expr:
    return Num(-float(x.value)) if is_num(x) else mul(-1, [(x, Num(1))])


def _power_text(base, exp) -> tuple[str, int]:
    if is_num(exp, 1):
        return base.text, base.prec
    return f"{wrap(base, ATOM)}**{wrap(exp, UNARY)}", POW


def call(fn: str, args, sig: Sig, kwargs=()) -> Expr:
    text = ", ".join([arg_text(a) for a in args] + [f"{k}={v}" for k, v in kwargs])
    e = Call(f"{fn}({text})", ATOM, sig)
    e.fn, e.args, e.kwargs = fn, tuple(args), tuple(kwargs)
    return e


def raw(text: str, sig: Sig, prec: int = ATOM) -> Expr:
    return Expr(text, prec, sig)


COMPARE = {"greater": ">", "greater_equal": ">=", "less": "<", "less_equal": "<=", "equal": "==", "not_equal": "!="}
_FOLD = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal, "==": np.equal, "!=": np.not_equal}


def compare(symbol: str, a: Expr, b: Expr) -> Expr:
    if is_num(a) and is_num(b):
        return Num(bool(_FOLD[symbol](float(a.value), float(b.value))))
    return Expr(f"{wrap(a, ADD)} {symbol} {wrap(b, ADD)}", CMP, a.sig.union(b.sig))


def where(c: Expr, a: Expr, b: Expr) -> Expr:
    if is_num(c):
        return a if c.value else b
    a, b = _assume(a, c.text, True), _assume(b, c.text, False)
    if a.key == b.key:
        return a
    guard = assume.domain_guard(c.text, a.text, is_num(b, 0))
    if guard is not None:  # where(x > 0, x**x*log(x), 0) is x**x*log(x) for x > 0, said so (assume.py)
        assume.note(guard)
        return a
    e = Where(f"where({c.text}, {arg_text(a)}, {arg_text(b)})", ATOM, c.sig.union(a.sig).union(b.sig))
    e.cond, e.a, e.b = c, a, b
    return e


def _assume(e: Expr, cond: str, truth: bool, depth: int = 6) -> Expr:
    """Inside where(c, a, b), a where(c, p, q) in a is p (and in b is q). Bounded depth."""
    if depth == 0:
        return e
    if isinstance(e, Where):
        if e.cond.text == cond:
            return _assume(e.a if truth else e.b, cond, truth, depth - 1)
        return e
    if isinstance(e, Mul):
        changed = [(_assume(b, cond, truth, depth - 1), _assume(x, cond, truth, depth - 1)) for b, x in e.factors]
        if any(nb is not b or nx is not x for (nb, nx), (b, x) in zip(changed, e.factors)):
            return mul(e.coef, changed)
        return e
    if isinstance(e, Add):
        changed = [(c, _assume(t, cond, truth, depth - 1)) for c, t in e.terms]
        if any(n is not t for (_, n), (_, t) in zip(changed, e.terms)):
            return add(changed + [(1, Num(e.const))])
        return e
    if isinstance(e, Call) and e.fn in _ELEMENTWISE_CALLS:
        args = [_assume(a, cond, truth, depth - 1) for a in e.args]
        if any(n is not a for n, a in zip(args, e.args)):
            return call(e.fn, args, e.sig)
        return e
    return e



_UNARY_CALLS = {
    name for name, op in OPS.items()
    if [p.name for p in op.params] == ["x"] and "internal" not in op.tags and name not in ("negative", "identity", "square", "reciprocal", "rsqrt", "logical_not")
}
_ELEMENTWISE_CALLS = _UNARY_CALLS | {"maximum", "minimum", "atan2", "squared_difference", "floormod", "floordiv", "logical_and", "logical_or", "logical_not", "stop_gradient", "leaky_relu", "clip_by_value"}
_BROADCAST_OPS = _ELEMENTWISE_CALLS | {"add", "subtract", "multiply", "divide", "pow", "negative", "identity", "square", "reciprocal", "rsqrt", "where", "relu_grad", "sqrt_grad", "rsqrt_grad", "reciprocal_grad", "relu6_grad", "leaky_relu_grad", "add_n", "cast", "broadcast_like"} | set(COMPARE)
