"""The parser's callbacks: each LALR reduction builds one AST node, with its span
taken from its first and last tokens (gradcli.language.parse drives them).

Nothing here recurses with the input's nesting: a callback builds one node
from children that are already built. The callbacks are in ast_statements,
ast_blocks and ast_expressions; ast_tokens holds what they share.
"""
from __future__ import annotations

from . import ast
from ..source import Source, Span
from .ast_blocks import BlockCallbacks
from .ast_expressions import ExpressionCallbacks
from .ast_statements import StatementCallbacks
from .ast_tokens import KEYWORDS, _ALL_KEYWORDS, _KEYWORD_NOTE, _keyword_error, _token_span  # noqa: F401  (KEYWORDS, _KEYWORD_NOTE: parse and syntax_errors import them from here)


class _AstBuilder(StatementCallbacks, BlockCallbacks, ExpressionCallbacks):
    """The callbacks Lark calls on each reduction; each returns an AST node.

    A parenthesised expression is its inner node, but a parent's span must
    cover the parentheses (`(a + b) * c` starts at the `(`), so `paren`
    records the wider span of the inner node in `_outer`, by identity, for the
    duration of one parse. parse() holds a lock, so one parse at a time uses it.
    """

    def __init__(self):
        self._outer: dict[int, Span] = {}
        self._text = ""
        self._grad_file = False

    def begin(self, source: Source) -> None:
        self._outer = {}
        self._text = source.text
        # LANGUAGE.md: a .grad model's comparisons do not chain (E0110); pasted Python's do
        self._grad_file = source.name.endswith(".grad")

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
        if value in _ALL_KEYWORDS or ("." in value and not _ALL_KEYWORDS.isdisjoint(value.split("."))):
            raise _keyword_error(token)
        return ast.Name(value, _token_span(token))
