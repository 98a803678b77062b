"""What resolution produces: the values a .grad program binds names to besides
tensors (lists, dtypes), and what it records (claims, gradient calls, derivatives)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.graph import Graph, Node
from ..source import Source, Span


@dataclass(eq=False)
class ListValue:
    """A list of values: `[x, y]`, gradients' result, unstack's pieces.

    `numeric` marks a literal of numbers only, which stands for one constant
    tensor wherever a tensor is expected (and when bound to a name).
    """

    items: list
    span: Span | None = None
    numeric: bool = False
    depth: int = 1
    kind: str = "list"  # or "tuple" (Python's tuple in pasted code)


@dataclass(frozen=True)
class DType:
    dtype: object  # np.dtype, or "float" for the run's default float
    span: Span | None = None


@dataclass(eq=False)
class Derivative:
    """What a gradient-valued result is the derivative of, for labels and JSON."""

    of: list[str]
    wrt: str
    kind: str = "gradient"  # or "hessian", "jacobian"

    @property
    def label(self) -> str:
        """∂cost/∂W, ∂(x*x)/∂x, ∂(a + b)/∂a, ∂²y/∂x² for a Hessian: the one spelling of a
        derivative that listings, reports and explanations show."""
        of = " + ".join(self.of) if self.of else "0"
        if len(self.of) > 1 or not _atomic(of):
            of = f"({of})"
        wrt = self.wrt if _atomic(self.wrt) else f"({self.wrt})"
        if self.kind == "hessian":
            return f"∂²{of}/∂{wrt}²"
        if self.kind == "jacobian":
            return f"∂{of}/∂{wrt} (jacobian)"
        return f"∂{of}/∂{wrt}"


def _atomic(text: str) -> bool:
    """A name (W, tf.x) or an indexed name (g[0]): shown without parentheses."""
    return text.replace("_", "a").replace(".", "a").isalnum() or (text.endswith("]") and "[" in text and " " not in text)


@dataclass(eq=False)
class Claim:
    """An `expect A == B` line."""

    lhs: Node
    rhs: Node
    text: str
    span: Span


@dataclass(eq=False)
class Resolved:
    graph: Graph
    source: Source
    bindings: dict = field(default_factory=dict)  # name -> newest value
    binding_spans: dict = field(default_factory=dict)  # name -> span of the newest binding
    shown: list = field(default_factory=list)  # names bound by = or unpacking, first-binding order
    fetches: list = field(default_factory=list)  # (name, span) from fetch statements
    inputs: dict = field(default_factory=dict)  # name -> placeholder or variable node (feedable)
    claims: list = field(default_factory=list)
    derivatives: dict = field(default_factory=dict)  # Node/Unconnected -> Derivative
    warnings: list = field(default_factory=list)
    stop_nodes: set = field(default_factory=set)  # stop_gradients tensors, held by finite differences
    gradient_calls: list = field(default_factory=list)  # (GradientCall) for check's finite differences
    outputs: list = field(default_factory=list)  # Output: what a pasted script prints or echoes, in order
    evaluated: bool = False  # the script evaluated tensors while it ran (sess.run, print, a condition)


@dataclass(eq=False)
class Output:
    """One thing a script shows: a print() call, a REPL echo or a bare expression's value.

    values: one entry per print() argument (an echo has one): str, Python
    number/bool/None, ndarray, nested list/tuple/dict of those, or an engine
    Unconnected (a None gradient, with its reason). render/outputs.py lays them out.
    """

    line: int  # the statement's 1-based line
    source: str  # the statement's text
    values: list
    span: Span | None = None
    echo: bool = False  # a REPL echo or bare expression: a string shows as its repr, as a REPL shows it


@dataclass(eq=False)
class GradientCall:
    ys: list
    xs: list
    grad_ys: list | None
    stop: list
    results: list
    span: Span
    kind: str = "gradient"  # or "hessian", "jacobian": check cross-checks each against finite differences
