"""The syntax tree of a .grad program.

Every node is a frozen dataclass with a `.span`. Nodes compare and hash by
identity (eq=False): a generated __eq__ would recurse through nested
expressions, and 5,000 nested parentheses must not overflow the stack.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from .source import Source, Span

_node = dataclass(frozen=True, eq=False, slots=True)


# ----- expressions -----

@_node
class Number:
    value: int | float
    text: str
    span: Span


@_node
class String:
    value: str
    span: Span


@_node
class Bool:
    value: bool
    span: Span


@_node
class NoneLit:
    span: Span


@_node
class Name:
    """A name, possibly dotted (`tf.reduce_sum`, `np.float64`)."""

    id: str
    span: Span


@_node
class ListExpr:
    """`[a, b]`, and also a parenthesised tuple `(a, b)`."""

    items: tuple["Expr", ...]
    span: Span


@_node
class BinOp:
    op: str  # one of + - * / // % @ ** (a `^` in the source is stored as **)
    left: "Expr"
    right: "Expr"
    span: Span
    op_span: Span


@_node
class UnaryOp:
    op: str  # - or +
    operand: "Expr"
    span: Span


@_node
class Compare:
    op: str  # < <= > >= == !=
    left: "Expr"
    right: "Expr"
    span: Span
    op_span: Span


@_node
class Keyword:
    name: str
    value: "Expr"
    span: Span  # the whole `name=value`
    name_span: Span


@_node
class Call:
    func: Name
    args: tuple["Expr", ...]
    kwargs: tuple[Keyword, ...]
    span: Span


@_node
class Slice:
    start: "Expr | None"
    stop: "Expr | None"
    step: "Expr | None"
    span: Span


@_node
class Index:
    value: "Expr"
    items: tuple["Expr | Slice", ...]
    span: Span


Expr = Union[Number, String, Bool, NoneLit, Name, ListExpr, BinOp, UnaryOp, Compare, Call, Index]


# ----- statements -----

@_node
class TypeExpr:
    """`float`, `float32[2, 1]`, `float[None, 3]`, `int32[]`.

    dims is None when no shape was written; a None entry is an unknown
    dimension (`None` or `?`); otherwise each entry is an expression.
    """

    dtype: Name
    dims: "tuple[Expr | None, ...] | None"
    span: Span


@_node
class VarDecl:
    name: Name
    type: TypeExpr | None
    value: Expr
    span: Span


@_node
class PlaceholderDecl:
    name: Name
    type: TypeExpr | None
    default: Expr | None
    span: Span


@_node
class Assign:
    """`x = e` (unpack False) or `a, b = e` / `g, = e` (unpack True)."""

    targets: tuple[Name, ...]
    value: Expr
    unpack: bool
    span: Span


@_node
class Fetch:
    names: tuple[Name, ...]
    span: Span


@_node
class Expect:
    expr: Expr  # must be a Compare with op == (checked by the resolver)
    text: str  # the source text of expr, as shown in reports
    span: Span


@_node
class ExprStatement:
    """A bare expression (`sess.run(y)`): never useful, always diagnosed."""

    expr: Expr
    span: Span


@_node
class Import:
    """`import tensorflow as tf`, `from x import y`: diagnosed as boilerplate."""

    span: Span


Statement = Union[VarDecl, PlaceholderDecl, Assign, Fetch, Expect, ExprStatement, Import]


@dataclass(eq=False, slots=True)
class Program:
    statements: list[Statement]
    source: Source
