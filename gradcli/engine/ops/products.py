"""Products: matmul (the @ operator) and einsum, and dot and tensordot, which are built
from them; einsum_embed (made by gradients of einsum) writes an adjoint back along a
repeated letter's diagonal.
"""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..dtypes import broadcast_shapes, shape_mismatch, shape_str
from ...errors import fail
from ..registry import register
from .reduce import normalize_axes
from .broadcasting import unbroadcast
from .linalg import _mt

F = apply

# ----- dot and tensordot (built from multiply/matmul and einsum) -----

def _dot(graph, inputs, attrs, span):
    a, b = inputs
    if a.rank == 1 and b.rank == 1:
        return graph.apply("reduce_sum", (graph.apply("multiply", (a, b), {}, span),), {}, span)
    if a.rank is not None and a.rank < 2 or b.rank is not None and b.rank < 2:
        raise fail("E0302", f"dot takes two vectors or two matrices, got shapes {shape_str(a.shape)} and {shape_str(b.shape)}", span, help=["use matmul with expand_dims for a matrix and a vector"])
    return graph.apply("matmul", (a, b), {}, span)


register(
    "dot(a, b)",
    lister=_dot,
    rule="the inner product's (or matmul's) rule",
    doc="the inner product of two vectors, or the matrix product of two matrices",
    numpy=True,
)

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _tensordot_axes(axes, ra, rb, span):
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        k = int(axes)
        if not 0 <= k <= min(ra, rb):
            raise fail("E0311", f"tensordot axes={k} is out of range for ranks {ra} and {rb}", span)
        return list(range(ra - k, ra)), list(range(k))
    if isinstance(axes, (list, tuple)) and len(axes) == 2:
        pa, pb = ([int(v)] if isinstance(v, (int, np.integer)) else [int(t) for t in v] for v in axes)
        if len(pa) != len(pb):
            raise fail("E0311", f"tensordot's axes {list(axes)} pair {len(pa)} axes with {len(pb)}", span)
        try:
            return [normalize_axes(v, ra, span)[0] for v in pa], [normalize_axes(v, rb, span)[0] for v in pb]
        except IndexError:
            pass
    raise fail("E0311", f"tensordot's axes must be an integer or two lists of axes, got {axes!r}", span)


def _tensordot(graph, inputs, attrs, span):
    a, b = inputs
    if a.rank is None or b.rank is None:
        raise fail("E0313", "tensordot needs the ranks of both tensors before evaluation", span)
    pa, pb = _tensordot_axes(attrs["axes"], a.rank, b.rank, span)
    if a.rank + b.rank > len(_LETTERS):
        raise fail("E0311", "tensordot of tensors with more than 26 axes in all", span)
    sa = _LETTERS[: a.rank]
    sb = list(_LETTERS[a.rank: a.rank + b.rank])
    for i, j in zip(pa, pb):
        sb[j] = sa[i]
    sb = "".join(sb)
    out = "".join(c for i, c in enumerate(sa) if i not in pa) + "".join(c for j, c in enumerate(sb) if j not in pb)
    return graph.apply("einsum", (a, b), {"equation": f"{sa},{sb}->{out}"}, span)


register(
    "tensordot(a, b, axes)",
    attrs=("axes",),
    lister=_tensordot,
    rule="einsum's rule",
    doc="sums of products over the paired axes (axes=k: the last k of a with the first k of b)",
)

# ----- matmul -----

def _matmul_infer(inputs, attrs, span):
    a, b = inputs
    if a.rank is not None and a.rank < 2 or b.rank is not None and b.rank < 2:
        which = a if a.rank is not None and a.rank < 2 else b
        raise fail(
            "E0302",
            f"matmul needs matrices (rank 2 or more), got a tensor of shape {shape_str(which.shape)}",
            which.span or span,
            help=["make it a matrix with reshape or expand_dims, or use * for elementwise products"],
        )
    if a.shape is None or b.shape is None:
        return None, a.dtype
    ta, tb = attrs.get("transpose_a", False), attrs.get("transpose_b", False)
    m, k1 = (a.shape[-1], a.shape[-2]) if ta else (a.shape[-2], a.shape[-1])
    k2, n = (b.shape[-1], b.shape[-2]) if tb else (b.shape[-2], b.shape[-1])
    if k1 is not None and k2 is not None and k1 != k2:
        raise shape_mismatch(a.shape, b.shape, span, inputs, what=f"multiply (inner dimensions {k1} and {k2} differ)")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2], span, inputs)
    return batch + (m, n), a.dtype


def _matmul(a, b, transpose_a=False, transpose_b=False):
    return np.matmul(_mt(a) if transpose_a else a, _mt(b) if transpose_b else b)


def _matmul_grad(g, n):
    a, b = n.inputs
    ta, tb = n.attrs.get("transpose_a", False), n.attrs.get("transpose_b", False)
    mm = lambda x, y, tx=False, ty=False: F("matmul", x, y, transpose_a=tx, transpose_b=ty)  # noqa: E731
    if not ta and not tb:
        ga, gb = mm(g, b, ty=True), mm(a, g, tx=True)
    elif ta and not tb:
        ga, gb = mm(b, g, ty=True), mm(a, g)
    elif not ta and tb:
        ga, gb = mm(g, b), mm(g, a, tx=True)
    else:
        ga, gb = mm(b, g, tx=True, ty=True), mm(g, a, tx=True, ty=True)
    return unbroadcast(ga, a), unbroadcast(gb, b)


register(
    "matmul(a, b, transpose_a=False, transpose_b=False)",
    attrs=("transpose_a", "transpose_b"),
    forward=_matmul,
    infer=_matmul_infer,
    grad=_matmul_grad,
    rule="∂(A@B)/∂A = G@Bᵀ, ∂(A@B)/∂B = Aᵀ@G",
    doc="matrix product (the @ operator)",
    promote=True,
    numpy=True,
    test_shapes=(((2, 3), (3, 4)), ((3, 3), (3, 1)), ((2, 2, 3), (3, 2))),
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
