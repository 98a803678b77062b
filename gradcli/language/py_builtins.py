"""Python's builtins: print, range, len, zip, sorted, dict, float, sum, min, isinstance, map, ...

A mixin of gradcli.language.executor.Interpreter, assembled in tf_calls.TFCalls.
"""
from __future__ import annotations

import numpy as np

from . import ast as A
from ..engine.graph import Node
from ..engine.registry import CONSTANT, NAMES, VARIABLE
from ..errors import fail
from .program import DType, ListValue
from .tf_runtime import Pending, BoundMethod, Builtin, Function
from .tf_helpers import Resolver_call, _tensorish_arg, _plain
from .tf_names import is_python_value


class BuiltinCalls:
    """A mixin of gradcli.language.executor.Interpreter, through tf_calls.TFCalls."""

    # ----- builtins -----

    def call_builtin(self, name, node, positional, keywords):
        span = node.span
        if name in NAMES and any(_tensorish_arg(v) for v in list(positional) + list(keywords.values())):
            return Resolver_call(self, node, list(positional) + [keywords[k.name] for k in node.kwargs if type(k) is A.Keyword and k.name in keywords], name)
        if name == "print":  # graph code prints what TensorFlow 1 prints: a tensor's description, not its value
            self.output(node, self.symbolic_values(list(positional)) if self.prints_descriptions() else list(positional))
            return None
        if name.startswith("math."):
            return self.math_call(name[5:], node, positional, keywords)
        if name == "tf.function.decorator":
            fn = positional[0]
            return fn
        if name == "range":
            try:
                return range(*[self.python_int(p, span) for p in positional])
            except ValueError as e:
                raise fail("E0315", f"range(): {e}", span) from None
        if name == "len":
            v = positional[0]
            if isinstance(v, Node):
                if not v.shape or v.shape[0] is None:
                    raise fail("E0209", "len() of a tensor needs a known first dimension", span)
                return v.shape[0]
            items = self.python_items(v)
            if items is None:
                if isinstance(v, (set,)):
                    return len(v)
                raise fail("E0209", f"{self.type_name(v)} has no len()", span)
            return len(items)
        if name in ("zip", "enumerate", "reversed", "sorted", "list", "tuple", "set", "iter"):
            seqs = [self.iterate(p, span) for p in positional]
            if name == "zip":
                return ListValue([ListValue(list(t), span, kind="tuple") for t in zip(*seqs)], span)
            if name == "enumerate":
                start = self.python_int(keywords.get("start", positional[1] if len(positional) > 1 else 0), span)
                return ListValue([ListValue([i, v], span, kind="tuple") for i, v in enumerate(seqs[0], start)], span)
            if name == "reversed":
                return ListValue(list(reversed(seqs[0])), span)
            if name == "sorted":
                try:
                    return ListValue(sorted(seqs[0], reverse=bool(keywords.get("reverse", False))), span)
                except TypeError:
                    raise fail("E0209", "sorted() needs values that compare", span) from None
            if name == "set":
                return set(self.hashable(v, span) for v in (seqs[0] if seqs else []))
            return ListValue(list(seqs[0]) if seqs else [], span, kind="tuple" if name == "tuple" else "list")
        if name == "dict":
            out = {}
            if positional:
                for pair in self.iterate(positional[0], span) if not isinstance(positional[0], dict) else positional[0].items():
                    k, v = self.python_items(pair) if not isinstance(pair, tuple) else pair
                    out[self.hashable(k, span)] = v
            out.update(keywords)
            return out
        if name in ("float", "int", "bool"):
            v = positional[0] if positional else 0
            if isinstance(v, Node):
                v = self.value_now(v, span)
            if isinstance(v, np.ndarray):
                if v.size != 1:
                    raise fail("E0209", f"{name}() of an array of {v.size} values", span)
                v = v.item()
            try:
                return {"float": float, "int": int, "bool": bool}[name](v)
            except (TypeError, ValueError) as e:
                raise fail("E0209", f"{name}(): {e}", span) from None
        if name in ("str", "repr"):
            v = positional[0] if positional else ""
            if self.prints_descriptions() and isinstance(v, Node) and not is_python_value(v):  # a graph tensor's str() and repr() describe it
                return str(self.tensor_text(v, top=name == "str"))
            return v if isinstance(v, str) else str(self.output_value(v, span))
        if name == "abs":
            v = positional[0]
            return abs(v) if _plain(v) else (np.abs(v) if isinstance(v, np.ndarray) else self.apply("abs", (self.tensor(v, span),), {}, span))
        if name == "sum":
            items = self.iterate(positional[0], span)
            total = positional[1] if len(positional) > 1 else 0
            fake = A.BinOp("+", node, node, span, span)
            for item in items:
                total = self.binop(fake, total, item)
            return total
        if name in ("min", "max"):
            items = self.iterate(positional[0], span) if len(positional) == 1 else list(positional)
            values = [self.scalar_for_format(v, span) for v in items]
            try:
                return (min if name == "min" else max)(values)
            except (TypeError, ValueError) as e:
                raise fail("E0209", f"{name}(): {e}", span) from None
        if name == "round":
            v = self.scalar_for_format(positional[0], span)
            return round(v, *[self.python_int(p, span) for p in positional[1:]])
        if name in ("any", "all"):
            vals = [self.truth(v, node) for v in self.iterate(positional[0], span)]
            return any(vals) if name == "any" else all(vals)
        if name == "isinstance":
            return self.isinstance_check(positional[0], positional[1])
        if name == "format":
            return self.format_value(positional[0], positional[1] if len(positional) > 1 else "", "", span)
        if name == "map":
            fn = positional[0]
            seqs = [self.iterate(p, span) for p in positional[1:]]
            return Pending(self.map_gen(fn, seqs, node))
        if name == "callable":
            return isinstance(positional[0], (Function, Builtin, BoundMethod))
        if name == "pow":
            return self.binop(A.BinOp("**", node, node, span, span), positional[0], positional[1])
        if name == "type":  # the type as `int`/`float`/`list` name it, so that `type(x) is float` holds
            kind = python_type(positional[0])
            if kind in ("int", "float", "bool"):
                return DType(kind, span)
            return Builtin(kind) if kind else self.type_name(positional[0])
        raise fail("E0202", f"gradcli does not run the builtin '{name}'", node.func.span if hasattr(node.func, "span") else span)

    def map_gen(self, fn, seqs, node):
        out = []
        for args in zip(*seqs):
            if isinstance(fn, Function):
                out.append((yield self.function_gen(fn, list(args), {}, node)))
            else:
                out.append(self.call_object(fn, node, list(args), {}))
        return ListValue(out, node.span)

    def isinstance_check(self, value, kind):
        kinds = self.python_items(kind) if isinstance(kind, ListValue) else [kind]
        kind = python_type(value)
        for k in kinds:
            name = k.name if isinstance(k, Builtin) else (k if isinstance(k, str) else "")
            if isinstance(k, DType) and k.dtype in ("int", "float", "bool"):  # the names int, float, bool
                name = k.dtype
            if kind and name == kind or name == "int" and kind == "bool":  # a bool is an int, in Python too
                return True
            if name == "float" and isinstance(value, float) or name == "int" and isinstance(value, int) and not isinstance(value, bool):
                return True
            if name == "bool" and isinstance(value, bool) or name == "str" and isinstance(value, str):
                return True
            if name in ("list",) and isinstance(value, ListValue) and value.kind == "list" or name == "tuple" and isinstance(value, ListValue) and value.kind == "tuple":
                return True
            if name == "dict" and isinstance(value, dict):
                return True
            if name in ("tf.Tensor", "tf.Variable") and isinstance(value, Node):
                return name == "tf.Tensor" or value.op is VARIABLE
            if name == "np.ndarray" and isinstance(value, np.ndarray):
                return True
        return False


def python_type(value) -> str | None:
    """The Python type name of a plain value: a name bound to a Python number is a weak
    literal tensor (`x = 3`), still an int to isinstance and type."""
    if isinstance(value, Node):  # a literal leaf, not tf.constant(3.0)'s node
        number = value.weak and value.op is CONSTANT and value.shape == ()
        return {"i": "int", "u": "int", "f": "float"}.get(value.dtype.kind) if number else None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, ListValue):
        return "tuple" if value.kind == "tuple" else "list"
    return {str: "str", dict: "dict", set: "set"}.get(type(value))
