"""What resolution produces: the values a .grad program binds names to besides
tensors (lists, dtypes), and what it records (claims, gradient calls, derivatives)."""
from __future__ import annotations

from ..engine.graph import Graph, Node
from ..source import Source, Span


class ListValue:
    """A list of values: `[x, y]`, gradients' result, unstack's pieces.

    `numeric` marks a literal of numbers only, which stands for one constant
    tensor wherever a tensor is expected (and when bound to a name). `kind` is
    "list", or "tuple" (Python's tuple in pasted code).
    """

    __slots__ = ("items", "span", "numeric", "depth", "kind")

    def __init__(self, items: list, span: Span | None = None, numeric: bool = False, depth: int = 1, kind: str = "list"):
        self.items = items
        self.span = span
        self.numeric = numeric
        self.depth = depth
        self.kind = kind

    def __repr__(self):
        return f"ListValue(items={self.items!r}, span={self.span!r}, numeric={self.numeric!r}, depth={self.depth!r}, kind={self.kind!r})"


class DType:
    """A dtype value (tf.float32, np.int64, float): np.dtype, or "float" for the run's
    default float. Immutable, compared and hashed by value."""

    __slots__ = ("dtype", "span")

    def __init__(self, dtype: object, span: Span | None = None):
        object.__setattr__(self, "dtype", dtype)
        object.__setattr__(self, "span", span)

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot assign to field {name!r} of a DType")

    def __eq__(self, other):
        return (self.dtype, self.span) == (other.dtype, other.span) if other.__class__ is self.__class__ else NotImplemented

    def __hash__(self):
        return hash((self.dtype, self.span))

    def __repr__(self):
        return f"DType(dtype={self.dtype!r}, span={self.span!r})"


class Derivative:
    """What a gradient-valued result is the derivative of, for labels and JSON.
    `kind`: "gradient", "hessian" or "jacobian"."""

    __slots__ = ("of", "wrt", "kind")

    def __init__(self, of: list[str], wrt: str, kind: str = "gradient"):
        self.of = of
        self.wrt = wrt
        self.kind = kind

    def __repr__(self):
        return f"Derivative(of={self.of!r}, wrt={self.wrt!r}, kind={self.kind!r})"

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


class Claim:
    """An `expect A == B` line; `label` names it in check's report when its line is of no
    file (check -e's claims: "claim 1"), else None."""

    __slots__ = ("lhs", "rhs", "text", "span", "label")

    def __init__(self, lhs: Node, rhs: Node, text: str, span: Span, label: str | None = None):
        self.lhs = lhs
        self.rhs = rhs
        self.text = text
        self.span = span
        self.label = label

    def __repr__(self):
        return f"Claim(lhs={self.lhs!r}, rhs={self.rhs!r}, text={self.text!r}, span={self.span!r}, label={self.label!r})"


class Resolved:
    """What running a program gives: its graph and what it bound, declared, claimed and showed.
    (A plain class, not a dataclass: this module loads on every run; gradcli.source.Span.)"""

    __slots__ = ("graph", "source", "bindings", "binding_spans", "shown", "fetches", "inputs", "claims", "derivatives",
                 "warnings", "stop_nodes", "gradient_calls", "outputs", "evaluated")

    def __init__(self, graph: Graph, source: Source):
        self.graph = graph
        self.source = source
        self.bindings: dict = {}  # name -> newest value
        self.binding_spans: dict = {}  # name -> span of the newest binding
        self.shown: list = []  # names bound by = or unpacking, first-binding order
        self.fetches: list = []  # (name, span) from fetch statements
        self.inputs: dict = {}  # name -> placeholder or variable node (feedable)
        self.claims: list = []
        self.derivatives: dict = {}  # Node/Unconnected -> Derivative
        self.warnings: list = []
        self.stop_nodes: set = set()  # stop_gradients tensors, held by finite differences
        self.gradient_calls: list = []  # (GradientCall) for check's finite differences
        self.outputs: list = []  # Output: what a pasted script prints or echoes, in order
        self.evaluated = False  # the script evaluated tensors while it ran (sess.run, print, a condition)


class Output:
    """One thing a script shows: a print() call, a REPL echo or a bare expression's value.

    values: one entry per print() argument (an echo has one): str, Python
    number/bool/None, ndarray, nested list/tuple/dict of those, or an engine
    Unconnected (a None gradient, with its reason). render/outputs.py lays them out.
    """

    __slots__ = ("line", "source", "values", "span", "echo")

    def __init__(self, line: int, source: str, values: list, span: Span | None = None, echo: bool = False):
        self.line = line  # the statement's 1-based line
        self.source = source  # the statement's text
        self.values = values
        self.span = span
        self.echo = echo  # a REPL echo or bare expression: a string shows as its repr, as a REPL shows it

    def __repr__(self):
        return f"Output(line={self.line!r}, source={self.source!r}, values={self.values!r}, span={self.span!r}, echo={self.echo!r})"


class GradientCall:
    """A gradients/hessians/jacobian call the program made; check cross-checks each
    against finite differences. `kind`: "gradient", "hessian" or "jacobian"."""

    __slots__ = ("ys", "xs", "grad_ys", "stop", "results", "span", "kind")

    def __init__(self, ys: list, xs: list, grad_ys: list | None, stop: list, results: list, span: Span, kind: str = "gradient"):
        self.ys = ys
        self.xs = xs
        self.grad_ys = grad_ys
        self.stop = stop
        self.results = results
        self.span = span
        self.kind = kind

    def __repr__(self):
        return f"GradientCall(ys={self.ys!r}, xs={self.xs!r}, grad_ys={self.grad_ys!r}, stop={self.stop!r}, results={self.results!r}, span={self.span!r}, kind={self.kind!r})"
