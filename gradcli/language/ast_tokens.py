"""What the AST builder's callbacks share: keywords, token spans, string values, operator
precedence, parse errors."""
from __future__ import annotations

import re

from . import ast
from ..errors import Diagnostic, ParseError
from ..source import Span

KEYWORDS = frozenset({"var", "placeholder", "fetch", "expect", "True", "False", "None"})
# Python's own keywords: never names either (the contextual lexer reads them as
# names where the keyword cannot appear)
PY_KEYWORDS = frozenset({"if", "elif", "else", "for", "in", "while", "with", "as", "def", "return", "lambda", "and",
                         "or", "not", "is", "pass", "break", "continue", "del", "assert", "raise", "global",
                         "nonlocal", "yield", "class", "try", "except", "finally", "async", "await", "import", "from"})
_ALL_KEYWORDS = KEYWORDS | PY_KEYWORDS
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


# Operator precedence, loosest first, as in Python. `^` is power here.
_TERNARY, _OR, _AND, _NOT, _COMPARISON, _ADDITIVE, _MULTIPLICATIVE, _UNARY, _POWER = range(9)
_PRECEDENCE = {
    "if": _TERNARY, "else": _TERNARY, "or": _OR, "and": _AND, "in": _COMPARISON, "not in": _COMPARISON,
    "is": _COMPARISON, "is not": _COMPARISON,
    "<": _COMPARISON, "<=": _COMPARISON, ">": _COMPARISON, ">=": _COMPARISON, "==": _COMPARISON,
    "!=": _COMPARISON, "+": _ADDITIVE, "-": _ADDITIVE, "*": _MULTIPLICATIVE, "/": _MULTIPLICATIVE,
    "//": _MULTIPLICATIVE, "%": _MULTIPLICATIVE, "@": _MULTIPLICATIVE, "**": _POWER, "^": _POWER,
}


def _merged(first, second, value):
    """`not in` / `is not`: one operator token from two."""
    return type(first)("COMP_OP", value, first.start_pos, first.line, first.column, second.end_line, second.end_column, second.end_pos)


def _split_prefix(text: str):
    i = 0
    while text[i] not in "\"'":
        i += 1
    prefix, body = text[:i], text[i:]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[0]
    return prefix, body[len(quote):-len(quote)]


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), body)


def _is_any_dim(node) -> bool:
    return node is None or type(node) is ast.NoneLit or getattr(node, "type", None) == "QMARK"


def _describe_node(node) -> str:
    kinds = {
        ast.Call: "the result of a call", ast.Index: "an indexed value", ast.Number: "a number",
        ast.String: "a string", ast.ListExpr: "a list", ast.BinOp: "an arithmetic expression",
        ast.UnaryOp: "an arithmetic expression", ast.Compare: "a comparison", ast.ChainedCompare: "a comparison",
    }
    if type(node) is ast.Name:
        return f"the dotted name '{node.id}'"
    return kinds.get(type(node), "an expression")


def _keyword_error(token) -> ParseError:
    word = next(part for part in token.value.split(".") if part in _ALL_KEYWORDS)
    return _error("E0105", f"keyword '{word}' cannot be used as a name", _token_span(token),
                  label="a keyword",
                  notes=["var, placeholder, fetch, expect, True, False and None are keywords"],
                  help=["choose another name"])
