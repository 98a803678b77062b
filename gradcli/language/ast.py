"""The syntax tree of a .grad program.

Every node has a `.span`. Nodes compare and hash by identity (object's own
__eq__): a field-by-field __eq__ would recurse through nested expressions,
and 5,000 nested parentheses must not overflow the stack. They are plain
classes with __slots__ rather than dataclasses: the parser makes one per
token or so, and the 21 classes cost a third of gradcli's own import time
as dataclasses. Nodes are not changed after the parser makes them.
"""
from __future__ import annotations

from typing import Union

from ..source import Source, Span


class Node:
    """The base of every syntax node."""

    __slots__ = ()

    def __repr__(self):
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


# ----- expressions -----

class Number(Node):
    __slots__ = ("value", "text", "span")

    def __init__(self, value: int | float, text: str, span: Span):
        self.value = value
        self.text = text
        self.span = span


class String(Node):
    __slots__ = ("value", "span")

    def __init__(self, value: str, span: Span):
        self.value = value
        self.span = span


class Bool(Node):
    __slots__ = ("value", "span")

    def __init__(self, value: bool, span: Span):
        self.value = value
        self.span = span


class NoneLit(Node):
    __slots__ = ("span",)

    def __init__(self, span: Span):
        self.span = span


class Name(Node):
    """A name, possibly dotted (`tf.reduce_sum`, `np.float64`)."""

    __slots__ = ("id", "span")

    def __init__(self, id: str, span: Span):
        self.id = id
        self.span = span


class ListExpr(Node):
    """`[a, b]`, and also a parenthesised tuple `(a, b)`."""

    __slots__ = ("items", "span")

    def __init__(self, items: tuple["Expr", ...], span: Span):
        self.items = items
        self.span = span


class BinOp(Node):
    __slots__ = ("op", "left", "right", "span", "op_span")

    def __init__(self, op: str, left: "Expr", right: "Expr", span: Span, op_span: Span):
        self.op = op  # one of + - * / // % @ ** (a `^` in the source is stored as **)
        self.left = left
        self.right = right
        self.span = span
        self.op_span = op_span


class UnaryOp(Node):
    __slots__ = ("op", "operand", "span")

    def __init__(self, op: str, operand: "Expr", span: Span):
        self.op = op  # - or +
        self.operand = operand
        self.span = span


class Compare(Node):
    __slots__ = ("op", "left", "right", "span", "op_span")

    def __init__(self, op: str, left: "Expr", right: "Expr", span: Span, op_span: Span):
        self.op = op  # < <= > >= == !=
        self.left = left
        self.right = right
        self.span = span
        self.op_span = op_span


class Keyword(Node):
    __slots__ = ("name", "value", "span", "name_span")

    def __init__(self, name: str, value: "Expr", span: Span, name_span: Span):
        self.name = name
        self.value = value
        self.span = span  # the whole `name=value`
        self.name_span = name_span


class Call(Node):
    __slots__ = ("func", "args", "kwargs", "span")

    def __init__(self, func: Name, args: tuple["Expr", ...], kwargs: tuple[Keyword, ...], span: Span):
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.span = span


class Slice(Node):
    __slots__ = ("start", "stop", "step", "span")

    def __init__(self, start: "Expr | None", stop: "Expr | None", step: "Expr | None", span: Span):
        self.start = start
        self.stop = stop
        self.step = step
        self.span = span


class Index(Node):
    __slots__ = ("value", "items", "span")

    def __init__(self, value: "Expr", items: tuple["Expr | Slice", ...], span: Span):
        self.value = value
        self.items = items
        self.span = span


Expr = Union[Number, String, Bool, NoneLit, Name, ListExpr, BinOp, UnaryOp, Compare, Call, Index]


# ----- statements -----

class TypeExpr(Node):
    """`float`, `float32[2, 1]`, `float[None, 3]`, `int32[]`.

    dims is None when no shape was written; a None entry is an unknown
    dimension (`None` or `?`); otherwise each entry is an expression.
    """

    __slots__ = ("dtype", "dims", "span")

    def __init__(self, dtype: Name, dims: "tuple[Expr | None, ...] | None", span: Span):
        self.dtype = dtype
        self.dims = dims
        self.span = span


class VarDecl(Node):
    __slots__ = ("name", "type", "value", "span")

    def __init__(self, name: Name, type: TypeExpr | None, value: Expr, span: Span):
        self.name = name
        self.type = type
        self.value = value
        self.span = span


class PlaceholderDecl(Node):
    __slots__ = ("name", "type", "default", "span")

    def __init__(self, name: Name, type: TypeExpr | None, default: Expr | None, span: Span):
        self.name = name
        self.type = type
        self.default = default
        self.span = span


class Assign(Node):
    """`x = e` (unpack False) or `a, b = e` / `g, = e` (unpack True)."""

    __slots__ = ("targets", "value", "unpack", "span")

    def __init__(self, targets: tuple[Name, ...], value: Expr, unpack: bool, span: Span):
        self.targets = targets
        self.value = value
        self.unpack = unpack
        self.span = span


class Fetch(Node):
    __slots__ = ("names", "span")

    def __init__(self, names: tuple[Name, ...], span: Span):
        self.names = names
        self.span = span


class Expect(Node):
    __slots__ = ("expr", "text", "span")

    def __init__(self, expr: Expr, text: str, span: Span):
        self.expr = expr  # must be a Compare with op == (checked by the resolver)
        self.text = text  # the source text of expr, as shown in reports
        self.span = span


class ExprStatement(Node):
    """A bare expression (`sess.run(y)`): never useful, always diagnosed."""

    __slots__ = ("expr", "span")

    def __init__(self, expr: Expr, span: Span):
        self.expr = expr
        self.span = span


class Import(Node):
    """`import tensorflow as tf`, `from x import y`: diagnosed as boilerplate."""

    __slots__ = ("span",)

    def __init__(self, span: Span):
        self.span = span


Statement = Union[VarDecl, PlaceholderDecl, Assign, Fetch, Expect, ExprStatement, Import]


class Program:
    """A parsed file: its statements, in order, and its source."""

    __slots__ = ("statements", "source")

    def __init__(self, statements: list[Statement], source: Source):
        self.statements = statements
        self.source = source
