"""The parser's callbacks: each LALR reduction builds one AST node, with its span
taken from its first and last tokens (gradcli.language.parse drives them).

Nothing here recurses with the input's nesting: a callback builds one node
from children that are already built.
"""
from __future__ import annotations

import re

from . import ast
from ..errors import Diagnostic, ParseError
from ..source import Label, Source, Span

KEYWORDS = frozenset({"var", "placeholder", "fetch", "expect", "True", "False", "None"})
_KEYWORD_NOTE = "var, placeholder, fetch, expect, True, False and None are keywords"


def _token_span(token) -> Span:
    return Span(token.start_pos, token.end_pos, token.line, token.column, token.end_line, token.end_column)


def _join(first: Span, last: Span) -> Span:
    return Span(first.start, last.end, first.line, first.column, last.end_line, last.end_column)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"'}
_ESCAPE = re.compile(r"\\(.)")


def _string_value(text: str) -> str:
    body = text[1:-1]
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), body)


def _error(code: str, message: str, span: Span, **kw) -> ParseError:
    return ParseError(Diagnostic(code, message, span, **kw))


class _AstBuilder:
    """The callbacks Lark calls on each reduction; each returns an AST node.

    A parenthesised expression is its inner node, but a parent's span must
    cover the parentheses (`(a + b) * c` starts at the `(`), so `paren`
    records the wider span of the inner node in `_outer`, by identity, for the
    duration of one parse. parse() holds a lock, so one parse at a time uses it.
    """

    def __init__(self):
        self._outer: dict[int, Span] = {}
        self._text = ""

    def begin(self, source: Source) -> None:
        self._outer = {}
        self._text = source.text

    def end(self) -> None:
        self._outer = {}
        self._text = ""

    def _span(self, node) -> Span:
        outer = self._outer
        if outer:
            span = outer.get(id(node))
            if span is not None:
                return span
        return node.span

    def _name(self, token) -> ast.Name:
        # The contextual lexer reads `var` as a NAME wherever the keyword
        # cannot appear, so keywords are refused here, once for every name.
        value = token.value
        if value in KEYWORDS or ("." in value and not KEYWORDS.isdisjoint(value.split("."))):
            raise _keyword_error(token)
        return ast.Name(value, _token_span(token))

    # --- statements

    def start(self, children):
        return children

    def var_decl(self, children):
        keyword, name, type_, value = children
        return ast.VarDecl(self._name(name), type_, value, _join(_token_span(keyword), self._span(value)))

    def placeholder_decl(self, children):
        keyword, name, type_, default = children
        last = default if default is not None else type_
        name_node = self._name(name)
        end = self._span(last) if last is not None else name_node.span
        return ast.PlaceholderDecl(name_node, type_, default, _join(_token_span(keyword), end))

    def fetch(self, children):
        names = tuple(self._name(token) for token in children[1:])
        return ast.Fetch(names, _join(_token_span(children[0]), names[-1].span))

    def expect(self, children):
        keyword, expr = children
        inner = self._span(expr)
        text = self._text[inner.start:inner.end]
        return ast.Expect(expr, text, _join(_token_span(keyword), inner))

    def import_stmt(self, children):
        return ast.Import(_join(_token_span(children[0]), _token_span(children[-1])))

    def assign(self, children):
        target, value = children
        return ast.Assign((self._target(target),), value, False, _join(self._span(target), self._span(value)))

    def unpack(self, children):
        *targets, value = children
        names = tuple(self._target(t) for t in targets)
        return ast.Assign(names, value, True, _join(self._span(targets[0]), self._span(value)))

    def _target(self, node) -> ast.Name:
        if type(node) is ast.Name and node.id == "placeholder":
            raise _error("E0105", "keyword 'placeholder' cannot be used as a name", node.span, label="a keyword",
                         notes=[_KEYWORD_NOTE], help=["choose another name"])
        if type(node) is ast.Name and "." not in node.id:
            return node
        span = self._span(node)
        if isinstance(node, (ast.Bool, ast.NoneLit)):
            word = self._text[span.start:span.end]
            raise _error("E0105", f"keyword '{word}' cannot be assigned to", span,
                         label="a keyword, not a name",
                         notes=["var, placeholder, fetch, expect, True, False and None are keywords"],
                         help=["choose another name"])
        what = _describe_node(node)
        raise _error("E0113", f"cannot assign to {what}", span, label="not a name",
                     help=["the left side of '=' is a name, or names separated by commas"])

    def expr_stmt(self, children):
        expr = children[0]
        return ast.ExprStatement(expr, self._span(expr))

    # --- types

    def type_plain(self, children):
        dtype = self._dtype(children[0])
        return ast.TypeExpr(dtype, None, dtype.span)

    def type_shaped(self, children):
        dtype = self._dtype(children[0])
        dims = tuple(None if _is_any_dim(d) else d for d in children[1:-1])
        return ast.TypeExpr(dtype, dims, _join(dtype.span, _token_span(children[-1])))

    def _dtype(self, token) -> ast.Name:
        # A string dtype ("float32") becomes the name it spells; the resolver
        # checks it like any dtype name.
        if token.type == "STRING":
            return ast.Name(_string_value(token.value), _token_span(token))
        return self._name(token)

    # --- expressions

    def expr(self, children):
        """A flat `[-] operand (op [-] operand)*` sequence -> one tree, by precedence.

        Shunting-yard with explicit stacks, so a 20,000-term sum needs no
        recursion. Unary operators wait on the operator stack at their level
        (tighter than `*`, looser than `**` on their right).
        """
        if len(children) == 1:
            return children[0]
        operands: list = []
        pending: list = []  # (precedence, token, is_unary)
        comparisons = []
        want_operand = True
        for item in children:
            if not isinstance(item, str):  # an AST node; lark's Tokens are str
                operands.append(item)
                want_operand = False
            elif want_operand:
                pending.append((_UNARY, item, True))
            else:
                level = _PRECEDENCE[item.value]
                if level == _COMPARISON:
                    comparisons.append(item)
                right_assoc = level == _POWER
                while pending and (pending[-1][0] > level or (pending[-1][0] == level and not right_assoc)):
                    self._apply(pending.pop(), operands)
                pending.append((level, item, False))
                want_operand = True
        if len(comparisons) > 1:
            raise self._chained(children, comparisons)
        while pending:
            self._apply(pending.pop(), operands)
        return operands[0]

    def _apply(self, entry, operands) -> None:
        level, op, unary = entry
        if unary:
            operand = operands.pop()
            operands.append(ast.UnaryOp(op.value, operand, _join(_token_span(op), self._span(operand))))
            return
        right = operands.pop()
        left = operands.pop()
        span = _join(self._span(left), self._span(right))
        if level == _COMPARISON:
            operands.append(ast.Compare(op.value, left, right, span, _token_span(op)))
        else:
            value = op.value
            operands.append(ast.BinOp("**" if value == "^" else value, left, right, span, _token_span(op)))

    def _chained(self, children, comparisons) -> ParseError:
        first, second = comparisons[0], comparisons[1]
        return _error("E0110", "comparisons cannot be chained", _token_span(second),
                      label="a second comparison", labels=[Label(_token_span(first), "first comparison")],
                      notes=["a comparison gives a bool tensor; gradcli does not chain them as Python does"],
                      help=["compare two values at a time"])

    def call(self, children):
        func, *args, close = children
        if type(func) is not ast.Name:
            span = self._span(func)
            raise _error("E0114", f"cannot call {_describe_node(func)}", span,
                         label="not a name", help=["bind the value to a name, or call an op by its name"])
        positional, keywords = [], []
        for arg in args:
            if type(arg) is ast.Keyword:
                keywords.append(arg)
            elif keywords:
                raise _error("E0115", "positional argument after a keyword argument", self._span(arg),
                             label="positional argument",
                             labels=[Label(keywords[-1].span, "keyword argument")],
                             help=["put positional arguments first"])
            else:
                positional.append(arg)
        return ast.Call(func, tuple(positional), tuple(keywords), _join(func.span, _token_span(close)))

    def keyword(self, children):
        name, value = children
        name_node = self._name(name)
        return ast.Keyword(name.value, value, _join(name_node.span, self._span(value)), name_node.span)

    def index(self, children):
        value, *items, close = children
        return ast.Index(value, tuple(items), _join(self._span(value), _token_span(close)))

    def slice(self, children):
        start, colon, stop, colon2, step = children
        first = self._span(start) if start is not None else _token_span(colon)
        if step is not None:
            last = self._span(step)
        elif colon2 is not None:
            last = _token_span(colon2)
        elif stop is not None:
            last = self._span(stop)
        else:
            last = _token_span(colon)
        return ast.Slice(start, stop, step, _join(first, last))

    def name(self, children):
        token = children[0]
        # TF1's `placeholder("float", shape=[2, 1])` and `tf.placeholder(...)` are calls, not a
        # keyword misused: let the name through; _target refuses it as an assignment target
        if token.value == "placeholder" or token.value.endswith(".placeholder") and token.value.count("placeholder") == 1:
            return ast.Name(token.value, _token_span(token))
        return self._name(token)

    def number(self, children):
        token = children[0]
        text = token.value
        if "." in text or "e" in text or "E" in text:
            return ast.Number(float(text), text, _token_span(token))
        if len(text) > 4000:  # Python refuses int() of over 4300 digits; no such literal fits 64 bits anyway
            raise ParseError(Diagnostic("E0317", f"an integer literal of {len(text):,} digits does not fit in 64 bits", _token_span(token),
                                        help=["write it as a float (with a decimal point) if you mean a large number"]))
        return ast.Number(int(text), text, _token_span(token))

    def string(self, children):
        token = children[0]
        return ast.String(_string_value(token.value), _token_span(token))

    def true(self, children):
        return ast.Bool(True, _token_span(children[0]))

    def false(self, children):
        return ast.Bool(False, _token_span(children[0]))

    def none(self, children):
        return ast.NoneLit(_token_span(children[0]))

    def list_expr(self, children):
        return ast.ListExpr(tuple(children[1:-1]), _join(_token_span(children[0]), _token_span(children[-1])))

    tuple_expr = list_expr  # `(a, b)` and `(a,)` are lists too

    def paren(self, children):
        open_, expr, close = children
        self._outer[id(expr)] = _join(_token_span(open_), _token_span(close))
        return expr


# Operator precedence, loosest first, as in Python. `^` is power here.
_COMPARISON, _ADDITIVE, _MULTIPLICATIVE, _UNARY, _POWER = 1, 2, 3, 4, 5
_PRECEDENCE = {
    "<": _COMPARISON, "<=": _COMPARISON, ">": _COMPARISON, ">=": _COMPARISON, "==": _COMPARISON,
    "!=": _COMPARISON, "+": _ADDITIVE, "-": _ADDITIVE, "*": _MULTIPLICATIVE, "/": _MULTIPLICATIVE,
    "//": _MULTIPLICATIVE, "%": _MULTIPLICATIVE, "@": _MULTIPLICATIVE, "**": _POWER, "^": _POWER,
}


def _is_any_dim(node) -> bool:
    return node is None or type(node) is ast.NoneLit or getattr(node, "type", None) == "QMARK"


def _describe_node(node) -> str:
    kinds = {
        ast.Call: "the result of a call", ast.Index: "an indexed value", ast.Number: "a number",
        ast.String: "a string", ast.ListExpr: "a list", ast.BinOp: "an arithmetic expression",
        ast.UnaryOp: "an arithmetic expression", ast.Compare: "a comparison",
    }
    if type(node) is ast.Name:
        return f"the dotted name '{node.id}'"
    return kinds.get(type(node), "an expression")


def _keyword_error(token) -> ParseError:
    word = next(part for part in token.value.split(".") if part in KEYWORDS)
    return _error("E0105", f"keyword '{word}' cannot be used as a name", _token_span(token),
                  label="a keyword",
                  notes=["var, placeholder, fetch, expect, True, False and None are keywords"],
                  help=["choose another name"])
