"""Syntax errors: the parser's exception, where it stopped, becomes one named
E01xx diagnostic in words (never the grammar's terminal names). Used by gradcli.language.parse only.
"""
from __future__ import annotations

import re

from . import ast
from .ast_builder import _KEYWORD_NOTE, _token_span
from ..errors import Diagnostic
from ..source import Label, Source, Span


#
# The parser (lalr.py) reports where it stopped: the unexpected token, the terminals
# it would have accepted (`accepts`, from the parser state), and the value
# stack of what was read so far. The named cases below are recognised from
# those three, cheapest and most specific first; E0101 is what remains.

_EXPR_START = frozenset({"NAME", "NUMBER", "STRING", "TRUE", "FALSE", "NONE", "LSQB", "LPAR", "ADD_OP", "LBRACE", "NOT", "LAMBDA", "ELLIPSIS", "AWAIT", "YIELD"})
_BINARY = frozenset({"ADD_OP", "MUL_OP", "POW_OP", "COMP_OP", "AND", "OR", "IN", "IS", "IF", "ELSE", "NOT"})
_OPENERS = {"LPAR": ")", "LSQB": "]", "LBRACE": "}"}
_CLOSERS = {"RPAR": "(", "RSQB": "[", "RBRACE": "{"}
_STATEMENT_WORDS = frozenset({"VAR", "PLACEHOLDER", "FETCH", "EXPECT", "IMPORT", "FROM"})
_KEYWORD_TYPES = _STATEMENT_WORDS | {"TRUE", "FALSE", "NONE"}
_LINE_ENDS = frozenset({"_NL", "SEMICOLON", "$END"})
# Where a name would follow a keyword, these show the keyword was meant as a name.
_AFTER_NAME = frozenset({"EQUAL", "COMMA", "LPAR", "LSQB", "MUL_OP", "POW_OP", "COMP_OP", "COLON"})
# The order in which expected tokens are listed.
_WORDS = {
    "RPAR": "')'", "RSQB": "']'", "COMMA": "','", "EQUAL": "'='", "COLON": "':'",
    "LPAR": "'('", "LSQB": "'['", "QMARK": "'?'", "DOT": "'.'", "STRING": "a string",
    "NUMBER": "a number", "VAR": "'var'", "PLACEHOLDER": "'placeholder'", "FETCH": "'fetch'",
    "EXPECT": "'expect'", "IMPORT": "'import'", "FROM": "'from'", "TRUE": "'True'",
    "FALSE": "'False'", "NONE": "'None'",
}
_CHARACTER_HELP = {
    "!": "'!=' means not equal; there is no '!' operator",
    "&": "gradcli has no bitwise or logical operators",
    "|": "gradcli has no bitwise or logical operators",
    "~": "gradcli has no bitwise or logical operators",
    "\\": "a backslash joins lines only as the last character of a line",
    "`": "strings use ' or \"",
    "\u201c": "use straight quotes \" or '", "\u201d": "use straight quotes \" or '",
    "\u2018": "use straight quotes \" or '", "\u2019": "use straight quotes \" or '",
    "\u2212": "use the ASCII minus sign '-'", "\u00d7": "use '*' to multiply",
}


def _diagnose(error, source: Source) -> Diagnostic:
    """The one diagnostic for a parser exception (lalr.py's)."""
    from .lalr import UnexpectedCharacters, UnexpectedToken

    if isinstance(error, UnexpectedCharacters):
        diagnostic = _bad_character(error.pos_in_stream, source)
    elif isinstance(error, UnexpectedToken):
        diagnostic = _unexpected_token(error, source)
    else:  # UnexpectedEOF: not raised by LALR, but the base class allows it
        end = len(source.text.rstrip())
        diagnostic = Diagnostic("E0107", "unexpected end of input", source.span(end, end))
    diagnostic.source = source
    return diagnostic


def _bad_character(pos: int, source: Source) -> Diagnostic:
    text = source.text
    char = text[pos] if pos < len(text) else ""
    if char in ("'", '"'):
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end == -1 else line_end
        if text[line_end - 1: line_end] == "\r":
            line_end -= 1
        return Diagnostic("E0109", "unterminated string", source.span(pos, line_end),
                          label=f"missing closing {char}",
                          help=[f"end the string with {char} on the same line"])
    shown = f"'{char}'" if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
    if char.isprintable() and not char.isascii() and char.isidentifier():
        shown = f"'{char}' (U+{ord(char):04X})"
    diagnostic = Diagnostic("E0106", f"invalid character {shown}", source.span(pos, pos + 1),
                            label="not valid here")
    if char.isidentifier() and not char.isascii():
        diagnostic.help.append("names use only ASCII letters, digits and '_'")
    elif char in _CHARACTER_HELP:
        diagnostic.help.append(_CHARACTER_HELP[char])
    return diagnostic


def _unexpected_token(error, source: Source) -> Diagnostic:
    token = error.token
    stack = list(error.value_stack or ())
    accepts = set(error.accepts or ())
    previous = stack[-1] if stack else None
    opens = _open_brackets(stack)
    if token.type == "_NL" and token.start_pos >= _content_end(source):
        # the last line's newline is the end of input: no message may depend on
        # whether the file ends with one
        token = token.update("$END", "")
    kind = token.type
    if kind == "_NL" and token.start_pos >= len(source.text.rstrip("\r\n")) and not source.text.endswith("\n"):
        kind = "$END"  # the newline parse() added at the end of the input
        token = _as_end(token)
    span = _token_place(token, source)
    if kind == "_INDENT":
        return Diagnostic("E0117", "unexpected indent", span, label="this line is indented more than the one before",
                          help=["indent a line only inside a block (after a ':' line)"])
    if kind == "_DEDENT" or "_INDENT" in accepts:
        return Diagnostic("E0117", "expected an indented block", span, label="the block after ':' is empty",
                          help=["indent the block's statements, or write pass"])
    star = _leading_star(stack)
    if star is not None and kind in _LINE_ENDS | {"RPAR", "RSQB"}:
        return Diagnostic("E0103", f"missing operand before '{star.value}'", _token_span(star),
                          label="expected an expression before this")

    if kind == "$END" and opens:
        return _unclosed(opens[-1], source, at_end=True)
    if kind in _CLOSERS:
        if not opens:
            return Diagnostic("E0112", f"unmatched '{token.value}'", span,
                              label=f"no '{_CLOSERS[kind]}' to close",
                              help=[f"remove it, or add the missing '{_CLOSERS[kind]}'"])
        opener = opens[-1]
        if _CLOSERS[kind] != opener.value:
            if not _closes_later(source.text, token.end_pos, opener.value, _OPENERS[opener.type]):
                return Diagnostic("E0111", f"mismatched closing bracket: expected '{_OPENERS[opener.type]}', "
                                           f"found '{token.value}'", span,
                                  label="does not match", labels=[Label(_token_span(opener), "opened here")],
                                  help=[f"close '{opener.value}' with '{_OPENERS[opener.type]}'"])
    if _is_token(previous, _STATEMENT_WORDS) and kind in _AFTER_NAME:
        return _keyword_as_name(previous)
    if _is_token(previous, _BINARY) and kind not in _EXPR_START and accepts & _EXPR_START:
        if kind in _LINE_ENDS or kind == "$END" or kind == "_NL":
            return Diagnostic("E0103", f"missing operand after '{previous.value}', found {_found(token)}",
                              _token_span(previous), label="expected an expression after this")
        # the caret on the unexpected token, as rustc and Python put it: `y * * y` points at the second `*`
        return Diagnostic("E0103", f"missing operand after '{previous.value}', found {_found(token)}",
                          span, label="expected an expression here", labels=[Label(_token_span(previous), "this operator")])
    if kind in _BINARY and kind != "ADD_OP" and accepts & _EXPR_START:
        return Diagnostic("E0103", f"missing operand before '{token.value}'", span,
                          label="expected an expression before this")
    if opens and kind not in _CLOSERS and kind != "$END":
        opener = opens[-1]
        first_on_line = previous is None or _end_line(previous) < token.line
        if first_on_line and opener.line < token.line and not _closes_later(
                source.text, token.start_pos, opener.value, _OPENERS[opener.type]):
            return _unclosed(opener, source, at_end=False, next_line=token.line)
    if kind in ("NAME", "STRING") and "COLON" in accepts:
        missing = _missing_colon(_statement_items(stack), token, span, source)
        if missing is not None:
            return missing
    if kind in _EXPR_START - {"ADD_OP"} and "EQUAL" in accepts:
        missing = _missing_equals(_statement_items(stack), token, span)
        if missing is not None:
            return missing
    if kind == "$END":
        return Diagnostic("E0107", "unexpected end of input", span,
                          label=f"expected {_expected_words(accepts)}",
                          help=_end_of_line_help(stack))
    if kind == "_NL":
        return Diagnostic("E0107", "unexpected end of line", span,
                          label=f"expected {_expected_words(accepts)}",
                          help=_end_of_line_help(stack))
    return _generic(token, accepts, span, stack)


def _generic(token, accepts, span: Span, stack) -> Diagnostic:
    words = _expected_words(accepts)
    found = _found(token)
    diagnostic = Diagnostic("E0101", f"expected {words}, found {found}", span, label=f"unexpected {found}")
    items = _statement_items(stack)
    if token.type == "EQUAL" and _is_token(items[0] if items else None, {"EXPECT"}):
        diagnostic.help.append("use '==' to compare")
    elif token.type == "COMMA" and any(_is_token(item, {"EQUAL"}) for item in items):
        diagnostic.help.append("write several values as a list in brackets: [a, b]")
    elif token.type in _EXPR_START and "COMMA" in accepts and _open_brackets(stack):
        diagnostic.help.append("add a ',' between the items")
    return diagnostic


def _unclosed(opener, source: Source, at_end: bool, next_line: int = 0) -> Diagnostic:
    closer = _OPENERS[opener.type]
    if at_end:
        end = _content_end(source)
        line, column = source.position(end)
        note = f"the input ends at {line}:{column} with this '{opener.value}' still open"
    else:
        note = (f"newlines inside brackets are ignored, so line {next_line} "
                f"was read as part of this expression")
    return Diagnostic("E0102", f"unclosed '{opener.value}'", _token_span(opener),
                      label="never closed", notes=[note], help=[f"add the missing '{closer}'"])


def _keyword_as_name(keyword) -> Diagnostic:
    return Diagnostic("E0105", f"keyword '{keyword.value}' cannot be used as a name", _token_span(keyword),
                      label="a keyword", notes=[_KEYWORD_NOTE], help=["choose another name"])


def _missing_colon(items, token, span: Span, source: Source) -> Diagnostic | None:
    """E0116: `placeholder X float[2]`, or `var x float32 = 1`: a type without its ':'."""
    if len(items) != 2 or not _is_token(items[0], {"VAR", "PLACEHOLDER"}):
        return None
    line_rest = source.line_text(token.line)[token.column - 1:]
    if items[0].type == "VAR" and "=" not in line_rest:
        return None  # `var x y`: more likely a missing '=' before an expression
    name = items[1]
    shown = token.value if token.type == "STRING" else f"'{token.value}'"
    return Diagnostic("E0116", f"missing ':' before the type {shown}", span,
                      label="expected ':' before this", help=[f"add ':' after '{name.value}'"])


def _missing_equals(items, token, span: Span) -> Diagnostic | None:
    """E0104 when the statement so far is a declaration head or a list of names."""
    if not items:
        return None
    first = items[0]
    if len(items) == 1 and (getattr(first, "value", None) == "print" and _is_token(first, {"NAME"}) or getattr(first, "id", None) == "print"):
        # `print x` is Python 2's print statement, not an assignment with its '=' missing
        return Diagnostic("E0101", "Python 2's print statement: print is a function in Python 3", span,
                          label="expected '(' before this", help=["write print(...) with parentheses"])
    if _is_token(first, {"VAR", "PLACEHOLDER"}):
        what = "variable" if first.type == "VAR" else "placeholder"
        message = f"missing '=' in {what} declaration"
    elif all(_is_token(item, {"NAME", "COMMA"}) or type(item) is ast.Name for item in items):
        message = "missing '=' in assignment"
    else:
        return None
    before = items[-1]
    before_text = before.value if hasattr(before, "value") and isinstance(before.value, str) else None
    help_line = (f"add '=' between '{before_text}' and '{token.value}'" if before_text and before.type != "RSQB"
                 else f"add '=' before '{token.value}'")
    return Diagnostic("E0104", message, span, label="expected '=' before this", help=[help_line])


def _end_of_line_help(stack) -> list[str]:
    items = _statement_items(stack)
    if items and _is_token(items[-1], {"EQUAL"}):
        return ["give the value after '='"]
    return []


def _statement_items(stack) -> list:
    """What the value stack holds of the statement being read."""
    items = []
    for item in reversed(stack):
        if _is_token(item, {"_NL", "SEMICOLON"}) or not (_is_token(item, None) or _is_expr(item)):
            break
        items.append(item)
    items.reverse()
    return items


def _is_expr(item) -> bool:
    return type(item) in _EXPR_NODES


_EXPR_NODES = frozenset({ast.Number, ast.String, ast.Bool, ast.NoneLit, ast.Name, ast.ListExpr, ast.BinOp,
                         ast.UnaryOp, ast.Compare, ast.ChainedCompare, ast.Call, ast.Index, ast.Keyword, ast.Slice, ast.TypeExpr})


def _is_token(item, kinds) -> bool:
    kind = getattr(item, "type", None)
    if not isinstance(kind, str) or not isinstance(item, str):  # tokens subclass str
        return False
    return kinds is None or kind in kinds


def _open_brackets(stack) -> list:
    opens = []
    for item in stack:
        if _is_token(item, _OPENERS):
            opens.append(item)
        elif _is_token(item, _CLOSERS) and opens:
            opens.pop()
    return opens


_BRACKET_SCAN = re.compile(r"#[^\n]*|'[^'\\\n]*(?:\\.[^'\\\n]*)*'|\"[^\"\\\n]*(?:\\.[^\"\\\n]*)*\"|[()\[\]]")


def _closes_later(text: str, pos: int, opener: str, closer: str) -> bool:
    """Whether a bracket still open at `pos` is closed somewhere after it."""
    depth = 0
    for match in _BRACKET_SCAN.finditer(text, pos):
        char = match.group()
        if char in "([":
            depth += 1
        elif char in ")]":
            if depth == 0:
                return char == closer
            depth -= 1
    return False


def _end_line(item) -> int:
    """The last line of a value-stack item: a token, an AST node, or a tree of
    the grammar's helper rules (for `a, b, c`), whose last child ends it."""
    while hasattr(item, "children"):
        if not item.children:
            return 0
        item = item.children[-1]
    if _is_token(item, None):
        return item.end_line or item.line
    span = getattr(item, "span", None)
    return span.end_line if span is not None else 0


def _token_place(token, source: Source) -> Span:
    """The span to point at for an unexpected token; line ends and end of input are empty."""
    if token.type == "_NL":
        return source.span(token.start_pos, token.start_pos)
    if token.type == "$END":
        end = _content_end(source)
        return source.span(end, end)
    return _token_span(token)


def _content_end(source: Source) -> int:
    """The offset just after the last character that is neither space nor comment."""
    text = source.text
    end = len(text.rstrip())
    line_start = text.rfind("\n", 0, end) + 1
    hash_at = _comment_start(text[line_start:end])
    if hash_at is not None:
        end = line_start + len(text[line_start:line_start + hash_at].rstrip())
    return end


def _comment_start(line: str) -> int | None:
    quote = None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#":
            return i
    return None


class _Place:
    """A token-like position the parser did not make (the end of the input, a `*`)."""

    def __init__(self, type, value, start_pos, line, column, end_line, end_column, end_pos):
        self.type, self.value = type, value
        self.start_pos, self.line, self.column = start_pos, line, column
        self.end_line, self.end_column, self.end_pos = end_line, end_column, end_pos


def _as_end(token):
    return _Place("$END", "", token.start_pos, token.line, token.column, token.line, token.column, token.start_pos)


def _leading_star(stack):
    """A `*` read where an expression should start (`y = * 2`): the parser took it for `*rest`."""
    if stack and type(stack[-1]) is ast.Starred and not stack[-1].double:
        if len(stack) == 1 or _is_token(stack[-2], {"EQUAL", "LPAR", "LSQB", "_NL"}):
            span = stack[-1].span
            return _Place("MUL_OP", "*", span.start, span.line, span.column, span.line, span.column + 1, span.start + 1)
    return None


def _found(token) -> str:
    kind, value = token.type, token.value
    if kind == "$END":
        return "end of input"
    if kind == "_NL":
        return "end of line"
    if kind == "NAME":
        return f"name '{value}'"
    if kind == "NUMBER":
        return f"number {value}"
    if kind == "STRING":
        return f"string {value}"
    if kind in _KEYWORD_TYPES:
        return f"keyword '{value}'"
    return f"'{value}'"


def _expected_words(accepts) -> str:
    """The accepted terminals in words: 'an expression, ')' or ','', never terminal names."""
    accepts = set(accepts) - {"DOT", "AUG_OP", "_INDENT", "_DEDENT", "ELLIPSIS", "AWAIT", "YIELD", "LAMBDA"}
    if accepts & _LINE_ENDS:
        accepts -= {"COMMA", "EQUAL"}  # a tuple or a chained assignment is rarely what was meant
    if "NAME" in accepts and "COMP_OP" not in accepts:
        accepts -= {"MUL_OP", "POW_OP"}  # only `*args` / `**kwargs` could start here
    words = []
    if "NUMBER" in accepts and "NAME" in accepts:
        words.append("an expression")
        accepts -= _EXPR_START
    elif "NAME" in accepts:
        words.append("a name")
        accepts.discard("NAME")
    operator = bool(accepts & _BINARY)
    if operator:
        # After a complete expression a call or an index could follow too,
        # but listing them only buries the useful choices.
        accepts -= _BINARY | {"LPAR", "LSQB"}
    words += [word for kind, word in _WORDS.items() if kind in accepts]
    if operator:
        words.append("an operator")
    if accepts & _LINE_ENDS:
        words.append("end of line")
    if not words:
        return "nothing more"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
