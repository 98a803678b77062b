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
    """`[a, b]`, and also a tuple `(a, b)` or `a, b` (kind "tuple") and a set `{a, b}` (kind "set")."""

    __slots__ = ("items", "span", "kind")

    def __init__(self, items: tuple["Expr", ...], span: Span, kind: str = "list"):
        self.items = items
        self.span = span
        self.kind = kind


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


class ChainedCompare(Node):
    """Python's `a < b < c`: `(a < b) and (b < c)` with `b` evaluated once.

    Each link is a two-operand Compare; a link's right operand is the next
    link's left operand (the same node), so the middle is one expression.
    A .grad file does not chain (E0110): only pasted code builds this.
    """

    __slots__ = ("links", "span")

    def __init__(self, links: tuple, span: Span):
        self.links = links
        self.span = span


class Keyword(Node):
    __slots__ = ("name", "value", "span", "name_span")

    def __init__(self, name: str, value: "Expr", span: Span, name_span: Span):
        self.name = name
        self.value = value
        self.span = span  # the whole `name=value`
        self.name_span = name_span


class Call(Node):
    """`f(a, k=v)`; func is any expression (a Name for ops and most calls)."""

    __slots__ = ("func", "args", "kwargs", "span")

    def __init__(self, func: "Expr", args: tuple["Expr", ...], kwargs: tuple[Keyword, ...], span: Span):
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.span = span


class Attribute(Node):
    """`value.attr` after a call, an index or brackets (a dotted name is one Name)."""

    __slots__ = ("value", "attr", "span")

    def __init__(self, value: "Expr", attr: str, span: Span):
        self.value = value
        self.attr = attr
        self.span = span


class Starred(Node):
    """`*rest` in a target or `*args` in a call; `**kw` in a call has double=True."""

    __slots__ = ("value", "span", "double")

    def __init__(self, value: "Expr", span: Span, double: bool = False):
        self.value = value
        self.span = span
        self.double = double


class DictExpr(Node):
    __slots__ = ("keys", "values", "span")

    def __init__(self, keys: tuple, values: tuple, span: Span):
        self.keys = keys  # a None key is a `**mapping` entry
        self.values = values
        self.span = span


class BoolOp(Node):
    """`a and b`, `a or b` (Python's: the value of one side)."""

    __slots__ = ("op", "left", "right", "span")

    def __init__(self, op: str, left: "Expr", right: "Expr", span: Span):
        self.op = op
        self.left = left
        self.right = right
        self.span = span


class Not(Node):
    __slots__ = ("operand", "span")

    def __init__(self, operand: "Expr", span: Span):
        self.operand = operand
        self.span = span


class IfExp(Node):
    """`a if cond else b`."""

    __slots__ = ("cond", "body", "orelse", "span")

    def __init__(self, cond: "Expr", body: "Expr", orelse: "Expr", span: Span):
        self.cond = cond
        self.body = body
        self.orelse = orelse
        self.span = span


class Param(Node):
    """One parameter of a def or lambda; kind is "", "*" or "**"."""

    __slots__ = ("name", "default", "kind", "span")

    def __init__(self, name: str | None, default: "Expr | None", kind: str, span: Span):
        self.name = name
        self.default = default
        self.kind = kind
        self.span = span


class Lambda(Node):
    __slots__ = ("params", "body", "span")

    def __init__(self, params: tuple[Param, ...], body: "Expr", span: Span):
        self.params = params
        self.body = body
        self.span = span


class Comprehension(Node):
    """`[e for t in it if c]`; kind list, set, dict (key is set) or gen."""

    __slots__ = ("kind", "elt", "key", "generators", "span")

    def __init__(self, kind: str, elt: "Expr", key: "Expr | None", generators: tuple, span: Span):
        self.kind = kind
        self.elt = elt
        self.key = key
        self.generators = generators  # (target, iterable, (conditions...)) each
        self.span = span


class FString(Node):
    """An f-string: its text parts and `{expr!conv:spec}` fields, parsed when run."""

    __slots__ = ("text", "span")

    def __init__(self, text: str, span: Span):
        self.text = text  # the body between the quotes, as written
        self.span = span


class EllipsisLit(Node):
    __slots__ = ("span",)

    def __init__(self, span: Span):
        self.span = span


class Unsupported(Node):
    """A Python construct outside the subset (class, try, yield, await, global, ...)."""

    __slots__ = ("what", "span", "help")

    def __init__(self, what: str, span: Span, help: str = ""):
        self.what = what
        self.span = span
        self.help = help


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


Expr = Union[Number, String, Bool, NoneLit, Name, ListExpr, BinOp, UnaryOp, Compare, ChainedCompare, Call, Index]


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
    """`x = e` (unpack False) or `a, b = e` / `g, = e` (unpack True).

    targets are Names for the .grad forms; pasted code may also assign to an
    index, an attribute, a starred name or a nested tuple (then `target` is set).
    """

    __slots__ = ("targets", "value", "unpack", "span", "target", "more")

    def __init__(self, targets: tuple[Name, ...], value: Expr, unpack: bool, span: Span, target=None, more=()):
        self.targets = targets
        self.value = value
        self.unpack = unpack
        self.span = span
        self.target = target  # the whole target expression when it is not a list of names
        self.more = more  # further targets of a chained `a = b = e`


class AugAssign(Node):
    __slots__ = ("target", "op", "value", "span", "op_span")

    def __init__(self, target, op: str, value, span: Span, op_span: Span):
        self.target = target
        self.op = op  # the binary operator: + - * ...
        self.value = value
        self.span = span
        self.op_span = op_span


class Block(Node):
    """A compound statement: kind if/for/while/with/def, with its parts.

    if: tests (one per if/elif), bodies, orelse. for: target, iter, body,
    orelse. while: test, body, orelse. with: items ((expr, target|None)...), body.
    def: name, params, body, decorators.
    """

    __slots__ = ("kind", "parts", "span", "head")

    def __init__(self, kind: str, parts: dict, span: Span, head: Span):
        self.kind = kind
        self.parts = parts
        self.span = span
        self.head = head  # the header line, for messages about the construct


class Simple(Node):
    """return, pass, break, continue, del, assert, raise: kind and an optional value."""

    __slots__ = ("kind", "value", "extra", "span")

    def __init__(self, kind: str, value, span: Span, extra=None):
        self.kind = kind
        self.value = value
        self.extra = extra
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
    """`import tensorflow as tf`, `from x import y`: names (module, bound name, span) it binds."""

    __slots__ = ("span", "names")

    def __init__(self, span: Span, names=()):
        self.span = span
        self.names = names  # (dotted module or module.attribute, bound name)


Statement = Union[VarDecl, PlaceholderDecl, Assign, Fetch, Expect, ExprStatement, Import]


class Program:
    """A parsed file: its statements, in order, and its source."""

    __slots__ = ("statements", "source", "transcript")

    def __init__(self, statements: list[Statement], source: Source):
        self.statements = statements
        self.source = source
        self.transcript = False  # a pasted >>> or In [N]: session
