"""Calls: binding arguments to an op's signature, and gradients/hessians/jacobian.

A part of the Resolver (gradcli.language.interpreter) kept apart because it is the largest
concern of resolution: CallResolver is mixed into Resolver and uses its
tensor(), attr_value() and apply().
"""
from __future__ import annotations

import difflib

from . import ast as A
from . import spellings as namespaces
from ..engine.gradients import Unconnected, gradients
from ..engine.jacobians import hessians, jacobian
from ..engine.graph import Node, apply
from ..engine.registry import NAMES, OpDef
from ..errors import Diagnostic, fail
from .program import Derivative, DType, GradientCall, ListValue

# TensorFlow 1 session boilerplate, which gradcli does not need
SESSION_NAMES = {"Session", "InteractiveSession", "global_variables_initializer", "initialize_all_variables", "local_variables_initializer", "reset_default_graph", "print", "disable_eager_execution", "disable_v2_behavior"}
_GRADIENT_KWARGS = ("grad_ys", "stop_gradients", "unconnected_gradients", "name", "gate_gradients", "colocate_gradients_with_ops", "aggregation_method")
# calls the resolver handles itself, not ops of the registry
SPECIAL_CALLS = ("gradients", "hessians", "jacobian", "Variable", "placeholder")


class CallResolver:
    def call(self, node: A.Call, args):
        npos = len(node.args)
        positional, keywords = args[:npos], dict(zip((k.name for k in node.kwargs), args[npos:]))
        spans = {k.name: k for k in node.kwargs}
        name = node.func.id
        short = namespaces.resolve_call(name, node.func.span)
        if short in ("gradients", "hessians", "jacobian"):
            return self.gradient_call(short, node, positional, keywords)
        if short in ("Variable", "placeholder"):
            raise fail("E0216", f"{short}() must be assigned to a name", node.span, help=[f"write x = {short}(...) on its own line"])
        op = NAMES.get(short)
        if op is None or "internal" in op.tags:
            raise self.unknown_op(node.func, short)
        if name.startswith("np.") and short == "transpose" and "axes" in keywords:
            keywords["perm"] = keywords.pop("axes")
            spans["perm"] = spans.pop("axes")
        inputs, attrs = self.bind_args(op, node, positional, keywords, spans)
        out = self.apply(op, inputs, attrs, node.span)
        if op.name == "cast" and isinstance(out, Node) and out.weak:
            out.weak = False  # tf.cast(3, tf.float64) is a float64 tensor, not a literal
        return out

    def unknown_op(self, func: A.Name, short):
        names = [n for n, o in NAMES.items() if "internal" not in o.tags] + ["gradients", "hessians", "jacobian"]
        close = difflib.get_close_matches(short, names, n=1, cutoff=0.6)
        return fail("E0202", f"unknown op '{func.id}'", func.span, help=[f"did you mean '{close[0]}'?" if close else "`gradcli ops` lists every op"])

    def bind_args(self, op: OpDef, node: A.Call, positional, keywords, spans):
        params = op.params
        bound = {}
        pos = list(zip(node.args, positional))
        for i, param in enumerate(params):
            if param.kind == "tensors" and param.name == "operands":
                bound[param.name] = [(a, v) for a, v in pos[i:]]
                pos = pos[:i]
                break
        if len(pos) > len([p for p in params if p.name != "operands"]):
            raise self.arity(op, node, f"{op.name}() takes at most {len(params)} argument{'s' if len(params) != 1 else ''}, got {len(node.args)}")
        for param, (a, v) in zip(params, pos):
            bound[param.name] = (a, v)
        for key, v in keywords.items():
            if key == "name":
                continue
            if key not in {p.name for p in params}:
                close = difflib.get_close_matches(key, [p.name for p in params], n=1)
                raise fail("E0204", f"{op.name}() has no argument '{key}'", spans[key].name_span, help=([f"did you mean '{close[0]}'?"] if close else []) + [f"signature: {op.signature}"])
            if key in bound:
                raise self.arity(op, node, f"{op.name}() got '{key}' twice")
            bound[key] = (spans[key].value, v)
        inputs, attrs = [], {}
        for param in params:
            if param.name not in bound:
                if param.required:
                    raise self.arity(op, node, f"{op.name}() is missing its argument '{param.name}'")
                if param.kind == "attr":
                    attrs[param.name] = param.default
                elif param.kind == "tensor" and param.default is not None:
                    inputs.append(self.graph.constant(param.default, weak=True, span=node.span))
                continue
            if param.kind == "tensors" and param.name == "operands":
                inputs.extend(self.tensor(v, a.span) for a, v in bound[param.name])
                continue
            a, v = bound[param.name]
            if param.kind == "tensors":
                items = v.items if isinstance(v, ListValue) else [v]
                inputs.extend(self.tensor(x, a.span) for x in items)
            elif param.kind == "attr":
                attrs[param.name] = self.attr(param.name, v, a.span)
            elif v is None and not param.required and param.default is not None:
                inputs.append(self.graph.constant(param.default, weak=True, span=node.span))  # None: the default (batch_normalization's offset=None)
            else:
                inputs.append(self.tensor(v, a.span))
        return tuple(inputs), attrs

    def attr(self, name, value, span):
        if name == "dtype":
            return None if value is None else self.dtype_value(value, span)
        out = self.attr_value(value, span, f"'{name}'")
        if name in _WHOLE_NUMBER_ATTRS:
            out = _whole_numbers(name, out, span)
        if isinstance(out, list) and name in ("shape", "perm", "multiples", "dims", "axis", "paddings"):
            out = _tuples(out)
        return out

    def arity(self, op: OpDef, node: A.Call, message):
        return fail("E0205", message, node.span, help=[f"signature: {op.signature}"])

    # ----- gradients, hessians, jacobian -----

    def gradient_call(self, kind, node: A.Call, positional, keywords):
        spans = {k.name: k for k in node.kwargs}
        allowed = (_GRADIENT_KWARGS if kind == "gradients" else ("name",)) + ("ys", "xs")
        for key in keywords:
            if key not in allowed:
                sig = "gradients(ys, xs, grad_ys=None, stop_gradients=None, unconnected_gradients=\"none\")" if kind == "gradients" else f"{kind}(ys, xs)"
                raise fail("E0505", f"{kind}() has no argument '{key}'", spans[key].name_span, help=[f"signature: {sig}"])
        max_pos = 3 if kind == "gradients" else 2
        names = ["ys", "xs", "grad_ys"][:max_pos]
        args = dict(zip(names, zip(node.args, positional)))
        for key in ("ys", "xs"):
            if key in keywords:
                args[key] = (spans[key].value, keywords.pop(key))
        if len(node.args) > max_pos or "ys" not in args or "xs" not in args:
            what = "ys and xs" if len(node.args) < 2 else f"at most {max_pos} arguments by position"
            raise fail("E0505", f"{kind}() takes {what}", node.span, help=["only grad_ys may follow xs by position; the rest by keyword"] if kind == "gradients" else [])
        if "grad_ys" in keywords:
            if "grad_ys" in args:
                raise fail("E0505", "gradients() got grad_ys twice", spans["grad_ys"].span)
            args["grad_ys"] = (spans["grad_ys"].value, keywords["grad_ys"])
        ys_ast, ys_val = args["ys"]
        xs_ast, xs_val = args["xs"]
        ys, ys_text = self.tensor_list(ys_ast, ys_val, "ys")
        xs, xs_text = self.tensor_list(xs_ast, xs_val, "xs")
        if kind == "jacobian":
            if len(ys) != 1 or len(xs) != 1:
                raise fail("E0505", "jacobian() takes one y and one x", node.span, help=["jacobian(y, x) returns one tensor of shape y.shape + x.shape"])
            result = jacobian(ys[0], xs[0], node.span)
            self.out.derivatives[result] = Derivative(ys_text, xs_text[0], "jacobian")
            self.out.gradient_calls.append(GradientCall(ys, xs, None, [], [result], node.span, "jacobian"))
            return result
        if kind == "hessians":
            results = hessians(ys, xs, node.span)
            for r, x in zip(results, xs_text):
                self.out.derivatives[r] = Derivative(ys_text, x, "hessian")
            self.out.gradient_calls.append(GradientCall(ys, xs, None, [], list(results), node.span, "hessian"))
            return ListValue(results, node.span)
        grad_ys = None
        if "grad_ys" in args and args["grad_ys"][1] is not None:
            g_ast, g_val = args["grad_ys"]
            grad_ys = self.seed_list(g_ast, g_val)
        stop = []
        if keywords.get("stop_gradients") is not None:
            stop, _ = self.tensor_list(spans["stop_gradients"].value, keywords["stop_gradients"], "stop_gradients")
        unconnected = keywords.get("unconnected_gradients", "none")
        if not isinstance(unconnected, str):
            raise fail("E0504", "unconnected_gradients takes \"none\" or \"zero\"", spans["unconnected_gradients"].value.span)
        unconnected = unconnected.lower()
        span_of_option = spans["unconnected_gradients"].value.span if "unconnected_gradients" in spans else node.span
        if unconnected not in ("none", "zero"):
            raise fail("E0504", f"unknown value '{unconnected}' for unconnected_gradients", span_of_option, help=['expected "none" or "zero"'])
        results = gradients(ys, xs, grad_ys, stop, unconnected, node.span)
        # each x's gradient gets a node of its own, so that what it is the derivative of is unambiguous
        for i, r in enumerate(results):
            if isinstance(r, Node) and (r in self.out.derivatives or r in results[:i]):
                results[i] = apply("identity", r, span=r.span)
        self.out.stop_nodes.update(stop)
        self.out.gradient_calls.append(GradientCall(ys, xs, grad_ys, stop, results, node.span))
        x_asts = list(xs_ast.items) if isinstance(xs_ast, A.ListExpr) else [xs_ast]
        of_text = " and ".join(ys_text) if len(ys_text) <= 3 else ", ".join(ys_text[:3]) + " ..."
        for r, x_text, x_ast in zip(results, xs_text, x_asts if len(x_asts) == len(results) else [xs_ast] * len(results)):
            self.out.derivatives[r] = Derivative(ys_text, x_text)
            if isinstance(r, Unconnected):
                r.of = of_text
            if isinstance(r, Unconnected) and not isinstance(x_ast, A.Name):
                self.out.warnings.append(
                    Diagnostic(
                        "W0501",
                        f"the x '{x_text}' is a new tensor that no y depends on, so its gradient is None",
                        x_ast.span,
                        label="a fresh expression",
                        help=[f"bind it to a name first (t = {x_text}) and build the ys from that name"],
                    )
                )
        return ListValue(results, node.span)

    def tensor_list(self, ast_node, value, what):
        """ys, xs, stop_gradients: a list literal is always the list (as in TensorFlow)."""
        if isinstance(value, ListValue):
            items = value.items
            texts = [self.text(a) for a in ast_node.items] if isinstance(ast_node, A.ListExpr) and len(ast_node.items) == len(items) else [f"{self.text(ast_node)}[{i}]" for i in range(len(items))]
            for a, item in zip(ast_node.items if isinstance(ast_node, A.ListExpr) else [ast_node] * len(items), items):
                if isinstance(item, ListValue) and not item.numeric or item is None or isinstance(item, (str, DType)):
                    raise fail("E0505", f"each of {what} must be a tensor", a.span)
            return [self.tensor(v, ast_node.span) for v in items], texts
        if value is None:
            raise fail("E0505", f"{what} cannot be None", ast_node.span)
        if isinstance(value, (str, DType)):
            raise fail("E0505", f"{what} must be tensors", ast_node.span)
        return [self.tensor(value, ast_node.span)], [self.text(ast_node)]

    def seed_list(self, ast_node, value):
        if isinstance(value, ListValue):
            return [None if v is None else self.tensor(v, ast_node.span) for v in value.items]
        if isinstance(value, Unconnected):
            raise self.none_used(value, ast_node.span)
        return [self.tensor(value, ast_node.span)]


_WHOLE_NUMBER_ATTRS = frozenset({"axis", "num", "depth", "num_rows", "num_columns", "perm", "multiples", "shape", "dims", "paddings", "num_or_size_splits", "seed"})


def _whole_numbers(name, value, span):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_whole_numbers(name, v, span) for v in value)
    if isinstance(value, float):
        if not value.is_integer():
            raise fail("E0315", f"'{name}' must be a whole number, got {value:g}", span)
        return int(value)
    return value


def _tuples(value):
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value
