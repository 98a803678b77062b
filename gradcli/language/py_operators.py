"""Python arithmetic, comparison, string formatting, indexing and iteration over the interpreter's values.

A mixin of gradcli.language.executor.Interpreter, assembled in tf_calls.TFCalls.
"""
from __future__ import annotations

import numpy as np

from . import ast as A
from ..engine.graph import Node
from ..engine.registry import VARIABLE
from ..errors import fail
from .program import ListValue
from .tf_names import OPERATOR_NAMES, is_python_value
from .tf_helpers import _PY_BINARY, _PY_COMPARE, _too_big, _plain, _literal, _py, _tensorish, _numeric_list


class PyOperators:
    """A mixin of gradcli.language.executor.Interpreter, through tf_calls.TFCalls."""

    # ----- arithmetic -----

    def binop(self, node, left, right):
        op = node.op
        tl, tr = type(left), type(right)
        if (tl is Node and (tr is Node or tr is int or tr is float)) or (tr is Node and (tl is int or tl is float)):
            out = super().binop(node, left, right)  # the hot path: tensor arithmetic
            if self.graph_mode:
                self.name_tf_op(out, OPERATOR_NAMES[op])
            return out
        if isinstance(left, str) and op == "%":
            return self.percent_format(left, right, node)
        if _plain(left) and _plain(right):
            if type(left) is int and type(right) is int and op == "**" and right > 0 and abs(left) > 1 and (abs(left).bit_length() - 1) * right > 128:
                raise _too_big(node)
            try:
                out = _PY_BINARY[op](left, right)
                if type(out) is int and not -(2**63) <= out < 2**63:
                    raise _too_big(node)
                return out
            except ZeroDivisionError:
                pass  # NumPy's inf/nan, as a tensor would
            except (TypeError, ValueError, OverflowError) as e:
                raise fail("E0209", f"cannot compute {self.type_name(left)} {op} {self.type_name(right)}: {e}", node.span) from None
        literal_list = isinstance(getattr(node, "left", None), A.ListExpr) and node.left.kind == "list" or isinstance(getattr(node, "right", None), A.ListExpr) and node.right.kind == "list"
        # two lists, one holding more than numbers (`[W] + biases`): Python's concatenation; numbers only
        # (`[1, 2] + [3]`) stay one constant tensor each, as LANGUAGE.md has it
        if op == "+" and isinstance(left, (ListValue, list, tuple)) and isinstance(right, (ListValue, list, tuple)) and not (_numeric_list(left) and _numeric_list(right)):
            return ListValue(self.python_items(left) + self.python_items(right), node.span, kind=getattr(left, "kind", "list"))
        if not literal_list and isinstance(left, (ListValue, list)) and op == "*" and type(right) is int and not _numeric_list(left) and not any(isinstance(v, Node) for v in self.python_items(left)):
            return ListValue(self.python_items(left) * right, node.span)
        if isinstance(left, str) or isinstance(right, str):
            if isinstance(left, str) and isinstance(right, str) and op == "+":
                return left + right
            raise fail("E0209", f"cannot compute {self.type_name(left)} {op} {self.type_name(right)}", node.span)
        out = super().binop(node, left, right)
        if self.graph_mode:
            self.name_tf_op(out, OPERATOR_NAMES[op])
        return out

    def fold(self, op, left, right):
        a, b = _py(left), _py(right)
        try:
            return _PY_BINARY[op](a, b)
        except (ZeroDivisionError, TypeError, ValueError, OverflowError):
            return None

    def unary(self, node, value):
        if _plain(value) and not isinstance(value, str):
            return -value if node.op == "-" else +value
        out = super().unary(node, value)
        if self.graph_mode and node.op == "-":
            self.name_tf_op(out, "Neg")
        return out

    def compare(self, node, left, right):
        op = node.op
        if op in ("in", "not in"):
            items = self.python_items(right)
            if items is None:
                raise fail("E0209", f"'in' needs a list, tuple, dict or string, not {self.type_name(right)}", node.right.span)
            if isinstance(right, str):
                found = left in right
            else:
                found = any(x is left or (_plain(x) and _plain(left) and x == left) for x in (right if isinstance(right, dict) else items))
            return found if op == "in" else not found
        if op in ("is", "is not"):
            same = left is right or (left is None and right is None) or _same_type(left, right)
            return same if op == "is" else not same
        if (_plain(left) or _literal(left)) and (_plain(right) or _literal(right)) and (_literal(left) or _literal(right)) and not isinstance(left, (str, np.ndarray)) and not isinstance(right, (str, np.ndarray)):
            return _PY_COMPARE[op](_py(left), _py(right))
        if _plain(left) and _plain(right):
            try:
                return _PY_COMPARE[op](left, right)
            except TypeError:
                raise fail("E0209", f"cannot compare {self.type_name(left)} and {self.type_name(right)}", node.span) from None
        if op in ("==", "!=") and not _tensorish(left) or not _tensorish(right) and op in ("==", "!="):
            same = left is right or _same_type(left, right)
            return same if op == "==" else not same
        out = super().compare(node, left, right)
        if self.graph_mode:
            self.name_tf_op(out, OPERATOR_NAMES.get(op, "Equal"))
        return out

    def percent_format(self, text, args, node):
        values = args.items if isinstance(args, ListValue) and args.kind == "tuple" else (list(args) if isinstance(args, tuple) else [args])
        values = [self.scalar_for_format(v, node.span) for v in values]
        try:
            return text % (tuple(values) if len(values) != 1 or isinstance(args, (tuple, ListValue)) else values[0])
        except (TypeError, ValueError) as e:
            raise fail("E0209", f"cannot format this string: {e}", node.span) from None

    def scalar_for_format(self, value, span):
        v = self.output_value(value, span)
        if isinstance(v, np.ndarray) and v.ndim == 0:
            return v.item()
        return v

    def format_value(self, value, spec, conversion, span):
        if not spec and isinstance(value, Node) and self.prints_descriptions() and not is_python_value(value):
            return str(self.tensor_text(value, top=conversion != "r"))  # f"{t}": TensorFlow's str(t)
        v = self.scalar_for_format(value, span)
        if conversion == "r":
            return repr(v)
        if isinstance(v, np.ndarray) and spec:
            return np.array2string(v, formatter={"float_kind": lambda x: format(x, spec)})
        try:
            return format(v, spec)
        except (TypeError, ValueError) as e:
            raise fail("E0209", f"cannot format this value with '{spec}': {e}", span) from None

    # ----- indexing and iteration -----

    def index_value(self, node, args):
        base = args[0]
        if isinstance(base, dict):
            key = self.hashable(args[1], node.span)
            if key not in base:
                raise fail("E0309", f"the key {key!r} is not in this dict", node.span)
            return base[key]
        if isinstance(base, (str, range, tuple, list)) or (isinstance(base, ListValue) and not base.numeric and not any(isinstance(i, A.Slice) for i in node.items) is False):
            pass
        if isinstance(base, (ListValue, list, tuple, range, str)) and not (isinstance(base, ListValue) and base.numeric):
            items = base.items if isinstance(base, ListValue) else base
            if len(node.items) == 1 and isinstance(node.items[0], A.Slice):
                sl = node.items[0]
                rest = iter(args[1:])
                parts = [None if e is None else self.python_int(next(rest), e.span) for e in (sl.start, sl.stop, sl.step)]
                out = items[slice(*parts)]
                return ListValue(list(out), node.span, kind=getattr(base, "kind", "list")) if isinstance(base, ListValue) else out
            if len(node.items) == 1:
                i = self.python_int(args[1], node.items[0].span)
                if not -len(items) <= i < len(items):
                    raise fail("E0309", f"index {i} is out of range for a {'list' if not isinstance(base, str) else 'string'} of {len(items)}", node.span)
                return items[i]
        if isinstance(base, np.ndarray) and not any(isinstance(a, Node) for a in args[1:]):
            key = []
            rest = iter(args[1:])
            for item in node.items:
                if isinstance(item, A.Slice):
                    key.append(slice(*[None if e is None else self.python_int(next(rest), e.span) for e in (item.start, item.stop, item.step)]))
                else:
                    key.append(next(rest))
            try:
                return base[tuple(key)]
            except (IndexError, TypeError) as e:
                raise fail("E0309", f"bad index: {e}", node.span) from None
        if any(a is Ellipsis for a in args[1:]):
            return self.ellipsis_index(node, args)
        return self.index(node, args)

    def ellipsis_index(self, node, args):
        tensor = self.tensor(args[0], node.value.span)
        items = []
        rest = iter(args[1:])
        for item in node.items:
            if isinstance(item, A.Slice):
                items.append(slice(*[None if e is None else self.index_int(next(rest), e.span) for e in (item.start, item.stop, item.step)]))
            else:
                v = next(rest)
                items.append(Ellipsis if v is Ellipsis else (None if v is None else self.index_int(v, item.span)))
        if tensor.shape is None:
            raise fail("E0309", "'...' needs a tensor of known rank", node.span)
        i = items.index(Ellipsis)
        fill = len(tensor.shape) - (len(items) - 1 - sum(1 for x in items if x is None))
        items = items[:i] + [slice(None)] * fill + items[i + 1:]
        return self.apply("getitem", (tensor,), {"index": tuple(items)}, node.span)

    def unstarred(self, nodes, values) -> list:
        """`values` with each `*item` of `nodes` spread out, as in `f(*args)` and `[*a, b]`."""
        if not any(type(n) is A.Starred for n in nodes):
            return list(values)
        out = []
        for n, v in zip(nodes, values):
            if type(n) is A.Starred:
                out.extend(self.iterate(v, n.span))
            else:
                out.append(v)
        return out

    def iterate(self, value, span):
        if isinstance(value, Node):
            if value.op is VARIABLE:
                value = self.read_variable(value)
            if not value.shape or value.shape[0] is None:
                raise fail("E0208", "cannot iterate over a tensor whose first dimension is not known", span, help=["use tf.unstack(x, num=...) or a range over its length"])
            return self.graph.call("unstack", (value,), {"num": value.shape[0], "axis": 0}, span)
        if isinstance(value, dict):
            return list(value.keys())
        if isinstance(value, (set, frozenset)):
            return list(value)
        items = self.python_items(value)
        if items is None:
            if hasattr(value, "__next__") or type(value).__name__ in ("zip", "enumerate", "map", "dict_items", "dict_keys", "dict_values", "list_iterator", "reversed"):
                return list(value)
            raise fail("E0209", f"cannot iterate over {self.type_name(value)}", span)
        return items


def _same_type(a, b) -> bool:
    """`type(x) is float`: the names int, float and bool are DTypes, list and str Builtins;
    two spellings of one type are the same object to `is`, as in Python."""
    from .program import DType
    from .tf_runtime import Builtin

    if isinstance(a, DType) and isinstance(b, DType):
        return a.dtype == b.dtype and a.dtype in ("int", "float", "bool")
    return isinstance(a, Builtin) and isinstance(b, Builtin) and a.name == b.name
