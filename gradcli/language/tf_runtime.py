"""TensorFlow and Python runtime objects of pasted code, as plain Python objects:
functions, modules, sessions, gradient tapes, optimizers, update ops.

The interpreter (gradcli.language.executor) makes and uses them; nothing here
evaluates a graph or reads the syntax tree beyond holding it.
"""
from __future__ import annotations

from ..engine.tape import Tape as EngineTape


class Spelled(str):
    """A TensorFlow/NumPy/op name not yet called (`tf.reduce_sum`), as opposed to a string value."""

    __slots__ = ()


class Function:
    """A def or a lambda: parameters, body, and the scope it was made in (a closure)."""

    __slots__ = ("name", "params", "defaults", "body", "scope", "is_lambda", "span", "custom_gradient")

    def __init__(self, name, params, defaults, body, scope, is_lambda, span):
        self.name = name
        self.params = params  # ast.Param tuple
        self.defaults = defaults  # name -> value, evaluated at the def
        self.body = body  # statements, or the lambda's expression
        self.scope = scope
        self.is_lambda = is_lambda
        self.span = span
        self.custom_gradient = False


class Scope:
    """One function call's local names (or the module's), and the scope around it."""

    __slots__ = ("vars", "parent")

    def __init__(self, vars: dict, parent: "Scope | None"):
        self.vars = vars
        self.parent = parent


class Module:
    """An imported module: tensorflow (prefix "tf"), numpy ("np"), math, or another one."""

    __slots__ = ("prefix", "name", "span")

    def __init__(self, prefix: str | None, name: str, span):
        self.prefix = prefix  # None for a module gradcli does not know
        self.name = name
        self.span = span


class Builtin:
    """A Python builtin or a TensorFlow/NumPy runtime function, by its canonical name."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class BoundMethod:
    """`obj.method` before it is called."""

    __slots__ = ("obj", "name")

    def __init__(self, obj, name: str):
        self.obj = obj
        self.name = name


class Initializer:
    """What tf.global_variables_initializer() and friends return: running it does nothing visible."""

    __slots__ = ("span",)

    def __init__(self, span=None):
        self.span = span


class NoOpContext:
    """tf.name_scope, tf.device, tf.control_dependencies, Graph().as_default(): `with` does nothing."""

    __slots__ = ("value",)

    def __init__(self, value=None):
        self.value = value


class UpdateOp:
    """A graph-mode assign: running it sets the variable's value for later runs."""

    __slots__ = ("variable", "value", "span", "tf_name")

    def __init__(self, variable, value, span, tf_name="Assign"):
        self.variable = variable
        self.value = value
        self.span = span
        self.tf_name = tf_name  # the op's TensorFlow name, for print() (tf_names.py)


class Session:
    """tf.Session / InteractiveSession: variable values set by update ops, and closing."""

    __slots__ = ("state", "closed", "span")

    def __init__(self, span):
        self.state = {}  # variable node -> ndarray set by an update op
        self.closed = False
        self.span = span


class Optimizer:
    """Any tf.train / tf.optimizers optimizer: only compute_gradients is supported."""

    __slots__ = ("name", "span")

    def __init__(self, name, span):
        self.name = name
        self.span = span


class Tape:
    """tf.GradientTape as the script sees it: a thin wrapper over the engine's tape
    (gradcli.engine.tape.Tape), where every tape semantic lives (recording, watching,
    stop_recording, reuse, the reasons for None). This object adds only the span of
    the tf.GradientTape() call."""

    __slots__ = ("engine", "span")

    def __init__(self, graph, persistent, watch_accessed, span):
        self.engine = EngineTape(graph, persistent=persistent, watch_accessed_variables=watch_accessed)
        self.span = span

    @property
    def active(self) -> bool:
        return self.engine.active

    @property
    def persistent(self) -> bool:
        return self.engine.persistent

    @property
    def watch_accessed(self) -> bool:
        return self.engine.watch_accessed_variables

    def start(self):
        self.engine.start()

    def stop(self):
        self.engine.stop()


class StopRecording:
    """`with tape.stop_recording():` (the engine tape's stop_recording context)."""

    __slots__ = ("tape", "context")

    def __init__(self, tape):
        self.tape = tape
        self.context = None

    def enter(self):
        self.context = self.tape.engine.stop_recording()
        self.context.__enter__()

    def exit(self):
        if self.context is not None:
            context, self.context = self.context, None
            context.__exit__(None, None, None)


class Signal:
    """break, continue, or return (with a value), passed up from a block."""

    __slots__ = ("kind", "value")

    def __init__(self, kind, value=None):
        self.kind = kind
        self.value = value


BREAK = Signal("break")
CONTINUE = Signal("continue")

class Pending:
    """A call whose work is a generator (a user function's body): `drive` runs it."""

    __slots__ = ("gen",)

    def __init__(self, gen):
        self.gen = gen


def drive(gen):
    """Run a statement or expression generator and everything it yields, on one explicit stack."""
    stack = [gen]
    send = None
    while True:
        try:
            request = stack[-1].send(send)
        except StopIteration as stop:
            stack.pop()
            send = stop.value
            if not stack:
                return send
            continue
        stack.append(request)
        send = None


