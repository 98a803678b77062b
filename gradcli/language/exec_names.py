"""Names: scopes, lookups, bindings, imports; what a value is called."""
from __future__ import annotations

import numpy as np

from . import ast as A
from ..engine.graph import Node
from ..errors import Diagnostic, GradcliError, fail
from ..source import Label
from .interpreter import Resolver
from .program import ListValue
from .tf_runtime import Spelled, Builtin, Function, Module, Session, Tape

_BUILTINS = frozenset({"len", "range", "zip", "enumerate", "list", "tuple", "dict", "sorted", "reversed", "float", "int", "bool", "str", "abs", "sum", "min", "max", "round", "isinstance", "print", "format", "any", "all", "map", "set", "repr", "type", "iter", "next", "callable", "pow", "divmod", "hasattr", "getattr"})


class Names:
    """A mixin of gradcli.language.executor.Interpreter (see this module's docstring)."""

    def lookup(self, name: A.Name):
        ident = name.id
        head = ident.split(".", 1)[0] if "." in ident else ident
        scope = self.scope
        while scope is not None:
            if head in scope.vars:
                value = scope.vars[head]
                if head == ident:
                    return value
                if isinstance(value, Module) and value.prefix is not None:
                    canonical = value.prefix + ident[len(head):]
                    found = self.spelled(canonical, name.span)
                    return Spelled(canonical) if found is None else found
                for attr in ident.split(".")[1:]:
                    value = self.get_attr(value, attr, name.span, ident)
                return value
            scope = scope.parent
        if head in self.poisoned:
            raise _silent()
        found = self.spelled(ident, name.span)
        if found is not None:
            return found
        return Resolver.lookup(self, name)

    def spelled(self, ident, span):
        """A name no scope binds: tf./np./math. spellings, builtins, Python's constants."""
        if ident in _BUILTINS and ident not in ("float", "int", "bool"):
            return Builtin(ident)
        head, _, rest = ident.partition(".")
        if head in ("tf", "tensorflow"):
            canonical = "tf." + rest if rest else "tf"
            value = self.tf_attribute(canonical, span)
            if value is not None:
                return value
        if head in ("np", "numpy") and rest:
            value = self.np_attribute("np." + rest, span)
            if value is not None:
                return value
        if head == "math" and rest:
            import math

            if rest in ("pi", "e", "inf", "nan", "tau"):
                return getattr(math, rest)
            return Builtin("math." + rest)
        return None

    def unknown_name(self, name: A.Name):
        bound = {}
        scope = self.scope
        while scope is not None:
            bound.update(scope.vars)
            scope = scope.parent
        saved = self.out.bindings
        self.out.bindings = {k: v for k, v in bound.items() if not isinstance(v, Module)}
        try:
            return Resolver.unknown_name(self, name)
        finally:
            self.out.bindings = saved

    def assign_name(self, name: str, value, span, shown=True):
        self.scope.vars[name] = value
        if type(value) is np.ndarray and id(value) not in self.array_names:
            self.array_names[id(value)] = name
        if self.scope is self.globals:
            self.poisoned.discard(name)
            if shown and name not in self.shown_set:
                self.shown_set.add(name)
                self.out.shown.append(name)
            self.out.binding_spans[name] = span
            if isinstance(value, Node) and value.name is None and not self.in_function:
                value.name = name

    def bind(self, target: A.Name, value, shown=True):
        if isinstance(value, ListValue) and value.numeric:
            literal = value
            value = self.tensor(value)
            # kept: `xs = [1.0, 2.0]` is one constant tensor, until a list method (xs.append) makes it the list again
            self.literal_lists[id(value)] = (value, literal, self.scope, target.id)
        elif type(value) is int or type(value) is float:
            value = self.tensor(value, target.span)  # one literal node: `c = 2.0` is a tensor gradients can take
        self.assign_name(target.id, value, target.span, shown)

    def declare(self, name: A.Name, node: Node, again=False):
        if name.id in self.out.inputs and not again:
            first = self.out.inputs[name.id]
            raise fail("E0215", f"'{name.id}' is declared twice", name.span, labels=[Label(first.span, "first declared here")] if first.span else [], help=["give the second one another name"])
        self.out.inputs[name.id] = node
        self.assign_name(name.id, node, name.span, shown=False)

    def canonical(self, ident: str) -> str:
        """`tf.x` for a name under an alias of tensorflow, `np.x` for numpy's."""
        head, dot, rest = ident.partition(".")
        value = self.scope_get(head)
        if isinstance(value, Module) and value.prefix is not None:
            return value.prefix + (dot + rest if rest else "")
        return ident

    def scope_get(self, name):
        scope = self.scope
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            scope = scope.parent
        return None

    def import_stmt(self, stmt: A.Import):
        for module, alias in stmt.names:
            top = module.split(".")[0]
            if alias == "*":
                continue
            if top == "tensorflow":
                rest = module.split(".", 1)[1] if "." in module else ""
                if rest in ("", "compat.v1", "compat.v2", "compat"):
                    self.assign_name(alias, Module("tf", module, stmt.span), stmt.span, shown=False)
                else:  # from tensorflow import keras / from tensorflow.x import y
                    self.assign_name(alias, Module("tf." + rest.removeprefix("compat.v1.").removeprefix("compat.v1"), module, stmt.span), stmt.span, shown=False)
            elif top == "numpy":
                rest = module.split(".", 1)[1] if "." in module else ""
                self.assign_name(alias, Module("np" + ("." + rest if rest else ""), module, stmt.span), stmt.span, shown=False)
            elif top == "math":
                rest = module.split(".", 1)[1] if "." in module else ""
                if rest:
                    self.assign_name(alias, Builtin("math." + rest), stmt.span, shown=False)
                else:
                    self.assign_name(alias, Module("math", module, stmt.span), stmt.span, shown=False)
            elif top in ("__future__", "os", "sys", "time", "warnings", "logging"):
                self.assign_name(alias, Module(None, module, stmt.span), stmt.span, shown=False)
            else:
                self.assign_name(alias, Module(None, module, stmt.span), stmt.span, shown=False)
                self.warn_once(("import", module), Diagnostic("W0210", f"gradcli does not run {module}; code that only calls it is skipped", stmt.span, label="not run", help=["tensorflow, numpy and math are what gradcli runs"]))

    def warn_once(self, key, diagnostic):
        if key in self.noted:
            return
        self.noted.add(key)
        self.out.warnings.append(diagnostic)

    def type_name(self, value) -> str:
        if isinstance(value, Node):
            return "a tensor"
        if isinstance(value, Function):
            return f"the function {value.name}"
        if isinstance(value, Module):
            return f"the module {value.name}"
        if isinstance(value, (Session,)):
            return "a session"
        if isinstance(value, Tape):
            return "a GradientTape"
        if value is None:
            return "None"
        if isinstance(value, ListValue):
            return "a tuple" if value.kind == "tuple" else "a list"
        name = type(value).__name__
        return {int: "an int", float: "a float", str: "a string", bool: "a bool", dict: "a dict"}.get(type(value), f"{'an' if name[:1] in 'AEIOUaeiou' else 'a'} {name}")

    def hashable(self, value, span):
        if isinstance(value, ListValue):
            return tuple(self.hashable(v, span) for v in value.items)
        try:
            hash(value)
        except TypeError:
            raise fail("E0209", f"{self.type_name(value)} cannot be a dict key", span) from None
        return value


class _Silent(GradcliError):
    """A use of a name whose own statement failed: that error was reported already."""


def _silent():
    return _Silent()
