"""Attributes and method calls on values: lists, dicts, strings, arrays, tensors (sessions, tapes
and optimizers hand on to their own modules).

A mixin of gradcli.language.executor.Interpreter, assembled in tf_calls.TFCalls.
"""
from __future__ import annotations

import sys

import numpy as np

from ..engine.graph import Node
from ..engine.registry import NAMES
from ..errors import fail
from ..source import Label
from .program import DType, ListValue
from .tf_runtime import Spelled, BoundMethod, Initializer, Module, Optimizer, Session, Tape, UpdateOp
from .tf_helpers import _NP_RANDOM, _plain, argument

# list methods a name bound to a list literal of numbers (a constant tensor) may still be called with
_NO_METHOD = object()  # python_method: not a method of that value
_ARGUMENTS = {("list", "append"): 1, ("list", "extend"): 1, ("list", "insert"): 2, ("list", "index"): 1, ("list", "count"): 1, ("list", "remove"): 1,
              ("dict", "get"): 1, ("dict", "pop"): 1, ("dict", "setdefault"): 1, ("str", "join"): 1, ("str", "replace"): 2,
              ("str", "startswith"): 1, ("str", "endswith"): 1}  # the positional arguments each method needs
_LIST_METHODS = frozenset({"append", "extend", "insert", "pop", "remove", "index", "count", "reverse", "copy", "sort", "clear"})


class MethodCalls:
    """A mixin of gradcli.language.executor.Interpreter, through tf_calls.TFCalls."""

    # ----- attributes -----

    def get_attr(self, value, attr, span, full=None):
        if isinstance(value, Module):
            if value.prefix is None:
                raise fail("E0224", f"{value.name} is not a module gradcli runs", span, labels=[Label(value.span, "imported here")] if value.span else [], help=["gradcli runs tensorflow, numpy and math"])
            found = self.spelled(f"{value.prefix}.{attr}", span)
            if found is None:
                return Spelled(f"{value.prefix}.{attr}")  # a dotted spelling, resolved when called
            return found
        if type(value) is Spelled:
            return Spelled(f"{value}.{attr}")
        if isinstance(value, Node):
            return self.tensor_attr(value, attr, span)
        if isinstance(value, np.ndarray) or isinstance(value, np.generic):
            if attr in ("shape", "ndim", "size", "dtype", "T", "real", "imag"):
                out = getattr(value, attr)
                return DType(out) if attr == "dtype" else out
            return BoundMethod(value, attr)
        if isinstance(value, DType):
            if attr in ("name", "as_numpy_dtype"):
                return value.dtype if isinstance(value.dtype, str) else np.dtype(value.dtype).name
            if attr in ("is_floating",):
                return str(value.dtype).startswith("float")
        if isinstance(value, (ListValue, dict, str, Session, Tape, Optimizer, list, tuple, UpdateOp)) or _is_rng(value):
            return BoundMethod(value, attr)
        if isinstance(value, Initializer) and attr == "run":  # init.run(): TF1's op.run()
            return BoundMethod(value, attr)
        raise fail("E0228", f"{self.type_name(value)} has no attribute '{attr}'", span)

    def tensor_attr(self, node: Node, attr, span):
        if attr == "shape":
            return ListValue(list(node.shape), span, kind="tuple") if node.shape is not None else None
        if attr == "dtype":
            return DType(node.dtype)
        if attr == "T":
            return self.apply("transpose", (self.tensor(node, span),), {"perm": None}, span)
        if attr == "ndim":
            return node.rank
        if attr == "name":
            return node.name or node.op.name
        if attr in ("initializer", "op"):
            return Initializer(span)
        if attr == "trainable":
            return node not in self.nontrainable
        return BoundMethod(node, attr)

    def back_to_list(self, obj, name, node):
        """`xs = [1, 2]` bound one constant tensor; `xs.append(3)` means the Python list: the
        name is bound to the list again (a copy of the literal), as Python would have it."""
        entry = self.literal_lists.get(id(obj))
        if entry is None or entry[0] is not obj or entry[2].vars.get(entry[3]) is not obj:
            return self.tensor_method(obj, name, node, [], {})  # a real tensor: its own error
        _, literal, scope, bound = entry
        items = ListValue(list(literal.items), literal.span, literal.numeric, literal.depth, literal.kind)
        scope.vars[bound] = items
        return items

    def call_method(self, obj, name, node, positional, keywords):
        span = node.span
        if isinstance(obj, Node):
            if name in _LIST_METHODS:
                obj = self.back_to_list(obj, name, node)
            else:
                return self.tensor_method(obj, name, node, positional, keywords)
        if isinstance(obj, (ListValue, dict, str)):
            try:
                out = self.python_method(obj, name, span, positional, keywords)
            except (IndexError, KeyError, TypeError, ValueError) as e:  # what Python itself raises here
                kind = self.type_name(obj).split()[-1]
                raise fail("E0209", f"{kind}.{name}() fails here: {type(e).__name__}: {e}", span, help=[f"Python raises the same {type(e).__name__} for this call"]) from None
            if out is not _NO_METHOD:
                return out
        if isinstance(obj, Session):
            return self.session_method(obj, name, node, positional, keywords)
        if isinstance(obj, Tape):
            return self.tape_method(obj, name, node, positional, keywords)
        if isinstance(obj, Optimizer):
            return self.optimizer_method(obj, name, node, positional, keywords)
        if isinstance(obj, UpdateOp) and name == "run":
            return self.run_update(obj, self.default_session, span)
        if isinstance(obj, Initializer) and name == "run":
            return None
        if isinstance(obj, (np.ndarray, np.generic)):
            return self.array_method(obj, name, node, positional, keywords)
        if _is_rng(obj):
            if name in _NP_RANDOM or name in ("integers", "standard_normal", "random"):
                return self.numpy_call(getattr(obj, name), positional, keywords, span)
        raise fail("E0228", f"{self.type_name(obj)} has no method '{name}'", node.func.span if hasattr(node.func, "span") else span)

    def python_method(self, obj, name, span, positional, keywords):
        """A list's, dict's or str's own method; _NO_METHOD when it has none of that name."""
        needs = _ARGUMENTS.get((type(obj).__name__ if not isinstance(obj, ListValue) else "list", name), 0)
        if len(positional) < needs:
            kind = self.type_name(obj).split()[-1]
            raise fail("E0205", f"{kind}.{name}() takes {needs} argument{'s' * (needs > 1)}, got {len(positional)}", span, help=[f"write {kind}.{name}({', '.join(['value'] * needs)})"])
        if isinstance(obj, ListValue):
            items = obj.items
            if name == "append":
                items.append(positional[0])
                obj.numeric = False
                return None
            if name == "extend":
                items.extend(self.iterate(positional[0], span))
                obj.numeric = False
                return None
            if name == "pop":
                return items.pop(*[self.python_int(p, span) for p in positional])
            if name == "insert":
                items.insert(self.python_int(positional[0], span), positional[1])
                return None
            if name == "index":
                for i, x in enumerate(items):
                    if x is positional[0] or (_plain(x) and x == positional[0]):
                        return i
                raise fail("E0309", "the value is not in the list", span, help=["Python raises ValueError here too: check with `in` first"])
            if name == "count":
                return sum(1 for x in items if x is positional[0] or (_plain(x) and x == positional[0]))
            if name == "reverse":
                items.reverse()
                return None
            if name == "copy":
                return ListValue(list(items), span, obj.numeric, obj.depth, obj.kind)
            if name == "as_list":
                return ListValue(list(items), span)
            if name == "remove":
                items.pop(self.python_method(obj, "index", span, positional, {}))
                return None
            if name == "clear":
                items.clear()
                return None
            if name == "sort" and all(_plain(x) for x in items) and not keywords.keys() - {"reverse"}:
                items.sort(reverse=bool(keywords.get("reverse", False)))
                return None
        if isinstance(obj, dict):
            if name == "clear":
                obj.clear()
                return None
            if name == "items":
                return ListValue([ListValue([k, v], span, kind="tuple") for k, v in obj.items()], span)
            if name == "keys":
                return ListValue(list(obj.keys()), span)
            if name == "values":
                return ListValue(list(obj.values()), span)
            if name == "get":
                key = self.hashable(positional[0], span)
                return obj.get(key, positional[1] if len(positional) > 1 else None)
            if name == "update":
                obj.update(positional[0] if positional else {}, **keywords)
                return None
            if name == "pop":
                return obj.pop(self.hashable(positional[0], span), *positional[1:])
            if name == "setdefault":
                return obj.setdefault(self.hashable(positional[0], span), positional[1] if len(positional) > 1 else None)
        if isinstance(obj, str):
            if name in ("format",):
                args = [self.scalar_for_format(p, span) for p in positional]
                kwargs = {k: self.scalar_for_format(v, span) for k, v in keywords.items()}
                try:
                    return obj.format(*args, **kwargs)
                except (IndexError, KeyError, ValueError) as e:
                    raise fail("E0209", f"cannot format this string: {e}", span) from None
            if name in ("join",):
                return obj.join(self.python_str(x) for x in self.iterate(positional[0], span))
            if name in ("upper", "lower", "strip", "lstrip", "rstrip", "split", "replace", "startswith", "endswith", "title", "capitalize"):
                return getattr(obj, name)(*positional)
        return _NO_METHOD

    def array_method(self, obj, name, node, positional, keywords):
        allowed = {"sum", "mean", "max", "min", "dot", "reshape", "astype", "tolist", "item", "flatten", "transpose", "copy", "std", "var", "argmax", "argmin", "ravel", "squeeze", "prod", "cumsum", "round", "all", "any", "clip"}
        if name not in allowed:
            raise fail("E0228", f"gradcli does not run the array method '{name}'", node.span)
        if name == "astype":
            dtype = argument(positional, keywords, 0, "dtype")
            return obj.astype(self.numpy_dtype(dtype, node.span))
        return self.numpy_call(getattr(obj, name), positional, keywords, node.span)

    def tensor_method(self, obj: Node, name, node, positional, keywords):
        span = node.span
        if name in ("numpy", "eval", "value", "read_value", "__array__"):
            if name == "eval":
                feed = keywords.get("feed_dict", positional[0] if positional else None)
                session = keywords.get("session") or self.default_session
                return self.value_now(self.tensor(obj, span), span, session, feed)
            if name in ("value", "read_value"):
                return self.tensor(obj, span)
            return self.value_now(self.tensor(obj, span), span, self.default_session)
        if name in ("get_shape",):
            return self.tensor_attr(obj, "shape", span)
        if name in ("assign", "assign_add", "assign_sub"):
            return self.assign_variable(obj, name, argument(positional, keywords, 0, "value"), span)
        if name == "set_shape":
            return None
        if name in ("reshape",):
            shape = positional[0] if len(positional) == 1 else ListValue(list(positional), span)
            return self.apply("reshape", (self.tensor(obj, span),), {"shape": tuple(self.attr_value(shape, span, "a shape"))}, span)
        if name == "__len__":
            return obj.shape[0]
        op = NAMES.get(name)
        if op is not None and name in ("sum", "mean", "max", "min", "prod"):
            return self.apply("reduce_" + name, (self.tensor(obj, span),), {}, span)
        raise fail("E0228", f"a tensor has no method '{name}'", node.func.span if hasattr(node.func, "span") else span, help=["tensors have .numpy(), .eval(), .shape, .dtype, .get_shape(); variables also .assign(), .assign_add(), .assign_sub()"])


def _is_rng(value) -> bool:
    """A NumPy generator (RandomState, Generator)? One exists only once numpy.random is
    loaded, and asking np.random would load it (gradcli.language.executor, np_rng)."""
    random = sys.modules.get("numpy.random")
    return random is not None and isinstance(value, (random.RandomState, random.Generator))
