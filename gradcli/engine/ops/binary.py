"""The broadcasting binary family: arithmetic (+ - * / ** % //, maximum, atan2...), then
comparisons and logic, whose boolean results are constants for gradients.
"""
from __future__ import annotations

import numpy as np

from ..graph import apply
from ..registry import NOT_DIFFERENTIABLE, broadcasting, float_only, register, same_as_first, with_dtype
from .broadcasting import unbroadcast
from .unary import _ones, _where, _zeros

F = apply  # gradient rules read `F("cos", x)`

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
