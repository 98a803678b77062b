"""A gradient node as a readable .grad expression: `2*x + 1`, `1 - tanh(x)**2`.

The gradient graph is translated node by node, in creation order (no
recursion over the graph), into a small algebra of sums and products that
folds constants and collects terms as it is built. Each expression carries
its text, made once from its children's texts, so printing never recurses
either.

Broadcasting is what makes this more than pretty-printing: a seed
`ones_like(y)` is a 1 only if nothing later depends on its shape, and the
`sum_to_like` nodes that unbroadcast an adjoint vanish only when the shapes
provably match. Every node's value is therefore tracked as

    sum_to(broadcast(expr, B), P)

where B is the shape the value really has and P (when not None) a pending
sum back to a smaller shape. Shapes are "signatures": the set of tensors
whose run-time shapes broadcast together, plus a static part. Two equal
signatures are equal shapes at any feed. When a sum cannot be removed it is
printed with public ops: `reduce_sum(..., axis=...)` for static shapes, or
the definition itself, `gradients(reduce_sum(stop_gradient(t) * x), x)[0]`,
which is longer but exact.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..engine.graph import Node
from ..engine.registry import CONSTANT, LEAVES, PLACEHOLDER, VARIABLE, OPS
from . import dims

MAX_LENGTH = 100_000  # a formula longer than this is not worth reading; formula() returns None (reason: too long)

# precedence: comparison < additive < multiplicative < unary < power < atom
CMP, ADD, MUL, UNARY, POW, ATOM = range(6)


class FormulaUnavailable(Exception):
    """No exact expression with public ops could be made for this gradient."""


# ----- shape signatures -----

@dataclass(frozen=True)
class Sig:
    leaves: frozenset  # nodes whose run-time shapes are unknown (even their rank)
    static: tuple  # a known-rank shape broadcast with them: sizes, and Dims (learn/dims.py) for unknown ones

    def union(self, other: "Sig") -> "Sig":
        if other is self or other == SCALAR:
            return self
        if self == SCALAR:
            return other
        try:
            static = dims.broadcast(self.static, other.static, unify=False)
        except ValueError:
            raise FormulaUnavailable("shapes do not broadcast") from None
        return Sig(self.leaves | other.leaves, static)

    def within(self, other: "Sig") -> bool:
        """Whether this shape provably broadcasts into `other`'s."""
        if not self.leaves <= other.leaves:
            return False
        try:
            return dims.broadcast(self.static, other.static, unify=False) == tuple(other.static)
        except ValueError:
            return False

    @property
    def is_static(self) -> bool:
        """Known at build time: no unknown rank, no unknown dimension."""
        return not self.leaves and not any(dims.is_dim(d) for d in self.static)


SCALAR = Sig(frozenset(), ())


# ----- the expression algebra -----

class Expr:
    """An immutable expression with its text (the canonical key) and precedence.

    Sums and products make their text only when it is asked for (a product of
    3,000 factors built one factor at a time must not write 3,000 texts)."""

    __slots__ = ("_text", "prec", "sig")

    def __init__(self, text: str | None, prec: int, sig: Sig):
        if text is not None and len(text) > MAX_LENGTH:
            raise FormulaTooLong()
        self._text, self.prec, self.sig = text, prec, sig

    @property
    def text(self) -> str:
        if self._text is None:
            text = self._make_text()
            if len(text) > MAX_LENGTH:
                raise FormulaTooLong()
            self._text = text
        return self._text

    def _make_text(self) -> str:  # only sums and products are lazy
        raise AssertionError("no text")


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
    __slots__ = ("collected", "const", "_terms")  # collected: key -> [coef, Expr], no Num among them

    @property
    def terms(self) -> tuple:
        if self._terms is None:
            self._terms = _order_terms([(c, t) for c, t in self.collected.values() if c != 0])
        return self._terms

    def _make_text(self) -> str:
        return _sum_text(self.terms, self.const)


class Mul(Expr):
    __slots__ = ("coef", "collected", "nonzero", "_factors")  # collected: key -> (base, exponent Expr)

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


class Call(Expr):
    __slots__ = ("fn", "args", "kwargs")


class Where(Expr):
    __slots__ = ("cond", "a", "b")


_FACTOR_RANK = {Sym: 0, Call: 1, Add: 3}


def _natural(text: str) -> tuple:
    """cos(v2) before cos(v10): numbers inside names compare as numbers."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


class FormulaTooLong(FormulaUnavailable):
    """The formula exists but is longer than MAX_LENGTH characters."""


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
    """Sum of (coef, Expr) pairs: flattened, like terms collected, zeros dropped."""
    const = 0.0
    terms: dict | None = None
    sig = SCALAR
    for coef, e in parts:
        sig = sig.union(e.sig)
        if isinstance(e, Num):
            const += coef * float(e.value)
        elif isinstance(e, Add):
            const += coef * e.const
            if terms is None and coef == 1:
                terms = dict(e.collected)  # entries are replaced, never changed in place: shared safely
                continue
            for c, t in e.terms:
                terms = _collect_term(terms, coef * c, t)
        elif isinstance(e, Mul) and e.coef != 1:
            terms = _collect_term(terms, coef * e.coef, mul(1.0, e.factors) if len(e.collected) < 64 else _unit(e))
        else:
            terms = _collect_term(terms, coef, e)
    terms = terms or {}
    live = [k for k, v in terms.items() if v[0] != 0] if len(terms) < 4 else None
    if live is not None and not live:
        return Num(const)
    if live is not None and const == 0 and len(live) == 1:
        c, t = terms[live[0]]
        return t if c == 1 else mul(c, [(t, Num(1))])
    if live is None and not any(v[0] != 0 for v in terms.values()):
        return Num(const)
    e = Add(None, ADD, sig)
    e.collected, e.const, e._terms = terms, const, None
    common = _common_denominator(e)
    return common if common is not None else e


def _collect_term(terms, coef, e):
    if terms is None:
        terms = {}
    key = e.text
    entry = terms.get(key)
    if entry is None:
        terms[key] = [coef, e]
    else:
        terms[key] = [entry[0] + coef, entry[1]]  # a new list: the entry may be shared with another sum
    return terms


def _unit(e: "Mul") -> "Mul":
    """e without its coefficient (the same factors, shared)."""
    out = Mul(None, e.prec, e.sig)
    out.coef, out.collected, out.nonzero, out._factors = 1.0, e.collected, e.nonzero, e._factors
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
    terms = e.terms
    if len(terms) < 2 or len(terms) > 32 or e.const != 0:
        return None
    shared = None
    for _, t in terms:
        if not isinstance(t, Mul):
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


def mul(coef, factors) -> Expr:
    """coef * product of base**exponent: numbers folded, like bases collected, x**0 and x**1 simplified."""
    coef = float(coef)
    collected: dict | None = None
    nonzero = 0
    sig = SCALAR

    def collect(base, exp):
        nonlocal collected, nonzero
        if collected is None:
            collected = {}
        key = base.text
        old = collected.get(key)
        if old is None:
            collected[key] = (base, exp)
            nonzero += not is_num(exp, 0)
            return
        new = Num(float(old[1].value) + float(exp.value)) if is_num(old[1]) and is_num(exp) else add([(1, old[1]), (1, exp)])
        nonzero += (not is_num(new, 0)) - (not is_num(old[1], 0))
        collected[key] = (old[0], new)

    for base, exp in factors:
        sig = sig.union(base.sig).union(exp.sig)
        if isinstance(base, Num) and isinstance(exp, Num):
            with np.errstate(all="ignore"):
                coef *= float(np.power(float(base.value), float(exp.value)))
        elif isinstance(base, Mul) and is_num(exp, 1):
            coef *= base.coef
            if collected is None:
                collected, nonzero = dict(base.collected), base.nonzero  # entries are immutable tuples: shared
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
        (b, x), = [(b, x) for b, x in collected.values() if not is_num(x, 0)]
        if is_num(x, 1):
            return b
    e = Mul(None, MUL, sig)
    e.coef, e.collected, e.nonzero, e._factors = coef, collected, nonzero, None
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
    if a.text == b.text:
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


# ----- values of nodes: (expr, true shape B, pending sum target P) -----

@dataclass
class Value:
    expr: Expr
    shape: Sig  # B: the shape the node's value has (expr is broadcast to it)
    pending: Sig | None = None  # P: the value is still to be summed back to this shape


_UNARY_CALLS = {
    name for name, op in OPS.items()
    if [p.name for p in op.params] == ["x"] and "internal" not in op.tags and name not in ("negative", "identity", "square", "reciprocal", "rsqrt", "logical_not")
}
_ELEMENTWISE_CALLS = _UNARY_CALLS | {"maximum", "minimum", "atan2", "squared_difference", "floormod", "floordiv", "logical_and", "logical_or", "logical_not", "stop_gradient", "leaky_relu", "clip_by_value"}
_BROADCAST_OPS = _ELEMENTWISE_CALLS | {"add", "subtract", "multiply", "divide", "pow", "negative", "identity", "square", "reciprocal", "rsqrt", "where", "relu_grad", "sqrt_grad", "rsqrt_grad", "reciprocal_grad", "relu6_grad", "leaky_relu_grad", "add_n", "cast", "broadcast_like"} | set(COMPARE)


def formula(node: Node, names: dict | None = None, fed: dict | None = None) -> str | None:
    """`node` (a gradient result) as a .grad expression over the model's names.

    `names` (node -> name) overrides the names nodes print as; by default a
    placeholder, variable or named intermediate prints as its name. Returns
    None when no exact expression with public ops exists (or it would be
    longer than MAX_LENGTH characters). `fed` (placeholder -> the shape fed)
    only keeps two unknown dimensions apart that the run showed different.
    """
    try:
        return arg_text(_formula(node, names, fed))
    except FormulaUnavailable:
        return None


def _formula(root: Node, names, fed: dict | None = None) -> Expr:
    order = _nodes(root, names)
    shapes = dims.symbolic_shapes(root, _BROADCAST_OPS, lambda n: _name_of(n, names), fed)
    values: dict[Node, Value] = {}
    sigs: dict[Node, Sig] = {}
    for node in order:
        sigs[node] = _node_sig(node, sigs, shapes)
        name = _name_of(node, names) if node is not root else None
        if name is not None:
            values[node] = Value(Sym(name, sigs[node], node), sigs[node])
        else:
            values[node] = _translate(node, values, sigs)
    v = realize(values[root], values, sigs)
    e = materialize(v)
    e.text  # noqa: B018 - made here, so that a formula over the budget raises FormulaTooLong now
    return e


def _name_of(node: Node, names) -> str | None:
    if names is not None:
        return names.get(node)
    if node.name and (node.op in (PLACEHOLDER, VARIABLE) or node.name != "expr"):
        return node.name
    return None


def _nodes(root: Node, names) -> list[Node]:
    """The nodes the formula reads, stopping at named ones, in creation order (explicit stack)."""
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node is root or _name_of(node, names) is None:
            stack.extend(node.inputs)
    return sorted(seen, key=lambda n: n.id)


def _static(shape) -> bool:
    return shape is not None and None not in shape


def _node_sig(node: Node, sigs, shapes) -> Sig:
    if _static(node.shape):
        return Sig(frozenset(), tuple(node.shape))
    if shapes.get(node) is not None:  # the rank is known: its unknown sizes are Dims
        return Sig(frozenset(), shapes[node])
    name = node.op.name
    if name in _BROADCAST_OPS:
        out = SCALAR
        for i in node.inputs:
            out = out.union(sigs[i]) if i in sigs else Sig(frozenset([node]), ())
        return out
    if name in ("ones_like", "zeros_like") and node.inputs[0] in sigs:
        return sigs[node.inputs[0]]
    if name in ("sum_to_like", "unreduce", "reshape_like") and node.inputs[1] in sigs:
        return sigs[node.inputs[1]]
    if name.startswith("reduce_") and node.attrs.get("axis") is None and not node.attrs.get("keepdims"):
        return SCALAR
    return Sig(frozenset([node]), ())


def _translate(node: Node, values, sigs) -> Value:
    op, name = node.op, node.op.name
    sig = sigs[node]
    ins = [values.get(i) for i in node.inputs]
    if op is CONSTANT:
        return _constant(node, sig)
    if op in LEAVES:
        raise FormulaUnavailable("an unnamed input")
    if name == "sum_to_like" or name == "sum_to":
        target = sigs[node.inputs[1]] if name == "sum_to_like" else Sig(frozenset(), tuple(node.attrs["shape"]))
        v = ins[0]
        if v.pending is not None:
            if target.within(v.pending):
                return Value(v.expr, v.shape, target)
            v = realize(v, values, sigs)
        if v.shape == target:
            return Value(v.expr, target)
        return Value(v.expr, v.shape, target)
    if name in ("ones_like", "zeros_like"):
        return Value(Num(1.0 if name == "ones_like" else 0.0), sig)
    if name in ("broadcast_to", "broadcast_like"):
        v = realize(ins[0], values, sigs)
        return Value(v.expr, sig if name == "broadcast_to" else v.shape.union(sigs[node.inputs[1]]))
    if name == "unreduce":
        return _unreduce(node, realize(ins[0], values, sigs), sigs)
    if name in ("multiply", "divide", "negative", "identity") and any(v.pending is not None for v in ins):
        pushed = _push_pending(node, ins)
        if pushed is not None:
            return pushed
    if name in _SHAPE_ONLY and ins and ins[0].pending is None and ins[0].expr.sig == SCALAR:
        # every element is the same number: moving elements around changes nothing but the shape
        return Value(ins[0].expr, sig)
    if name == "cast" and node.inputs[0].op.name == "size" and not isinstance(ins[0].expr, Sym) and _known_rank(sigs, node.inputs[0].inputs[0]):
        # a mean's count: cast(shape(X)[0], float) per unknown size, so that the algebra can cancel it
        return Value(_count(sigs[node.inputs[0].inputs[0]].static, _dtype_text(node.dtype, node)), sig)
    if name in _BROADCAST_OPS:
        ins = [realize(v, values, sigs) for v in ins]
        shape = SCALAR
        for v in ins:
            shape = shape.union(v.shape)
        return Value(_elementwise(node, [v.expr for v in ins]), shape)
    if name == "size" and sigs[node.inputs[0]].is_static:
        return Value(Num(math.prod(sigs[node.inputs[0]].static)), sig)
    if name == "size" and _known_rank(sigs, node.inputs[0]):
        return Value(_count(sigs[node.inputs[0]].static, None), sig)
    if "internal" in op.tags:
        if name == "getitem_grad":
            return Value(_vjp_getitem(node, values, sigs), sig)
        if name in _INTERNAL_SPELLINGS:
            args = [materialize(realize(v, values, sigs)) for v in ins]
            return Value(_INTERNAL_SPELLINGS[name](node, args, sig), sig)
        raise FormulaUnavailable(f"{name}() has no public equivalent here ({NO_FORMULA.get(name, 'no spelling yet')})")
    return Value(_public_call(node, [materialize(realize(v, values, sigs)) for v in ins], sig), sig)


def _known_rank(sigs, node: Node) -> bool:
    """node's shape is sizes and Dims, each Dim written from a named tensor."""
    sig = sigs.get(node)
    return sig is not None and not sig.leaves and all(d.spelling is not None for d in sig.static if dims.is_dim(d))


def _push_pending(node: Node, ins) -> Value | None:
    """sum_to(a) * c == sum_to(a * c) when c's shape fits in the target: keep the sum pending."""
    pending = [v for v in ins if v.pending is not None]
    if len(pending) != 1:
        return None
    p = pending[0]
    name = node.op.name
    if name == "divide" and ins[1] is p:
        return None
    others = [v for v in ins if v is not p]
    if any(o.pending is not None or not o.shape.within(p.pending) for o in others):
        return None
    exprs = [v.expr for v in ins]
    shape = p.shape
    for o in others:
        shape = shape.union(o.shape)
    return Value(_elementwise(node, exprs), shape, p.pending)


def realize(v: Value, values=None, sigs=None) -> Value:
    """Carry out a pending sum with public ops, or prove it is not needed."""
    if v.pending is None:
        return v
    source, target, e = v.shape, v.pending, v.expr
    if source == target:
        return Value(e, target)
    if target == SCALAR and source.leaves:  # a sum to one number is the sum of everything
        return Value(call("reduce_sum", [broadcast(e, source)], SCALAR), target)
    if not source.leaves and not target.leaves:
        summed = _summed_axes(source.static, target.static)
        try:
            copies = _count([source.static[i] for i in summed])
        except FormulaUnavailable:  # an unknown size no named tensor has: a sum still is a sum
            copies = None
        if e.sig.within(target) and copies is not None:
            # e is constant along the summed axes: the sum is e times the number of copies
            return Value(mul(1, [(copies, Num(1)), (e, Num(1))]), target)
        return Value(_sum_axes(broadcast(e, source), source.static, target.static, summed, copies), target)
    if len(target.leaves) == 1 and target.static == ():
        (leaf,) = target.leaves
        like = values.get(leaf) if values else None
        if like is not None and isinstance(like.expr, Sym):
            # the product with x broadcasts to x's shape already; only other missing shapes need ones
            m = broadcast(e, Sig(source.leaves - target.leaves, source.static), allow=e.sig.leaves | target.leaves)
            text = f"gradients(reduce_sum(stop_gradient({m.text}) * {like.expr.text}), {like.expr.text})[0]"
            return Value(raw(text, target, ATOM), target)
    raise FormulaUnavailable("a broadcast sum over shapes unknown before evaluation")


def _summed_axes(source: tuple, target: tuple) -> list[int]:
    """The axes of `source` a sum back to `target` adds up: the leading ones, and the size-1 ones of target."""
    lead = len(source) - len(target)
    if lead < 0:
        raise FormulaUnavailable("a sum to a larger rank")
    axes = list(range(lead))
    for i, d in enumerate(target):
        s = source[i + lead]
        if s is d or (not dims.is_dim(s) and not dims.is_dim(d) and s == d):
            continue
        if not dims.is_dim(d) and d == 1:
            axes.append(i + lead)
        else:
            raise FormulaUnavailable("a broadcast sum over shapes unknown before evaluation")
    return axes


def _count(sizes, dtype: str = "float") -> Expr:
    """How many elements sizes make, as a number, or from the named tensors that have
    the unknown ones: cast(shape(X)[0], float). One cast per size, so that N*3/3 is N."""
    coef, factors = 1, []
    for d in sizes:
        if dims.is_dim(d):
            if d.spelling is None:
                raise FormulaUnavailable("an unknown dimension that no named tensor has")
            factors.append((_dim_expr(d, dtype), Num(1)))
        else:
            coef *= int(d)
    return mul(coef, factors) if factors else Num(coef)


def _dim_expr(d, dtype: str | None) -> Expr:
    size = raw(d.spelling[2], SCALAR, ATOM)
    return size if dtype is None else call("cast", [size, raw(dtype, SCALAR)], SCALAR)


def _sum_axes(m: Expr, source: tuple, target: tuple, axes: list[int], copies: Expr | None) -> Expr:
    """m summed over axes back to target's shape; a mean where m is already divided by the count."""
    mean = _divided_by(m, copies) if copies is not None else None
    fn, m = ("reduce_mean", mean) if mean is not None else ("reduce_sum", m)
    out = Sig(frozenset(), tuple(target))
    lead = len(source) - len(target)
    kept = [a for a in axes if a >= lead]
    if not target:
        return call(fn, [m], SCALAR)
    if not kept:
        return call(fn, [m], out, [("axis", _list(axes))])
    if not lead:
        return call(fn, [m], out, [("axis", _list(axes)), ("keepdims", "True")])
    if all(not dims.is_dim(d) for d in target):
        kept_all = Sig(frozenset(), tuple(1 if i in axes else d for i, d in enumerate(source)))
        return call("reshape", [call(fn, [m], kept_all, [("axis", _list(axes)), ("keepdims", "True")])], out, [("shape", _list(target))])
    # an unknown size in target: no reshape to write; the kept axes first, then the leading ones
    inner = call(fn, [m], Sig(frozenset(), tuple(source[:lead]) + tuple(target)), [("axis", _list(kept)), ("keepdims", "True")])
    return call(fn, [inner], out, [("axis", _list(range(lead)))])


def _divided_by(m: Expr, count: Expr) -> Expr | None:
    """m * count when m is something over count's unknown sizes (a mean's gradient), else None."""
    keys = [b.text for b, _ in count.factors] if isinstance(count, Mul) else [count.text] if isinstance(count, Call) else []
    if not keys or not isinstance(m, Mul):
        return None
    if any(k not in m.collected or not _negative(m.collected[k][1]) for k in keys):
        return None
    out = mul(1, [(m, Num(1)), (count, Num(1))])
    if isinstance(out, Mul) and any(k in out.collected and not is_num(out.collected[k][1], 0) for k in keys):
        return None
    return out


def broadcast(e: Expr, shape: Sig, allow=frozenset()) -> Expr:
    """e with the shape `shape` (times ones of the missing shapes; leaves in `allow` count as present)."""
    if e.sig == shape or (shape.leaves <= (e.sig.leaves | allow) and e.sig.static == shape.static):
        return e
    factors = [(e, Num(1))]
    have = e.sig.static
    if dims.broadcast(have, shape.static, unify=False) != tuple(have):
        # an unknown size comes from a named tensor that has it (ones_like(X)), the known ones from ones([...])
        for d in shape.static:
            if not dims.is_dim(d) or d in have:
                continue
            carrier = next((c for c in (_carrier(name, s, shape.static, d) for name, s in d.carriers) if c is not None), None)
            if carrier is None:
                raise FormulaUnavailable("an unknown dimension that no named tensor has")
            factors.append((call("ones_like", [carrier], carrier.sig), Num(1)))
            have = dims.broadcast(have, carrier.sig.static, unify=False)
        if dims.broadcast(have, shape.static, unify=False) != tuple(have):
            lead = len(shape.static) - len(have)
            ones = [d if i < lead or have[i - lead] != d else 1 for i, d in enumerate(shape.static)]
            if any(dims.is_dim(d) for d in ones):
                raise FormulaUnavailable("an unknown dimension that no named tensor has")
            factors.append((call("ones", [raw(_list(ones), SCALAR)], Sig(frozenset(), tuple(ones))), Num(1)))
    for leaf in sorted(shape.leaves - e.sig.leaves - allow, key=lambda n: n.id):
        carrier = leaf.name if leaf.name else None
        if carrier is None:
            raise FormulaUnavailable("an unnamed tensor of unknown shape")
        factors.append((call("ones_like", [Sym(carrier, Sig(frozenset([leaf]), ()))], Sig(frozenset([leaf]), ())), Num(1)))
    return mul(1, factors)


def _carrier(name: str, shape: tuple, target: tuple, d) -> Expr | None:
    """The named tensor `name` (of `shape`), cut down to broadcast into target with its
    unknown size d where target has it: X for [None, 3], X[:, :1] for [None, 1], X[:, 0] for [None]."""
    if d not in shape or d not in target:
        return None
    a, p = shape.index(d), target.index(d)
    after = len(target) - 1 - p  # the axes d must have after it
    spare = len(shape) - 1 - a - after  # the carrier's axes after d beyond those: indexed away
    if spare < 0:
        return None
    items, out = ["0"] * a + [":"], [d]
    for i in range(a + 1, len(shape)):
        if i - a - 1 < spare:
            items.append("0")
            continue
        s, t = shape[i], target[p + (i - a - 1 - spare) + 1]
        same = s is t or (not dims.is_dim(s) and not dims.is_dim(t) and s == t)
        items.append(":" if same else ":1")
        out.append(s if same else 1)
    while items and items[-1] == ":":
        items.pop()
    sig = Sig(frozenset(), tuple(out))
    return Expr(f"{name}[{', '.join(items)}]", ATOM, sig) if items else Sym(name, sig)


def materialize(v: Value) -> Expr:
    return broadcast(v.expr, v.shape)


def _list(items) -> str:
    return "[" + ", ".join(str(int(i)) for i in items) + "]"


def _constant(node: Node, sig: Sig) -> Value:
    value = node.attrs["value"]
    if value.size and (value == value.reshape(-1)[0]).all() if value.dtype.kind != "f" else value.size and np.array_equal(value, np.full(value.shape, value.reshape(-1)[0]), equal_nan=True):
        first = value.reshape(-1)[0]
        return Value(Num(first.item() if value.dtype.kind in "biu" else float(first)), sig)
    if value.dtype.kind not in "biuf":
        raise FormulaUnavailable("a constant that is not numbers")
    text = np.array2string(value, separator=", ", threshold=10**9, max_line_width=10**9, formatter={"all": float_text if value.dtype.kind == "f" else number_text})
    return Value(raw(text.replace("\n", ""), sig, ATOM), sig)


def _elementwise(node: Node, a: list[Expr]) -> Expr:
    name = node.op.name
    sig = SCALAR
    for e in a:
        sig = sig.union(e.sig)
    if name == "add":
        return add([(1, a[0]), (1, a[1])])
    if name == "add_n":
        return add([(1, e) for e in a])
    if name == "subtract":
        return add([(1, a[0]), (-1, a[1])])
    if name == "negative":
        return mul(-1, [(a[0], Num(1))])
    if name in ("identity", "broadcast_like"):
        return a[0]
    if name == "cast":
        if is_num(a[0]) and node.dtype.kind in "fiu":
            value = float(a[0].value)
            return Num(value if node.dtype.kind == "f" else int(value))
        if node.inputs[0].dtype == node.dtype or node.inputs[0].weak:
            return a[0]
        return call("cast", [a[0], raw(_dtype_text(node.dtype, node), SCALAR)], sig)
    if name == "multiply":
        return mul(1, [(a[0], Num(1)), (a[1], Num(1))])
    if name == "divide":
        return mul(1, [(a[0], Num(1)), (a[1], Num(-1))])
    if name == "pow":
        return mul(1, [(a[0], a[1])])
    if name == "square":
        return mul(1, [(a[0], Num(2))])
    if name == "reciprocal":
        return mul(1, [(a[0], Num(-1))])
    if name == "rsqrt":
        return mul(1, [(call("sqrt", [a[0]], a[0].sig), Num(-1))])
    if name in COMPARE:
        return compare(COMPARE[name], a[0], a[1])
    if name == "where":
        return where(a[0], a[1], a[2])
    if name == "relu_grad":
        return where(compare(">", a[1], Num(0)), a[0], Num(0.0))
    # the gradient kernels of engine/ops/elementwise.py (their 0 where dy is 0 is not spelled)
    if name == "sqrt_grad":
        return mul(0.5, [(a[1], Num(1)), (a[0], Num(-1))])
    if name == "rsqrt_grad":
        return mul(-0.5, [(a[1], Num(1)), (a[0], Num(3))])
    if name == "reciprocal_grad":
        return mul(-1, [(a[1], Num(1)), (a[0], Num(2))])
    if name == "relu6_grad":
        return where(call("logical_and", [compare(">", a[1], Num(0)), compare("<", a[1], Num(6))], sig), a[0], Num(0))
    if name == "leaky_relu_grad":
        return where(compare(">", a[1], Num(0)), a[0], mul(node.attrs.get("alpha", 0.2), [(a[0], Num(1))]))
    if name == "leaky_relu":
        return call("leaky_relu", a, sig, [("alpha", number_text(node.attrs.get("alpha", 0.2)))] if node.attrs.get("alpha", 0.2) != 0.2 else [])
    if all(is_num(e) for e in a) and name in _FOLDABLE:
        with np.errstate(all="ignore"):
            return Num(float(_FOLDABLE[name](*[float(e.value) for e in a])))
    return call(name, a, sig)


_SHAPE_ONLY = {"reshape", "expand_dims", "squeeze", "transpose", "matrix_transpose", "broadcast_to", "tile", "reshape_like"}
_FOLDABLE = {"abs": abs, "sign": np.sign, "maximum": max, "minimum": min}


def _unreduce(node: Node, v: Value, sigs) -> Value:
    like = sigs[node.inputs[1]]
    axis, keepdims = node.attrs.get("axis"), node.attrs.get("keepdims", False)
    e = v.expr
    if axis is not None and not keepdims:
        rank = node.inputs[1].rank
        if rank is None:
            raise FormulaUnavailable("a reduction over an axis of unknown rank")
        axes = sorted(a % rank for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))
        if e.sig != SCALAR:  # (one number everywhere is that number in like's shape too)
            e = materialize(v)
            for a in axes:
                shape = list(e.sig.static)
                shape.insert(a, 1)
                e = call("expand_dims", [e], Sig(frozenset([node]), ()) if e.sig.leaves else Sig(frozenset(), tuple(shape)), [("axis", str(a))])
    # the adjoint of a reduction has the reduced shape: broadcast back, it is exactly like's
    return Value(e, like)


def _vjp_getitem(node: Node, values, sigs) -> Expr:
    """The adjoint of x[i] placed back into zeros shaped like x: exactly gradients' own definition."""
    t, like = node.inputs[0], node.inputs[1]
    x = values[like].expr
    if not isinstance(x, Sym):
        raise FormulaUnavailable("indexing an unnamed tensor")
    m = materialize(realize(values[t], values, sigs))
    index = node.attrs["index"]
    items = index if isinstance(index, tuple) else (index,)
    if like.rank == 1 and _static(like.shape) and len(items) == 1 and isinstance(items[0], (int, np.integer)) and m.sig == SCALAR:
        n = like.shape[0]
        return mul(1, [(m, Num(1)), (call("one_hot", [Num(int(items[0]) % n), Num(n)], sigs[node]), Num(1))])
    index = _index_text(index)
    return raw(f"gradients(reduce_sum(stop_gradient({m.text}) * {x.text}[{index}]), {x.text})[0]", sigs[node])


def _index_text(index) -> str:
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for i in items:
        if isinstance(i, (int, np.integer)):
            out.append(str(int(i)))
        elif isinstance(i, slice):
            parts = ["" if p is None else str(int(p)) for p in (i.start, i.stop, i.step)]
            out.append(":".join(parts[:2]) + (f":{parts[2]}" if parts[2] else ""))
        else:
            raise FormulaUnavailable("an index gradcli cannot print")
    return ", ".join(out)


def _dtype_text(dtype, node: Node) -> str:
    """`float` for the run's default float, so a formula reads back under --dtype float32 too."""
    return "float" if np.dtype(dtype) == node.graph.float_dtype else np.dtype(dtype).name


def _attr_text(value, node: Node | None = None) -> str:
    if isinstance(value, np.dtype):
        return _dtype_text(value, node) if node is not None else value.name
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_attr_text(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value + '"'
    if value is None or isinstance(value, (bool, np.bool_)):
        return str(bool(value)) if value is not None else "None"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return number_text(value)
    raise FormulaUnavailable(f"an attribute gradcli cannot print: {value!r}")


def _public_call(node: Node, args: list[Expr], sig: Sig) -> Expr:
    op = node.op
    if op.lister is not None or op.random:
        raise FormulaUnavailable(f"{op.name}() cannot be restated")
    if op.name == "getitem":
        return Expr(f"{wrap(args[0], ATOM)}[{_index_text(node.attrs['index'])}]", ATOM, sig)
    if op.name == "matmul" and any(_scalar_part(a)[0] for a in args):
        # (2/N) * X^T (pred - y), as a textbook writes it: numbers and counts come out of the product
        outside, inside = [], []
        for a in args:
            factors, rest = _scalar_part(a)
            outside += factors
            inside.append(rest)
        return mul(1, [(_public_call(node, inside, sig), Num(1))] + outside)
    if op.name == "matmul" and not node.attrs.get("transpose_a") and not node.attrs.get("transpose_b"):
        e = Call(f"{wrap(args[0], MUL)} @ {wrap(args[1], MUL + 1)}", MUL, sig)
        e.fn, e.args, e.kwargs = "@", (args[0], args[1]), ()
        return e
    positional, kwargs = [], []
    inputs = iter(args)
    for p in op.params:
        if p.kind == "attr":
            value = node.attrs.get(p.name, p.default)
            if p.name == "dtype":
                if value is None or (np.dtype(value) == node.graph.float_dtype and not p.required):
                    continue
            elif not p.required and _same(value, p.default):
                continue
            if p.required and not kwargs:
                positional.append(raw(_attr_text(value, node), SCALAR))
            else:
                kwargs.append((p.name, _attr_text(value, node)))
        elif p.kind == "tensors" and p.name == "operands":
            positional.extend(inputs)
        elif p.kind == "tensors":
            items = list(inputs)
            positional.append(raw("[" + ", ".join(a.text for a in items) + "]", SCALAR))
        else:
            a = next(inputs, None)
            if a is None:
                continue
            if kwargs:
                kwargs.append((p.name, a.text))
            else:
                positional.append(a)
    return call(op.name, positional, sig, kwargs)


def _scalar_part(e: Expr) -> tuple[list, Expr]:
    """A product's factors that are one number for every element (2, 1/cast(shape(X)[0], float)), and the rest."""
    if not isinstance(e, Mul) or e.sig == SCALAR:
        return [], e
    scalar = [(b, x) for b, x in e.factors if b.sig == SCALAR and x.sig == SCALAR]
    rest = [(b, x) for b, x in e.factors if not (b.sig == SCALAR and x.sig == SCALAR)]
    if not rest or (not scalar and e.coef == 1):
        return [], e
    return [(Num(e.coef), Num(1))] + scalar, mul(1, rest)


def _same(a, b) -> bool:
    try:
        return bool(a == b) or (isinstance(a, tuple) and list(a) == b)
    except Exception:
        return False


# ----- internal ops (gradients' helpers) written with public ops -----
# The engine knows no text syntax, so the spellings live here, keyed by op name;
# tests/learn/test_formula_coverage.py fails when an op of the registry has neither
# a spelling nor an entry in NO_FORMULA.

def _static_shape(node: Node) -> tuple:
    if not _static(node.shape):
        raise FormulaUnavailable(f"{node.op.name}() of a shape unknown before evaluation")
    return tuple(node.shape)


def _concat_part(node: Node, args, sig) -> Expr:
    """concat's gradient for input i: the adjoint's slice where x_i went, g[:, start:stop]."""
    g, parts = node.inputs[0], node.inputs[1:]
    rank = len(_static_shape(g))
    axis = int(node.attrs["axis"]) % rank
    index = int(node.attrs["index"])
    start = sum(_static_shape(p)[axis] for p in parts[:index])
    stop = start + _static_shape(parts[index])[axis]
    items = [":"] * axis + [f"{start}:{stop}"]
    return Expr(f"{wrap(args[0], ATOM)}[{', '.join(items)}]", ATOM, sig)


def _untile(node: Node, args, sig) -> Expr:
    """tile's gradient: the copies summed, reduce_sum(reshape(g, [m0, d0, m1, d1, ...]), axis=[0, 2, ...])."""
    like = _static_shape(node.inputs[1])
    pairs = [n for m, d in zip(node.attrs["multiples"], like) for n in (int(m), d)]
    shaped = call("reshape", [args[0]], Sig(frozenset(), tuple(pairs)), [("shape", _list(pairs))])
    return call("reduce_sum", [shaped], sig, [("axis", _list(range(0, len(pairs), 2)))])


def _gather_grad(node: Node, args, sig) -> Expr:
    """gather's gradient along axis 0: the rows added back where they came from."""
    like = _static_shape(node.inputs[2])
    if int(node.attrs.get("axis", 0)) % max(len(like), 1) != 0:
        raise FormulaUnavailable("gather_grad() along an axis other than 0 has no public equivalent here")
    return call("unsorted_segment_sum", [args[0], args[1], Num(int(like[0]))], sig)


def _diag_like(node: Node, args, sig) -> Expr:
    """diag's gradient back into a square matrix: diag(d)."""
    like = _static_shape(node.inputs[1])
    if len(like) < 2 or like[-1] != like[-2]:
        raise FormulaUnavailable("diag_like() into a matrix that is not square")
    return call("diag", [args[0]], sig)


_INTERNAL_SPELLINGS = {"concat_part": _concat_part, "untile": _untile, "gather_grad": _gather_grad, "diag_like": _diag_like}

# internal ops the translation handles itself (sums back to a shape, masks, indexing)
HANDLED_INTERNAL = {"sum_to_like", "sum_to", "broadcast_like", "unreduce", "relu_grad", "reshape_like", "getitem_grad"} | set(_INTERNAL_SPELLINGS)

# internal ops with no formula, and why (the message says so)
NO_FORMULA = {
    "avg_pool_grad": "pooling gradients have no public op",
    "max_pool_grad": "pooling gradients have no public op",
    "max_pool_grad_grad": "pooling gradients have no public op",
    "conv2d_filter_grad": "convolution gradients have no public op",
    "conv2d_input_grad": "convolution gradients have no public op",
    "cholesky_phi": "a helper of cholesky's gradient",
    "custom_gradient": "a gradient written in Python",
    "determinant_sign": "a helper of det's gradient",
    "einsum_embed": "einsum's gradient into a repeated index",
    "eye_like": "an identity shaped like a tensor",
    "gather_nd_grad": "a scatter of gather_nd's adjoint",
    "jacobian_rows": "jacobian's stacked rows",
    "leaky_relu_grad": "leaky_relu's second-order helper",
    "prod_derivative": "reduce_prod's gradient with zeros",
    "put_along_axis": "a scatter along an axis",
    "take_along_axis": "a gather along an axis",
    "reciprocal_grad": "reciprocal's second-order helper",
    "relu6_grad": "relu6's mask",
    "rsqrt_grad": "rsqrt's second-order helper",
    "sqrt_grad": "sqrt's second-order helper",
    "top_k_indices": "top_k's indices",
}
