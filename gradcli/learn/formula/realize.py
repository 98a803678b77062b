"""Values of nodes, (expr, true shape B, pending sum target P), and the sums back to a shape
carried out with public ops (or proved unneeded)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...engine.graph import Node
from .expr import _BROADCAST_OPS, ATOM, Expr, Num, Sym, call, mul, raw
from .sig import SCALAR, FormulaUnavailable, Sig


# ----- values of nodes: (expr, true shape B, pending sum target P) -----

@dataclass
class Value:
    expr: Expr
    shape: Sig  # B: the shape the node's value has (expr is broadcast to it)
    pending: Sig | None = None  # P: the value is still to be summed back to this shape


def _static(shape) -> bool:
    return shape is not None and None not in shape



def _opaque(node: Node) -> Sig:
    return Sig(frozenset(), tuple(node.shape)) if _static(node.shape) else Sig(frozenset([node]), ())



def _node_sig(node: Node, sigs) -> Sig:
    if _static(node.shape):
        return Sig(frozenset(), tuple(node.shape))
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
    if target.is_static and math.prod(target.static) == 1:
        # a sum to one element is the sum of everything
        return Value(call("reduce_sum", [broadcast(e, source)], SCALAR), target)
    if source.is_static and target.is_static:
        size_source, size_target = math.prod(source.static), math.prod(target.static)
        if e.sig.within(target) and size_target:
            # e is constant along the summed axes: the sum is e times the number of copies
            return Value(mul(size_source // size_target, [(e, Num(1))]), target)
        return Value(_sum_static(broadcast(e, source), source.static, target.static), target)
    if len(target.leaves) == 1 and target.static == ():
        (leaf,) = target.leaves
        like = values.get(leaf) if values else None
        if like is not None and isinstance(like.expr, Sym):
            # the product with x broadcasts to x's shape already; only other missing shapes need ones
            m = broadcast(e, Sig(source.leaves - target.leaves, source.static), allow=e.sig.leaves | target.leaves)
            text = f"gradients(reduce_sum(stop_gradient({m.text}) * {like.expr.text}), {like.expr.text})[0]"
            return Value(raw(text, target, ATOM), target)
    raise FormulaUnavailable("a broadcast sum over shapes unknown before evaluation")


def _sum_static(m: Expr, source: tuple, target: tuple) -> Expr:
    lead = len(source) - len(target)
    kept = [i + lead for i, d in enumerate(target) if d == 1 and source[i + lead] != 1]
    axes = list(range(lead)) + kept
    if not target:
        return call("reduce_sum", [m], SCALAR)
    if not kept:
        return call("reduce_sum", [m], Sig(frozenset(), target), [("axis", _list(axes))])
    summed = call("reduce_sum", [m], Sig(frozenset(), target), [("axis", _list(axes)), ("keepdims", "True")])
    if lead:
        return call("reshape", [summed], Sig(frozenset(), target), [("shape", _list(target))])
    return summed


def broadcast(e: Expr, shape: Sig, allow=frozenset()) -> Expr:
    """e with the shape `shape` (times ones of the missing shapes; leaves in `allow` count as present)."""
    if e.sig == shape or (shape.leaves <= (e.sig.leaves | allow) and e.sig.static == shape.static):
        return e
    factors = [(e, Num(1))]
    if tuple(np.broadcast_shapes(e.sig.static, shape.static)) != tuple(e.sig.static):
        factors.append((call("ones", [raw(_list(shape.static), SCALAR)], Sig(frozenset(), shape.static)), Num(1)))
    for leaf in sorted(shape.leaves - e.sig.leaves - allow, key=lambda n: n.id):
        carrier = leaf.name if leaf.name else None
        if carrier is None:
            raise FormulaUnavailable("an unnamed tensor of unknown shape")
        factors.append((call("ones_like", [Sym(carrier, Sig(frozenset([leaf]), ()))], Sig(frozenset([leaf]), ())), Num(1)))
    return mul(1, factors)


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
        if e.sig != SCALAR or len(axes) < rank:
            e = materialize(v)
            for a in axes:
                e = call("expand_dims", [e], Sig(frozenset([node]), ()), [("axis", str(a))])
    # the adjoint of a reduction has the reduced shape: broadcast back, it is exactly like's
    return Value(e, like)

