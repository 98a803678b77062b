"""The one op registry: every rule of an op lives in one `register` call.

An op has a forward rule on NumPy arrays, a static shape-and-dtype rule, a
gradient rule built from other ops (so gradients can be differentiated
again) or one of the markers NOT_DIFFERENTIABLE / NO_GRADIENT, a signature
the language binds arguments with, a domain for the tests, and docs.
Tests, `gradcli ops` and the README's op table all read this registry.
"""
from __future__ import annotations

import inspect
import sys
import re
from typing import Callable

import numpy as np

from .dtypes import broadcast_shapes, is_float

NOT_DIFFERENTIABLE = "not differentiable"  # gradient through it is None (TF's NotDifferentiable)
NO_GRADIENT = "no gradient rule"  # a path through it is an error (TF's LookupError)


class Param:
    """One parameter of an op's signature: kind "tensor", "tensors" (a list, variadic
    inputs) or "attr" (a static value). Immutable, compared by value. This module and
    its two classes are plain (no dataclasses): they load on every run (gradcli.source.Span)."""

    __slots__ = ("name", "kind", "default")

    def __init__(self, name: str, kind: str, default: object = inspect.Parameter.empty):
        setter = object.__setattr__
        setter(self, "name", name)
        setter(self, "kind", kind)
        setter(self, "default", default)

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot assign to field {name!r} of a Param")

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.name, self.kind, self.default) == (other.name, other.kind, other.default)

    def __hash__(self):
        return hash((self.name, self.kind, self.default))

    def __repr__(self):
        return f"Param(name={self.name!r}, kind={self.kind!r}, default={self.default!r})"

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty


class OpDef:
    """An op: its rules (forward, infer, grad or a marker), its signature's params, its docs.

    rule: the derivative in one line, for `gradcli ops` and explain; promote: operands
    share one dtype (weak literals adapt), k: from input k on; numpy: reachable as
    np.NAME; domain: (lo, hi) inputs are drawn from in tests (None: not tested by the
    menu); test_shapes: shape menus for the systematic tests, when not the family's;
    default_float: a dtype=None (or absent) attribute means the run's default float
    (a callable decides from the attrs); lister: list-valued ops, (graph, inputs,
    attrs, span) -> [Node], built from other ops; needs_float: a float op, weak
    integer inputs become floats before the forward (float_only rules); bool_attrs:
    attributes that take True/False only (those whose default is a bool).
    """

    __slots__ = ("name", "forward", "infer", "grad", "params", "doc", "rule", "aliases", "promote", "random", "numpy", "domain",
                 "test_shapes", "registered_at", "tags", "default_float", "lister", "needs_float", "bool_attrs")

    def __init__(self, name: str, forward: Callable, infer: Callable, grad: Callable | str, params: tuple[Param, ...], doc: str, rule: str,
                 aliases: tuple[str, ...] = (), promote: bool | int = False, random: bool = False, numpy: bool = False,
                 domain: tuple | None = None, test_shapes: tuple | None = None, registered_at: str = "", tags: tuple[str, ...] = (),
                 default_float: bool | Callable = False, lister: Callable | None = None, needs_float: bool = False, bool_attrs: tuple[str, ...] = ()):
        self.name = name
        self.forward = forward
        self.infer = infer
        self.grad = grad
        self.params = params
        self.doc = doc
        self.rule = rule
        self.aliases = aliases
        self.promote = promote
        self.random = random
        self.numpy = numpy
        self.domain = domain
        self.test_shapes = test_shapes
        self.registered_at = registered_at
        self.tags = tags
        self.default_float = default_float
        self.lister = lister
        self.needs_float = needs_float
        self.bool_attrs = bool_attrs

    @property
    def differentiable(self) -> bool:
        return callable(self.grad) or self.lister is not None

    @property
    def signature(self) -> str:
        parts = []
        for p in self.params:
            text = ("*" if p.kind == "tensors" and p.name == "operands" else "") + p.name
            if not p.required:
                text += "=" + _show_default(p.default)
            parts.append(text)
        return f"{self.name}({', '.join(parts)})"

    def __repr__(self):
        return f"<op {self.name}>"


def _show_default(value) -> str:
    if isinstance(value, str):
        return repr(value).replace("'", '"')
    return str(value)


OPS: dict[str, OpDef] = {}  # canonical name -> op
NAMES: dict[str, OpDef] = {}  # canonical names and aliases -> op


class DuplicateOp(Exception):
    pass


_SIG = re.compile(r"^\s*(\*?)(\w+)\s*(?:=\s*(.+?))?\s*$")


def parse_signature(text: str, attrs: tuple[str, ...], single: tuple[str, ...] = ()) -> tuple[str, tuple[Param, ...]]:
    """`reduce_sum(input_tensor, axis=None)` -> name and Params; names in attrs are static.
    `values` and `operands` are lists of tensors unless named in single (sort's values)."""
    name, _, rest = text.partition("(")
    params = []
    body = rest.rstrip(")").strip()
    for piece in _split_top(body):
        m = _SIG.match(piece)
        star, pname, default = m.group(1), m.group(2), m.group(3)
        value = inspect.Parameter.empty if default is None else _literal(default)
        if star or pname in ("values", "operands") and pname not in single:
            kind = "tensors"
        elif pname in attrs:
            kind = "attr"
        else:
            kind = "tensor"
        params.append(Param(pname, kind, value))
    return name.strip(), tuple(params)


def _split_top(body: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in body:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return out


def _literal(text: str):
    import ast

    return ast.literal_eval(text)


def register(
    signature: str,
    *,
    forward: Callable | None = None,
    infer: Callable | None = None,
    grad: Callable | str = NOT_DIFFERENTIABLE,
    doc: str,
    rule: str = "",
    attrs: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    single: tuple[str, ...] = (),
    **options,
) -> OpDef:
    """Add one op; a second op (or alias) of the same name fails and names the first."""
    name, params = parse_signature(signature, attrs, single)
    # the registering line, for the duplicate-registration message; sys._getframe is
    # cheap where inspect.stack() would read every source file (a second at start-up)
    caller = sys._getframe(1)
    while caller.f_code.co_name != "<module>" and caller.f_back is not None:  # past family helpers (unary, binary...)
        caller = caller.f_back
    where = f"{caller.f_code.co_filename}:{caller.f_lineno}"
    if not rule:
        rule = "no gradient (an integer or boolean result)" if grad == NOT_DIFFERENTIABLE else grad if isinstance(grad, str) else ""
    options.setdefault("needs_float", getattr(infer, "needs_float", False))
    options.setdefault("bool_attrs", tuple(p.name for p in params if p.kind == "attr" and isinstance(p.default, bool)))
    op = OpDef(name, forward, infer, grad, params, doc, rule, tuple(aliases), registered_at=where, **options)
    for key in (name, *aliases):
        if key in NAMES:
            raise DuplicateOp(f"op '{key}' registered twice: first at {NAMES[key].registered_at}, again at {where}")
    OPS[name] = op
    for key in (name, *aliases):
        NAMES[key] = op
    return op


def get(name: str) -> OpDef:
    return NAMES[name]


# ----- shared shape rules -----

def same_as_first(inputs, attrs, span):
    return inputs[0].shape, inputs[0].dtype


def float_only(rule):
    """Wrap a shape rule so that an integer input is an E0303 with a cast hint."""

    def checked(inputs, attrs, span):
        for x in inputs:
            if not is_float(x.dtype) and not x.weak:
                from ..errors import fail

                raise fail(
                    "E0303",
                    f"this op needs a float tensor, got {x.dtype.name}",
                    span,
                    help=["convert it first with cast(x, float)"],
                )
        shape, dtype = rule(inputs, attrs, span)
        if dtype.kind != "f":  # an int literal in sin(2) is a float, as in Python's math
            dtype = np.dtype(np.float64)
        return shape, dtype

    checked.needs_float = True
    return checked


def broadcasting(inputs, attrs, span):
    shape = inputs[0].shape
    for x in inputs[1:]:
        shape = broadcast_shapes(shape, x.shape, span, inputs)
    return shape, inputs[0].dtype


def with_dtype(rule, dtype):
    def typed(inputs, attrs, span):
        return rule(inputs, attrs, span)[0], np.dtype(dtype)

    return typed


# ----- leaves -----

def _no_forward(*_, **__):
    raise AssertionError("leaves are evaluated by the evaluator")


def _leaf_shape(inputs, attrs, span):
    raise AssertionError("leaves are made by Graph, not apply")


CONSTANT = OpDef("constant_value", _no_forward, _leaf_shape, NOT_DIFFERENTIABLE, (), "a literal value", "a leaf")
PLACEHOLDER = OpDef("placeholder", _no_forward, _leaf_shape, NOT_DIFFERENTIABLE, (), "an input fed at run time", "a leaf")
VARIABLE = OpDef("variable", _no_forward, _leaf_shape, NOT_DIFFERENTIABLE, (), "a variable with an initial value", "a leaf")
LEAVES = (CONSTANT, PLACEHOLDER, VARIABLE)
