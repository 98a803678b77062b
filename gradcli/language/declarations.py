"""Declarations: `var` and `placeholder` statements and `x = Variable(...)` /
`x = placeholder(...)` assignments, with their types, dtypes and shapes.

A part of the Resolver (gradcli.language.interpreter) kept apart as CallResolver is:
DeclarationResolver is mixed into Resolver and uses its expr(), tensor(), static(),
attr_value() and lookup().
"""
from __future__ import annotations

import numpy as np

from . import ast as A
from ..engine.dtypes import DTYPES, dtype_name, is_float, shape_str
from ..engine.graph import Node
from ..errors import fail
from ..source import Label
from .program import DType, ListValue


class DeclarationResolver:
    def declare(self, name: A.Name, node: Node):
        if name.id in self.out.inputs:
            first = self.out.inputs[name.id]
            raise fail("E0215", f"'{name.id}' is declared twice", name.span, labels=[Label(first.span, "first declared here")] if first.span else [], help=["give the second one another name"])
        self.out.inputs[name.id] = node
        self.out.bindings[name.id] = node
        self.out.binding_spans[name.id] = name.span

    def var(self, name: A.Name, type_: A.TypeExpr | None, value_expr, span, dtype=None, shape=None, keep_dtype=False):
        init = self.tensor(self.expr(value_expr), value_expr.span)
        if type_ is not None:
            dtype, shape = self.type_expr(type_)
        if keep_dtype and dtype is None:  # tf.Variable keeps its initial value's dtype: Variable(3) is int32
            dtype = init.dtype if not init.weak else "int32" if init.dtype.kind in "iu" else None
        dtype = self.graph.dtype_attr(dtype, default_float=True)
        if shape is None:
            shape = init.shape
        elif init.shape is not None and not _fits(init.shape, shape):
            raise fail("E0206", f"the initial value of '{name.id}' has shape {shape_str(init.shape)}, but the declaration says {shape_str(shape)}", value_expr.span, labels=[Label(type_.span, "declared here")] if type_ else [])
        if not is_float(dtype) and init.dtype.kind == "f" and not init.weak:
            raise fail("E0206", f"'{name.id}' is declared {dtype_name(dtype)} but its initial value is {dtype_name(init.dtype)}", value_expr.span, help=[f"use cast(..., {dtype_name(dtype)})"])
        if init.dtype.kind == "f" and not is_float(dtype):
            value = self.static(init)
            if value is not None and not np.all(np.mod(value, 1) == 0):
                raise fail("E0206", f"'{name.id}' is declared {dtype_name(dtype)}, but its initial value {value.tolist()} is not a whole number", value_expr.span)
        self.declare(name, self.graph.variable(name.id, init, dtype, shape, name.span))

    def placeholder(self, name: A.Name, type_: A.TypeExpr | None, default_expr, span, dtype=None, shape=None):
        if type_ is not None:
            dtype, shape = self.type_expr(type_)
        dtype = self.graph.dtype_attr(dtype, default_float=True)
        default = None
        if default_expr is not None:
            default = self.tensor(self.expr(default_expr), default_expr.span)
            if shape is None:
                shape = None  # any shape: a feed may change it
            elif default.shape is not None and not _fits(default.shape, shape):
                raise fail("E0206", f"the default of '{name.id}' has shape {shape_str(default.shape)}, but the declaration says {shape_str(shape)}", default_expr.span)
        self.declare(name, self.graph.placeholder(name.id, dtype, shape, default, name.span))

    def type_expr(self, t: A.TypeExpr):
        dtype = self.dtype_of(t.dtype)
        if t.dims is None:
            return dtype, None
        dims = []
        for d in t.dims:
            if d is None:
                dims.append(None)
                continue
            value = self.attr_value(self.expr(d), d.span, "a dimension")
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise fail("E0213", f"a dimension must be a non-negative whole number, got {value!r}", d.span)
            dims.append(value)
        return dtype, tuple(dims)

    def dtype_of(self, name: A.Name):
        value = self.lookup(name)
        if isinstance(value, DType):
            return value.dtype
        raise fail("E0213", f"'{name.id}' is not a dtype", name.span, help=["use one of float, float32, float64, int32, int64, bool"])

    def tf_variable(self, target: A.Name, call: A.Call):
        kw = {k.name: k for k in call.kwargs}
        for k in kw:
            if k not in ("initial_value", "dtype", "name", "trainable", "shape"):
                raise fail("E0204", f"Variable() takes no keyword '{k}'", kw[k].name_span, help=["Variable(initial_value, dtype=None, name=None)"])
        args = list(call.args)
        init = args[0] if args else (kw.pop("initial_value").value if "initial_value" in kw else None)
        if init is None or len(args) > 2:
            raise fail("E0205", "Variable() takes an initial value", call.span, help=["write x = Variable(2.0), or var x = 2.0"])
        dtype = None
        if len(args) > 1 or "dtype" in kw:
            dtype = self.dtype_value(self.expr(args[1] if len(args) > 1 else kw["dtype"].value), call.span)
        self.var(target, None, init, call.span, dtype=dtype, keep_dtype=True)

    def tf_placeholder(self, target: A.Name, call: A.Call):
        kw = {k.name: k for k in call.kwargs}
        for k in kw:
            if k not in ("dtype", "shape", "name"):
                raise fail("E0204", f"placeholder() takes no keyword '{k}'", kw[k].name_span, help=["placeholder(dtype, shape=None, name=None)"])
        args = list(call.args)
        if len(args) > 3:
            raise fail("E0205", "placeholder() takes a dtype and a shape", call.span, help=["placeholder(dtype, shape=None, name=None)"])
        dtype_expr = args[0] if args else (kw["dtype"].value if "dtype" in kw else None)
        if dtype_expr is None:
            raise fail("E0205", "placeholder() needs a dtype", call.span, help=['write X = placeholder("float", shape=[2, 1])'])
        dtype = self.dtype_value(self.expr(dtype_expr), dtype_expr.span)
        shape_expr = args[1] if len(args) > 1 else (kw["shape"].value if "shape" in kw else None)
        shape = None if shape_expr is None else self.shape_value(self.expr(shape_expr), shape_expr.span)
        self.placeholder(target, None, None, call.span, dtype=dtype, shape=shape)

    def shape_value(self, value, span):
        """A shape written as a list that may hold None: [None, 1]."""
        if value is None:
            return None
        if isinstance(value, ListValue):
            dims = []
            for item in value.items:
                if item is None:
                    dims.append(None)
                else:
                    d = self.attr_value(item, span, "a dimension")
                    dims.append(d)
            return tuple(dims)
        dims = self.attr_value(value, span, "a shape")
        return tuple(dims) if isinstance(dims, list) else (dims,)

    def dtype_value(self, value, span):
        if isinstance(value, DType):
            return value.dtype
        if isinstance(value, str):
            if value in DTYPES or value in ("float", "int"):
                return value
            raise fail("E0213", f"unknown dtype '{value}'", span, help=["use one of float, float32, float64, int32, int64, bool"])
        raise fail("E0213", "expected a dtype", span, help=["use one of float, float32, float64, int32, int64, bool"])


def _fits(actual, declared) -> bool:
    return len(actual) == len(declared) and all(d is None or a is None or a == d for a, d in zip(actual, declared))
