"""Linear algebra on the last two axes (batched): trace, inverse, determinant, diagonals,
solving, Cholesky factors and log-determinants (matmul, einsum, dot and tensordot are
products.py).

A singular matrix makes NumPy raise LinAlgError, which the evaluator
reports as E0308 at the op's span.
"""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..dtypes import shape_str
from ...errors import fail
from ..registry import NOT_DIFFERENTIABLE, float_only, register
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
