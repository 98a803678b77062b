"""Source text -> AST, with Lark's LALR parser and a transformer given to the
constructor (no parse tree is built).

Lark is imported on the first parse, never at import time, and its
exceptions become ParseError diagnostics here and nowhere else. Nothing in
this module recurses with the nesting depth of the input: LALR is iterative
and each callback builds one node from its children.
"""
from __future__ import annotations

import gc
import hashlib
import os
import re
import threading
from pathlib import Path

from . import ast
from .source import Diagnostic, Label, ParseError, Source, Span

__all__ = ["parse", "decode_source", "grammar_text", "CODES", "KEYWORDS"]

# Every syntax error code, with a title and a minimal source that raises it.
# tests/test_parse.py checks each example; docs list them from here.
CODES: dict[str, tuple[str, str]] = {
    "E0101": ("unexpected token", "y = x 2 3\n"),
    "E0102": ("unclosed bracket", "y = f(x, (2 + 3)\n"),
    "E0103": ("missing operand", "y = x +\n"),
    "E0104": ("missing '=' in a declaration or assignment", "var x 2.0\n"),
    "E0105": ("keyword used as a name", "var = 3\n"),
    "E0106": ("invalid character", "y = x $ 2\n"),
    "E0107": ("unexpected end of input", "var x ="),
    "E0108": ("invalid UTF-8 or binary input", "x = 1 \udcff\n"),
    "E0109": ("unterminated string", "placeholder x: 'float32\n"),
    "E0110": ("chained comparison", "expect a < b < c\n"),
    "E0111": ("mismatched closing bracket", "y = f(x]\n"),
    "E0112": ("unmatched closing bracket", "y = x)\n"),
    "E0113": ("invalid assignment target", "f(x) = 2\n"),
    "E0114": ("only a name can be called", "y = f(x)(2)\n"),
    "E0115": ("positional argument after a keyword argument", "y = f(x=1, 2)\n"),
    "E0116": ("missing ':' before a type", "placeholder X float[2, 1]\n"),
}

KEYWORDS = frozenset({"var", "placeholder", "fetch", "expect", "True", "False", "None"})

_GRAMMAR_FILE = "gradcli.lark"
_LOCK = threading.Lock()
_parser = None  # the Lark object, built on first use
_builder: "_AstBuilder | None" = None


# ----------------------------------------------------------------- loading


def grammar_text() -> str:
    """The grammar, from the installed package or from a source checkout.

    A wheel ships it as gradcli/grammar/gradcli.lark; a checkout keeps the
    one copy at <repo>/grammar/gradcli.lark.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "grammar" / _GRAMMAR_FILE, here.parent / "grammar" / _GRAMMAR_FILE):
        if candidate.is_file():  # the common cases, without importlib.resources' start-up cost
            return candidate.read_text(encoding="utf-8")
    try:  # a package inside a zip file
        from importlib import resources

        packaged = resources.files(__package__).joinpath("grammar", _GRAMMAR_FILE)
        if packaged.is_file():
            return packaged.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError, TypeError):
        pass
    return (Path(__file__).resolve().parent.parent / "grammar" / _GRAMMAR_FILE).read_text(encoding="utf-8")


def _cache_path(grammar: str) -> str | None:
    """A per-user file for Lark's pickled tables, or None when not writable.

    Lark's own `cache=True` writes into the shared temp directory, where
    another user could plant a pickle; a directory of our own avoids that.
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "gradcli")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return None
    if not os.access(folder, os.W_OK):
        return None
    # One file per grammar text, so two installed versions do not keep
    # overwriting each other's tables (Lark also checks a hash inside).
    digest = hashlib.sha256(grammar.encode("utf-8")).hexdigest()[:16]
    return os.path.join(folder, f"grammar-{digest}.lark-cache")


class _BracketNewlines:
    """Postlexer: drops newlines inside ( ) and [ ], so expressions may span lines."""

    always_accept = ("_NL",)

    def process(self, stream):
        depth = 0
        for token in stream:
            kind = token.type
            if kind == "_NL":
                if depth:
                    continue
            elif kind == "LPAR" or kind == "LSQB":
                depth += 1
            elif (kind == "RPAR" or kind == "RSQB") and depth:
                depth -= 1
            yield token


def _import_lark():
    """lark.Lark, imported without the optional `regex` module.

    Lark imports `regex` when it is installed, to support an option this
    grammar does not use; that costs about a tenth of gradcli's start-up.
    The import is hidden only while lark loads, and only if nobody has
    imported `regex` yet, so a user's own `import regex` still works.
    """
    import sys

    hide = "regex" not in sys.modules and "lark" not in sys.modules
    if hide:
        sys.modules["regex"] = None  # makes `import regex` raise ImportError
    try:
        from lark import Lark
    finally:
        if hide:
            del sys.modules["regex"]
    return Lark


def _get_parser():
    global _parser, _builder
    if _parser is None:
        Lark = _import_lark()

        builder = _AstBuilder()
        options = dict(
            parser="lalr",
            lexer="contextual",
            postlex=_BracketNewlines(),
            transformer=builder,
            maybe_placeholders=True,
        )
        text = grammar_text()
        cache = _cache_path(text)
        try:
            parser = Lark(text, cache=cache, **options) if cache else Lark(text, **options)
        except OSError:  # an unreadable or unwritable cache file is not an error
            parser = Lark(text, **options)
        _parser, _builder = parser, builder
    return _parser


# ----------------------------------------------------------------- public API


def parse(source: Source) -> ast.Program:
    """Parse a whole .grad file into a Program.

    An empty file, or one with only comments, gives a Program with no
    statements. Raises ParseError with one E01xx diagnostic otherwise.
    """
    parser = _get_parser()  # first: it imports lark in the way that keeps start-up short
    from lark.exceptions import UnexpectedInput

    # The garbage collector would otherwise walk the growing AST many
    # times over during a large parse; nothing here makes cycles.
    with _LOCK:
        _builder.begin(source)
        enabled = gc.isenabled()
        gc.disable()
        try:
            statements = parser.parse(source.text)
        except UnexpectedInput as error:
            raise ParseError(_diagnose(error, source)) from None
        except ParseError as error:
            for diagnostic in error.diagnostics:
                diagnostic.source = source
            raise
        finally:
            if enabled:
                gc.enable()
            _builder.end()
    return ast.Program(statements, source)


def decode_source(data: bytes, name: str) -> Source:
    """Decode file bytes as UTF-8 into a Source; E0108 for invalid or binary data.

    A leading byte order mark is dropped. The diagnostic gives the byte offset
    of the first bad byte and points at it in the (replacement-decoded) text.
    """
    bom = b"\xef\xbb\xbf"
    skipped = len(bom) if data.startswith(bom) else 0
    data = data[skipped:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        prefix = data[: error.start].decode("utf-8")
        source = Source(name, data.decode("utf-8", errors="replace"))
        span = source.span(len(prefix), len(prefix) + 1)
        raise ParseError(Diagnostic(
            "E0108", f"invalid UTF-8 at byte offset {error.start + skipped}", span, label="not UTF-8",
            source=source, notes=["gradcli reads source files as UTF-8"],
            help=["save the file as UTF-8 text"],
        )) from None
    nul = text.find("\x00")
    if nul != -1:
        source = Source(name, text)
        raise ParseError(Diagnostic(
            "E0108", f"binary data: NUL byte at byte offset {skipped + len(text[:nul].encode('utf-8'))}",
            source.span(nul, nul + 1), label="NUL byte", source=source,
            notes=["a .grad model is a text file"],
        ))
    return Source(name, text)


# ----------------------------------------------------------------- AST building


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


# ----------------------------------------------------------------- syntax errors
#
# Lark reports where the parser stopped: the unexpected token, the terminals
# it would have accepted (`accepts`, from the parser state), and the value
# stack of what was read so far. The named cases below are recognised from
# those three, cheapest and most specific first; E0101 is what remains.

_EXPR_START = frozenset({"NAME", "NUMBER", "STRING", "TRUE", "FALSE", "NONE", "LSQB", "LPAR", "ADD_OP"})
_BINARY = frozenset({"ADD_OP", "MUL_OP", "POW_OP", "COMP_OP"})
_OPENERS = {"LPAR": ")", "LSQB": "]"}
_CLOSERS = {"RPAR": "(", "RSQB": "["}
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
_KEYWORD_NOTE = "var, placeholder, fetch, expect, True, False and None are keywords"
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
    """The one diagnostic for a Lark exception."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

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
    parser = error.interactive_parser
    stack = list(parser.parser_state.value_stack) if parser is not None else []
    accepts = set(error.accepts or error.expected or ())
    previous = stack[-1] if stack else None
    opens = _open_brackets(stack)
    kind = token.type
    span = _token_place(token, source)

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
        return Diagnostic("E0103", f"missing operand after '{previous.value}', found {_found(token)}",
                          _token_span(previous), label="expected an expression after this")
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
                          label=f"expected {_expected_words(accepts)}")
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
                         ast.UnaryOp, ast.Compare, ast.Call, ast.Index, ast.Keyword, ast.Slice, ast.TypeExpr})


def _is_token(item, kinds) -> bool:
    kind = getattr(item, "type", None)
    if not isinstance(kind, str) or not isinstance(item, str):  # lark's Token subclasses str
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
    Lark's helper rules (for `a, b, c`), whose last child ends it."""
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
    accepts = set(accepts)
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
