"""TensorFlow's variables (tf.Variable, get_variable and its initializers, assignments) and sessions.

A mixin of gradcli.language.executor.Interpreter, assembled in tf_calls.TFCalls.
"""
from __future__ import annotations

import math

import numpy as np

from . import ast as A
from ..engine.graph import Node
from ..engine.registry import NAMES, VARIABLE
from ..errors import fail
from .program import ListValue
from .tf_runtime import UpdateOp
from .tf_helpers import argument


class SessionCalls:
    """A mixin of gradcli.language.executor.Interpreter, through tf_calls.TFCalls."""

    # ----- variables -----

    def assign_variable(self, var: Node, how, value, span):
        if var.op is not VARIABLE:
            raise fail("E0229", f"{how}() works on a tf.Variable, not on a computed tensor", span, help=["make it a variable: v = tf.Variable(initial value), then v.assign(...)"])
        current = self.var_current.get(var, var)
        delta = self.tensor(value, span)
        if how == "assign":
            new = delta if delta.dtype == var.dtype else self.apply("cast", (delta,), {"dtype": var.dtype}, span)
        else:
            new = self.apply("add" if how == "assign_add" else "subtract", (current, delta), {}, span)
        if self.graph_mode:
            return UpdateOp(var, new, span, self.unique_tf_name({"assign": "Assign", "assign_add": "AssignAdd"}.get(how, "AssignSub")))
        self.var_current[var] = new
        return var

    def run_update(self, update: UpdateOp, session, span):
        session = session or self.default_session
        (value,) = self.values_now([update.value], span, session)
        if session is not None:
            session.state[update.variable] = value.astype(update.variable.dtype)
        return value

    def make_variable(self, node: A.Call, positional, keywords):
        init = argument(positional, keywords, 0, "initial_value")
        if init is None:
            raise fail("E0205", "Variable() takes an initial value", node.span)
        name = keywords.get("name")
        if not isinstance(name, str):
            base = "Variable"
            count = self.auto_names.get(base, 0)
            self.auto_names[base] = count + 1
            name = base if count == 0 else f"{base}_{count}"
        dtype = argument(positional, keywords, 1, "dtype")
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
        init = argument(positional, keywords, 0, "initial_value")
        if init is None:
            raise fail("E0205", "Variable() takes an initial value", call.span, help=["write x = Variable(2.0), or var x = 2.0"])
        dtype = argument(positional, keywords, 1, "dtype")
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

    def get_variable(self, node, positional, keywords):
        name = argument(positional, keywords, 0, "name")
        shape = argument(positional, keywords, 1, "shape")
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

    # ----- sessions -----

    def session_method(self, session, name, node, positional, keywords):
        span = node.span
        if name == "run":
            fetches = argument(positional, keywords, 0, "fetches")
            feed_dict = keywords.get("feed_dict", positional[1] if len(positional) > 1 else None)
            if feed_dict is not None and not isinstance(feed_dict, dict):
                raise fail("E0405", "feed_dict must be a dict of tensors to values", span)
            return self.fetch_structure(fetches, span, lambda nodes: self.values_now(nodes, span, session, feed_dict), session=session)
        if name in ("close", "__enter__", "as_default"):
            return None if name == "close" else session
        raise fail("E0228", f"a session has no method '{name}'", span)
