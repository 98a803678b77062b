"""Linear algebra on the last two axes (batched): trace, inverse, determinant, diagonals,
dot and tensordot, solving, Cholesky factors and log-determinants.

A singular matrix makes NumPy raise LinAlgError, which the evaluator
reports as E0308 at the op's span.
"""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..dtypes import shape_mismatch, shape_str
from ...errors import fail
from ..registry import NOT_DIFFERENTIABLE, float_only, register
from .reduce import normalize_axes
from .broadcasting import unbroadcast
from ..dtypes import broadcast_shapes

F = apply


def _matrices(x, span, square=False):
    if x.rank is not None and x.rank < 2:
        raise fail("E0302", f"this op needs matrices (rank 2 or more), got a tensor of shape {shape_str(x.shape)}", x.span or span)
    if square and x.shape is not None and None not in x.shape[-2:] and x.shape[-1] != x.shape[-2]:
        raise fail("E0314", f"this op needs square matrices, got {x.shape[-2]}x{x.shape[-1]}", x.span or span, help=["its last two dimensions must be equal"])


def _square_same(inputs, attrs, span):
    _matrices(inputs[0], span, square=True)
    return inputs[0].shape, inputs[0].dtype


def _batch(inputs, attrs, span, square=False):
    x = inputs[0]
    _matrices(x, span, square)
    return (None if x.shape is None else x.shape[:-2]), x.dtype


def _diag_len(shape):
    m, n = shape[-2:]
    return None if m is None or n is None else min(m, n)


def _embed_diagonal(d, shape):
    """Zeros of `shape` with d (shape [..., k]) on the main diagonal of the last two axes."""
    out = np.zeros(shape, d.dtype)
    k = d.shape[-1]
    idx = np.arange(k)
    out[..., idx, idx] = d
    return out


def _trace_grad(g, n):
    x = n.inputs[0]
    return (_expand(_expand(g, -1), -1) * F("eye_like", x),)


def _expand(g, axis):
    return F("expand_dims", g, axis=axis)


register(
    "trace(x)",
    forward=lambda x: np.trace(x, axis1=-2, axis2=-1),
    infer=lambda i, a, s: _batch(i, a, s),
    grad=_trace_grad,
    rule="∂tr(A)/∂A = I",
    doc="sum of the main diagonal of the last two axes",
    domain=(-2.0, 2.0),
    test_shapes=(((3, 3),), ((2, 3),), ((2, 2, 2),)),
)
register(
    "eye_like(input)",
    forward=lambda x: np.broadcast_to(np.eye(x.shape[-2], x.shape[-1], dtype=x.dtype), x.shape).copy(),
    infer=lambda i, a, s: (i[0].shape, i[0].dtype),
    grad=NOT_DIFFERENTIABLE,
    rule="a constant pattern: no gradient reaches its input",
    doc="ones on the main diagonal of the last two axes of x's shape (made by gradients)",
    tags=("internal",),
)


def _inverse_grad(g, n):
    # -A⁻ᵀ G A⁻ᵀ, with the output y = A⁻¹
    return (-F("matmul", F("matmul", n, g, transpose_a=True), n, transpose_b=True),)


register(
    "matrix_inverse(input)",
    forward=np.linalg.inv,
    infer=float_only(_square_same),
    grad=_inverse_grad,
    rule="∂A⁻¹/∂A applied to G = -A⁻ᵀ G A⁻ᵀ",
    doc="inverse of each square matrix (the last two axes)",
    aliases=("inv",),
    domain=(-2.0, 2.0),
    test_shapes=(((3, 3),), ((2, 2, 2),)),
)


def _det_grad(g, n):
    x = n.inputs[0]
    scale = _expand(_expand(g * n, -1), -1)
    return (scale * F("matrix_transpose", F("matrix_inverse", x)),)


register(
    "matrix_determinant(input)",
    forward=np.linalg.det,
    infer=float_only(lambda i, a, s: _batch(i, a, s, square=True)),
    grad=_det_grad,
    rule="∂det(A)/∂A = det(A)*A⁻ᵀ",
    doc="determinant of each square matrix (the last two axes)",
    aliases=("det",),
    domain=(-2.0, 2.0),
    test_shapes=(((3, 3),), ((2, 2, 2),)),
)


def _diag_infer(inputs, attrs, span):
    d = inputs[0]
    if d.rank == 0:
        raise fail("E0302", "diag needs a vector (rank 1 or more), got a scalar", d.span or span)
    return (None if d.shape is None else d.shape + d.shape[-1:]), d.dtype


register(
    "diag(diagonal)",
    forward=lambda d: _embed_diagonal(d, d.shape + d.shape[-1:]),
    infer=_diag_infer,
    grad=lambda g, n: (F("diag_part", g),),
    rule="∂diag(d)/∂d = the diagonal of the adjoint",
    doc="a square matrix with diagonal on its main diagonal (batched over leading axes)",
    domain=(-2.0, 2.0),
    test_shapes=(((3,),), ((2, 3),)),
)


def _diag_part_infer(inputs, attrs, span):
    x = inputs[0]
    _matrices(x, span)
    return (None if x.shape is None else x.shape[:-2] + (_diag_len(x.shape),)), x.dtype


register(
    "diag_part(input)",
    forward=lambda x: np.diagonal(x, axis1=-2, axis2=-1).copy(),
    infer=_diag_part_infer,
    grad=lambda g, n: (F("diag_like", g, n.inputs[0]),),
    rule="∂diag_part(A)/∂A = the adjoint on the main diagonal, zeros elsewhere",
    doc="the main diagonal of the last two axes",
    domain=(-2.0, 2.0),
    test_shapes=(((3, 3),), ((2, 3),), ((3, 2),), ((2, 2, 2),)),
)
register(
    "diag_like(diagonal, like)",
    forward=lambda d, like: _embed_diagonal(d, like.shape),
    infer=lambda i, a, s: (i[1].shape, i[0].dtype),
    grad=lambda g, n: (F("diag_part", g), None),
    rule="∂/∂d = the diagonal of the adjoint",
    doc="zeros shaped like `like` with diagonal on its main diagonal (made by gradients)",
    tags=("internal",),
)


# ----- products: dot and tensordot (built from multiply/matmul and einsum) -----

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


# ----- solving and factoring -----

def _solve_infer(inputs, attrs, span):
    a, b = inputs
    _matrices(a, span, square=True)
    _matrices(b, span)
    if a.shape is not None and b.shape is not None and None not in (a.shape[-1], b.shape[-2]) and a.shape[-1] != b.shape[-2]:
        raise fail("E0302", f"matrix_solve of a {a.shape[-2]}x{a.shape[-1]} matrix needs a right-hand side with {a.shape[-1]} rows, got {b.shape[-2]}", span)
    if a.shape is None or b.shape is None:
        return None, b.dtype
    return broadcast_shapes(a.shape[:-2], b.shape[:-2], span, inputs) + tuple(b.shape[-2:]), b.dtype


def _solve(a, b, adjoint=False):
    return np.linalg.solve(_mt(a) if adjoint else a, b)


def _mt(x):
    return np.swapaxes(x, -1, -2)


def _solve_grad(g, n):
    # TensorFlow's _MatrixSolveGrad: gb = solve(A, g, adjoint=not adjoint); gA = -gb xᵀ (or -x gbᵀ)
    a, b = n.inputs
    adjoint = n.attrs.get("adjoint", False)
    gb = F("matrix_solve", a, g, adjoint=not adjoint)
    ga = -F("matmul", n, gb, transpose_b=True) if adjoint else -F("matmul", gb, n, transpose_b=True)
    return unbroadcast(ga, a), unbroadcast(gb, b)


register(
    "matrix_solve(matrix, rhs, adjoint=False)",
    attrs=("adjoint",),
    forward=_solve,
    infer=float_only(_solve_infer),
    grad=_solve_grad,
    rule="X = A⁻¹B: ∂/∂B = A⁻ᵀG, ∂/∂A = -A⁻ᵀG Xᵀ",
    doc="the solution X of matrix @ X = rhs (adjoint=True: matrixᵀ @ X = rhs), batched",
    aliases=("solve",),
    promote=True,
)


def _cholesky_grad(g, n):
    # TensorFlow's _CholeskyGrad (Murray, 2016): L⁻ᵀ Φ(Lᵀ G) L⁻¹, symmetrized
    l_inv = F("matrix_inverse", n)
    middle = F("cholesky_phi", F("matmul", n, g, transpose_a=True))
    grad_a = F("matmul", F("matmul", l_inv, middle, transpose_a=True), l_inv)
    return ((grad_a + F("matrix_transpose", grad_a)) * 0.5,)


def _cholesky(x):
    return np.linalg.cholesky(x)


register(
    "cholesky(input)",
    forward=_cholesky,
    infer=float_only(_square_same),
    grad=_cholesky_grad,
    rule="∂L/∂A applied to G = sym(L⁻ᵀ Φ(LᵀG) L⁻¹), Φ: the lower triangle with half the diagonal",
    doc="the lower-triangular L with L @ Lᵀ = input, for symmetric positive-definite matrices (batched)",
)


def _phi(x):
    n = x.shape[-1]
    return x * (np.tril(np.ones((n, n), x.dtype)) - 0.5 * np.eye(n, dtype=x.dtype))


register(
    "cholesky_phi(x)",
    forward=_phi,
    infer=lambda i, a, s: (i[0].shape, i[0].dtype),
    grad=lambda g, n: (F("cholesky_phi", g),),
    rule="∂/∂x = the same mask applied to the adjoint",
    doc="the lower triangle with half the diagonal (made by gradients of cholesky)",
    tags=("internal",),
)


def _log_abs_det(x):
    return np.linalg.slogdet(x)[1] if x.size or x.shape[-1] == 0 else np.zeros(x.shape[:-2], x.dtype)


register(
    "log_abs_determinant(input)",
    forward=_log_abs_det,
    infer=float_only(lambda i, a, s: _batch(i, a, s, square=True)),
    grad=lambda g, n: (_expand(_expand(g, -1), -1) * F("matrix_transpose", F("matrix_inverse", n.inputs[0])),),
    rule="∂log|det A|/∂A = A⁻ᵀ",
    doc="log |det(input)| of each square matrix (the second result of slogdet)",
)
register(
    "determinant_sign(input)",
    forward=lambda x: np.linalg.slogdet(x)[0].astype(x.dtype),
    infer=float_only(lambda i, a, s: _batch(i, a, s, square=True)),
    grad=NOT_DIFFERENTIABLE,
    rule="no gradient (None): a sign",
    doc="the sign of det(input), -1, 0 or 1 (the first result of slogdet)",
    tags=("internal",),
)


def _slogdet(graph, inputs, attrs, span):
    (x,) = inputs
    return [graph.apply("determinant_sign", (x,), {}, span), graph.apply("log_abs_determinant", (x,), {}, span)]


register(
    "slogdet(input)",
    lister=_slogdet,
    rule="sign: no gradient; ∂log|det A|/∂A = A⁻ᵀ",
    doc="[sign, log |det|] of each square matrix (a list of two tensors)",
)


def _logdet(graph, inputs, attrs, span):
    (x,) = inputs
    l = graph.apply("cholesky", (x,), {}, span)  # noqa: E741
    logs = graph.apply("log", (graph.apply("diag_part", (l,), {}, span),), {}, span)
    return graph.apply("reduce_sum", (logs,), {"axis": -1}, span) * 2.0


register(
    "logdet(matrix)",
    lister=_logdet,
    rule="∂log det A/∂A = A⁻ᵀ (through cholesky)",
    doc="log det of each symmetric positive-definite matrix, as 2*sum(log(diag(cholesky)))",
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
