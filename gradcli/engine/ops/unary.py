"""The unary family: math functions, activations and the fused gradient kernels some of
them use (sqrt_grad, relu_grad...), and floor, ceil and round, which have no gradient.
"""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..registry import NOT_DIFFERENTIABLE, broadcasting, float_only, register, same_as_first
from .broadcasting import unbroadcast

F = apply  # gradient rules read `F("cos", x)`

def unary(name, forward, grad, rule, doc, domain=(-2.0, 2.0), aliases=(), numpy=True, floats=True):
    register(
        f"{name}(x)",
        forward=forward,
        infer=float_only(same_as_first) if floats else same_as_first,
        grad=grad,
        rule=rule,
        doc=doc,
        domain=domain,
        aliases=aliases,
        numpy=numpy,
        promote=True,
    )


def one(rule):
    """A unary gradient rule g -> (g * f'(x),) from f'(x, y), y being the output."""
    return lambda g, n: (rule(g, n.inputs[0], n),)


def _where(c, a, b):
    return F("where", c, a, b)


def _zeros(x):
    return F("zeros_like", x)


def _ones(x):
    return F("ones_like", x)


unary("negative", np.negative, one(lambda g, x, y: -g), "∂(-x)/∂x = -1", "minus x", floats=False, numpy=True)
unary("identity", lambda x: x.copy(), one(lambda g, x, y: g), "∂x/∂x = 1", "x unchanged", floats=False, numpy=False)
unary("abs", np.abs, one(lambda g, x, y: g * F("sign", x)), "∂|x|/∂x = sign(x) (0 at 0)", "absolute value", floats=False)
unary("sign", np.sign, one(lambda g, x, y: _zeros(x)), "∂sign(x)/∂x = 0", "-1, 0 or 1", floats=False)
unary("exp", np.exp, one(lambda g, x, y: g * y), "∂exp(x)/∂x = exp(x)", "e to the x")
unary("expm1", np.expm1, one(lambda g, x, y: g * F("exp", x)), "∂expm1(x)/∂x = exp(x)", "exp(x) - 1, accurate near 0")
unary("log", np.log, one(lambda g, x, y: g / x), "∂log(x)/∂x = 1/x", "natural logarithm", domain=(0.5, 3.0))
unary("log1p", np.log1p, one(lambda g, x, y: g / (1 + x)), "∂log1p(x)/∂x = 1/(1 + x)", "log(1 + x), accurate near 0", domain=(-0.5, 2.0))
unary("sqrt", np.sqrt, one(lambda g, x, y: F("sqrt_grad", y, g)), "∂sqrt(x)/∂x = 0.5/sqrt(x) (0 where the incoming gradient is 0, as TensorFlow's SqrtGrad)", "square root", domain=(0.5, 3.0))
unary("rsqrt", lambda x: 1 / np.sqrt(x), one(lambda g, x, y: F("rsqrt_grad", y, g)), "∂rsqrt(x)/∂x = -0.5*rsqrt(x)³ (0 where the incoming gradient is 0, as TensorFlow's RsqrtGrad)", "1/sqrt(x)", domain=(0.5, 3.0), numpy=False)
unary("square", np.square, one(lambda g, x, y: g * 2 * x), "∂(x²)/∂x = 2*x", "x*x", floats=False)
unary("reciprocal", np.reciprocal, one(lambda g, x, y: F("reciprocal_grad", y, g)), "∂(1/x)/∂x = -1/x² (0 where the incoming gradient is 0, as TensorFlow's ReciprocalGrad)", "1/x", domain=(0.5, 3.0))


# TensorFlow's fused gradient kernels of sqrt, rsqrt and reciprocal: a 0 incoming gradient
# gives 0 whatever the output (inf at 0, NaN below), so the guard where(x > 0, sqrt(x), 0)
# has gradient 0 in its dead branch. Their own gradients are TensorFlow's *GradGrad rules.
def _masked(dy, value):
    return np.where(dy == 0, np.zeros((), value.dtype), value)


def _grad_kernel(name, forward, grad, rule):
    register(
        f"{name}(y, dy)",
        forward=lambda y, dy: _masked(dy, forward(y, dy)).astype(np.result_type(y, dy)),
        infer=broadcasting,
        grad=lambda gg, n: tuple(unbroadcast(gi, xi) for gi, xi in zip(grad(gg, *n.inputs), n.inputs)),
        rule=rule,
        doc=f"the gradient kernel of {name.removesuffix('_grad')}: 0 where dy is 0 (made by gradients)",
        promote=True,
        tags=("internal",),
    )


_grad_kernel("sqrt_grad", lambda y, dy: dy * 0.5 / y, lambda gg, y, dy: (-(gg / y) * F("sqrt_grad", y, dy), F("sqrt_grad", y, gg)), "∂/∂y = -(g/y)*0.5*dy/y, ∂/∂dy = 0.5*g/y")
_grad_kernel("rsqrt_grad", lambda y, dy: -0.5 * dy * y * y * y, lambda gg, y, dy: (-1.5 * gg * dy * y * y, F("rsqrt_grad", y, gg)), "∂/∂y = -1.5*g*dy*y², ∂/∂dy = -0.5*g*y³")
_grad_kernel("reciprocal_grad", lambda y, dy: -dy * y * y, lambda gg, y, dy: (gg * -2.0 * dy * y, F("reciprocal_grad", y, gg)), "∂/∂y = -2*g*dy*y, ∂/∂dy = -g*y²")
unary("sin", np.sin, one(lambda g, x, y: g * F("cos", x)), "∂sin(x)/∂x = cos(x)", "sine")
unary("cos", np.cos, one(lambda g, x, y: -g * F("sin", x)), "∂cos(x)/∂x = -sin(x)", "cosine")
unary("tan", np.tan, one(lambda g, x, y: g * (1 + y * y)), "∂tan(x)/∂x = 1 + tan(x)²", "tangent", domain=(-1.2, 1.2))
unary("asin", np.arcsin, one(lambda g, x, y: g * F("rsqrt", 1 - x * x)), "∂asin(x)/∂x = 1/sqrt(1 - x²)", "inverse sine", domain=(-0.9, 0.9), aliases=("arcsin",))
unary("acos", np.arccos, one(lambda g, x, y: -g * F("rsqrt", 1 - x * x)), "∂acos(x)/∂x = -1/sqrt(1 - x²)", "inverse cosine", domain=(-0.9, 0.9), aliases=("arccos",))
unary("atan", np.arctan, one(lambda g, x, y: g / (1 + x * x)), "∂atan(x)/∂x = 1/(1 + x²)", "inverse tangent", aliases=("arctan",))
unary("sinh", np.sinh, one(lambda g, x, y: g * F("cosh", x)), "∂sinh(x)/∂x = cosh(x)", "hyperbolic sine")
unary("cosh", np.cosh, one(lambda g, x, y: g * F("sinh", x)), "∂cosh(x)/∂x = sinh(x)", "hyperbolic cosine")
unary("tanh", np.tanh, one(lambda g, x, y: g * (1 - y * y)), "∂tanh(x)/∂x = 1 - tanh(x)²", "hyperbolic tangent")
unary("asinh", np.arcsinh, one(lambda g, x, y: g * F("rsqrt", x * x + 1)), "∂asinh(x)/∂x = 1/sqrt(x² + 1)", "inverse hyperbolic sine", aliases=("arcsinh",))
unary("acosh", np.arccosh, one(lambda g, x, y: g * F("rsqrt", x * x - 1)), "∂acosh(x)/∂x = 1/sqrt(x² - 1)", "inverse hyperbolic cosine", domain=(1.2, 3.0), aliases=("arccosh",))
unary("atanh", np.arctanh, one(lambda g, x, y: g / (1 - x * x)), "∂atanh(x)/∂x = 1/(1 - x²)", "inverse hyperbolic tangent", domain=(-0.9, 0.9), aliases=("arctanh",))


def _erf(x):
    from math import erf

    return np.vectorize(erf, otypes=[x.dtype])(x) if x.size else x.copy()


unary("erf", _erf, one(lambda g, x, y: g * (2 / np.sqrt(np.pi)) * F("exp", -(x * x))), "∂erf(x)/∂x = 2/sqrt(π)*exp(-x²)", "the error function", numpy=False)


def _sigmoid(x):
    # exp of -|x| never overflows; both halves are exact where they are used
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _softplus(x):
    return np.logaddexp(0, x).astype(x.dtype)


unary("sigmoid", _sigmoid, one(lambda g, x, y: g * y * (1 - y)), "∂σ(x)/∂x = σ(x)*(1 - σ(x))", "logistic sigmoid 1/(1 + exp(-x))", numpy=False)
unary("relu", lambda x: np.maximum(x, 0), one(lambda g, x, y: F("relu_grad", g, x)), "∂relu(x)/∂x = 1 if x > 0 else 0", "max(x, 0)", numpy=False)
# One pass, as TensorFlow's ReluGrad (g * (x > 0)): relu's backward is on every MLP's hot path.
register(
    "relu_grad(gradients, features)",
    forward=lambda g, x: g * (x > 0),
    infer=broadcasting,
    # TensorFlow's ReluGradGrad: the features get zeros (not None), so a Hessian of a ReLU net is zeros
    grad=lambda gg, n: (unbroadcast(F("relu_grad", gg, n.inputs[1]), n.inputs[0]), unbroadcast(_zeros(F("relu_grad", gg, n.inputs[1])), n.inputs[1])),
    rule="∂/∂gradients = 1 where features > 0; ∂/∂features = 0",
    doc="the gradient of relu: gradients where features > 0, else 0 (made by gradients)",
    promote=True,
    tags=("internal",),
)
unary(
    "relu6",
    lambda x: np.clip(x, 0, 6),
    one(lambda g, x, y: F("relu6_grad", g, x)),
    "∂relu6(x)/∂x = 1 if 0 < x < 6 else 0",
    "min(max(x, 0), 6)",
    domain=(-2.0, 8.0),
    numpy=False,
)
unary("elu", lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))), one(lambda g, x, y: _where(x > 0, g, g * (y + 1))), "∂elu(x)/∂x = 1 if x > 0 else exp(x)", "x if x > 0 else exp(x) - 1", numpy=False)
unary("softplus", _softplus, one(lambda g, x, y: g * F("sigmoid", x)), "∂softplus(x)/∂x = σ(x)", "log(1 + exp(x))", numpy=False)
unary("softsign", lambda x: x / (1 + np.abs(x)), one(lambda g, x, y: g / F("square", 1 + F("abs", x))), "∂softsign(x)/∂x = 1/(1 + |x|)² (differentiable again, where TensorFlow raises LookupError)", "x/(1 + |x|)", numpy=False)


def _no_grad_unary(name, fn, doc):
    register(
        f"{name}(x)",
        forward=fn,
        infer=same_as_first,
        grad=NOT_DIFFERENTIABLE,
        rule="no gradient (None), as TensorFlow registers it",
        doc=doc,
        domain=(-2.0, 2.0),
        numpy=True,
        promote=True,
    )


_no_grad_unary("floor", np.floor, "largest integer not above x")
_no_grad_unary("ceil", np.ceil, "smallest integer not below x")
_no_grad_unary("round", np.round, "nearest integer, ties to even (banker's rounding, as TensorFlow)")

register(
    "relu6_grad(gradients, features)",
    forward=lambda g, x: g * ((x > 0) & (x < 6)),
    infer=broadcasting,
    grad=lambda gg, n: (unbroadcast(F("relu6_grad", gg, n.inputs[1]), n.inputs[0]), unbroadcast(_zeros(F("relu6_grad", gg, n.inputs[1])), n.inputs[1])),
    rule="∂/∂gradients = 1 where 0 < features < 6; ∂/∂features = 0",
    doc="the gradient of relu6: gradients where 0 < features < 6, else 0 (made by gradients)",
    promote=True,
    tags=("internal",),
)
register(
    "leaky_relu_grad(gradients, features, alpha=0.2)",
    attrs=("alpha",),
    forward=lambda g, x, alpha=0.2: np.where(x > 0, g, g * np.asarray(alpha, g.dtype)),
    infer=broadcasting,
    grad=lambda gg, n: (
        unbroadcast(F("leaky_relu_grad", gg, n.inputs[1], alpha=n.attrs.get("alpha", 0.2)), n.inputs[0]),
        unbroadcast(_zeros(F("leaky_relu_grad", gg, n.inputs[1], alpha=n.attrs.get("alpha", 0.2))), n.inputs[1]),
    ),
    rule="∂/∂gradients = 1 where features > 0, else alpha; ∂/∂features = 0",
    doc="the gradient of leaky_relu (made by gradients)",
    promote=True,
    tags=("internal",),
)
register(
    "leaky_relu(features, alpha=0.2)",
    attrs=("alpha",),
    forward=lambda x, alpha=0.2: np.where(x > 0, x, x * np.asarray(alpha, x.dtype)),
    infer=float_only(same_as_first),
    grad=lambda g, n: (F("leaky_relu_grad", g, n.inputs[0], alpha=n.attrs.get("alpha", 0.2)),),
    rule="∂leaky_relu(x)/∂x = 1 if x > 0 else alpha",
    doc="x if x > 0 else alpha*x",
    domain=(-2.0, 2.0),
)
