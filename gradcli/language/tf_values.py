"""Values at work: Python values as tensors, tensors evaluated now, fetched structures, Python numbers back.

A mixin of gradcli.language.executor.Interpreter, assembled in tf_calls.TFCalls.
"""
from __future__ import annotations

import numpy as np

from ..engine.evaluate import evaluate
from ..engine.gradients import Unconnected
from ..engine.graph import Node
from ..engine.registry import VARIABLE
from ..engine.tape import variable_read
from ..errors import fail
from ..source import Label
from .program import DType, ListValue
from .tf_runtime import Function, Initializer, Module, Session, Tape, UpdateOp
from .interpreter import rectangular_array
from .tf_helpers import _literal, _nested_numbers, _unfed
from .tf_names import Symbolic


class TensorValues:
    """A mixin of gradcli.language.executor.Interpreter, through tf_calls.TFCalls."""

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
        array = rectangular_array(_nested_numbers(value), value.span)
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
            if output and not isinstance(v, (int, float, bool, str, np.ndarray, np.generic, Symbolic)) and v is not None:
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
