"""NumPy calls (np.random included) and math. calls.

A mixin of gradcli.language.executor.Interpreter, assembled in tf_calls.TFCalls.
"""
from __future__ import annotations

import math

import numpy as np

from . import spellings as namespaces
from ..engine.gradients import Unconnected
from ..engine.graph import Node
from ..errors import Diagnostic, fail
from .program import DType, ListValue
from .tf_runtime import Builtin
from .tf_helpers import _NP_SAFE, _NP_RANDOM, _NOT_RUNTIME, _LEAVES_TAPE, _py


class NumPyCalls:
    """A mixin of gradcli.language.executor.Interpreter, through tf_calls.TFCalls."""

    # ----- NumPy, math -----

    def numpy_dtype(self, value, span):
        if isinstance(value, DType):
            return np.float64 if value.dtype == "float" else (np.int32 if value.dtype == "int" else np.dtype(value.dtype))
        if isinstance(value, str):
            return np.dtype({"float": "float64", "int": "int64"}.get(value, value))
        if isinstance(value, Builtin) and value.name in ("float", "int", "bool"):
            return {"float": np.float64, "int": np.int64, "bool": np.bool_}[value.name]
        return value

    def np_scalar(self, dtype: DType, value, span):
        v = self.python_value(value, span)
        return np.asarray(v).astype(self.numpy_dtype(dtype, span))[()] if np.ndim(v) == 0 else np.asarray(v).astype(self.numpy_dtype(dtype, span))

    def np_call(self, name, node, positional, keywords):
        rest = name.split(".", 1)[1]
        span = node.span
        has_tensor = any(isinstance(v, (Node, Unconnected)) or (isinstance(v, ListValue) and any(isinstance(i, Node) for i in v.items)) for v in list(positional) + list(keywords.values()))
        if rest.startswith("random."):
            fn = rest[7:]
            if fn == "seed":
                self.np_rng = np.random.RandomState(self.python_value(positional[0], span) if positional else None)
                return None
            if fn == "RandomState":
                return np.random.RandomState(*[self.python_value(p, span) for p in positional])
            if fn == "default_rng":
                return np.random.default_rng(*[self.python_value(p, span) for p in positional])
            if fn in _NP_RANDOM:
                return self.numpy_call(getattr(self.np_rng, fn), positional, keywords, span)
            raise fail("E0203", f"{name} is not supported", span, help=["np.random.seed, rand, randn, random, uniform, normal, randint, RandomState and default_rng are"])
        if has_tensor:
            if self.graph.tapes and rest in _NP_SAFE:
                self.warn_once(("np-tape", node.span.start), Diagnostic("W0212", f"{name} on a tensor leaves the GradientTape: its result is a constant there", span, label="NumPy, not TensorFlow", help=[f"use the tf. function instead (tf.{namespaces.short_name(name)})"]))
                return _LEAVES_TAPE
            return _NOT_RUNTIME
        if rest in ("float32", "float64", "int32", "int64", "float16", "int8", "uint8", "bool_"):
            dtype = DType(np.dtype(rest if rest != "bool_" else "bool"))
            if not positional:
                return dtype
            return self.np_scalar(dtype, positional[0], span)
        if rest in ("pi", "e", "inf", "nan"):
            return getattr(np, rest)
        if rest in _NP_SAFE:
            fn = np
            for part in rest.split("."):
                fn = getattr(fn, part)
            return self.numpy_call(fn, positional, keywords, span)
        return _NOT_RUNTIME

    def numpy_call(self, fn, positional, keywords, span):
        args = [self.numpy_arg(p, span) for p in positional]
        kwargs = {k: self.numpy_arg(v, span) for k, v in keywords.items()}
        try:
            with np.errstate(all="ignore"):
                out = fn(*args, **kwargs)
        except (ValueError, TypeError, IndexError, np.linalg.LinAlgError) as e:
            raise fail("E0315", f"NumPy refused these arguments: {e}", span) from None
        if isinstance(out, np.ndarray) and out.size > self.graph.max_elements:
            raise fail("E0305", f"an array of {out.size:,} elements is over the limit", span)
        if isinstance(out, tuple):
            return ListValue(list(out), span, kind="tuple")
        if isinstance(out, list):
            return ListValue(out, span)
        return out

    def numpy_arg(self, value, span):
        if isinstance(value, DType):
            return self.numpy_dtype(value, span)
        if isinstance(value, Builtin) and value.name in ("float", "int", "bool"):
            return self.numpy_dtype(value, span)
        if isinstance(value, ListValue):
            return tuple(self.numpy_arg(v, span) for v in value.items) if value.kind == "tuple" else [self.numpy_arg(v, span) for v in value.items]
        if isinstance(value, Node):
            return self.value_now(value, span)
        return value

    def math_call(self, name, node, positional, keywords):
        span = node.span
        if any(isinstance(p, Node) for p in positional):
            op = {"sqrt": "sqrt", "exp": "exp", "log": "log", "sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh", "fabs": "abs", "pow": "pow"}.get(name)
            if op is None:
                raise fail("E0202", f"math.{name} does not take tensors", span)
            return self.apply(op, tuple(self.tensor(p, span) for p in positional), {}, span)
        fn = getattr(math, name, None)
        if fn is None or name.startswith("_"):
            raise fail("E0202", f"unknown function 'math.{name}'", node.func.span if hasattr(node.func, "span") else span)
        try:
            return fn(*[_py(self.numpy_arg(p, span)) for p in positional])
        except (ValueError, TypeError, OverflowError) as e:
            raise fail("E0315", f"math.{name}: {e}", span) from None
