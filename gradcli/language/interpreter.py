"""AST -> graph: statements, names, list values, fetch and expect (declarations are
declarations.py's, calls and gradients calls.py's: both are mixed into the Resolver).

Expressions are resolved by an explicit post-order stack, never by recursion,
so 5,000 nested parentheses or a 20,000-term sum resolve like any other.
"""
from __future__ import annotations

import difflib

import numpy as np

from . import ast as A
from . import spellings as namespaces
from ..engine.gradients import Unconnected
from ..engine.dtypes import shape_str
from ..engine.graph import Graph, Node
from ..engine.registry import CONSTANT, LEAVES, NAMES
from .calls import SPECIAL_CALLS, CallResolver
from .declarations import DeclarationResolver
from ..errors import GradcliError, fail
from ..source import Label, Source
from .program import Claim, DType, ListValue, Resolved

_MAX_LIST_DEPTH = 32  # deeper literals are never meant; the limit keeps list helpers shallow


class Resolver(DeclarationResolver, CallResolver):
    """Statements and expressions; declarations are DeclarationResolver's
    (gradcli.language.declarations), calls CallResolver's (gradcli.language.calls)."""

    def __init__(self, source: Source, graph: Graph):
        self.source = source
        self.graph = graph
        self.out = Resolved(graph, source)
        self.literals: set[Node] = set()  # constants written as numbers in the source

    # ----- statements -----

    def statement(self, stmt):
        kind = type(stmt)
        if kind is A.Assign:
            self.assign(stmt)
        elif kind is A.VarDecl:
            self.var(stmt.name, stmt.type, stmt.value, stmt.span)
        elif kind is A.PlaceholderDecl:
            self.placeholder(stmt.name, stmt.type, stmt.default, stmt.span)
        elif kind is A.Fetch:
            for name in stmt.names:
                self.lookup(name)
                self.out.fetches.append((name.id, name.span))
        elif kind is A.Expect:
            self.expect(stmt)

    def assign(self, stmt: A.Assign):
        value = stmt.value
        if isinstance(value, A.Call) and not stmt.unpack and len(stmt.targets) == 1:
            short = namespaces.short_name(value.func.id)
            if short == "Variable":
                return self.tf_variable(stmt.targets[0], value)
            if short == "placeholder":
                return self.tf_placeholder(stmt.targets[0], value)
        result = self.expr(value)
        if stmt.unpack:
            pieces = self.unpack(result, len(stmt.targets), stmt)
            for target, piece in zip(stmt.targets, pieces):
                self.bind(target, piece)
        else:
            self.bind(stmt.targets[0], result)

    def bind(self, target: A.Name, value, shown=True):
        if isinstance(value, ListValue) and value.numeric:
            value = self.tensor(value)
        if isinstance(value, Node) and value.name is None:
            value.name = target.id
        if shown and target.id not in self.out.shown:  # a declared name rebound by = is shown too
            self.out.shown.append(target.id)
        self.out.bindings[target.id] = value
        self.out.binding_spans[target.id] = target.span

    def unpack(self, value, count: int, stmt: A.Assign):
        if isinstance(value, ListValue) and not value.numeric:
            items = value.items
            if len(items) != count:
                raise self.unpack_error(len(items), count, stmt, "a list of")
            return items
        tensor = self.tensor(value, stmt.value.span)
        first = tensor.shape[0] if tensor.shape else None
        if tensor.shape == ():
            raise fail("E0208", "cannot unpack a scalar", stmt.value.span, help=["unpacking splits a tensor along its first axis"])
        if first is None:
            raise fail("E0208", f"cannot unpack a tensor of shape {shape_str(tensor.shape)}: its first dimension is unknown", stmt.value.span, help=["declare the shape, or index it: a = t[0]"])
        if first != count:
            raise self.unpack_error(first, count, stmt, f"a tensor of shape {shape_str(tensor.shape)}, with")
        return self.graph.call("unstack", (tensor,), {"num": count, "axis": 0}, stmt.value.span)

    def unpack_error(self, have, want, stmt, what):
        return fail(
            "E0208",
            f"cannot unpack {what} {have} value{'s' if have != 1 else ''} into {want} name{'s' if want != 1 else ''}",
            stmt.value.span,
            label=f"{have} value{'s' if have != 1 else ''}",
            labels=[Label(stmt.targets[0].span.merge(stmt.targets[-1].span), f"{want} name{'s' if want != 1 else ''}")] if stmt.targets else [],
            help=[f"put {have} name{'s' if have != 1 else ''} on the left of '='" + (", or one name for the whole value" if have > 1 else "")],
        )

    def expect(self, stmt: A.Expect):
        e = stmt.expr
        if not (isinstance(e, A.Compare) and e.op == "=="):
            raise fail("E0207", "expect needs an == comparison at the top", stmt.expr.span, help=["write expect A == B; the sides are compared with a tolerance"])
        lhs, rhs = self.expr(e.left), self.expr(e.right)
        lhs, rhs = self.tensor(lhs, e.left.span), self.tensor(rhs, e.right.span)
        self.out.claims.append(Claim(lhs, rhs, stmt.text, stmt.span))

    # ----- expressions: an explicit post-order stack -----

    def expr(self, root):
        values = []
        stack = [(root, None)]  # (node, None) to visit; (node, kids) once its kids are values
        while stack:
            node, done = stack.pop()
            if done is not None:
                n = len(done)
                args = values[-n:]
                del values[-n:]
                values.append(self.combine(node, args))
                continue
            kids = _children(node)
            if not kids:
                values.append(self.leaf(node))
                continue
            stack.append((node, kids))
            stack.extend((k, None) for k in reversed(kids))
        return values[0]

    def leaf(self, node):
        kind = type(node)
        if kind is A.Number:
            c = self.graph.literal(node.value, span=node.span)
            self.literals.add(c)
            return c
        if kind is A.Name:
            return self.lookup(node)
        if kind is A.String:
            return node.value
        if kind is A.Bool:
            c = self.graph.constant(node.value, dtype=np.bool_, span=node.span)
            self.literals.add(c)  # [[True], [False]] is one bool tensor
            return c
        if kind is A.NoneLit:
            return None
        if kind in (A.Call, A.ListExpr, A.Index):
            return self.combine(node, [])
        raise AssertionError(f"unexpected node {node!r}")

    def combine(self, node, args):
        kind = type(node)
        if kind is A.BinOp:
            return self.binop(node, *args)
        if kind is A.UnaryOp:
            return self.unary(node, args[0])
        if kind is A.Compare:
            return self.compare(node, *args)
        if kind is A.ListExpr:
            depth = 1 + max((a.depth for a in args if isinstance(a, ListValue)), default=0)
            if depth > _MAX_LIST_DEPTH:
                raise fail("E0306", f"lists nested more than {_MAX_LIST_DEPTH} deep", node.span, help=["a tensor of that rank is not what you meant"])
            numeric = bool(args) and all(_is_numeric(self, a) for a in args)
            return ListValue(list(args), node.span, numeric=numeric, depth=depth)
        if kind is A.Call:
            return self.call(node, args)
        if kind is A.Index:
            return self.index(node, args)
        raise AssertionError(f"unexpected node {node!r}")

    def lookup(self, name: A.Name):
        if name.id in self.out.bindings:
            return self.out.bindings[name.id]
        predefined = namespaces.predefined(name.id)
        if predefined is not None:
            kind, value = predefined
            if kind == "dtype":
                return DType(value, name.span)
            c = self.graph.constant(value, weak=True, span=name.span)
            self.literals.add(c)
            return c
        raise self.unknown_name(name)

    def unknown_name(self, name: A.Name):
        short = namespaces.short_name(name.id)
        if short in NAMES or short in SPECIAL_CALLS:
            return fail("E0201", f"'{name.id}' is an op, not a value", name.span, help=[f"call it: {short}(...)"])
        candidates = list(self.out.bindings)
        close = difflib.get_close_matches(name.id, candidates, n=1, cutoff=0.6)
        help_ = [f"did you mean '{close[0]}'?"] if close else ([f"bound names here: {', '.join(candidates[:8])}"] if candidates else ["bind it first: x = ... or var x = ..."])
        return fail("E0201", f"unknown name '{name.id}'", name.span, label="not bound" if name.id not in candidates else "", help=help_)

    def binop(self, node: A.BinOp, left, right):
        op = namespaces.BINARY[node.op]
        a, b = self.tensor(left, node.left.span), self.tensor(right, node.right.span)
        return self.apply(op, (a, b), {}, node.span)

    def unary(self, node: A.UnaryOp, value):
        x = self.tensor(value, node.operand.span)
        if node.op == "+":
            return x
        out = self.apply("negative", (x,), {}, node.span)
        if x in self.literals:
            out = self.graph.constant(-x.attrs["value"], weak=True, span=node.span)
            self.literals.add(out)
        return out

    def compare(self, node: A.Compare, left, right):
        a, b = self.tensor(left, node.left.span), self.tensor(right, node.right.span)
        return self.apply(namespaces.COMPARE[node.op], (a, b), {}, node.span)

    def apply(self, op, inputs, attrs, span):
        try:
            out = self.graph.call(op, inputs, attrs, span)
            return ListValue(out, span) if isinstance(out, list) else out
        except GradcliError:
            raise
        except Exception as e:  # bad argument values tripping NumPy inside a shape rule
            name = op if isinstance(op, str) else op.name
            raise fail("E0315", f"invalid arguments to {name}(): {e}", span) from None

    # ----- converting values -----

    def tensor(self, value, span=None) -> Node:
        """A value where a tensor is expected: lists are packed like tf.convert_to_tensor."""
        if isinstance(value, Node):
            return value
        if isinstance(value, ListValue):
            if value.numeric:
                return self.literal_tensor(value)
            items = [self.tensor(v, value.span) for v in value.items]
            if not items:
                return self.graph.constant(np.zeros(0), weak=True, span=value.span)
            return self.apply("stack", tuple(items), {"axis": 0}, value.span)
        if isinstance(value, Unconnected):
            raise self.none_used(value, span)
        if value is None:
            raise fail("E0209", "None is not a tensor here", span, help=["None is only a placeholder for a seed in grad_ys or a dimension in a type"])
        if isinstance(value, DType):
            raise fail("E0209", "a dtype is not a tensor", span)
        if isinstance(value, str):
            raise fail("E0209", f"the string {value!r} is not a tensor", span)
        raise fail("E0209", "expected a tensor", span)

    def literal_tensor(self, value: ListValue) -> Node:
        array = rectangular_array(_nested(value), value.span)
        c = self.graph.constant(array, weak=array.dtype != np.bool_, span=value.span)
        self.literals.add(c)
        return c

    def none_used(self, value: Unconnected, span):
        meta = self.out.derivatives.get(value)
        what = f"the gradient of {', '.join(meta.of)} with respect to {meta.wrt}" if meta else "this gradient"
        return fail(
            "E0509",
            f"{what} is None and cannot be used in an expression",
            span,
            notes=[f"it is None because {value.reason}"],
            help=['pass unconnected_gradients="zero" to get zeros instead'],
        )

    def static(self, node: Node):
        """The value of a node made only of constants, else None (no placeholder, variable or random op)."""
        from ..engine.evaluate import evaluate, needed_nodes

        order = needed_nodes([node], {})
        if any(n.op in LEAVES and n.op is not CONSTANT or n.op.random for n in order):
            return None
        return evaluate([node], {})[node]

    def attr_value(self, value, span, what="a constant"):
        """A static Python value for an op's attribute (axis, shape, perm...)."""
        if value is None or isinstance(value, (str, bool)):
            return value
        if isinstance(value, DType):
            return value.dtype
        if isinstance(value, ListValue):
            return [self.attr_value(v, span, what) for v in value.items]
        if isinstance(value, Unconnected):
            raise self.none_used(value, span)
        if isinstance(value, Node):
            array = self.static(value)
            if array is None:
                raise fail("E0214", f"{what} must be known before evaluation, not computed from inputs", span or value.span, help=["write it as a number or a list of numbers"])
            out = array.tolist()
            if array.dtype.kind == "f" and np.all(np.mod(array, 1) == 0) and value.dtype.kind != "f":
                out = array.astype(int).tolist()
            return out
        return value

    # ----- calls -----

    def text(self, node) -> str:
        return self.source.snippet(node.span)

    # ----- indexing -----

    def index(self, node: A.Index, args):
        base, rest = args[0], iter(args[1:])
        items = []
        for item in node.items:
            if isinstance(item, A.Slice):
                parts = [None if e is None else self.index_int(next(rest), e.span) for e in (item.start, item.stop, item.step)]
                if parts[2] == 0:
                    raise fail("E0309", "a slice step cannot be zero", item.step.span)
                items.append(slice(*parts))
            else:
                v = next(rest)
                if v is None:
                    items.append(None)
                else:
                    items.append(self.index_int(v, item.span))
        if isinstance(base, ListValue) and not base.numeric:
            if len(items) != 1 or not isinstance(items[0], int):
                raise fail("E0309", "a list is indexed with one whole number", node.span)
            i = items[0]
            if not -len(base.items) <= i < len(base.items):
                raise fail("E0309", f"index {i} is out of range for a list of {len(base.items)}", node.span)
            return base.items[i]
        tensor = self.tensor(base, node.value.span)
        return self.apply("getitem", (tensor,), {"index": tuple(items)}, node.span)

    def index_int(self, value, span):
        v = self.attr_value(value, span, "an index")
        if not isinstance(v, int) or isinstance(v, bool):
            raise fail("E0309", f"an index must be a whole number, got {v!r}", span, help=["indices and slice bounds are constants: a[0], a[1:3], a[:, 0]"])
        return v


# attributes that count or index: a float there is a mistake (2.0 is taken as 2)
def _children(node):
    kind = type(node)
    if kind is A.BinOp or kind is A.Compare:
        return (node.left, node.right)
    if kind is A.UnaryOp:
        return (node.operand,)
    if kind is A.ListExpr:
        return node.items
    if kind is A.Call:
        return tuple(node.args) + tuple(k.value for k in node.kwargs)
    if kind is A.Index:
        kids = [node.value]
        for item in node.items:
            if isinstance(item, A.Slice):
                kids.extend(e for e in (item.start, item.stop, item.step) if e is not None)
            else:
                kids.append(item)
        return tuple(kids)
    return ()


def _is_numeric(resolver: Resolver, value) -> bool:
    if isinstance(value, Node):
        return value in resolver.literals
    return isinstance(value, ListValue) and value.numeric


def rectangular_array(rows, span) -> np.ndarray:
    """A nested list of numbers as one array, or E0306 when its rows differ in length."""
    try:
        array = np.array(rows)
    except ValueError:
        array = None
    if array is None or array.dtype == object:
        raise fail("E0306", "the rows of this list have different lengths", span, help=["a tensor literal must be rectangular"])
    return array


def _nested(value):
    if isinstance(value, ListValue):
        return [_nested(v) for v in value.items]
    return value.attrs["value"]
