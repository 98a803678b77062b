"""Running sums, clipping, norms and einsum."""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ...errors import fail
from .elementwise import unbroadcast
from .reduce import _reduce_infer, restore
from ..registry import broadcasting, float_only, register
from .structure import invalid, one_axis, take_index, _squeeze_axes

F = apply  # gradient rules read `F("op", ...)`


# ----- running sums and clipping -----

def _cumsum(x, axis=0, exclusive=False, reverse=False):
    axis = int(axis) % x.ndim
    if reverse:
        x = np.flip(x, axis)
    out = np.cumsum(x, axis=axis)
    if exclusive and x.shape[axis]:
        pads = [(1, 0) if i == axis else (0, 0) for i in range(x.ndim)]
        out = np.pad(out[take_index(axis, x.ndim, slice(None, -1))], pads)
    return np.flip(out, axis) if reverse else out


def _cumsum_infer(inputs, attrs, span):
    x = inputs[0]
    if x.rank is not None:
        one_axis(attrs.get("axis", 0), x.rank, span)
    return x.shape, x.dtype


register(
    "cumsum(x, axis=0, exclusive=False, reverse=False)",
    attrs=("axis", "exclusive", "reverse"),
    forward=_cumsum,
    infer=_cumsum_infer,
    grad=lambda g, n: (F("cumsum", g, axis=n.attrs.get("axis", 0), exclusive=n.attrs.get("exclusive", False), reverse=not n.attrs.get("reverse", False)),),
    rule="∂cumsum(x)/∂x = cumsum of the adjoint in the other direction",
    doc="running sum along axis",
    numpy=True,
    domain=(-2.0, 2.0),
    test_shapes=(((3,),), ((2, 3),)),
)


def _clip_grad(g, n):
    t, lo, hi = n.inputs
    zeros = F("zeros_like", g)
    inside = F("logical_and", t >= lo, t <= hi)
    return (
        unbroadcast(F("where", inside, g, zeros), t),
        unbroadcast(F("where", t < lo, g, zeros), lo),
        unbroadcast(F("where", t > hi, g, zeros), hi),
    )


register(
    "clip_by_value(t, clip_value_min, clip_value_max)",
    forward=lambda t, lo, hi: np.maximum(np.minimum(t, hi), lo),  # lo > hi gives lo everywhere, as TensorFlow
    infer=broadcasting,
    grad=_clip_grad,
    rule="∂clip(t,lo,hi)/∂t = 1 where lo <= t <= hi; ∂/∂lo = 1 where t < lo; ∂/∂hi = 1 where t > hi",
    doc="t limited to [clip_value_min, clip_value_max]",
    promote=True,
    domain=(-2.0, 2.0),
)


# ----- norms and the like -----

def _norm_infer(inputs, attrs, span):
    ord = attrs.get("ord", "euclidean")
    if ord not in ("euclidean", "fro", 2, 2.0):
        raise invalid(f"only the euclidean norm is supported, not ord={ord!r}", span, help=['leave ord out, or use ord="euclidean"'])
    return float_only(_reduce_infer)(inputs, attrs, span)


def _norm_grad(g, n):
    x, axis, keepdims = n.inputs[0], n.attrs.get("axis"), n.attrs.get("keepdims", False)
    # x/|x|: NaN at a zero vector, as TensorFlow
    return (restore(g, x, axis, keepdims) * x / restore(n, x, axis, keepdims),)


def _norm(x, ord="euclidean", axis=None, keepdims=False):
    axes = None if axis is None else tuple(int(a) % x.ndim for a in _squeeze_axes(axis))
    return np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdims))


register(
    "norm(tensor, ord=\"euclidean\", axis=None, keepdims=False)",
    attrs=("ord", "axis", "keepdims"),
    forward=_norm,
    infer=_norm_infer,
    grad=_norm_grad,
    rule="∂|x|/∂x = x/|x| (NaN at a zero vector)",
    doc="euclidean norm over axis (all elements by default)",
    domain=(0.5, 2.0),
)
register(
    "l2_loss(t)",
    forward=lambda x: np.sum(x * x) / 2,
    infer=float_only(lambda i, a, s: ((), i[0].dtype)),
    grad=lambda g, n: (g * n.inputs[0],),
    rule="∂(sum(x²)/2)/∂x = x",
    doc="half the sum of squares, sum(t²)/2",
    domain=(-2.0, 2.0),
)


# ----- einsum -----

def parse_einsum(equation, ranks, span):
    """The operands' subscripts and the output's, checked against the operands' ranks."""
    eq = equation.replace(" ", "")
    if "." in eq:
        raise fail("E0312", "einsum with ... (broadcast axes) is not supported", span, help=["name every axis with a letter"])
    if eq.count("->") > 1:
        raise fail("E0312", f"einsum equation '{equation}' has more than one ->", span)
    lhs, _, out = eq.partition("->")
    subs = lhs.split(",")
    letters = "".join(subs)
    if "->" not in eq:  # implicit output: the letters seen once, sorted, as NumPy
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if not all(c.isalpha() for c in letters + out):
        raise fail("E0312", f"einsum equation '{equation}' may hold only letters, ',' and '->'", span)
    if len(subs) != len(ranks):
        raise fail("E0312", f"einsum equation '{equation}' names {len(subs)} operand{'s' * (len(subs) != 1)}, but {len(ranks)} were given", span)
    for k, (s, r) in enumerate(zip(subs, ranks)):
        if r is not None and len(s) != r:
            raise fail("E0312", f"einsum operand {k} has rank {r}, but its subscripts '{s}' name {len(s)} axes", span)
    for c in out:
        if out.count(c) > 1 or c not in letters:
            raise fail("E0312", f"einsum output letter '{c}' must appear once in the output and in some operand", span)
    return subs, out


def _einsum_infer(inputs, attrs, span):
    subs, out = parse_einsum(attrs["equation"], [x.rank for x in inputs], span)
    sizes = {}
    for x, s in zip(inputs, subs):
        if x.shape is None:
            continue
        for c, d in zip(s, x.shape):
            if d is None:
                continue
            if sizes.setdefault(c, d) != d:
                raise fail("E0302", f"einsum letter '{c}' stands for sizes {sizes[c]} and {d}", span)
    return tuple(sizes.get(c) for c in out), inputs[0].dtype


def _einsum_grad(g, n):
    subs, out = parse_einsum(n.attrs["equation"], [x.rank for x in n.inputs], None)
    grads = []
    for k, (x, s) in enumerate(zip(n.inputs, subs)):
        distinct = "".join(dict.fromkeys(s))
        operands, terms = [g], [out]
        for j, (other, t) in enumerate(zip(n.inputs, subs)):
            if j != k:
                operands.append(other)
                terms.append(t)
        if set(distinct) - set("".join(terms)):
            # letters summed inside x alone: the adjoint is the same along them
            operands.append(F("ones_like", x))
            terms.append(s)
        if len(operands) == 1 and terms[0] == distinct:
            r = g
        else:
            r = F("einsum", *operands, equation=",".join(terms) + "->" + distinct)
        if distinct != s:  # repeated letters: only the diagonal of x was used
            r = F("einsum_embed", r, equation=f"{distinct}->{s}")
        grads.append(r)
    return tuple(grads)


register(
    "einsum(equation, *operands)",
    attrs=("equation",),
    forward=lambda *xs, equation: np.einsum(equation, *xs, optimize=len(xs) > 2),
    infer=_einsum_infer,
    grad=_einsum_grad,
    rule="∂einsum/∂xₖ = einsum of the adjoint with the other operands, onto xₖ's subscripts",
    doc="sums of products named by an equation (Einstein summation), e.g. einsum(\"ij,jk->ik\", a, b)",
    promote=True,
    numpy=False,
)


def _einsum_embed(t, equation):
    src, dst = equation.split("->")
    size = dict(zip(src, t.shape))
    out = np.zeros([size[c] for c in dst], t.dtype)
    # a view with one axis per distinct letter: a letter's stride is the sum of its axes' strides
    strides = [sum(out.strides[i] for i, d in enumerate(dst) if d == c) for c in src]
    np.lib.stride_tricks.as_strided(out, shape=t.shape, strides=strides)[...] = t
    return out


def _einsum_embed_infer(inputs, attrs, span):
    src, dst = attrs["equation"].split("->")
    t = inputs[0]
    size = dict(zip(src, t.shape)) if t.shape is not None else {}
    return tuple(size.get(c) for c in dst), t.dtype


register(
    "einsum_embed(t, equation)",
    attrs=("equation",),
    forward=_einsum_embed,
    infer=_einsum_embed_infer,
    grad=lambda g, n: (F("einsum", g, equation="->".join(reversed(n.attrs["equation"].split("->")))),),
    rule="∂/∂t = the diagonal the values were written to",
    doc="zeros with t written along a diagonal, e.g. \"i->ii\" (made by gradients of einsum)",
    tags=("internal",),
)


# ----- running products -----

def _cumprod(x, axis=0, exclusive=False, reverse=False):
    axis = int(axis) % x.ndim
    if reverse:
        x = np.flip(x, axis)
    if exclusive and x.shape[axis]:
        pads = [(1, 0) if i == axis else (0, 0) for i in range(x.ndim)]
        x = np.pad(x[take_index(axis, x.ndim, slice(None, -1))], pads, constant_values=1)
    out = np.cumprod(x, axis=axis)
    return np.flip(out, axis) if reverse else out


def _cumprod_grad(g, n):
    # TensorFlow's _CumprodGrad: cumsum(y*g) in the other direction, over x (NaN where x is 0, as TensorFlow)
    x = n.inputs[0]
    axis, exclusive, reverse = n.attrs.get("axis", 0), n.attrs.get("exclusive", False), n.attrs.get("reverse", False)
    return (F("cumsum", n * g, axis=axis, exclusive=exclusive, reverse=not reverse) / x,)


register(
    "cumprod(x, axis=0, exclusive=False, reverse=False)",
    attrs=("axis", "exclusive", "reverse"),
    forward=_cumprod,
    infer=_cumsum_infer,
    grad=_cumprod_grad,
    rule="∂cumprod(x)/∂x = cumsum(y*g, other direction)/x (NaN where x is 0, as TensorFlow)",
    doc="running product along axis",
    domain=(0.5, 2.0),
    test_shapes=(((3,),), ((2, 3),)),
)
