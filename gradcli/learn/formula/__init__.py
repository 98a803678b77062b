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

from ...engine.graph import Node, gc_paused
from ...engine.registry import CONSTANT, LEAVES, PLACEHOLDER, VARIABLE
from .expr import (ADD, ATOM, CMP, MAX_LENGTH, MUL, POW, UNARY, _BROADCAST_OPS, _ELEMENTWISE_CALLS, _NAMED_CONSTANTS,
                   _UNARY_CALLS, COMPARE, Add, Call, Expr, Mul, Num, Sym, Where, add, arg_text, call, coef_text, compare,
                   float_text, is_num, mul, number_text, products_remembered, raw, too_long, where,
                   wrap)
from . import dims
from .realize import Value, _count, _node_sig, _unreduce, broadcast, materialize, realize
from .sig import SCALAR, FormulaTooLong, FormulaUnavailable, Sig
from .tidy import tidy
from .spellings import (_INTERNAL_SPELLINGS, _SHAPE_ONLY, HANDLED_INTERNAL, NO_FORMULA, _constant, _dtype_text, _elementwise,
                        _public_call, _vjp_getitem)

__all__ = [
    "ADD", "ATOM", "CMP", "COMPARE", "HANDLED_INTERNAL", "MAX_LENGTH", "MUL", "NO_FORMULA", "POW", "SCALAR", "UNARY",
    "Add", "Call", "Expr", "FormulaTooLong", "FormulaUnavailable", "Mul", "Num", "Sig", "Sym", "Value", "Where",
    "_ELEMENTWISE_CALLS", "_NAMED_CONSTANTS", "_UNARY_CALLS", "_formula", "add", "arg_text", "broadcast", "call",
    "coef_text", "compare", "float_text", "formula", "is_num", "materialize", "mul", "number_text", "raw", "realize",
    "where", "wrap",
]


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
    # like building a graph, building expressions makes many small objects and no cycles
    with gc_paused(), products_remembered():
        return _formula_of(root, names, fed)


def _formula_of(root: Node, names, fed: dict | None = None) -> Expr:
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
    e = tidy(materialize(v))
    e.text  # noqa: B018 - made here, so that a formula over the budget raises FormulaTooLong now
    if e.long is not None:
        raise too_long(e)
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

