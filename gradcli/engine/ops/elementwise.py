"""Elementwise ops: the unary family and the broadcasting binary family."""
from __future__ import annotations

import numpy as np

from ..graph import Node, apply
from ..dtypes import static_size
from ..registry import NOT_DIFFERENTIABLE, broadcasting, float_only, register, same_as_first, with_dtype

F = apply  # gradient rules read `F("cos", x)`


def unbroadcast(g: Node, x: Node) -> Node:
    """Sum a gradient back to the shape of the input it broadcast from.

    With both static shapes known this is a reduce over the broadcast axes
    (nothing at all when they match); otherwise `sum_to_like` does it at run
    time from x's actual shape.
    """
    if g.shape == x.shape and g.shape is not None and None not in g.shape:
        return g
    if static_size(g.shape) is not None and static_size(x.shape) is not None:
        return F("sum_to", g, shape=tuple(x.shape))
    return F("sum_to_like", g, x)


def _sum_to(g, shape):
    shape = tuple(shape)
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(shape) if d == 1 and g.shape[i + lead] != 1)
    out = g.sum(axis=axes, keepdims=True) if axes else g
    return out.reshape(shape)


register(
    "sum_to(t, shape)",
    attrs=("shape",),
    forward=lambda g, shape: _sum_to(g, shape),
    infer=lambda i, a, s: (tuple(a["shape"]), i[0].dtype),
    grad=lambda g, n: (F("broadcast_to", g, shape=n.inputs[0].shape) if static_size(n.inputs[0].shape) is not None else F("broadcast_like", g, n.inputs[0]),),
    doc="sum a broadcast gradient back to a shape (made by gradients)",
    rule="∂/∂t = broadcast of the adjoint back to t's shape",
    tags=("internal",),
)
register(
    "sum_to_like(t, like)",
    forward=lambda g, like: _sum_to(g, np.shape(like)),
    infer=lambda i, a, s: (i[1].shape, i[0].dtype),
    grad=lambda g, n: (F("broadcast_like", g, n.inputs[0]), None),
    doc="sum a broadcast gradient back to the run-time shape of `like` (made by gradients)",
    rule="∂/∂t = broadcast of the adjoint back to t's shape",
    tags=("internal",),
)


# ----- the unary family -----

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


# ----- the broadcasting binary family -----

def binary(signature, forward, grads, rule, doc, domain=(-2.0, 2.0), aliases=(), numpy=True, infer=broadcasting, floats=False):
    """`grads(g, a, b, y)` gives the two unreduced adjoints; unbroadcast sums them back."""

    def grad(g, n):
        a, b = n.inputs
        ga, gb = grads(g, a, b, n)
        return (unbroadcast(ga, a) if ga is not None else None, unbroadcast(gb, b) if gb is not None else None)

    infer = _numbers_only(float_only(infer) if floats else infer)
    register(signature, forward=forward, infer=infer, grad=grad, rule=rule, doc=doc, domain=domain, aliases=aliases, numpy=numpy, promote=True, needs_float=floats)


def _numbers_only(rule):
    """Arithmetic on bool tensors is an error, as in TensorFlow (NumPy would quietly do logic)."""

    def checked(inputs, attrs, span):
        if any(x.dtype == np.bool_ for x in inputs):
            from ...errors import fail

            raise fail("E0303", "arithmetic on a bool tensor", span, help=["convert it first with cast(b, float), or use logical_and/logical_or"])
        return rule(inputs, attrs, span)

    return checked


def _true_divide(a, b):
    return np.true_divide(a, b)


def _divide_infer(inputs, attrs, span):
    shape, dtype = broadcasting(inputs, attrs, span)
    if dtype.kind != "f":  # int / int is true division, as in TensorFlow and Python
        dtype = np.dtype(np.float64) if inputs[0].weak and inputs[1].weak else inputs[0].graph.float_dtype
    return shape, dtype


def _pow(a, b):
    if a.dtype.kind in "iu" and np.any(b < 0):
        # TensorFlow: "Integers to negative integer powers are not allowed"
        raise ZeroDivisionError("an integer to a negative integer power")
    return np.power(a, b)


def _int_checked(fn, what):
    """Integer division and modulo by zero are errors, as TensorFlow's InvalidArgumentError."""

    def forward(a, b):
        if a.dtype.kind in "iu" and b.dtype.kind in "iu" and b.size and not np.all(b):
            raise ZeroDivisionError(what)
        return fn(a, b)

    return forward


def _pow_infer(inputs, attrs, span):
    shape, dtype = broadcasting(inputs, attrs, span)
    a, b = inputs
    if dtype.kind in "iu" and a.weak and b.weak and b.op.name == "constant_value" and np.any(b.attrs["value"] < 0):
        dtype = np.dtype(np.float64)
    return shape, dtype


def _pow_grads(g, a, b, y):
    # d/da: b * a**(b-1); d/db: y * log(a) where a > 0; elsewhere 0 where y is finite
    # and NaN where it is not (y * 0), as TensorFlow
    ga = g * b * F("pow", a, b - 1)
    positive = a > 0
    safe = _where(positive, a, _ones(a))
    gb = g * _where(positive, y * F("log", safe), y * 0.0)
    return ga, gb


binary("add(x, y)", np.add, lambda g, a, b, y: (g, g), "∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1", "a + b (the + operator)")
binary("subtract(x, y)", np.subtract, lambda g, a, b, y: (g, -g), "∂(a-b)/∂a = 1, ∂(a-b)/∂b = -1", "a - b (the - operator)", aliases=("sub",))
binary("multiply(x, y)", np.multiply, lambda g, a, b, y: (g * b, g * a), "∂(a*b)/∂a = b, ∂(a*b)/∂b = a", "a * b (the * operator)", aliases=("mul",))
binary(
    "divide(x, y)",
    _true_divide,
    # TensorFlow's form (-a/b)/b, with a/b the output itself: b*b would square b again at
    # each order of derivative (the third derivative of 1/x at 1e50 lost its sign)
    lambda g, a, b, y: (g / b, g * (-y / b)),
    "∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = -a/b²",
    "true division a / b (the / operator)",
    aliases=("div", "truediv", "true_divide"),
    infer=_divide_infer,
    domain=(0.5, 2.0),
)
binary("pow(x, y)", _pow, _pow_grads, "∂(a**b)/∂a = b*a**(b-1), ∂(a**b)/∂b = a**b*log(a) (0 where a <= 0)", "a ** b (the ** and ^ operators)", aliases=("power",), infer=_pow_infer, domain=(0.5, 2.0))
binary(
    "floormod(x, y)",
    _int_checked(np.mod, "integer modulo by zero"),
    lambda g, a, b, y: (g, -g * F("floor", a / b)),
    "∂(a%b)/∂a = 1, ∂(a%b)/∂b = -floor(a/b)",
    "floor modulo a % b, with the sign of b (the % operator)",
    aliases=("mod", "floor_mod"),
    domain=(0.6, 2.0),
)
binary(
    "squared_difference(x, y)",
    lambda a, b: np.square(a - b),
    lambda g, a, b, y: (g * 2 * (a - b), g * -2 * (a - b)),
    "∂(a-b)²/∂a = 2*(a-b), ∂(a-b)²/∂b = -2*(a-b)",
    "(a - b)²",
    numpy=False,
)
binary(
    "maximum(x, y)",
    np.maximum,
    lambda g, a, b, y: (_where(a >= b, g, _zeros(g)), _where(a >= b, _zeros(g), g)),
    "∂max(a,b)/∂a = 1 where a >= b (ties go to a), ∂/∂b = 1 where b > a",
    "elementwise larger of a and b",
)
binary(
    "minimum(x, y)",
    np.minimum,
    lambda g, a, b, y: (_where(a <= b, g, _zeros(g)), _where(a <= b, _zeros(g), g)),
    "∂min(a,b)/∂a = 1 where a <= b (ties go to a), ∂/∂b = 1 where b < a",
    "elementwise smaller of a and b",
)
binary(
    "atan2(y, x)",
    np.arctan2,
    lambda g, a, b, y: (g * b / (a * a + b * b), -g * a / (a * a + b * b)),
    "∂atan2(y,x)/∂y = x/(x²+y²), ∂/∂x = -y/(x²+y²)",
    "angle of the point (x, y)",
    aliases=("arctan2",),
    domain=(0.5, 2.0),
    floats=True,
)


def _floordiv_infer(inputs, attrs, span):
    return broadcasting(inputs, attrs, span)


register(
    "floordiv(x, y)",
    forward=_int_checked(np.floor_divide, "integer division by zero"),
    infer=_floordiv_infer,
    grad=NOT_DIFFERENTIABLE,
    rule="no gradient (None), as TensorFlow registers it",
    doc="floor division a // b (the // operator)",
    aliases=("floor_divide", "floor_div"),
    promote=True,
    numpy=True,
    domain=(0.5, 2.0),
)


# ----- comparisons and logic: boolean results, constants for gradients -----

def comparison(name, fn, doc, aliases=()):
    register(
        f"{name}(x, y)",
        forward=fn,
        infer=with_dtype(broadcasting, np.bool_),
        grad=NOT_DIFFERENTIABLE,
        doc=doc,
        aliases=aliases,
        promote=True,
        numpy=True,
    )


comparison("equal", np.equal, "a == b elementwise")
comparison("not_equal", np.not_equal, "a != b elementwise")
comparison("less", np.less, "a < b elementwise")
comparison("less_equal", np.less_equal, "a <= b elementwise")
comparison("greater", np.greater, "a > b elementwise")
comparison("greater_equal", np.greater_equal, "a >= b elementwise")


def _bool_only(rule):
    def checked(inputs, attrs, span):
        from ...errors import fail

        for x in inputs:
            if x.dtype != np.bool_:
                raise fail("E0303", f"this op needs a bool tensor, got {x.dtype.name}", span, help=["compare first, e.g. x > 0"])
        return rule(inputs, attrs, span)

    return checked


register("logical_and(x, y)", forward=np.logical_and, infer=_bool_only(broadcasting), grad=NOT_DIFFERENTIABLE, doc="a and b elementwise", numpy=True)
register("logical_or(x, y)", forward=np.logical_or, infer=_bool_only(broadcasting), grad=NOT_DIFFERENTIABLE, doc="a or b elementwise", numpy=True)
register("logical_not(x)", forward=np.logical_not, infer=_bool_only(same_as_first), grad=NOT_DIFFERENTIABLE, doc="not a elementwise", numpy=True)
