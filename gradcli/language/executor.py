"""Pasted Python and TensorFlow code: statements, scopes, functions, loops, conditions.

The Interpreter extends the .grad Resolver. Statements and expressions run as
generators on one explicit stack (`drive`), never by Python recursion: a
block yields the generator of each statement, an expression yields the body
of a function it calls, and `drive` runs whatever is on top. So a
100,000-iteration loop or a 200-deep call chain uses no Python stack.
TensorFlow's objects (sessions, tapes, optimizers) are in tf_calls.

The Interpreter is assembled from mixins, one module each: exec_statements
(simple statements, assignment targets, outputs), exec_blocks (if, for,
while, with, def), exec_expressions (the expression generator, conditions,
comprehensions, f-strings), exec_calls (calls and user functions) and
exec_names (scopes, lookups, bindings, imports). This module runs a program.
"""
from __future__ import annotations

import numpy as np

from . import ast as A
from ..engine.gradients import Unconnected
from ..engine.graph import Graph, Node, gc_paused
from ..errors import Diagnostic, GradcliError
from .interpreter import Resolver
from .program import ListValue, Resolved
from .tf_calls import TFCalls
from .tf_runtime import drive, Scope, Session, Tape
from .exec_blocks import Blocks
from .exec_calls import Calls
from .exec_expressions import Expressions
from .exec_names import Names, _Silent
from .exec_statements import Statements

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
        if error.partial is None:  # raised past the statements (finish): every warning came first
            error.diagnostics[:0] = resolver.out.warnings
            error.partial = resolver.out
        for d in error.diagnostics:
            if d.source is None:
                d.source = program.source
        raise
    for d in resolver.out.warnings:
        d.source = d.source or program.source
    return resolver.out


class Interpreter(Statements, Blocks, Expressions, Calls, Names, TFCalls, Resolver):
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
        self.tf_names: dict[int, str] = {}  # graph-mode tensor (by id: the dict keeps no node alive) -> its TensorFlow op name (tf_names.py)
        self.tf_used: dict[str, int] = {}  # TensorFlow's unique_name counts, by lowercased name
        self.poisoned: set = set()
        self.statement = None  # the top-level statement running, for outputs
        self.in_function = 0
        self.noted: set = set()
        self.array_names: dict = {}  # id(ndarray) -> the first name bound to it
        self.literal_lists: dict = {}  # id(constant node) -> (node, the list literal it was bound from, scope, name)
        self.array_nodes: dict = {}  # id(ndarray) -> (the array, its constant node)

    # ----- running -----

    def run(self, statements) -> None:
        """Every statement in turn. A failed statement's names are poisoned and the run goes
        on, to report the errors that do not depend on it too; an error found evaluating
        (E03-E05) stops it. The error raised holds the warnings met, in order among the
        errors, and the run as `partial`, with only what was printed before the first error
        (the outputs Python would have shown: it stops there)."""
        reported = []  # warnings and errors, in the order the run met them
        met = 0  # how many of self.out.warnings are in `reported`
        kind = None  # the first error's class
        printed = 0  # how many outputs came before the first error
        for stmt in statements:
            self.statement = stmt
            try:
                drive(self.stmt_gen(stmt))
            except _Silent:
                self.poisoned.update(_bound_names(stmt))
                self.recover()
            except GradcliError as error:
                if kind is None:
                    kind, printed = type(error), len(self.out.outputs)
                reported += self.out.warnings[met:] + error.diagnostics
                met = len(self.out.warnings)
                if any(d.code.startswith(("E03", "E04", "E05")) for d in error.diagnostics):
                    raise self.stopped(kind, reported, printed) from None
                self.poisoned.update(_bound_names(stmt))
                self.recover()
        if kind is not None:
            raise self.stopped(kind, reported + self.out.warnings[met:], printed)
        self.finish()

    def stopped(self, kind, reported, printed) -> GradcliError:
        error = kind(*reported)
        del self.out.outputs[printed:]
        error.partial = self.out
        return error

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
