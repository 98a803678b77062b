"""Compound statements: blocks, if, for, while, with (tapes, sessions), def and decorators."""
from __future__ import annotations

from . import ast as A
from . import spellings as namespaces
from ..errors import fail
from .tf_runtime import BREAK, CONTINUE, Function, NoOpContext, Session, StopRecording, Tape

MAX_LOOP_ITERATIONS = 100_000


class Blocks:
    """A mixin of gradcli.language.executor.Interpreter (see this module's docstring)."""

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
