"""Calls: arguments, callees, user functions and their parameters."""
from __future__ import annotations

from . import ast as A
from . import spellings as namespaces
from ..engine.registry import NAMES
from ..errors import fail
from ..source import Label
from .program import DType, ListValue
from .tf_runtime import Pending, Spelled, BoundMethod, Builtin, Function, Module, Scope, Signal
from .exec_names import _BUILTINS, _silent

MAX_CALL_DEPTH = 200


class Calls:
    """A mixin of gradcli.language.executor.Interpreter (see this module's docstring)."""

    def call_spelling(self, func: A.Name) -> str:
        return namespaces.short_name(self.canonical(func.id))

    def call_value(self, node: A.Call, args):
        func = node.func
        if isinstance(func, A.Name):
            callee = self.callee(func)
            values = args
        else:
            callee, values = args[0], args[1:]
        npos = len(node.args)
        positional = list(values[:npos])
        keywords = {}
        for k, v in zip(node.kwargs, values[npos:]):
            if type(k) is A.Starred:
                if not isinstance(v, dict):
                    raise fail("E0205", "** needs a dict", k.span)
                keywords.update(v)
            else:
                keywords[k.name] = v
        positional = self.unstarred(node.args, positional)
        if type(callee) is Spelled:  # an op or TensorFlow/NumPy name
            if not self.graph_mode:
                return self.call_spelled(callee, node, positional, keywords, values)
            calls = len(self.out.gradient_calls)
            out = self.call_spelled(callee, node, positional, keywords, values)
            if len(self.out.gradient_calls) > calls:  # tf.gradients, hessians: the "gradients" scope's names
                call = self.out.gradient_calls[-1]
                self.name_gradients(call.ys, call.xs, call.results, call.grad_ys, "hessians" if call.kind == "hessian" else "gradients")
            elif type(out) is not Pending:
                self.name_call_result(out, namespaces.short_name(callee), keywords)
            return out
        return self.call_object(callee, node, positional, keywords)

    def callee(self, func: A.Name):
        ident = func.id
        head = ident.split(".", 1)[0]
        value = self.scope_get(head)
        if value is not None or head in self.scope.vars:
            if not isinstance(value, (Function, Builtin, BoundMethod, Module, DType)) and "." not in ident and (ident in NAMES or ident in _BUILTINS):
                return Builtin(ident) if ident in _BUILTINS else Spelled(ident)  # names and ops live apart
            if isinstance(value, Module):
                if value.prefix is None:
                    raise fail("E0224", f"{value.name} is not a module gradcli runs", func.span, labels=[Label(value.span, "imported here")] if value.span else [], help=["gradcli runs tensorflow, numpy and math; compute this another way"])
                return Spelled(self.canonical(ident))
            return self.lookup(func)
        if head in self.poisoned:
            raise _silent()
        if ident in _BUILTINS:
            return Builtin(ident)
        return Spelled(ident)

    def call_object(self, callee, node, positional, keywords):
        if isinstance(callee, Function):
            return Pending(self.function_gen(callee, positional, keywords, node))
        if isinstance(callee, Builtin):
            return self.call_builtin(callee.name, node, positional, keywords)
        if isinstance(callee, BoundMethod):
            return self.call_method(callee.obj, callee.name, node, positional, keywords)
        if isinstance(callee, DType) and isinstance(node.func, A.Name) and node.func.id in ("float", "int", "bool"):
            return self.call_builtin(node.func.id, node, positional, keywords)
        if isinstance(callee, DType):
            if len(positional) != 1:
                raise fail("E0205", "a dtype called as a function takes one value", node.span)
            return self.np_scalar(callee, positional[0], node.span)
        if callable(callee) and getattr(callee, "_gradcli_safe", False):
            return callee(*positional, **keywords)
        raise fail("E0225", f"{self.type_name(callee)} is not callable", node.func.span if hasattr(node.func, "span") else node.span, label="not a function")

    def function_gen(self, fn: Function, positional, keywords, node):
        if not isinstance(fn, Function):  # tf.cond(p, lambda: a, b), tf.while_loop(c, body, ...) given a value
            raise fail("E0225", f"{self.type_name(fn)} is not callable, and a function is needed here", node.span, label="needs a function",
                       help=["pass a function: lambda: ... or the name of a def"])
        self.depth += 1
        if self.depth > MAX_CALL_DEPTH:
            raise fail("E0226", f"calls nested more than {MAX_CALL_DEPTH} deep (recursion)", node.span, label=f"call of {fn.name}", labels=[Label(fn.span, "defined here")] if fn.span else [], help=["gradcli runs recursion by building the graph; use a loop, or fewer levels"])
        scope = Scope(self.bind_params(fn, positional, keywords, node), fn.scope)
        saved = self.scope
        self.scope = scope
        self.in_function += 1
        try:
            if fn.is_lambda:
                result = yield self.eval_gen(fn.body)
            else:
                signal = yield self.block_gen(fn.body)
                result = signal.value if isinstance(signal, Signal) and signal.kind == "return" else None
        finally:
            self.scope = saved
            self.in_function -= 1
            self.depth -= 1
        if fn.custom_gradient:
            return self.custom_gradient_result(fn, positional, result, node)
        return result

    def bind_params(self, fn: Function, positional, keywords, node) -> dict:
        local = {}
        params = [p for p in fn.params if p.kind != "/"]
        i = 0
        keywords = dict(keywords)
        star_seen = False
        for p in params:
            if p.kind == "*":
                star_seen = True
                if p.name:
                    local[p.name] = ListValue(list(positional[i:]), node.span, kind="tuple")
                i = len(positional)
                continue
            if p.kind == "**":
                local[p.name] = dict(keywords)
                keywords.clear()
                continue
            if not star_seen and i < len(positional):
                if p.name in keywords:
                    raise fail("E0205", f"{fn.name}() got '{p.name}' twice", node.span)
                local[p.name] = positional[i]
                i += 1
            elif p.name in keywords:
                local[p.name] = keywords.pop(p.name)
            elif p.name in fn.defaults:
                local[p.name] = fn.defaults[p.name]
            else:
                raise fail("E0205", f"{fn.name}() is missing its argument '{p.name}'", node.span, labels=[Label(fn.span, "defined here")] if fn.span else [])
        if i < len(positional):
            raise fail("E0205", f"{fn.name}() takes {i} positional argument{'s' if i != 1 else ''}, got {len(positional)}", node.span, labels=[Label(fn.span, "defined here")] if fn.span else [])
        if keywords:
            key = next(iter(keywords))
            raise fail("E0204", f"{fn.name}() has no argument '{key}'", node.span, labels=[Label(fn.span, "defined here")] if fn.span else [])
        return local
