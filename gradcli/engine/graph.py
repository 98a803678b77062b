"""The computation graph: nodes, static shapes and dtypes, and the builder.

A Node is one op applied to input nodes with static attributes. Nodes are
created only after their inputs, so creation order (`Node.id`) is a
topological order: evaluation and reverse accumulation sort by id instead of
walking the graph recursively, which is what lets a 100,000-node chain work.

Shapes are tuples whose entries are ints or None (unknown until evaluation);
a shape of None means even the rank is unknown.
"""
from __future__ import annotations

import contextlib
import gc
import itertools

import numpy as np

from ..errors import fail
from ..source import Label
from . import registry
from .dtypes import DTYPES, FLOATS, broadcast_shapes, dtype_name, is_float, shape_mismatch, shape_str, static_size  # noqa: F401  (re-exported for the ops)

_ids = itertools.count()


class Node:
    """One tensor of the graph: `op` applied to `inputs` with static `attrs`.

    Nodes compare and hash by identity. The arithmetic operators build new
    nodes, so gradient rules read like the maths (`g * cos(x)`).
    """

    __slots__ = ("id", "op", "inputs", "attrs", "shape", "dtype", "weak", "span", "name", "graph")

    def __init__(self, graph, op, inputs, attrs, shape, dtype, weak=False, span=None):
        self.id = next(_ids)
        self.graph = graph
        self.op = op
        self.inputs = inputs
        self.attrs = attrs
        self.shape = shape
        self.dtype = dtype
        self.weak = weak
        self.span = span
        self.name = None  # the first name the program bound it to, for messages

    def __repr__(self):
        label = self.name or self.op.name
        return f"<{label} #{self.id} {dtype_name(self.dtype)}{shape_str(self.shape)}>"

    @property
    def rank(self) -> int | None:
        return None if self.shape is None else len(self.shape)

    def describe(self) -> str:
        """How messages name this node: its bound name, or `op() at line:col`."""
        if self.name:
            return self.name
        where = f" at {self.span.line}:{self.span.column}" if self.span else ""
        return f"{self.op.name}(){where}"

    # Arithmetic for gradient rules; Python numbers become constants of this dtype.
    def __add__(self, other):
        return apply("add", self, other)

    def __radd__(self, other):
        return apply("add", other, self)

    def __sub__(self, other):
        return apply("subtract", self, other)

    def __rsub__(self, other):
        return apply("subtract", other, self)

    def __mul__(self, other):
        return apply("multiply", self, other)

    def __rmul__(self, other):
        return apply("multiply", other, self)

    def __truediv__(self, other):
        return apply("divide", self, other)

    def __rtruediv__(self, other):
        return apply("divide", other, self)

    def __pow__(self, other):
        return apply("pow", self, other)

    def __neg__(self):
        return apply("negative", self)

    def __matmul__(self, other):
        return apply("matmul", self, other)

    def __gt__(self, other):
        return apply("greater", self, other)

    def __ge__(self, other):
        return apply("greater_equal", self, other)

    def __lt__(self, other):
        return apply("less", self, other)

    def __le__(self, other):
        return apply("less_equal", self, other)

    __hash__ = object.__hash__


class Graph:
    """Owns the run's settings that building needs, and every node made."""

    def __init__(self, float_dtype="float64", max_elements: int = 100_000_000):
        self.float_dtype = np.dtype(float_dtype)
        self.max_elements = max_elements
        self.random_ops = 0  # each random op gets its own stream of the run's seed
        self.tapes: list = []  # the active GradientTapes (engine/tape.py), innermost last
        self.non_trainable: set = set()  # variables a tape never watches (tf.Variable(trainable=False))

    def constant(self, value, dtype=None, weak=False, span=None) -> Node:
        array = np.asarray(value, dtype=dtype)
        if dtype is None and not isinstance(value, np.ndarray):  # a Python number or list
            if array.dtype.kind == "f":
                array = array.astype(np.float64 if weak else self.float_dtype)
            elif array.dtype.kind in "iu":
                array = array.astype(np.int64 if weak else np.int32)
        self._check_size(array.shape, span)
        return Node(self, registry.CONSTANT, (), {"value": array}, array.shape, array.dtype, weak, span)

    def placeholder(self, name, dtype, shape, default: Node | None = None, span=None) -> Node:
        inputs = (default,) if default is not None else ()
        node = Node(self, registry.PLACEHOLDER, inputs, {}, shape, np.dtype(dtype), False, span)
        node.name = name
        return node

    def variable(self, name, initial: Node, dtype, shape, span=None, trainable=True) -> Node:
        node = Node(self, registry.VARIABLE, (initial,), {}, shape, np.dtype(dtype), False, span)
        node.name = name
        if not trainable:
            self.non_trainable.add(node)
        return node

    def apply(self, op, inputs, attrs=None, span=None) -> Node:
        """Make a node of `op` (an OpDef or its name), checking shapes and dtypes now."""
        if isinstance(op, str):
            op = registry.NAMES[op]
        attrs = attrs or {}
        if "dtype" in attrs or op.default_float:
            # a callable default_float decides from the other attrs (range: float bounds)
            default = op.default_float(attrs) if callable(op.default_float) else op.default_float
            attrs = {**attrs, "dtype": self.dtype_attr(attrs.get("dtype"), default)}
        inputs = tuple(inputs) if all(isinstance(x, Node) for x in inputs) else tuple(self.lift(x, inputs) for x in inputs)
        if op.bool_attrs:
            _check_bool_attrs(op, attrs, span)
        if op.promote:
            # promote=True: every input shares one dtype; promote=k: inputs from k on
            first = 0 if op.promote is True else op.promote
            if inputs[first:]:
                inputs = inputs[:first] + promote(inputs[first:], span)
        if op.needs_float and inputs and (inputs[0].weak or len(inputs) > 1) and any(x.weak and x.dtype.kind in "iub" for x in inputs):
            # a weak integer meeting a float op is a float before the forward runs: softplus(2) is 2.127
            inputs = tuple(cast_weak(x, np.float64, weak=True) if x.weak and x.dtype.kind in "iub" else x for x in inputs)
        if inputs and inputs[0].weak and op.name in _EXACT and all(x.weak and x.op is registry.CONSTANT and x.dtype.kind in "iu" for x in inputs):
            return self._exact_integers(op, inputs, span)
        shape, dtype = op.infer(inputs, attrs, span)
        # literal-only arithmetic stays weak; a comparison's bool never is; a constant is a
        # tensor (tf.constant(0.1) is the run's float, as in TensorFlow), and so is a cast
        weak = bool(inputs) and all(x.weak for x in inputs) and np.dtype(dtype).kind in "if" and not (op.name == "constant" or (op.name in _STRONG_WITH_DTYPE and attrs.get("dtype") is not None))
        self._check_size(shape, span)
        if op.random:
            attrs = {**attrs, "stream": self.random_ops}
            self.random_ops += 1
        node = Node(self, op, inputs, attrs, shape, np.dtype(dtype), weak, span)
        if self.tapes:  # every active tape decides whether it records the new node
            for tape in self.tapes:
                tape.record(node)
        return node

    def custom_gradient(self, output: Node, inputs, grad_fn, span=None) -> Node:
        """`output`'s value, whose gradient with respect to each of `inputs` is what
        grad_fn([upstream]) returns (a list of Node|None, one per input), built while
        the gradient graph is built (@tf.custom_gradient). The ops that computed
        output are not differentiated through."""
        return self.apply("custom_gradient", (output, *inputs), {"grad_fn": grad_fn}, span)

    def literal(self, value, span=None) -> Node:
        """A number written in the source: a weak scalar constant (the resolver's hot path)."""
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise fail("E0317", f"the integer {value} does not fit in 64 bits", span, help=["write it as a float (with a decimal point) if you mean a large number"])
        array = np.array(value, dtype=np.float64 if isinstance(value, float) else np.int64)
        return Node(self, registry.CONSTANT, (), {"value": array}, (), array.dtype, True, span)

    def _exact_integers(self, op, inputs, span) -> Node:
        """Literal-only integer arithmetic, exactly as Python computes it (2 ** 100 does not
        wrap): the result is a literal again, or E0317 when it does not fit in 64 bits."""
        values = [x.attrs["value"].astype(object) for x in inputs]
        try:
            with np.errstate(all="raise"):
                result = np.asarray(_EXACT[op.name](*values), dtype=object)
        except ZeroDivisionError:
            what = "0 to a negative power" if op.name == "pow" else "integer division by zero" if op.name == "floordiv" else "integer modulo by zero"
            raise fail("E0318", what, span, notes=["Python raises ZeroDivisionError here; TensorFlow's integer kernels raise InvalidArgumentError"]) from None
        except OverflowError:
            raise fail("E0317", f"{op.name}() of integer literals gives a result that does not fit in 64 bits", span, help=["write one operand as a float (with a decimal point) if you mean a large number"]) from None
        flat = [v for v in result.reshape(-1)]
        if any(isinstance(v, float) for v in flat):  # 2 ** -1 == 0.5, as in Python
            array = np.array(result.tolist(), dtype=np.float64).reshape(result.shape)
        else:
            big = next((v for v in flat if not -(2**63) <= v < 2**63), None)
            if big is not None:
                digits = str(big)
                shown = digits if len(digits) <= 30 else f"{digits[:12]}…{digits[-6:]} ({len(digits)} digits)"
                raise fail("E0317", f"{op.name}() of integer literals gives {shown}, which does not fit in 64 bits", span, help=["write one operand as a float (with a decimal point) if you mean a large number"])
            array = np.array(result.tolist(), dtype=np.int64).reshape(result.shape)
        self._check_size(array.shape, span)
        return Node(self, registry.CONSTANT, (), {"value": array}, array.shape, array.dtype, True, span)

    def call(self, op, inputs, attrs=None, span=None):
        """`apply`, or for a list-valued op (unstack, split) the list of nodes it builds."""
        if isinstance(op, str):
            op = registry.NAMES[op]
        if op.lister is not None:
            if op.bool_attrs:
                _check_bool_attrs(op, attrs or {}, span)
            inputs = tuple(self.lift(x, inputs) for x in inputs)
            return op.lister(self, inputs, dict(attrs or {}), span)
        return self.apply(op, inputs, attrs, span)

    def dtype_attr(self, value, default_float=False):
        """A dtype attribute as np.dtype: `float` is the run's float, `int` is int32."""
        if value is None:
            return self.float_dtype if default_float else None
        if isinstance(value, str):
            if value == "float":
                return self.float_dtype
            if value == "int":
                return np.dtype(np.int32)
            return DTYPES[value]
        return np.dtype(value)

    def lift(self, value, company=()) -> Node:
        """A Node as it is; a Python number as a constant of its company's dtype."""
        if isinstance(value, Node):
            return value
        like = next((x for x in company if isinstance(x, Node)), None)
        dtype = like.dtype if like is not None else None
        return self.constant(value, dtype=dtype, weak=like is None)

    def _check_size(self, shape, span):
        size = static_size(shape)
        if size is not None and size > self.max_elements:
            raise fail(
                "E0305",
                f"a tensor of shape {shape_str(shape)} has {size:,} elements, over the limit of {self.max_elements:,}",
                span,
                help=["raise the limit with --max-elements if you mean it"],
            )


@contextlib.contextmanager
def gc_paused():
    """Building a graph makes many small objects and no reference cycles, so the
    cyclic garbage collector would only rescan them, again and again as the
    graph grows (a third of the time, and worse than linear); pause it meanwhile."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def apply(op, *inputs, span=None, **attrs) -> Node:
    """Build a node in the graph of its first node input (gradient rules use this)."""
    for x in inputs:
        if isinstance(x, Node):
            return x.graph.apply(op, inputs, attrs, span)
    raise TypeError(f"apply({op!r}) needs at least one Node input")




def promote(inputs, span):
    """TensorFlow's rule, with weak literals: one dtype for all operands.

    A weak operand (a literal, or arithmetic on literals only) takes the dtype
    of the strong operands; two strong operands of different dtypes are an
    error that suggests cast. Literal-only arithmetic keeps Python's dtypes.
    """
    strong = [x for x in inputs if not x.weak]
    if not strong:
        if len({x.dtype for x in inputs}) == 1:
            return inputs
        common = np.result_type(*[x.dtype for x in inputs])
        return tuple(x if x.dtype == common else cast_weak(x, common, weak=True) for x in inputs)
    target = strong[0].dtype
    for other in strong[1:]:
        if other.dtype != target:
            raise mixed_dtypes(strong[0], other, span)
    out = []
    for x in inputs:
        if x.weak and x.dtype != target:
            if x.dtype.kind == "f" and target.kind != "f":
                raise mixed_dtypes(strong[0], x, span, weak_float=True)
            x = cast_weak(x, target)
        out.append(x)
    return tuple(out)


def cast_weak(node: Node, dtype, weak=False) -> Node:
    """A weak value as `dtype`; a literal is re-made as a constant, anything else cast.

    weak: the result stays a literal (literal-only arithmetic, int meeting float)."""
    if node.op is registry.CONSTANT:
        value = node.attrs["value"].astype(dtype)
        return Node(node.graph, registry.CONSTANT, (), {"value": value}, node.shape, np.dtype(dtype), weak, node.span)
    out = node.graph.apply("cast", (node,), {"dtype": np.dtype(dtype)}, node.span)
    out.weak = True  # the value is still made only of literals
    return out


def _exact_pow(a, b):
    # Python: 2 ** -1 == 0.5 and 0 ** -1 raises ZeroDivisionError; a result certain not to
    # fit in 64 bits is refused before Python builds a huge number
    def one(x, y):
        if y > 63 and abs(x) > 1:
            raise OverflowError
        return x ** y

    return np.vectorize(one, otypes=[object])(a, b) if a.size and b.size else a * b


def _exact_floor(fn):
    def checked(a, b):
        if b.size and (np.broadcast_to(b, np.broadcast(a, b).shape) == 0).any():
            raise ZeroDivisionError
        return fn(a, b)

    return checked


# literal-only integer arithmetic computed with Python integers (object arrays)
_EXACT = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "negative": np.negative,
    "pow": _exact_pow,
    "floordiv": _exact_floor(np.floor_divide),
    "floormod": _exact_floor(np.mod),
}
# ops whose explicit dtype attribute makes a strongly typed result, as in TensorFlow (constant is strong with or without one)
_STRONG_WITH_DTYPE = frozenset({"constant", "cast"})


def _check_bool_attrs(op, attrs, span):
    for name in op.bool_attrs:
        value = attrs.get(name)
        if name in attrs and not isinstance(value, (bool, np.bool_)):
            raise fail("E0315", f"{op.name}()'s '{name}' must be True or False, got {value!r}", span, help=[f"write {name}=True or {name}=False"])


def mixed_dtypes(a: Node, b: Node, span, weak_float=False):
    an, bn = dtype_name(a.dtype), dtype_name(b.dtype)
    message = f"cannot combine {an} and {bn} tensors"
    if weak_float:
        message = f"a float literal cannot be combined with an {an} tensor"
    labels = [Label(x.span, dtype_name(x.dtype)) for x in (a, b) if x.span is not None]
    return fail(
        "E0301",
        message,
        span,
        labels=labels,
        help=[f"convert one side with cast(..., {an if weak_float is False else 'float'})"]
        + (["or run with --dtype float32: TensorFlow's default float, for untyped variables and `float`"] if {an, bn} == {"float32", "float64"} and a.graph.float_dtype != np.float32 else []),
    )


