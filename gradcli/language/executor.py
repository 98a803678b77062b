"""Pasted Python and TensorFlow code: statements, scopes, functions, loops, conditions.

The Interpreter extends the .grad Resolver. Statements and expressions run as
generators on one explicit stack (`drive`), never by Python recursion: a
block yields the generator of each statement, an expression yields the body
of a function it calls, and `drive` runs whatever is on top. So a
100,000-iteration loop or a 200-deep call chain uses no Python stack.
TensorFlow's objects (sessions, tapes, optimizers) are in tf_calls.
"""
from __future__ import annotations

import numpy as np

from . import ast as A
from . import spellings as namespaces
from ..engine.gradients import Unconnected
from ..engine.graph import Graph, Node, gc_paused
from ..engine.registry import CONSTANT, NAMES, VARIABLE
from ..errors import Diagnostic, GradcliError, fail
from ..source import Label
from .interpreter import Resolver, _children
from .program import DType, ListValue, Output
from .tf_calls import TFCalls
from .tf_runtime import Pending, Spelled, drive, BREAK, CONTINUE, BoundMethod, Builtin, Function, Module, NoOpContext, Scope, Session, Signal, StopRecording, Tape

MAX_CALL_DEPTH = 200
MAX_LOOP_ITERATIONS = 100_000

_BUILTINS = frozenset({"len", "range", "zip", "enumerate", "list", "tuple", "dict", "sorted", "reversed", "float", "int", "bool", "str", "abs", "sum", "min", "max", "round", "isinstance", "print", "format", "any", "all", "map", "set", "repr", "type", "iter", "next", "callable", "pow", "divmod", "hasattr", "getattr"})
_EFFECT_METHODS = frozenset({"assign", "assign_add", "assign_sub", "watch", "append", "extend", "insert", "update", "close", "run", "seed", "set_seed", "set_random_seed", "reset_default_graph", "enable_eager_execution", "disable_eager_execution", "disable_v2_behavior", "enable_v2_behavior", "print", "shuffle"})
_GRAPH_MARKERS = ("Session", "placeholder", "global_variables_initializer", "initialize_all_variables", "compat.v1", "disable_eager_execution", "disable_v2_behavior")


def resolve(program: A.Program, float_dtype="float64", max_elements: int = 100_000_000, feeds=None, seed: int = 0) -> Resolved:
    """Run a parsed program into graph values; raise GradcliError with every independent error.

    float_dtype None: TensorFlow's float32 for a script that imports tensorflow, else float64.
    feeds (name -> value) are what --feed gives the runs a script makes itself (sess.run, print).
    """
    note = None
    if float_dtype is None:
        float_dtype = "float64"
        first = imports_tensorflow(program)
        if first is not None:
            float_dtype = "float32"
            note = Diagnostic("W0213", "computing in float32, TensorFlow's default float, as the script imports tensorflow", first.span, label="imports tensorflow", help=["--dtype float64 computes in float64"])
    resolver = Interpreter(program.source, Graph(float_dtype, max_elements), feeds, seed, is_graph_code(program))
    resolver.out_transcript = getattr(program, "transcript", False)
    if note is not None:
        resolver.out.warnings.append(note)
    try:
        with gc_paused():
            resolver.run(program.statements)
    except GradcliError as error:
        for d in error.diagnostics:
            if d.source is None:
                d.source = program.source
        raise
    for d in resolver.out.warnings:
        d.source = d.source or program.source
    return resolver.out


class Interpreter(TFCalls, Resolver):
    """Runs a program as Python would, building graph values."""

    def __init__(self, source, graph, feeds=None, seed=0, graph_mode=False):
        super().__init__(source, graph)
        self.globals = Scope({}, None)
        self.scope = self.globals
        self.shown_set = set()
        self.feeds = dict(feeds or {})
        self.seed = seed
        self.graph_mode = graph_mode
        self.depth = 0
        self.iterations = 0
        self.tapes: list[Tape] = []
        self.var_current: dict = {}  # variable node -> the node of its current (eager) value
        self.nontrainable: set = set()
        self.sessions: list[Session] = []
        self.default_session = None
        self.np_rng = np.random.RandomState(seed)
        self.auto_names: dict[str, int] = {}
        self.poisoned: set = set()
        self.statement = None  # the top-level statement running, for outputs
        self.in_function = 0
        self.noted: set = set()
        self.array_names: dict = {}  # id(ndarray) -> the first name bound to it
        self.array_nodes: dict = {}  # id(ndarray) -> (the array, its constant node)

    # ----- running -----

    def run(self, statements) -> None:
        errors = []
        kind = GradcliError
        for stmt in statements:
            self.statement = stmt
            try:
                drive(self.stmt_gen(stmt))
            except _Silent:
                self.poisoned.update(_bound_names(stmt))
                self.recover()
            except GradcliError as error:
                kind = kind if errors else type(error)
                if any(d.code.startswith(("E03", "E04", "E05")) for d in error.diagnostics):
                    raise kind(*(errors + error.diagnostics)) from None
                errors.extend(error.diagnostics)
                self.poisoned.update(_bound_names(stmt))
                self.recover()
        if errors:
            raise kind(*errors)
        self.finish()

    def recover(self):
        """After an error in one statement: back to the module's scope, no tape recording."""
        self.scope = self.globals
        self.depth = 0
        self.in_function = 0
        for tape in self.tapes:
            tape.stop()
        self.tapes = []

    def finish(self):
        """What eval shows: every name the module binds, tensors for Python numbers and arrays."""
        bindings = self.out.bindings
        for name, value in self.globals.vars.items():
            shown = self.display(value, name)
            bindings[name] = shown
            if isinstance(shown, Node) and shown.name is None:
                shown.name = name

    def display(self, value, name=None):
        if isinstance(value, (Node, Unconnected)):
            return value
        if isinstance(value, bool) or isinstance(value, np.bool_):
            return self.graph.constant(bool(value), dtype=np.bool_)
        if isinstance(value, (int, float)):
            c = self.graph.literal(value)
            self.literals.add(c)
            return c
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            return self.graph.constant(value)
        if isinstance(value, np.generic) and np.asarray(value).dtype.kind in "biuf":
            return self.graph.constant(np.asarray(value))
        if isinstance(value, (list, tuple)) or isinstance(value, ListValue):
            items = value.items if isinstance(value, ListValue) else list(value)
            shown = [self.display(v) if not isinstance(v, (list, tuple, ListValue)) else self.display_nested(v) for v in items]
            if all(isinstance(v, (Node, Unconnected)) for v in shown) and shown:
                out = ListValue(shown, getattr(value, "span", None))
                return out
            return value
        if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
            shown = {k: self.display(v) for k, v in value.items()}
            if all(isinstance(v, (Node, Unconnected)) for v in shown.values()):
                return shown
        return value

    def display_nested(self, value):
        """A list of numbers or arrays inside a shown list, as one constant tensor."""
        try:
            array = np.asarray(self.output_value(value, None))
        except (GradcliError, ValueError, TypeError):
            return value
        if array.dtype.kind in "biuf":
            return self.graph.constant(array)
        return value

    # ----- names -----

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
            value = self.tensor(value)
        elif type(value) is int or type(value) is float:
            value = self.tensor(value, target.span)  # one literal node: `c = 2.0` is a tensor gradients can take
        self.assign_name(target.id, value, target.span, shown)

    def declare(self, name: A.Name, node: Node, again=False):
        if name.id in self.out.inputs and not again:
            first = self.out.inputs[name.id]
            raise fail("E0215", f"'{name.id}' is declared twice", name.span, labels=[Label(first.span, "first declared here")] if first.span else [], help=["give the second one another name"])
        self.out.inputs[name.id] = node
        self.assign_name(name.id, node, name.span, shown=False)

    # ----- statements -----

    def stmt_gen(self, stmt):
        kind = type(stmt)
        if kind is A.Assign:
            return self.assign_gen(stmt)
        if kind is A.ExprStatement:
            return self.expr_stmt_gen(stmt)
        if kind is A.Block:
            return getattr(self, f"{stmt.kind}_gen")(stmt)
        if kind is A.AugAssign:
            return self.aug_gen(stmt)
        if kind is A.Simple:
            return self.simple_gen(stmt)
        return self.plain_gen(stmt)

    def plain_gen(self, stmt):
        kind = type(stmt)
        if kind is A.Import:
            self.import_stmt(stmt)
        elif kind is A.Unsupported:
            raise self.unsupported(stmt)
        elif kind is A.Expect and self.in_function:
            raise fail("E0207", "expect belongs at the top of the file, not in a function", stmt.span)
        else:
            self.statement_plain(stmt)
        return None
        yield  # a generator

    def statement_plain(self, stmt):
        Resolver.statement(self, stmt)

    def unsupported(self, node):
        what = {"class": "classes", "try": "try/except", "yield": "generators (yield)", "async": "async code", "await": "await", "raise": "raise", "global": "global", "nonlocal": "nonlocal"}.get(node.what, node.what)
        return fail("E0218", f"{what} {'are' if what.endswith('s') and what != 'raise' else 'is'} not supported in pasted code", node.span, label=f"'{node.what}' here", help=[node.help] if node.help else [])

    def assign_gen(self, stmt: A.Assign):
        value = stmt.value
        if isinstance(value, A.Call) and not stmt.unpack and len(stmt.targets) == 1 and not stmt.more and isinstance(value.func, A.Name) and self.scope is self.globals:
            short = self.call_spelling(value.func)
            if short == "Variable":
                self.tf_variable(stmt.targets[0], value)
                return None
            if short == "placeholder":
                self.tf_placeholder(stmt.targets[0], value)
                return None
        result = yield self.eval_gen(value)
        for target in stmt.more:
            yield self.target_gen(target, result, stmt)
        if stmt.target is not None:
            yield self.target_gen(stmt.target, result, stmt)
        elif stmt.unpack:
            pieces = self.unpack(result, len(stmt.targets), stmt)
            for target, piece in zip(stmt.targets, pieces):
                self.bind(target, piece)
        else:
            self.bind(stmt.targets[0], result)
        return None

    def unpack(self, value, count, stmt):
        items = self.python_items(value)
        if items is not None:
            if len(items) != count:
                raise self.unpack_error(len(items), count, stmt, "a list of" if isinstance(value, (ListValue, list)) else "a tuple of" if isinstance(value, tuple) else "a value of")
            return items
        return Resolver.unpack(self, value, count, stmt)

    def python_items(self, value):
        """The items of a Python sequence (a list, tuple, dict's keys, range, array rows), else None."""
        if isinstance(value, ListValue) and not value.numeric:
            return list(value.items)
        if isinstance(value, ListValue):
            return list(value.items)
        if isinstance(value, (list, tuple, range)):
            return list(value)
        if isinstance(value, dict):
            return list(value.keys())
        if isinstance(value, np.ndarray):
            if value.ndim == 0:
                raise fail("E0208", "cannot iterate over a 0-d array", None)
            return list(value)
        if isinstance(value, str):
            return list(value)
        return None

    def target_gen(self, target, value, stmt):
        """Assign to a name, an index, a starred name or a nested tuple, with an explicit stack."""
        work = [(target, value)]
        while work:
            t, v = work.pop()
            kind = type(t)
            if kind is A.Name and "." not in t.id:
                self.bind(t, v)
            elif kind is A.ListExpr:
                stars = [i for i, item in enumerate(t.items) if type(item) is A.Starred]
                if stars:
                    items = self.python_items(v)
                    if items is None:
                        items = list(self.unpack(v, len(t.items) - 1, stmt)) if False else self.tensor_rows(v, t.span)
                    i = stars[0]
                    after = len(t.items) - i - 1
                    if len(items) < len(t.items) - 1:
                        raise self.unpack_error(len(items), len(t.items) - 1, stmt, "a list of")
                    head, middle, tail = items[:i], items[i:len(items) - after], items[len(items) - after:]
                    parts = head + [ListValue(list(middle), t.span)] + tail
                    for item, piece in zip(t.items, parts):
                        work.append((item.value if type(item) is A.Starred else item, piece))
                else:
                    pieces = self.unpack(v, len(t.items), _Fake(t, stmt))
                    for item, piece in zip(reversed(t.items), reversed(list(pieces))):
                        work.append((item, piece))
            elif kind is A.Index:
                container = yield self.eval_gen(t.value)
                keys = []
                for item in t.items:
                    if isinstance(item, A.Slice):
                        raise fail("E0113", "cannot assign to a slice", t.span, help=["build a new list or tensor instead"])
                    keys.append((yield self.eval_gen(item)))
                key = keys[0] if len(keys) == 1 else tuple(keys)
                self.set_item(container, key, v, t.span)
            else:
                raise fail("E0113", f"cannot assign to {_what(t)}", t.span, label="not a name", help=["the left side of '=' is a name, or names separated by commas"])
        return None

    def set_item(self, container, key, value, span):
        if isinstance(container, dict):
            container[self.hashable(key, span)] = value
            return
        if isinstance(container, ListValue):
            if not isinstance(key, int):
                key = self.python_int(key, span)
            try:
                container.items[key] = value
            except IndexError:
                raise fail("E0309", f"index {key} is out of range for a list of {len(container.items)}", span) from None
            return
        if isinstance(container, np.ndarray):
            container[key] = self.python_value(value, span)
            return
        raise fail("E0113", "item assignment works on lists and dicts; tensors cannot be changed in place", span, help=["use tf.tensor_scatter_nd_update, or build a new tensor"])

    def tensor_rows(self, value, span):
        tensor = self.tensor(value, span)
        if not tensor.shape or tensor.shape[0] is None:
            raise fail("E0208", "cannot unpack a tensor whose first dimension is unknown", span)
        return self.graph.call("unstack", (tensor,), {"num": tensor.shape[0], "axis": 0}, span)

    def aug_gen(self, stmt: A.AugAssign):
        current = yield self.eval_gen(stmt.target)
        value = yield self.eval_gen(stmt.value)
        fake = A.BinOp(stmt.op, stmt.target, stmt.value, stmt.span, stmt.op_span)
        if isinstance(current, ListValue) and stmt.op == "+" and not current.numeric:
            current.items.extend(self.python_items(value) or [value])
            result = current
        else:
            result = self.binop(fake, current, value)
        yield self.target_gen(stmt.target, result, stmt)
        return None

    def expr_stmt_gen(self, stmt: A.ExprStatement):
        e = stmt.expr
        if isinstance(e, A.Call) and isinstance(e.func, A.Name):
            head = e.func.id.split(".")[0]
            value = self.scope_get(head)
            if isinstance(value, Module) and value.prefix is None:
                self.warn_once(("skip", value.name), Diagnostic("W0211", f"skipped: {value.name} is not a module gradcli runs", stmt.span, label="skipped", notes=[f"imported at line {value.span.line}"] if value.span else [], help=["gradcli shows values itself"]))
                return None
        value = yield self.eval_gen(e)
        if self.in_function or value is None:
            return None
        if isinstance(e, A.Call):
            name = e.func.id.split(".")[-1] if isinstance(e.func, A.Name) else (e.func.attr if isinstance(e.func, A.Attribute) else "")
            if name in _EFFECT_METHODS:
                return None
        if isinstance(value, (Function, Builtin, BoundMethod, Module, Session, Tape, NoOpContext)):
            return None
        self.output(stmt, [value])
        return None

    def output(self, stmt, values):
        top = self.statement if self.statement is not None else stmt
        shown = [self.output_value(v, stmt.span) for v in values]
        line = stmt.span.line
        text = self.source.text.split("\n")[line - 1].strip() if self.source.text else ""
        if self.out_transcript:
            for prefix in (">>> ", "... "):
                text = text.removeprefix(prefix)
            import re

            text = re.sub(r"^In \[\d*\]: ?", "", text)
        self.out.outputs.append(Output(line, text, shown, stmt.span))

    def simple_gen(self, stmt: A.Simple):
        kind = stmt.kind
        if kind == "pass":
            return None
        if kind == "break" or kind == "continue":
            if not getattr(self, "loops", 0):
                raise fail("E0101", f"'{kind}' outside a loop", stmt.span, label="not in a loop")
            return BREAK if kind == "break" else CONTINUE
        if kind == "return":
            if not self.in_function:
                raise fail("E0101", "'return' outside a function", stmt.span, label="not in a function")
            value = None if stmt.value is None else (yield self.eval_gen(stmt.value))
            return Signal("return", value)
        if kind == "del":
            for target in stmt.value:
                if isinstance(target, A.Name):
                    scope = self.scope
                    value = scope.vars.get(target.id)
                    if value is None and target.id not in scope.vars:
                        raise self.unknown_name(target)
                    del scope.vars[target.id]
                    if scope is self.globals and target.id in self.shown_set:
                        self.shown_set.discard(target.id)
                        self.out.shown.remove(target.id)
            return None
        if kind == "assert":
            test = yield self.eval_gen(stmt.value)
            if not self.truth(test, stmt.value):
                message = ""
                if stmt.extra is not None:
                    message = self.python_str((yield self.eval_gen(stmt.extra)))
                raise fail("E0219", f"assertion failed{': ' + message if message else ''}", stmt.span, label="false here")
            return None
        raise AssertionError(kind)

    def block_gen(self, statements):
        for stmt in statements:
            signal = yield self.stmt_gen(stmt)
            if signal is not None:
                return signal
        return None

    def if_gen(self, stmt: A.Block):
        parts = stmt.parts
        for test, body in zip(parts["tests"], parts["bodies"]):
            value = yield self.eval_gen(test)
            if self.truth(value, test):
                return (yield self.block_gen(body))
        return (yield self.block_gen(parts["orelse"]))

    def count_iteration(self, stmt):
        self.iterations += 1
        if self.iterations > MAX_LOOP_ITERATIONS:
            raise fail("E0220", f"loops ran more than {MAX_LOOP_ITERATIONS:,} iterations in all", stmt.head, label="this loop", help=["gradcli unrolls loops into the graph: use fewer iterations"])

    def for_gen(self, stmt: A.Block):
        parts = stmt.parts
        iterable = yield self.eval_gen(parts["iter"])
        items = self.iterate(iterable, parts["iter"].span)
        self.loops = getattr(self, "loops", 0) + 1
        try:
            for item in items:
                self.count_iteration(stmt)
                yield self.target_gen(parts["target"], item, stmt)
                signal = yield self.block_gen(parts["body"])
                if signal is BREAK:
                    break
                if signal is CONTINUE or signal is None:
                    continue
                return signal
            else:
                signal = yield self.block_gen(parts["orelse"])
                if signal is not None:
                    return signal
        finally:
            self.loops -= 1
        return None

    def while_gen(self, stmt: A.Block):
        parts = stmt.parts
        self.loops = getattr(self, "loops", 0) + 1
        try:
            while True:
                test = yield self.eval_gen(parts["test"])
                if not self.truth(test, parts["test"]):
                    signal = yield self.block_gen(parts["orelse"])
                    return signal
                self.count_iteration(stmt)
                signal = yield self.block_gen(parts["body"])
                if signal is BREAK:
                    return None
                if signal is CONTINUE or signal is None:
                    continue
                return signal
        finally:
            self.loops -= 1

    def with_gen(self, stmt: A.Block):
        entered = []
        try:
            for expr, target in stmt.parts["items"]:
                manager = yield self.eval_gen(expr)
                value = self.enter(manager, expr.span)
                entered.append(manager)
                if target is not None:
                    yield self.target_gen(target, value, stmt)
            signal = yield self.block_gen(stmt.parts["body"])
        finally:
            for manager in reversed(entered):
                self.exit(manager)
        return signal

    def enter(self, manager, span):
        if isinstance(manager, Tape):
            manager.start()
            self.tapes.append(manager)
            return manager
        if isinstance(manager, StopRecording):
            manager.enter()
            return None
        if isinstance(manager, Session):
            self.default_session = manager
            return manager
        if isinstance(manager, NoOpContext):
            return manager.value
        raise fail("E0221", f"{self.type_name(manager)} cannot be used in a with statement", span, help=["with works on tf.GradientTape(), tape.stop_recording(), tf.Session() and the no-op scopes (tf.name_scope, tf.device)"])

    def exit(self, manager):
        if isinstance(manager, Tape):
            manager.stop()
            if manager in self.tapes:
                self.tapes.remove(manager)
        elif isinstance(manager, StopRecording):
            manager.exit()
        elif isinstance(manager, Session):
            manager.closed = True

    def def_gen(self, stmt: A.Block):
        parts = stmt.parts
        defaults = {}
        for param in parts["params"]:
            if param.default is not None:
                defaults[param.name] = yield self.eval_gen(param.default)
        fn = Function(parts["name"].id, parts["params"], defaults, parts["body"], self.scope, False, stmt.head)
        value = fn
        for decorator in reversed(parts["decorators"]):
            value = self.decorate(decorator.value, value)
        self.assign_name(parts["name"].id, value, parts["name"].span, shown=False)
        return None

    def decorate(self, expr, fn):
        target = expr.func if isinstance(expr, A.Call) else expr
        name = target.id if isinstance(target, A.Name) else ""
        short = namespaces.short_name(self.canonical(name)) if name else ""
        if short in ("function", "autograph.experimental.do_not_convert"):
            return fn
        if short == "custom_gradient":
            fn.custom_gradient = True
            return fn
        raise fail("E0222", f"the decorator '@{name or '...'}' is not supported", expr.span, help=["@tf.function and @tf.custom_gradient are; delete any other decorator"])

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

    # ----- conditions -----

    def truth(self, value, expr) -> bool:
        if isinstance(value, (bool, int, float, str, np.generic)) or value is None:
            return bool(value)
        if isinstance(value, (list, tuple, dict, range)):
            return bool(value)
        if isinstance(value, ListValue):
            return bool(value.items)
        if isinstance(value, np.ndarray):
            if value.size != 1:
                raise fail("E0223", "the truth value of an array with more than one element is ambiguous", expr.span, help=["use .any() or .all()"])
            return bool(value)
        if isinstance(value, Node):
            array = self.value_now(value, expr.span, condition=True)
            if array.size != 1:
                raise fail("E0223", f"a condition on a tensor of shape {list(array.shape)} is ambiguous", expr.span, help=["reduce it first: tf.reduce_all(...) or tf.reduce_any(...)"])
            return bool(array.reshape(()))
        if isinstance(value, Unconnected):
            return False
        return True

    # ----- expressions: a generator on the explicit stack -----

    def expr(self, root):
        return drive(self.eval_gen(root))

    def eval_gen(self, root):
        values = []
        stack = [(root, None)]
        while stack:
            node, done = stack.pop()
            if done is not None:
                n = done
                if n:
                    args = values[-n:]
                    del values[-n:]
                else:
                    args = []
                result = self.combine(node, args)
                if type(result) is Pending:
                    result = yield result.gen
                values.append(result)
                continue
            kind = type(node)
            if kind is A.Number:
                values.append(node.value)
                continue
            if kind is A.Name:
                values.append(self.lookup(node))
                continue
            if kind in _LAZY:
                values.append((yield getattr(self, _LAZY[kind])(node)))
                continue
            kids = _kids(node)
            if not kids:
                result = self.leaf(node)
                if type(result) is Pending:
                    result = yield result.gen
                values.append(result)
                continue
            stack.append((node, len(kids)))
            stack.extend((k, None) for k in reversed(kids))
        return values[0]

    def leaf(self, node):
        kind = type(node)
        if kind is A.String:
            return node.value
        if kind is A.Bool:
            return node.value
        if kind is A.NoneLit:
            return None
        if kind is A.EllipsisLit:
            return Ellipsis
        if kind is A.Unsupported:
            raise self.unsupported(node)
        if kind is A.Lambda:
            return Function("<lambda>", node.params, {}, node.body, self.scope, True, node.span)
        if kind is A.DictExpr:
            return {}
        if kind in (A.Call, A.ListExpr, A.Index):
            return self.combine(node, [])
        return Resolver.leaf(self, node)

    def combine(self, node, args):
        kind = type(node)
        if kind is A.ListExpr:
            if node.kind == "set":
                return set(self.hashable(a, node.span) for a in args)
            if any(type(item) is A.Starred for item in node.items):
                items = []
                for item, value in zip(node.items, args):
                    if type(item) is A.Starred:
                        items.extend(self.iterate(value, item.span))
                    else:
                        items.append(value)
                args = items
            numeric = bool(args) and all(_is_number(a) or (isinstance(a, ListValue) and a.numeric) for a in args)
            depth = 1 + max((a.depth for a in args if isinstance(a, ListValue)), default=0)
            if depth > 32:
                raise fail("E0306", "lists nested more than 32 deep", node.span, help=["a tensor of that rank is not what you meant"])
            return ListValue(list(args), node.span, numeric=numeric, depth=depth, kind=node.kind)
        if kind is A.DictExpr:
            out = {}
            i = 0
            for key in node.keys:
                if key is None:
                    out.update(args[i])
                    i += 1
                else:
                    out[self.hashable(args[i], key.span)] = args[i + 1]
                    i += 2
            return out
        if kind is A.Attribute:
            return self.get_attr(args[0], node.attr, node.span)
        if kind is A.Starred:
            return args[0]
        if kind is A.Call:
            return self.call_value(node, args)
        if kind is A.Not:
            return not self.truth(args[0], node.operand)
        if kind is A.Index:
            return self.index_value(node, args)
        if kind is A.BinOp:
            return self.binop(node, *args)
        if kind is A.UnaryOp:
            return self.unary(node, args[0])
        if kind is A.Compare:
            return self.compare(node, *args)
        return Resolver.combine(self, node, args)

    # lazily evaluated forms: and/or, a if c else b, comprehensions, f-strings
    def boolop_gen(self, node: A.BoolOp):
        left = yield self.eval_gen(node.left)
        truth = self.truth(left, node.left)
        if node.op == "and" and not truth or node.op == "or" and truth:
            return left
        return (yield self.eval_gen(node.right))

    def ifexp_gen(self, node: A.IfExp):
        cond = yield self.eval_gen(node.cond)
        return (yield self.eval_gen(node.body if self.truth(cond, node.cond) else node.orelse))

    def comprehension_gen(self, node: A.Comprehension):
        outer = self.scope
        self.scope = Scope({}, outer)
        results = []
        try:
            # nested generators as an explicit list of iterators
            gens = node.generators
            iterators = [None] * len(gens)
            first = yield self.eval_gen(gens[0][1])
            iterators[0] = iter(self.iterate(first, gens[0][1].span))
            level = 0
            while level >= 0:
                try:
                    item = next(iterators[level])
                except StopIteration:
                    level -= 1
                    continue
                self.count_iteration(_Head(node))
                target, _, conditions = gens[level]
                yield self.target_gen(target, item, node)
                ok = True
                for condition in conditions:
                    if not self.truth((yield self.eval_gen(condition)), condition):
                        ok = False
                        break
                if not ok:
                    continue
                if level + 1 < len(gens):
                    level += 1
                    values = yield self.eval_gen(gens[level][1])
                    iterators[level] = iter(self.iterate(values, gens[level][1].span))
                    continue
                if node.kind == "dict":
                    key = yield self.eval_gen(node.key)
                    results.append((key, (yield self.eval_gen(node.elt))))
                else:
                    results.append((yield self.eval_gen(node.elt)))
        finally:
            self.scope = outer
        if node.kind == "dict":
            return {self.hashable(k, node.span): v for k, v in results}
        if node.kind == "set":
            return set(self.hashable(v, node.span) for v in results)
        return ListValue(results, node.span, numeric=bool(results) and all(_is_number(a) for a in results))

    def fstring_gen(self, node: A.FString):
        from .fstrings import fields

        out = []
        for literal, field, conversion, spec, offset in fields(node.text):
            out.append(literal)
            if field is None:
                continue
            expr = self.parse_field(field, node, offset)
            value = yield self.eval_gen(expr)
            if spec and "{" in spec:  # a nested field: f"{x:{width}}"
                inner = spec.strip("{}")
                spec = str((yield self.eval_gen(self.parse_field(inner, node, offset))))
            out.append(self.format_value(value, spec or "", conversion, node.span))
        return "".join(out)

    def parse_field(self, text, node, offset):
        from .parse import parse
        from ..source import Source

        try:
            program = parse(Source(self.source.name, text.strip()))
        except GradcliError:
            raise fail("E0101", f"cannot read the f-string field {{{text}}}", node.span) from None
        if len(program.statements) != 1 or not isinstance(program.statements[0], A.ExprStatement):
            raise fail("E0101", f"cannot read the f-string field {{{text}}}", node.span)
        return _respan(program.statements[0].expr, node.span)

    # ----- calls -----

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
        if any(type(a) is A.Starred for a in node.args):
            expanded = []
            for a, v in zip(node.args, positional):
                if type(a) is A.Starred:
                    expanded.extend(self.iterate(v, a.span))
                else:
                    expanded.append(v)
            positional = expanded
        if type(callee) is Spelled:  # an op or TensorFlow/NumPy name
            return self.call_spelled(callee, node, positional, keywords, values)
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

    # ----- helpers -----

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
        return {int: "an int", float: "a float", str: "a string", bool: "a bool", dict: "a dict"}.get(type(value), f"a {type(value).__name__}")

    def hashable(self, value, span):
        if isinstance(value, ListValue):
            return tuple(self.hashable(v, span) for v in value.items)
        try:
            hash(value)
        except TypeError:
            raise fail("E0209", f"{self.type_name(value)} cannot be a dict key", span) from None
        return value


class _Fake:
    """A stand-in statement for unpacking messages about a nested target."""

    def __init__(self, target, stmt):
        self.targets = target.items
        self.value = getattr(stmt, "value", stmt)
        self.span = getattr(stmt, "span", target.span)


class _Head:
    def __init__(self, node):
        self.head = node.span


class _Silent(GradcliError):
    """A use of a name whose own statement failed: that error was reported already."""


def _silent():
    return _Silent()


def _is_number(value) -> bool:
    return type(value) in (int, float, bool) or (isinstance(value, np.generic) and not isinstance(value, np.bool_) and np.asarray(value).dtype.kind in "iuf")


def _what(node) -> str:
    return {A.Call: "the result of a call", A.Number: "a number", A.String: "a string", A.BinOp: "an arithmetic expression", A.Attribute: "an attribute", A.Name: "an attribute"}.get(type(node), "an expression")


_LAZY = {A.BoolOp: "boolop_gen", A.IfExp: "ifexp_gen", A.Comprehension: "comprehension_gen", A.FString: "fstring_gen"}


def _kids(node):
    kind = type(node)
    if kind is A.Call:
        kids = tuple(node.args) + tuple(k.value for k in node.kwargs)
        if not isinstance(node.func, A.Name):
            kids = (node.func,) + kids
        return tuple(k.value if type(k) is A.Starred else k for k in kids)
    if kind is A.Attribute or kind is A.Starred:
        return (node.value,)
    if kind is A.Not:
        return (node.operand,)
    if kind is A.DictExpr:
        kids = []
        for k, v in zip(node.keys, node.values):
            if k is not None:
                kids.append(k)
            kids.append(v)
        return tuple(kids)
    if kind is A.ListExpr:
        return tuple(k.value if type(k) is A.Starred else k for k in node.items)
    return _children(node)


def _bound_names(stmt) -> set:
    if isinstance(stmt, A.Assign):
        names = {t.id for t in stmt.targets}
        stack = [stmt.target] if stmt.target is not None else []
        stack.extend(stmt.more)
        while stack:
            t = stack.pop()
            if isinstance(t, A.Name):
                names.add(t.id)
            elif isinstance(t, A.ListExpr):
                stack.extend(t.items)
            elif isinstance(t, A.Starred):
                stack.append(t.value)
        return names
    if isinstance(stmt, (A.VarDecl, A.PlaceholderDecl)):
        return {stmt.name.id}
    if isinstance(stmt, A.Block):
        # a failed block: every name assigned inside it
        names = set()
        stack = [stmt]
        while stack:
            s = stack.pop()
            if isinstance(s, A.Block):
                if s.kind == "def":
                    names.add(s.parts["name"].id)
                    continue
                for key in ("bodies",):
                    for body in s.parts.get(key, []):
                        stack.extend(body)
                stack.extend(s.parts.get("body", []))
                stack.extend(s.parts.get("orelse", []))
                if s.kind == "with":
                    for _, target in s.parts["items"]:
                        if isinstance(target, A.Name):
                            names.add(target.id)
                if s.kind == "for" and isinstance(s.parts["target"], A.Name):
                    names.add(s.parts["target"].id)
            else:
                names |= _bound_names(s) if not isinstance(s, A.Block) else set()
        return names
    if isinstance(stmt, A.AugAssign) and isinstance(stmt.target, A.Name):
        return {stmt.target.id}
    return set()


def _respan(expr, span):
    """Give a parsed f-string field the span of its f-string (explicit stack)."""
    stack = [expr]
    seen = set()
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, A.Node):
            continue
        seen.add(id(node))
        if hasattr(node, "span"):
            try:
                node.span = span
            except AttributeError:
                pass
        for name in getattr(node, "__slots__", ()):
            child = getattr(node, name, None)
            if isinstance(child, A.Node):
                stack.append(child)
            elif isinstance(child, tuple):
                stack.extend(c for c in child if isinstance(c, A.Node))
    return expr


def imports_tensorflow(program):
    """The first `import tensorflow...` statement at the top level, or None."""
    for stmt in program.statements:
        if isinstance(stmt, A.Import) and any(m.split(".")[0] == "tensorflow" for m, _ in stmt.names):
            return stmt
    return None


def is_graph_code(program) -> bool:
    """TensorFlow 1 graph code: sessions, placeholders, initializers, compat.v1, or .grad declarations."""
    text = program.source.text
    if any(marker in text for marker in _GRAPH_MARKERS):
        return True
    return any(isinstance(s, (A.VarDecl, A.PlaceholderDecl)) for s in program.statements)
