"""tf., np. and math. spellings called: TensorFlow's runtime calls, tf.cond, tf.while_loop,
tf.custom_gradient, and the hand-over to the .grad call path.

A mixin of gradcli.language.executor.Interpreter, assembled in tf_calls.TFCalls.
"""
from __future__ import annotations

import numpy as np

from . import ast as A
from . import spellings as namespaces
from ..engine.graph import Node
from ..engine.registry import NAMES
from ..engine.tape import paused
from ..errors import fail
from .program import DType, ListValue
from .tf_runtime import Pending, drive, Builtin, Function, Initializer, NoOpContext, Optimizer, Session, Tape
from .tf_helpers import _NOOP_TF, _SCOPES, _INITIALIZERS, _NOT_RUNTIME, _LEAVES_TAPE, _HeadOf, Resolver_call, _needs_input, argument


class SpelledCalls:
    """A mixin of gradcli.language.executor.Interpreter, through tf_calls.TFCalls."""

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
            return self.constant_with_shape(positional[0], keywords, span)
        if rest in ("assign", "assign_add", "assign_sub"):  # TF1's tf.assign(ref, value): v.assign(value)
            ref = argument(positional, keywords, 0, "ref")
            value = argument(positional, keywords, 1, "value")
            if not isinstance(ref, Node) or value is None:
                raise fail("E0229", f"tf.{rest}(ref, value) takes a tf.Variable and a value", span, help=[f"write tf.{rest}(v, value) or v.{rest}(value)"])
            return self.assign_variable(ref, rest, value, span)
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

    def constant_with_shape(self, value, keywords, span):
        """tf.constant(value, shape=...): a scalar (or one element) fills the shape, a value of
        as many elements is reshaped to it (TensorFlow 2's rule); any other size is an error."""
        shape = tuple(self.attr_value(keywords["shape"], span, "a shape"))
        dtype = keywords.get("dtype")
        attrs = {"dtype": self.graph.dtype_attr(self.dtype_value(dtype, span))} if dtype is not None else {}
        value = self.apply("constant", (self.tensor(value, span),), attrs, span)  # tf.constant's own dtype rule
        have = int(np.prod(value.shape)) if value.shape is not None and None not in value.shape else None
        want = int(np.prod(shape)) if None not in shape else None
        if have == 1 and want != 1:
            return self.apply("broadcast_to", (self.apply("reshape", (value,), {"shape": ()}, span),), {"shape": shape}, span)
        if have is not None and want is not None and have != want:
            raise fail("E0306", f"tf.constant's value has {have} elements but shape={list(shape)} has {want}", span,
                       help=["give one value to fill the shape, or as many values as the shape holds"])
        return self.apply("reshape", (value,), {"shape": shape}, span)

    def tf_cond(self, node, positional, keywords):
        pred = argument(positional, keywords, 0, "pred")
        true_fn = argument(positional, keywords, 1, "true_fn")
        false_fn = argument(positional, keywords, 2, "false_fn")
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
        cond = argument(positional, keywords, 0, "cond")
        body = argument(positional, keywords, 1, "body")
        loop_vars = argument(positional, keywords, 2, "loop_vars")
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
