"""The interpreter's values at work: Python arithmetic, attributes and methods,
builtins, NumPy, and TensorFlow's runtime (variables, sessions, tapes, optimizers).

A mixin of gradcli.language.executor.Interpreter.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from . import ast as A
from . import spellings as namespaces
from ..engine.evaluate import evaluate
from ..engine.gradients import Unconnected, gradients
from ..engine.graph import Node, apply
from ..engine.registry import CONSTANT, NAMES, PLACEHOLDER, VARIABLE
from ..engine.tape import paused, variable_read
from ..errors import Diagnostic, GradcliError, fail
from ..source import Label
from .program import Derivative, DType, ListValue
from .tf_runtime import Pending, Spelled, drive, BoundMethod, Builtin, Function, Initializer, Module, NoOpContext, Optimizer, Session, StopRecording, Tape, UpdateOp

_PY_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "@": operator.matmul}
_PY_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne}
_NOOP_TF = {"reset_default_graph", "enable_eager_execution", "disable_eager_execution", "disable_v2_behavior", "enable_v2_behavior", "set_random_seed", "random.set_seed", "compat.v1.disable_eager_execution", "logging.set_verbosity", "config.run_functions_eagerly", "executing_eagerly", "debugging.set_log_device_placement", "random.set_random_seed", "autograph.set_verbosity"}
_SCOPES = {"name_scope", "variable_scope", "device", "control_dependencies", "GradientTape.stop_recording"}
_INITIALIZERS = {"global_variables_initializer", "initialize_all_variables", "local_variables_initializer", "variables_initializer", "initializers.global_variables", "tables_initializer"}
_NP_SAFE = {"array", "asarray", "zeros", "ones", "full", "eye", "identity", "arange", "linspace", "zeros_like", "ones_like", "full_like", "concatenate", "stack", "vstack", "hstack", "reshape", "transpose", "dot", "matmul", "sum", "mean", "max", "min", "prod", "std", "var", "argmax", "argmin", "abs", "sqrt", "exp", "log", "sin", "cos", "tan", "tanh", "square", "where", "clip", "maximum", "minimum", "allclose", "isclose", "squeeze", "expand_dims", "sign", "round", "cumsum", "diag", "trace", "outer", "sort", "argsort", "array_equal", "float32", "float64", "int32", "int64", "float16", "int8", "uint8", "bool_", "amax", "amin", "power", "log1p", "expm1", "floor", "ceil", "multiply", "add", "subtract", "divide", "negative", "shape", "size", "ndim", "isnan", "isinf", "isfinite", "linalg.norm", "linalg.inv", "linalg.det", "tile", "repeat", "flip", "meshgrid", "random.seed"}
_NP_RANDOM = {"rand", "randn", "random", "random_sample", "uniform", "normal", "randint", "choice", "permutation", "standard_normal", "binomial", "poisson", "exponential", "beta", "gamma", "shuffle"}
_TF_NUMPY_LIKE = {"float32", "float64", "int32", "int64", "bool", "float16"}


class TFCalls:
    # ----- values -----

    def tensor(self, value, span=None) -> Node:
        if isinstance(value, Node):
            if value.op is VARIABLE:
                return self.read_variable(value)
            return value
        t = type(value)
        if t is int or t is float:
            c = self.graph.literal(value, span=span)
            self.literals.add(c)
            return c
        if t is bool or isinstance(value, np.bool_):
            return self.graph.constant(bool(value), dtype=np.bool_, span=span)
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biuf":
                raise fail("E0209", "this array does not hold numbers", span)
            known = self.array_nodes.get(id(value))
            if known is not None and known[0] is value:
                return known[1]  # one constant per array, named as the script named it
            node = self.graph.constant(value, span=span)
            node.name = self.array_names.get(id(value))
            self.array_nodes[id(value)] = (value, node)
            return node
        if isinstance(value, np.generic):
            return self.graph.constant(np.asarray(value), span=span)
        if isinstance(value, range):  # where a tensor is needed: an int32 tensor, as tf.convert_to_tensor gives
            return self.graph.constant(np.arange(value.start, value.stop, value.step, dtype=np.int32), span=span)
        if isinstance(value, (list, tuple)):
            return self.tensor(ListValue(list(value), span, numeric=all(type(v) in (int, float) for v in value) and bool(value)), span)
        if isinstance(value, ListValue) and not value.numeric:
            items = [self.tensor(v, value.span or span) for v in value.items]
            if not items:
                return self.graph.constant(np.zeros(0), weak=True, span=value.span)
            return self.apply("stack", tuple(items), {"axis": 0}, value.span or span)
        return super().tensor(value, span)

    def literal_tensor(self, value: ListValue) -> Node:
        try:
            array = np.array(_nested_numbers(value))
        except ValueError:
            raise fail("E0306", "the rows of this list have different lengths", value.span, help=["a tensor literal must be rectangular"]) from None
        if array.dtype == object:
            raise fail("E0306", "the rows of this list have different lengths", value.span, help=["a tensor literal must be rectangular"])
        if array.dtype.kind == "i" and array.dtype != np.int64:
            array = array.astype(np.int64)
        c = self.graph.constant(array, weak=True, span=value.span)
        self.literals.add(c)
        return c

    def read_variable(self, var: Node) -> Node:
        current = self.var_current.get(var, var)
        if var not in self.nontrainable:
            variable_read(self.graph, current)  # every active tape watching accessed variables watches it
        return current

    def present(self, node: Node, value: np.ndarray) -> np.ndarray:
        if node.weak:
            if value.dtype.kind == "f" and value.dtype != self.graph.float_dtype:
                return value.astype(self.graph.float_dtype)
            if value.dtype.kind in "iu" and value.dtype != np.int32:
                info = np.iinfo(np.int32)
                if value.size == 0 or (value.min() >= info.min and value.max() <= info.max):
                    return value.astype(np.int32)
        return value

    def feed_map(self, session=None, feed_dict=None, span=None) -> dict:
        """Feeds for an evaluation now: the script's feed_dict, then --feed by name, then a session's updates."""
        feeds = {}
        if session is not None:
            feeds.update(session.state)
        for name, raw in self.feeds.items():
            node = self.out.inputs.get(name)
            if node is not None:
                try:
                    feeds[node] = np.asarray(raw).astype(node.dtype)
                except (ValueError, TypeError):
                    pass
        for key, raw in (feed_dict or {}).items():
            node = key
            if isinstance(key, Node) and key.op is VARIABLE:
                node = key
            if not isinstance(node, Node):
                raise fail("E0405", f"a feed_dict key must be a tensor, not {self.type_name(key)}", span)
            feeds[node] = np.asarray(self.python_value(raw, span)).astype(node.dtype)
        return feeds

    def value_now(self, node: Node, span, session=None, feed_dict=None, condition=False):
        return self.values_now([node], span, session, feed_dict, condition)[0]

    def values_now(self, nodes, span, session=None, feed_dict=None, condition=False):
        self.out.evaluated = True
        feeds = self.feed_map(session, feed_dict, span)
        missing = _unfed(nodes, feeds)
        if missing:
            names = ", ".join(f"'{n.name}'" for n in missing)
            first = missing[0]
            from ..engine.dtypes import dtype_name, shape_str

            declared = "; ".join(f"{n.name}: {dtype_name(n.dtype)}{shape_str(n.shape) if n.shape is not None else ''}" for n in missing)
            if condition:
                raise fail("E0227", f"this condition depends on the placeholder {names}, whose value is not known while the graph is built", span, label="needs a fed value", labels=[Label(first.span, "declared here")] if first.span else [], notes=["TensorFlow: using a tf.Tensor as a Python bool is not allowed"], help=["use tf.where(cond, a, b) or tf.cond(cond, true_fn, false_fn) to choose by a tensor's value"])
            raise fail("E0409", f"this run needs a value for the placeholder {names}", span, label="fetches need it", labels=[Label(first.span, "declared here")] if first.span else [], notes=[f"placeholders to feed: {declared}"], help=[f"pass it in feed_dict={{{first.name}: ...}}, or --feed {first.name}=..."])
        values = evaluate(list(nodes), feeds, self.seed, self.graph.max_elements)
        return [self.present(n, values[n]) for n in nodes]

    def output_value(self, value, span):
        """A value as an Output record holds it (explicit stack over nested lists)."""
        return self.fetch_structure(value, span, lambda nodes: self.values_now(nodes, span), output=True)

    def fetch_structure(self, value, span, evaluate_nodes, output=False, session=None):
        nodes = []
        marks = []

        def collect(v, depth=0):
            if depth > 32:
                raise fail("E0306", "values nested more than 32 deep", span)
            if isinstance(v, Node):
                if v.op is VARIABLE:
                    v = self.var_current.get(v, v)
                nodes.append(v)
                return ("node", len(nodes) - 1)
            if isinstance(v, ListValue):
                return ("tuple" if v.kind == "tuple" else "list", [collect(x, depth + 1) for x in v.items])
            if isinstance(v, (list, tuple)):
                return ("tuple" if isinstance(v, tuple) else "list", [collect(x, depth + 1) for x in v])
            if isinstance(v, dict):
                return ("dict", {k: collect(x, depth + 1) for k, x in v.items()})
            if isinstance(v, UpdateOp):
                return ("update", v)
            if isinstance(v, Initializer):
                return ("none", None)
            if isinstance(v, Unconnected):
                if not output:
                    raise self.none_fetched(v, span)
                return ("value", v)
            if v is None and not output:
                raise fail("E0512", "Fetch argument None has invalid type", span, help=["fetch tensors, lists of tensors or ops"])
            if output and not isinstance(v, (int, float, bool, str, np.ndarray, np.generic)) and v is not None:
                return ("value", self.describe(v))
            return ("value", v)

        tree = collect(value)
        computed = evaluate_nodes(nodes) if nodes else []

        def build(t):
            kind, data = t
            if kind == "node":
                return computed[data]
            if kind == "list":
                return [build(x) for x in data]
            if kind == "tuple":
                return tuple(build(x) for x in data)
            if kind == "dict":
                return {k: build(x) for k, x in data.items()}
            if kind == "update":
                return self.run_update(data, session, span)
            return data

        return build(tree)

    def describe(self, value) -> str:
        if isinstance(value, Function):
            return f"<function {value.name}>"
        if isinstance(value, Module):
            return f"<module '{value.name}'>"
        if isinstance(value, DType):
            return f"<dtype: '{value.dtype if isinstance(value.dtype, str) else np.dtype(value.dtype).name}'>"
        if isinstance(value, Tape):
            return "<GradientTape>"
        if isinstance(value, Session):
            return "<Session>"
        return f"<{type(value).__name__}>"

    def none_fetched(self, value: Unconnected, span):
        meta = self.out.derivatives.get(value)
        what = f"the gradient of {', '.join(meta.of)} with respect to {meta.wrt}" if meta else "a gradient"
        labels = [Label(value.x.span, f"the x{': ' + value.x.name if value.x.name else ''}")] if getattr(value.x, "span", None) is not None and value.x.span.line != span.line else []
        return fail(
            "E0512",
            "Fetch argument None has invalid type: " + f"{what} is None",
            span,
            label="fetches a None gradient",
            labels=labels,
            notes=[f"it is None because {value.reason}", "TensorFlow fails here too: sess.run cannot fetch None"],
            help=["differentiate a y that depends on the x, or pass unconnected_gradients='zero' to get zeros"],
        )

    def python_value(self, value, span):
        """A feed or NumPy argument as plain numbers/arrays (tensors evaluated now)."""
        if _literal(value):
            return value.attrs["value"].item()
        if isinstance(value, Node):
            return self.value_now(value, span)
        if isinstance(value, ListValue):
            return [self.python_value(v, span) for v in value.items]
        if isinstance(value, (list, tuple)):
            return [self.python_value(v, span) for v in value]
        return value

    def python_int(self, value, span):
        v = self.python_value(value, span) if isinstance(value, Node) else value
        if isinstance(v, float) and v.is_integer() and _literal(value) is False and False:
            v = int(v)
        if isinstance(v, np.ndarray) and v.size == 1:
            v = v.item()
        if isinstance(v, np.integer):
            v = int(v)
        if not isinstance(v, int) or isinstance(v, bool):
            raise fail("E0309", f"an index must be a whole number, got {self.type_name(v)}", span)
        return v

    def python_str(self, value) -> str:
        if isinstance(value, str):
            return value
        return str(self.output_value(value, None))

    # ----- arithmetic -----

    def binop(self, node, left, right):
        op = node.op
        tl, tr = type(left), type(right)
        if (tl is Node and (tr is Node or tr is int or tr is float)) or (tr is Node and (tl is int or tl is float)):
            return super().binop(node, left, right)  # the hot path: tensor arithmetic
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
        if not literal_list and isinstance(left, (ListValue, list, tuple)) and isinstance(right, (ListValue, list, tuple)) and op == "+" and not _numeric_list(left) and not _numeric_list(right):
            return ListValue(self.python_items(left) + self.python_items(right), node.span, kind=getattr(left, "kind", "list"))
        if not literal_list and isinstance(left, (ListValue, list)) and op == "*" and type(right) is int and not _numeric_list(left) and not any(isinstance(v, Node) for v in self.python_items(left)):
            return ListValue(self.python_items(left) * right, node.span)
        if isinstance(left, str) or isinstance(right, str):
            if isinstance(left, str) and isinstance(right, str) and op == "+":
                return left + right
            raise fail("E0209", f"cannot compute {self.type_name(left)} {op} {self.type_name(right)}", node.span)
        return super().binop(node, left, right)

    def fold(self, op, left, right):
        a, b = _py(left), _py(right)
        try:
            return _PY_BINARY[op](a, b)
        except (ZeroDivisionError, TypeError, ValueError, OverflowError):
            return None

    def unary(self, node, value):
        if _plain(value) and not isinstance(value, str):
            return -value if node.op == "-" else +value
        return super().unary(node, value)

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
            same = left is right or (left is None and right is None)
            return same if op == "is" else not same
        if (_plain(left) or _literal(left)) and (_plain(right) or _literal(right)) and (_literal(left) or _literal(right)) and not isinstance(left, (str, np.ndarray)) and not isinstance(right, (str, np.ndarray)):
            return _PY_COMPARE[op](_py(left), _py(right))
        if _plain(left) and _plain(right):
            try:
                return _PY_COMPARE[op](left, right)
            except TypeError:
                raise fail("E0209", f"cannot compare {self.type_name(left)} and {self.type_name(right)}", node.span) from None
        if op in ("==", "!=") and not _tensorish(left) or not _tensorish(right) and op in ("==", "!="):
            same = left is right
            return same if op == "==" else not same
        return super().compare(node, left, right)

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
        if isinstance(value, (ListValue, dict, str, Session, Tape, Optimizer, list, tuple, UpdateOp, np.random.RandomState, np.random.Generator)):
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

    def call_method(self, obj, name, node, positional, keywords):
        span = node.span
        if isinstance(obj, Node):
            return self.tensor_method(obj, name, node, positional, keywords)
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
                raise fail("E0309", "the value is not in the list", span)
            if name == "count":
                return sum(1 for x in items if x is positional[0] or (_plain(x) and x == positional[0]))
            if name == "reverse":
                items.reverse()
                return None
            if name == "copy":
                return ListValue(list(items), span, obj.numeric, obj.depth, obj.kind)
            if name == "as_list":
                return ListValue(list(items), span)
        if isinstance(obj, dict):
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
        if isinstance(obj, Session):
            return self.session_method(obj, name, node, positional, keywords)
        if isinstance(obj, Tape):
            return self.tape_method(obj, name, node, positional, keywords)
        if isinstance(obj, Optimizer):
            return self.optimizer_method(obj, name, node, positional, keywords)
        if isinstance(obj, UpdateOp) and name == "run":
            return self.run_update(obj, self.default_session, span)
        if isinstance(obj, (np.ndarray, np.generic)):
            return self.array_method(obj, name, node, positional, keywords)
        if isinstance(obj, (np.random.RandomState, np.random.Generator)):
            if name in _NP_RANDOM or name in ("integers", "standard_normal", "random"):
                return self.numpy_call(getattr(obj, name), positional, keywords, span)
        raise fail("E0228", f"{self.type_name(obj)} has no method '{name}'", node.func.span if hasattr(node.func, "span") else span)

    def array_method(self, obj, name, node, positional, keywords):
        allowed = {"sum", "mean", "max", "min", "dot", "reshape", "astype", "tolist", "item", "flatten", "transpose", "copy", "std", "var", "argmax", "argmin", "ravel", "squeeze", "prod", "cumsum", "round", "all", "any", "clip"}
        if name not in allowed:
            raise fail("E0228", f"gradcli does not run the array method '{name}'", node.span)
        if name == "astype":
            dtype = positional[0] if positional else keywords.get("dtype")
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
            return self.assign_variable(obj, name, positional[0] if positional else keywords.get("value"), span)
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

    # ----- variables -----

    def assign_variable(self, var: Node, how, value, span):
        if var.op is not VARIABLE:
            raise fail("E0229", f"{how}() works on a tf.Variable, not on a computed tensor", span)
        current = self.var_current.get(var, var)
        delta = self.tensor(value, span)
        if how == "assign":
            new = delta if delta.dtype == var.dtype else self.apply("cast", (delta,), {"dtype": var.dtype}, span)
        else:
            new = self.apply("add" if how == "assign_add" else "subtract", (current, delta), {}, span)
        if self.graph_mode:
            return UpdateOp(var, new, span)
        self.var_current[var] = new
        return var

    def run_update(self, update: UpdateOp, session, span):
        session = session or self.default_session
        (value,) = self.values_now([update.value], span, session)
        if session is not None:
            session.state[update.variable] = value.astype(update.variable.dtype)
        return value

    def make_variable(self, node: A.Call, positional, keywords):
        init = positional[0] if positional else keywords.get("initial_value")
        if init is None:
            raise fail("E0205", "Variable() takes an initial value", node.span)
        name = keywords.get("name")
        if not isinstance(name, str):
            base = "Variable"
            count = self.auto_names.get(base, 0)
            self.auto_names[base] = count + 1
            name = base if count == 0 else f"{base}_{count}"
        dtype = positional[1] if len(positional) > 1 else keywords.get("dtype")
        init_node = self.tensor(init, node.span)
        if dtype is not None:
            dtype = self.dtype_value(dtype, node.span)
        elif init_node.weak and init_node.dtype.kind in "iu":
            dtype = "int32"
        elif not init_node.weak:
            dtype = init_node.dtype
        dtype = self.graph.dtype_attr(dtype, default_float=True)
        var = self.graph.variable(name, init_node, dtype, init_node.shape, node.span)
        if keywords.get("trainable") is False:
            self.nontrainable.add(var)
            self.graph.non_trainable.add(var)  # the engine tape never watches it
        self.out.inputs[name] = var
        return var

    def tf_variable(self, target: A.Name, call: A.Call):
        positional = [self.expr(a) for a in call.args]
        keywords = {k.name: self.expr(k.value) for k in call.kwargs}
        for k in keywords:
            if k not in ("initial_value", "dtype", "name", "trainable", "shape", "validate_shape", "use_resource", "constraint", "synchronization", "aggregation", "collections", "caching_device", "expected_shape", "import_scope"):
                raise fail("E0204", f"Variable() takes no keyword '{k}'", next(kw for kw in call.kwargs if kw.name == k).name_span, help=["Variable(initial_value, dtype=None, name=None, trainable=True)"])
        init = positional[0] if positional else keywords.get("initial_value")
        if init is None:
            raise fail("E0205", "Variable() takes an initial value", call.span, help=["write x = Variable(2.0), or var x = 2.0"])
        dtype = positional[1] if len(positional) > 1 else keywords.get("dtype")
        init_node = self.tensor(init, call.args[0].span if call.args else call.span)
        if dtype is not None:
            dtype = self.dtype_value(dtype, call.span)
        elif init_node.weak and init_node.dtype.kind in "iu":
            dtype = "int32"
        elif not init_node.weak:
            dtype = init_node.dtype  # a tensor's own dtype (bool, float32, ...)
        dtype = self.graph.dtype_attr(dtype, default_float=True)
        if not init_node.dtype.kind == "f" or dtype.kind == "f" or init_node.weak:
            pass
        if init_node.dtype.kind == "f" and dtype.kind != "f" and not init_node.weak:
            raise fail("E0206", f"'{target.id}' is declared {dtype.name} but its initial value is {init_node.dtype.name}", call.span)
        var = self.graph.variable(target.id, init_node, dtype, init_node.shape, target.span)
        if keywords.get("trainable") is False:
            self.nontrainable.add(var)
            self.graph.non_trainable.add(var)  # the engine tape never watches it
        self.var_current.pop(var, None)
        self.declare(target, var, again=True)
        if self.source.name.endswith(".py") or not self.source.name.endswith(".grad"):
            self.assign_name(target.id, var, target.span, shown=True)

    # ----- TensorFlow names -----

    def tf_attribute(self, canonical: str, span):
        """The value of a tf. name that is not an op call: dtypes, UnconnectedGradients, classes."""
        rest = canonical[3:]
        if rest in ("UnconnectedGradients.ZERO",):
            return "zero"
        if rest in ("UnconnectedGradients.NONE",):
            return "none"
        if rest in ("newaxis",):
            return None
        predefined = namespaces.predefined(canonical)
        if predefined is not None and predefined[0] == "dtype":
            return DType(predefined[1], span)
        return None

    def np_attribute(self, canonical: str, span):
        rest = canonical[3:]
        predefined = namespaces.predefined(canonical)
        if predefined is not None:
            kind, value = predefined
            return DType(value, span) if kind == "dtype" else value
        if rest == "newaxis":
            return None
        return None

    def call_spelled(self, name: str, node: A.Call, positional, keywords, raw_args):
        span = node.span
        short = namespaces.short_name(name)
        if name.startswith("tf.") or name in ("Variable", "placeholder", "gradients", "hessians", "jacobian", "GradientTape", "Session"):
            out = self.tf_runtime_call(name, short, node, positional, keywords)
            if out is not _NOT_RUNTIME:
                return out
        if name.startswith("np.") or name.startswith("numpy."):
            out = self.np_call(name, node, positional, keywords)
            if out is _LEAVES_TAPE:  # NumPy on a tensor inside a tape block: a constant to every tape
                with paused(self.graph, "was computed by NumPy, not TensorFlow, so the tape did not record it"):
                    return self.call_spelled_op(name, node, positional, keywords)
            if out is not _NOT_RUNTIME:
                return out
        return self.call_spelled_op(name, node, positional, keywords)

    def call_spelled_op(self, name: str, node: A.Call, positional, keywords):
        """The rest of call_spelled: math., training ops, and the .grad call path."""
        short = namespaces.short_name(name)
        if name.startswith("math."):
            return self.math_call(name[5:], node, positional, keywords)
        if short in ("minimize", "apply_gradients"):
            raise self.training(node)
        if "." in name and not name.startswith(("tf.", "np.", "numpy.")):
            head = name.split(".")[0]
            raise self.unknown_name(A.Name(head, node.func.span))
        if not name.startswith(("tf.", "np.", "numpy.")) and "." not in name and self.scope_get(name) is None and name not in NAMES and name not in ("gradients", "hessians", "jacobian", "dot", "Variable", "placeholder"):
            raise self.unknown_op(node.func, name)
        fake_args = list(positional) + [keywords[k.name] for k in node.kwargs if type(k) is A.Keyword and k.name in keywords]
        return Resolver_call(self, node, fake_args, name)

    def training(self, node):
        return fail("E0230", "gradcli computes gradients; it does not train", node.span, label="a training op", help=["use compute_gradients(loss) or tf.gradients(loss, vars) to see the gradients, and assign_sub for a step by hand"])

    def tf_runtime_call(self, name, short, node, positional, keywords):
        span = node.span
        rest = name[3:] if name.startswith("tf.") else name
        for prefix in ("compat.v1.", "compat.v2."):
            rest = rest.removeprefix(prefix)
        if rest == "Variable":
            return self.make_variable(node, positional, keywords)
        if rest in ("Session", "InteractiveSession"):
            session = Session(span)
            self.graph_mode = True
            if rest == "InteractiveSession":
                self.default_session = session
            return session
        if rest == "GradientTape":
            persistent = bool(keywords.get("persistent", positional[0] if positional else False))
            watch = keywords.get("watch_accessed_variables", positional[1] if len(positional) > 1 else True)
            return Tape(self.graph, persistent, bool(watch), span)
        if rest in _INITIALIZERS:
            return Initializer(span)
        if rest in _NOOP_TF or rest.endswith("set_seed") or rest.endswith("set_random_seed"):
            if rest.endswith("set_seed") or rest.endswith("set_random_seed"):
                pass
            return None
        if rest in _SCOPES or rest in ("Graph.as_default",):
            return NoOpContext()
        if rest == "Graph":
            return NoOpContext()
        if rest.startswith("train.") and rest.endswith("Optimizer") or rest.startswith(("optimizers.", "keras.optimizers.")):
            return Optimizer(rest.split(".")[-1], span)
        if rest.startswith("keras.") and short not in NAMES:
            raise fail("E0231", f"Keras ({name}) is not supported", span, label="Keras", help=["write the model as tensors: W = tf.Variable(...); y = tf.matmul(x, W) + b"])
        if rest in ("convert_to_tensor", "identity") and positional:
            value = self.tensor(positional[0], span)
            dtype = keywords.get("dtype")
            if dtype is not None:
                dtype = self.graph.dtype_attr(self.dtype_value(dtype, span))
                if value.dtype != dtype:
                    value = self.apply("cast", (value,), {"dtype": dtype}, span)
            return value if rest == "convert_to_tensor" else self.apply("identity", (value,), {}, span)
        if rest == "constant" and "shape" in keywords and positional:
            shape = tuple(self.attr_value(keywords["shape"], span, "a shape"))
            dtype = keywords.get("dtype")
            value = self.tensor(positional[0], span)
            if dtype is not None:
                dtype = self.graph.dtype_attr(self.dtype_value(dtype, span))
                value = self.apply("cast", (value,), {"dtype": dtype}, span)
            return self.apply("fill", (), {"dims": shape, "value": None}, span) if False else self.apply("reshape", (self.apply("add", (self.apply("zeros", (), {"shape": shape, "dtype": value.dtype}, span), value), {}, span),), {"shape": shape}, span)
        if rest == "get_variable" or rest.endswith(".get_variable"):
            return self.get_variable(node, positional, keywords)
        if rest.endswith("_initializer") or rest.startswith("initializers.") or rest.startswith("keras.initializers."):
            return ListValue([rest, positional, keywords], span, kind="initializer")
        if rest == "cond":
            return self.tf_cond(node, positional, keywords)
        if rest == "while_loop":
            return self.tf_while(node, positional, keywords)
        if rest in ("function", "custom_gradient"):
            if positional and isinstance(positional[0], Function):
                if rest == "custom_gradient":
                    positional[0].custom_gradient = True
                return positional[0]
            return Builtin("tf.function.decorator")
        if rest == "print":
            self.output(node, list(positional))
            return None
        if rest in ("shape",) and positional:
            t = self.tensor(positional[0], span)
            if t.shape is not None and None not in t.shape:
                return self.graph.constant(np.array(t.shape, dtype=np.int32), span=span)
        if rest in ("gradients", "hessians", "jacobian") and node.args and False:
            pass
        return _NOT_RUNTIME

    def get_variable(self, node, positional, keywords):
        name = positional[0] if positional else keywords.get("name")
        shape = positional[1] if len(positional) > 1 else keywords.get("shape")
        dtype = keywords.get("dtype", positional[2] if len(positional) > 2 else None)
        init = keywords.get("initializer", positional[3] if len(positional) > 3 else None)
        span = node.span
        shape = tuple(self.attr_value(shape, span, "a shape")) if shape is not None else ()
        dtype = self.graph.dtype_attr(self.dtype_value(dtype, span) if dtype is not None else None, default_float=True)
        value = self.initial_value(init, shape, dtype, span)
        var = self.graph.variable(str(name), value, dtype, shape, span)
        if keywords.get("trainable") is False:
            self.nontrainable.add(var)
            self.graph.non_trainable.add(var)  # the engine tape never watches it
        self.out.inputs[str(name)] = var
        return var

    def initial_value(self, init, shape, dtype, span):
        if init is None:
            return self.apply("random_uniform", (), {"shape": shape, "minval": -0.1, "maxval": 0.1, "dtype": dtype}, span) if "random_uniform" in NAMES else self.graph.constant(np.zeros(shape, dtype))
        if isinstance(init, ListValue) and init.kind == "initializer":
            kind, args, kwargs = init.items
            kind = kind.split(".")[-1].removesuffix("_initializer").lower()
            if kind in ("zeros", "zeros"):
                return self.graph.constant(np.zeros(shape, dtype), span=span)
            if kind in ("ones",):
                return self.graph.constant(np.ones(shape, dtype), span=span)
            if kind in ("constant",):
                v = args[0] if args else kwargs.get("value", 0)
                return self.graph.constant(np.broadcast_to(np.asarray(self.python_value(v, span), dtype=dtype), shape).copy(), span=span)
            if kind in ("random_normal", "truncated_normal", "randomnormal"):
                mean = float(kwargs.get("mean", args[0] if args else 0.0))
                std = float(kwargs.get("stddev", args[1] if len(args) > 1 else 1.0))
                return self.apply("random_normal", (), {"shape": shape, "mean": mean, "stddev": std, "dtype": dtype}, span)
            if kind in ("random_uniform", "glorot_uniform", "glorotuniform", "xavier"):
                fan = sum(shape[-2:]) if len(shape) >= 2 else (shape[0] * 2 if shape else 2)
                limit = math.sqrt(6.0 / max(fan, 1)) if "glorot" in kind or "xavier" in kind else float(kwargs.get("maxval", 0.05))
                return self.apply("random_uniform", (), {"shape": shape, "minval": -limit, "maxval": limit, "dtype": dtype}, span)
        value = self.tensor(init, span)
        return value

    def tf_cond(self, node, positional, keywords):
        pred = positional[0] if positional else keywords.get("pred")
        true_fn = positional[1] if len(positional) > 1 else keywords.get("true_fn")
        false_fn = positional[2] if len(positional) > 2 else keywords.get("false_fn")
        return Pending(self.cond_gen(node, pred, true_fn, false_fn))

    def cond_gen(self, node, pred, true_fn, false_fn):
        a = yield self.function_gen(true_fn, [], {}, node)
        b = yield self.function_gen(false_fn, [], {}, node)
        if isinstance(pred, (bool, int)) or isinstance(pred, np.ndarray):
            return a if bool(pred) else b
        p = self.tensor(pred, node.span)
        if not _needs_input(p):
            return a if bool(self.value_now(p, node.span)) else b
        if isinstance(a, ListValue) or isinstance(b, ListValue):
            return ListValue([self.apply("where", (p, self.tensor(x, node.span), self.tensor(y, node.span)), {}, node.span) for x, y in zip(a.items, b.items)], node.span)
        return self.apply("where", (p, self.tensor(a, node.span), self.tensor(b, node.span)), {}, node.span)

    def tf_while(self, node, positional, keywords):
        cond = positional[0] if positional else keywords.get("cond")
        body = positional[1] if len(positional) > 1 else keywords.get("body")
        loop_vars = positional[2] if len(positional) > 2 else keywords.get("loop_vars")
        return Pending(self.while_loop_gen(node, cond, body, loop_vars))

    def while_loop_gen(self, node, cond, body, loop_vars):
        single = not isinstance(loop_vars, (ListValue, list, tuple))
        state = [loop_vars] if single else list(self.python_items(loop_vars))
        while True:
            test = yield self.function_gen(cond, state, {}, node)
            if not self.truth(test, node):
                break
            self.count_iteration(_HeadOf(node))
            out = yield self.function_gen(body, state, {}, node)
            state = [out] if single else list(self.python_items(out))
        return state[0] if single else ListValue(state, node.span, kind="tuple")

    def custom_gradient_result(self, fn, positional, result, node):
        items = self.python_items(result)
        if not items or len(items) != 2 or not isinstance(items[1], Function):
            raise fail("E0232", "a @tf.custom_gradient function returns (result, grad_fn)", node.span)
        value, grad_fn = items
        y = self.tensor(value, node.span)
        xs = [self.tensor(p, node.span) for p in positional]
        custom = getattr(self.graph, "custom_gradient", None)
        if custom is None:
            return self.apply("identity", (y,), {}, node.span)

        def rule(upstream):
            grads = drive(self.function_gen(grad_fn, list(upstream), {}, node))
            out = self.python_items(grads) if isinstance(grads, (ListValue, list, tuple)) else [grads]
            return [None if g is None else self.tensor(g, node.span) for g in out]

        return custom(y, xs, rule)

    # ----- sessions -----

    def session_method(self, session, name, node, positional, keywords):
        span = node.span
        if name == "run":
            fetches = positional[0] if positional else keywords.get("fetches")
            feed_dict = keywords.get("feed_dict", positional[1] if len(positional) > 1 else None)
            if feed_dict is not None and not isinstance(feed_dict, dict):
                raise fail("E0405", "feed_dict must be a dict of tensors to values", span)
            return self.fetch_structure(fetches, span, lambda nodes: self.values_now(nodes, span, session, feed_dict), session=session)
        if name in ("close", "__enter__", "as_default"):
            return None if name == "close" else session
        raise fail("E0228", f"a session has no method '{name}'", span)

    # ----- tapes -----

    def tape_method(self, tape: Tape, name, node, positional, keywords):
        """A GradientTape method: the script's values in, the engine tape's answer out."""
        span = node.span
        engine = tape.engine
        if name == "watch":
            for item in self.flatten(positional[0] if positional else keywords.get("tensor"), span):
                if isinstance(item, Node):
                    engine.watch(self.var_current.get(item, item) if item.op is VARIABLE else item)
            return None
        if name == "stop_recording":
            return StopRecording(tape)
        if name == "reset":
            engine.reset()
            return None
        if name == "watched_variables":
            return ListValue(engine.watched_variables(), span, kind="tuple")
        if name == "gradient":
            return self.tape_gradient(tape, node, positional, keywords)
        if name in ("jacobian", "batch_jacobian"):
            return self.tape_jacobian(tape, name, node, positional, keywords)
        raise fail("E0228", f"a GradientTape has no method '{name}'", span)

    def flatten(self, value, span):
        if isinstance(value, ListValue):
            return [x for v in value.items for x in self.flatten(v, span)]
        if isinstance(value, (list, tuple)):
            return [x for v in value for x in self.flatten(v, span)]
        if isinstance(value, dict):
            return [x for v in value.values() for x in self.flatten(v, span)]
        return [value]

    def tape_source(self, leaf, span):
        """A source as the engine tape takes it: a variable's current value, and the variable."""
        if isinstance(leaf, Node) and leaf.op is VARIABLE:
            return self.var_current.get(leaf, leaf), leaf
        if isinstance(leaf, Node):
            return leaf, None
        raise fail("E0505", f"a gradient source must be a tensor or a variable, not {self.type_name(leaf)}", span)

    def tape_gradient(self, tape, node, positional, keywords):
        span = node.span
        target = positional[0] if positional else keywords.get("target")
        sources = positional[1] if len(positional) > 1 else keywords.get("sources")
        seeds = keywords.get("output_gradients", positional[2] if len(positional) > 2 else None)
        unconnected = keywords.get("unconnected_gradients", positional[3] if len(positional) > 3 else "none")
        ys = [self.tensor(t, span) for t in self.flatten(target, span)]
        leaves = self.flatten(sources, span)
        xs, variables = zip(*[self.tape_source(leaf, span) for leaf in leaves]) if leaves else ((), ())
        grad_ys = None
        if seeds is not None:
            grad_ys = [None if s is None else self.tensor(s, span) for s in self.flatten(seeds, span)]
        results = tape.engine.gradient(ys, xs, grad_ys, unconnected, span, variables=variables)
        texts = self.source_texts(node, leaves)
        of = [self.source.snippet(node.args[0].span)] if node.args else ["target"]
        for r, text in zip(results, texts):
            self.out.derivatives[r] = Derivative(of, text)
            if isinstance(r, Unconnected):
                r.of = of[0]
        it = iter(results)
        return self.renest(sources, it, span)

    def source_texts(self, node, leaves):
        if len(node.args) > 1 and isinstance(node.args[1], A.ListExpr) and len(node.args[1].items) == len(leaves):
            return [self.source.snippet(i.span) for i in node.args[1].items]
        if len(node.args) > 1 and len(leaves) == 1:
            return [self.source.snippet(node.args[1].span)]
        return [getattr(x, "name", None) or f"source {i}" for i, x in enumerate(leaves)]

    def renest(self, structure, it, span):
        if isinstance(structure, ListValue):
            return ListValue([self.renest(v, it, span) for v in structure.items], span, kind=structure.kind)
        if isinstance(structure, (list, tuple)):
            return ListValue([self.renest(v, it, span) for v in structure], span)
        if isinstance(structure, dict):
            return {k: self.renest(v, it, span) for k, v in structure.items()}
        return next(it)

    def tape_jacobian(self, tape, name, node, positional, keywords):
        span = node.span
        target = self.tensor(positional[0] if positional else keywords.get("target"), span)
        source = positional[1] if len(positional) > 1 else keywords.get("sources", keywords.get("source"))
        unconnected = keywords.get("unconnected_gradients", "none")
        leaves = self.flatten(source, span)
        xs = [self.var_current.get(leaf, leaf) if isinstance(leaf, Node) and leaf.op is VARIABLE else self.tensor(leaf, span) for leaf in leaves]
        if name == "batch_jacobian":
            results = [tape.engine.batch_jacobian(target, x, unconnected, span) for x in xs[:1]]
        else:
            results = tape.engine.jacobian(target, xs, unconnected, span)
        of = self.source.snippet(node.args[0].span) if node.args else "target"
        for j, leaf in zip(results, leaves):
            self.out.derivatives[j] = Derivative([of], getattr(leaf, "name", "source") or "source", "jacobian")
            if isinstance(j, Unconnected):
                j.of = of
        return self.renest(source, iter(results), span)

    # ----- optimizers -----

    def optimizer_method(self, opt, name, node, positional, keywords):
        span = node.span
        if name == "compute_gradients":
            loss = positional[0] if positional else keywords.get("loss")
            var_list = keywords.get("var_list", positional[1] if len(positional) > 1 else None)
            if var_list is None:
                variables = [n for n in self.out.inputs.values() if n.op is VARIABLE and n not in self.nontrainable]
            else:
                variables = self.flatten(var_list, span)
            y = self.tensor(loss, span)
            xs = [self.var_current.get(v, v) for v in variables]
            results = gradients([y], xs, None, None, "none", span)
            for r, v in zip(results, variables):
                self.out.derivatives[r] = Derivative([self.source.snippet(node.args[0].span) if node.args else "loss"], v.name or "var")
            return ListValue([ListValue([None if isinstance(r, Unconnected) else r, v], span, kind="tuple") for r, v in zip(results, variables)], span)
        if name in ("minimize", "apply_gradients"):
            raise self.training(node)
        raise fail("E0228", f"an optimizer has no method '{name}' in gradcli", span, help=["compute_gradients(loss, var_list) is supported"])

    # ----- NumPy, math, builtins -----

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

    def call_builtin(self, name, node, positional, keywords):
        span = node.span
        if name in NAMES and any(_tensorish_arg(v) for v in list(positional) + list(keywords.values())):
            return Resolver_call(self, node, list(positional) + [keywords[k.name] for k in node.kwargs if type(k) is A.Keyword and k.name in keywords], name)
        if name == "print":
            self.output(node, list(positional))
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
        if name == "type":
            return self.type_name(positional[0])
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
        for k in kinds:
            name = k.name if isinstance(k, Builtin) else (k if isinstance(k, str) else "")
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


_NOT_RUNTIME = object()
_LEAVES_TAPE = object()  # a NumPy call on a tensor while a tape records: built with every tape paused


class _HeadOf:
    def __init__(self, node):
        self.head = node.span


def Resolver_call(self, node, args, name):
    """The .grad call path (ops, gradients, Variable/placeholder), with a Name func."""
    from .calls import CallResolver

    func = node.func
    if type(func) is A.Name and func.id == name and all(type(k) is A.Keyword for k in node.kwargs) and all(type(a) is not A.Starred for a in node.args):
        return CallResolver.call(self, node, args)
    if type(func) is not A.Name or func.id != name:
        func = A.Name(name, getattr(func, "span", node.span))
    fake = A.Call(func, tuple(a for a in node.args), tuple(k for k in node.kwargs if type(k) is A.Keyword), node.span)
    return CallResolver.call(self, fake, args)


def _too_big(node):
    return fail("E0317", "literal-only integer arithmetic gives a number that does not fit in 64 bits", node.span, help=["write a float (with a decimal point) if you mean a large number"])


def _tensorish_arg(value) -> bool:
    return isinstance(value, (Node, Unconnected)) or isinstance(value, ListValue) and (value.numeric or any(isinstance(v, Node) for v in value.items))


def _plain(value) -> bool:
    t = type(value)
    return t is int or t is float or t is bool or t is str or value is None or isinstance(value, (np.ndarray, np.generic))


def _literal(value) -> bool:
    return isinstance(value, Node) and value.op is CONSTANT and value.weak and value.shape == ()


def _py(value):
    if isinstance(value, Node):
        return value.attrs["value"].item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _tensorish(value) -> bool:
    return isinstance(value, (Node, np.ndarray, np.generic, int, float)) and not isinstance(value, bool) or isinstance(value, ListValue) and value.numeric


def _numeric_list(value) -> bool:
    return isinstance(value, ListValue) and value.numeric


def _nested_numbers(value):
    if isinstance(value, ListValue):
        return [_nested_numbers(v) for v in value.items]
    if isinstance(value, Node):
        return value.attrs["value"]
    return value


def _needs_input(node: Node) -> bool:
    from ..engine.evaluate import needed_nodes

    return any(n.op is PLACEHOLDER and not n.inputs for n in needed_nodes([node], {}))


def _unfed(nodes, feeds):
    from ..engine.evaluate import needed_nodes

    return [n for n in needed_nodes(list(nodes), feeds) if n.op is PLACEHOLDER and not n.inputs and n not in feeds]


