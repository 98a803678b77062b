"""tf.GradientTape as a view on the one gradient loop (engine/gradients.py).

A tape is two sets: the sources it watches (tape.watch, and trainable variables
read inside its block) and the op nodes it recorded. While a tape is active the
graph hands it every node it makes; the tape records a node when one of the
node's inputs is watched or recorded by it (TensorFlow records an op only when
it touches a watched tensor), unless the node is made inside stop_recording().
`gradient` runs gradients() restricted to the recorded nodes: any other node is
a constant to it. A gradient computed while an outer tape is active is built
from new nodes, which the outer tape records: that is how nested tapes give
second and third derivatives.
"""
from __future__ import annotations

import contextlib

from ..errors import fail
from ..source import Label, Span
from .dtypes import is_float
from .gradients import UNCONNECTED_CHOICES, Unconnected, connected, gradients, zeros_like_static
from .jacobians import batch_jacobian, jacobian
from .graph import Graph, Node
from .registry import LEAVES, PLACEHOLDER, VARIABLE


class Tape:
    """One tf.GradientTape over `graph`."""

    def __init__(self, graph: Graph, persistent: bool = False, watch_accessed_variables: bool = True):
        self.graph = graph
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self.watched: dict[Node, None] = {}  # an ordered set: watched_variables() keeps watch order
        self.recorded: set[Node] = set()
        self._tracked: set[Node] = set()  # watched | recorded: what makes a new node recorded
        self._paused = 0  # depth of stop_recording blocks
        self._paused_nodes: dict[Node, str | None] = {}  # nodes made while paused that would otherwise be recorded -> why, in words
        self._paused_why: list[str | None] = []  # one entry per open pause: None for stop_recording()
        self.active = False
        self.started_at: int | None = None  # Node ids: what was made before the tape started, or after it stopped
        self.stopped_at: int | None = None
        self.used_at: Span | None = None  # the first gradient/jacobian call's span
        self.used = False

    # ----- recording -----

    def start(self) -> "Tape":
        if not self.active:
            self.active = True
            self.graph.tapes.append(self)
            self.started_at = _next_id()
            self.stopped_at = None
        return self

    def stop(self) -> None:
        if self.active:
            self.active = False
            self.graph.tapes.remove(self)
            self.stopped_at = _next_id()

    def __enter__(self) -> "Tape":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def record(self, node: Node) -> None:
        """Called by the graph for each node it makes while this tape is active."""
        if node.op in LEAVES:
            return
        tracked = self._tracked
        for i in node.inputs:
            if i in tracked:
                if self._paused:
                    self._paused_nodes[node] = self._paused_why[-1] if self._paused_why else None
                else:
                    self.recorded.add(node)
                    tracked.add(node)
                return

    def watch(self, node: Node) -> None:
        """Watch a tensor (tape.watch, and lang's reads of trainable variables): ops on it
        made from now on are recorded, and it may be a source. Integer tensors are not
        watched (TensorFlow warns and ignores them)."""
        if isinstance(node, Node) and is_float(node.dtype):
            self.watched[node] = None
            self._tracked.add(node)

    def watched_variables(self) -> list[Node]:
        """The variables this tape watches, in the order it first watched them."""
        return [n for n in self.watched if n.op is VARIABLE]

    def reset(self) -> None:
        """Forget everything recorded and watched (tape.reset()); the tape can be used again."""
        self.watched.clear()
        self.recorded.clear()
        self._tracked.clear()
        self._paused_nodes.clear()
        self.used = False
        self.used_at = None
        if self.active:
            self.started_at = _next_id()

    def variable_read(self, node: Node) -> None:
        """A variable read inside the block: watched when this tape watches accessed
        variables and the variable is trainable."""
        if self.active and self.watch_accessed_variables and node not in self.graph.non_trainable:
            self.watch(node)

    @contextlib.contextmanager
    def stop_recording(self):
        """Nodes made inside are not recorded (tape.stop_recording())."""
        self._paused += 1
        self._paused_why.append(None)
        try:
            yield self
        finally:
            self._paused -= 1
            self._paused_why.pop()

    # ----- gradients -----

    def gradient(self, targets, sources, output_gradients=None, unconnected="none", span: Span | None = None, variables=None) -> list:
        """One entry per source: d(sum of targets)/d source through the recorded ops, as a
        Node, or an Unconnected with the reason in words (zeros with unconnected="zero").
        `variables`, one entry per source or None: the variable a source is the current value
        of (a pasted script's variable after an assign), for the reason's words."""
        self._use(span, "gradient")
        targets, sources = list(targets), list(sources)
        unconnected = _unconnected_choice(unconnected, span)
        connected_sources = [x for x in sources if x in self._tracked]
        recorded = frozenset(self.recorded)
        results = gradients(targets, connected_sources, grad_ys=output_gradients, unconnected_gradients=unconnected, span=span, recorded=recorded) if connected_sources or output_gradients is not None else []
        by_source = dict(zip(connected_sources, results))
        variables = list(variables) if variables is not None else [None] * len(sources)
        out = []
        for x, variable in zip(sources, variables):
            if x in by_source:
                r = by_source[x]
                if isinstance(r, Unconnected) and r._reason is None:
                    r._reason = self._paused_reason(targets, x)
                out.append(r)
            elif unconnected == "zero":
                out.append(zeros_like_static(x))
            else:
                out.append(Unconnected(x, tuple(targets), _reason=self.why_not_watched(x, variable)))
        return out

    def jacobian(self, target: Node, sources, unconnected="none", span: Span | None = None):
        """tape.jacobian: d target / d source of shape target.shape + source.shape for each
        source (a list for a list). An unconnected source gives Unconnected (zeros with
        unconnected="zero"), as TensorFlow's None."""
        return self._jacobians(target, sources, unconnected, span, "jacobian", jacobian)

    def batch_jacobian(self, target: Node, source, unconnected="none", span: Span | None = None):
        """tape.batch_jacobian: shape target.shape + source.shape[1:]."""
        return self._jacobians(target, source, unconnected, span, "batch_jacobian", batch_jacobian)

    def _jacobians(self, target, sources, unconnected, span, what, build):
        self._use(span, what)
        unconnected = _unconnected_choice(unconnected, span)
        single = isinstance(sources, Node)
        sources = [sources] if single else list(sources)
        recorded = frozenset(self.recorded)
        out = []
        for x in sources:
            if x not in self._tracked:
                reason = self.why_not_watched(x)
            elif not connected([target], x, recorded=recorded):
                reason = self._paused_reason([target], x)
            else:
                out.append(build(target, x, span, recorded))
                continue
            if unconnected == "zero":
                out.append(build(target, x, span, recorded))  # zeros of the right shape
            else:
                out.append(Unconnected(x, (target,), recorded=recorded, _reason=reason))
        return out[0] if single else out

    def _use(self, span, what):
        if self.used and not self.persistent:
            labels = [Label(self.used_at, "first used here")] if self.used_at is not None else []
            raise fail(
                "E0510",
                f"a non-persistent GradientTape can compute only one set of gradients, and this {what}() call is its second",
                span,
                label="second use",
                labels=labels,
                notes=["TensorFlow raises RuntimeError here: the tape releases its records after the first call"],
                help=["create the tape with tf.GradientTape(persistent=True) to call it more than once, or use one tape per call"],
            )
        if not self.used:
            self.used_at = span
        self.used = True

    # ----- why a source gets no gradient -----

    def why_not_watched(self, x: Node, variable: Node | None = None) -> str:
        """The reason, in words, that a source this tape does not track gets None
        (`variable`: the variable x is the current value of, if not x itself)."""
        name = (variable or x).describe()
        if not is_float(x.dtype):
            kind = "int32" if x.weak else x.dtype.name
            return f"{name} is an {kind} tensor, and integer tensors are constants for gradients"
        if x in self.graph.non_trainable or variable in self.graph.non_trainable:
            return f"{name} is a non-trainable variable"
        if x.op is VARIABLE or variable is not None:
            if not self.watch_accessed_variables:
                return f"{name} is a variable this tape does not watch (watch_accessed_variables=False): call tape.watch({name})"
            return f"{name} is a variable this tape never read: it is watched once read inside the tape's block, or call tape.watch({name})"
        if x.op in LEAVES or constant_expression(x):
            return f"{name} is a constant this tape does not watch: call tape.watch({name})"
        if x in self._paused_nodes:
            why = self._paused_nodes[x]
            return f"{name} {why}" if why else f"{name} was computed inside tape.stop_recording(), so the tape did not record it"
        if self.started_at is not None and (x.id < self.started_at or (self.stopped_at is not None and x.id >= self.stopped_at)):
            return f"{name} was computed outside the tape"
        return f"{name} was computed inside the tape only from tensors it does not watch: call tape.watch() on its inputs"


    def _paused_reason(self, targets, x: Node) -> str | None:
        """For a tracked source cut off from the targets: the words of the pause that cut
        it (a NumPy call inside the block), when a node made in one lies between them;
        None leaves the reason to the gradient loop's why_none."""
        if not any(self._paused_nodes.values()):
            return None
        seen, stack = set(), list(targets)
        while stack:
            node = stack.pop()
            if node in seen or node is x:
                continue
            seen.add(node)
            why = self._paused_nodes.get(node)
            if why and connected([node], x):
                return f"{node.describe()} {why}"
            stack.extend(node.inputs)
        return None


@contextlib.contextmanager
def paused(graph: Graph, why: str | None = None):
    """No active tape records the nodes made inside (the body of a @tf.custom_gradient
    function, a NumPy call on a tensor inside a tape block). `why`: the words a None
    gradient cut here gives after the node's name ("was computed by NumPy ...")."""
    tapes = list(graph.tapes)
    for tape in tapes:
        tape._paused += 1
        tape._paused_why.append(why)
    try:
        yield
    finally:
        for tape in tapes:
            tape._paused -= 1
            tape._paused_why.pop()


def constant_expression(x: Node) -> bool:
    """Whether x is computed from constants alone (tf.constant(2.0) cast to float32, a
    random tensor, a NumPy array turned tensor): no variable or placeholder among its
    ancestors, so eager TensorFlow would hold it as a plain constant."""
    seen, stack = set(), [x]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.op is VARIABLE or node.op is PLACEHOLDER:
            return False
        stack.extend(node.inputs)
    return True


def active_tapes(graph: Graph) -> list[Tape]:
    """The tapes recording now, outermost first."""
    return list(graph.tapes)


def variable_read(graph: Graph, node: Node) -> None:
    """A variable read: every active tape that watches accessed variables watches it."""
    for tape in graph.tapes:
        tape.variable_read(node)


def _unconnected_choice(value, span) -> str:
    text = str(value).lower()
    if text.startswith("unconnectedgradients."):
        text = text.split(".", 1)[1]
    if text not in UNCONNECTED_CHOICES:
        raise fail("E0504", f"unknown value '{value}' for unconnected_gradients", span, help=['use "none" or "zero" (tf.UnconnectedGradients.NONE or .ZERO)'])
    return text


def _next_id() -> int:
    """An id between the nodes made before now (smaller) and those made after (larger)."""
    from . import graph as graph_module

    return next(graph_module._ids)
