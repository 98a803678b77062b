"""Values of nodes, (expr, true shape B, pending sum target P), and the sums back to a shape
carried out with public ops (or proved unneeded)."""
from __future__ import annotations

from dataclasses import dataclass

from ...engine.graph import Node
from . import dims
from .expr import _BROADCAST_OPS, ATOM, Call, Expr, Mul, Num, Sym, _negative, call, is_num, mul, raw
from .sig import SCALAR, FormulaUnavailable, Sig


# ----- values of nodes: (expr, true shape B, pending sum target P) -----

@dataclass
class Value:
    expr: Expr
    shape: Sig  # B: the shape the node's value has (expr is broadcast to it)
    pending: Sig | None = None  # P: the value is still to be summed back to this shape


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

