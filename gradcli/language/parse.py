"""Source text -> AST: gradcli's LALR runtime (lalr.py) with the grammar's tables, its
callbacks building the AST as each rule is reduced (no parse tree is built).

The tables (_parser_tables.py, plain literals) are made from grammar/gradcli.lark by
`python -m gradcli.language.build_parser` with Lark, a build and test dependency only (a
test checks they match the grammar, and compares the ASTs and diagnostics with Lark's own
parser). Loading them imports no Lark, reads no cache and no pickle; they are imported on
the first parse, never at import time. The parser's exceptions become ParseError
diagnostics here and nowhere else (the classification itself lives in syntax_errors.py,
the callbacks that build the AST in ast_builder.py).
Nothing recurses with the nesting depth of the input: LALR is iterative and
each callback builds one node from its children.
"""
from __future__ import annotations

import _thread
import gc
import re

from . import ast
from .ast_builder import KEYWORDS, _AstBuilder
from ..codes import SYNTAX_CODES as CODES
from ..errors import Diagnostic, ParseError
from ..source import Source, Span

__all__ = ["parse", "decode_source", "grammar_text", "CODES", "KEYWORDS"]



_GRAMMAR_FILE = "gradcli.lark"
_LOCK = _thread.allocate_lock()  # threading.Lock, without importing threading
_parser = None  # the lalr.Parser, made on first use, with its builder and postlexer
_builder: "_AstBuilder | None" = None
_postlex = None
_SHIFT = None  # while a transcript is parsed: line -> position shift, read by the postlexer


# ----------------------------------------------------------------- loading


def grammar_text() -> str:
    """The grammar, from the installed package or from a source checkout.

    A wheel ships it as gradcli/grammar/gradcli.lark; a checkout keeps the
    one copy at <repo>/grammar/gradcli.lark. Parsing does not read it (the
    shipped parser holds its tables); build_parser and the tests do.
    """
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent  # gradcli/
    for candidate in (package / "grammar" / _GRAMMAR_FILE, package.parent / "grammar" / _GRAMMAR_FILE):
        if candidate.is_file():  # the common cases, without importlib.resources' start-up cost
            return candidate.read_text(encoding="utf-8")
    try:  # a package inside a zip file
        from importlib import resources

        packaged = resources.files("gradcli").joinpath("grammar", _GRAMMAR_FILE)
        if packaged.is_file():
            return packaged.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError, TypeError):
        pass
    return (package.parent / "grammar" / _GRAMMAR_FILE).read_text(encoding="utf-8")


_OPEN = frozenset({"LPAR", "LSQB", "LBRACE"})
_CLOSE = frozenset({"RPAR", "RSQB", "RBRACE"})


class _BracketNewlines:
    """Postlexer: drops newlines inside ( ) [ ] { }, so expressions may span lines,
    and turns indentation into _INDENT/_DEDENT tokens (Python's rule, tabs to
    multiples of 8). For a pasted REPL transcript, `shift` moves each token back
    to its place in the original text (the prompts were cut before lexing)."""

    always_accept = ("_NL",)

    def __init__(self, token_class):
        self.Token = token_class

    def process(self, stream):
        Token = self.Token
        depth = 0
        indents = [0]
        shift = _SHIFT  # line -> (offset delta, column delta), for transcripts
        last = None
        for token in stream:
            if shift is not None:
                _move(token, shift)
            kind = token.type
            if kind == "_NL":
                if depth:
                    continue
                yield token
                text = token.value
                tail = text[text.rfind("\n") + 1:]
                if "#" in tail:  # a comment on the last line, at the end of the input
                    continue
                indent = len(tail.replace("\f", "").expandtabs(8))
                if indent > indents[-1]:
                    indents.append(indent)
                    yield Token("_INDENT", tail, token.end_pos - len(tail), token.end_line, 1, token.end_line, token.end_column, token.end_pos)
                elif indent < indents[-1]:
                    while indent < indents[-1]:
                        indents.pop()
                        yield Token("_DEDENT", "", token.end_pos, token.end_line, token.end_column, token.end_line, token.end_column, token.end_pos)
                    if indent != indents[-1]:
                        span = Span(token.end_pos - len(tail), token.end_pos, token.end_line, 1, token.end_line, token.end_column)
                        raise ParseError(Diagnostic("E0117", "this line's indentation matches no outer block", span,
                                                    label="inconsistent indentation",
                                                    help=["indent it as the block it belongs to"]))
                continue
            if kind in _OPEN:
                depth += 1
            elif kind in _CLOSE and depth:
                depth -= 1
            last = token
            yield token
        while len(indents) > 1:
            indents.pop()
            end = last if last is not None else None
            yield Token("_DEDENT", "", end.end_pos if end else 0, end.end_line if end else 1, end.end_column if end else 1, end.end_line if end else 1, end.end_column if end else 1, end.end_pos if end else 0)


def _move(token, shift) -> None:
    """Token positions in the un-prompted text -> positions in the transcript."""
    offset, column = shift.get(token.line, (0, 0))
    token.start_pos += offset
    token.column += column
    end_offset, end_column = shift.get(token.end_line, (0, 0))
    token.end_pos += end_offset
    token.end_column += end_column


# (first line's prompt, a later line's prompt): compiled when a text starts like a transcript
_PROMPTS = {">>>": (r">>>(?: |$)", r"\.\.\.(?: |$)"), "In [": (r"In \[\d*\]: ?", r"[ \t]*\.\.\.+: ?")}


def untranscribe(text: str):
    """A pasted `>>> ` or `In [N]: ` session -> (its code, line -> position shift), or None.

    Only prompted lines are code; the transcript's own output lines become
    empty lines, so line numbers stay those of the original text.
    """
    first = next((line for line in text.split("\n") if line.strip()), "")
    start = ">>>" if first.startswith(">>>") else "In [" if first.startswith("In [") else None
    if start is None:
        return None
    prompts = tuple(re.compile(pattern) for pattern in _PROMPTS[start])
    if not prompts[0].match(first):
        return None
    code, shift = [], {}
    removed = 0
    for number, line in enumerate(text.split("\n"), start=1):
        match = prompts[0].match(line) or prompts[1].match(line)
        if match:
            cut = match.end()
        else:
            cut = len(line) - (1 if line.endswith("\r") else 0)
        shift[number] = (removed + cut, cut)
        code.append(line[cut:])
        removed += cut
    return "\n".join(code), shift


def _postlexer(runtime):
    """The postlexer the parser runs with.

    `runtime` holds the token class it makes tokens of (`Token`): lalr.py's at run time,
    Lark's when build_parser makes the tables or the tests run Lark's parser. Its
    `always_accept` is part of the tables: regenerate them after changing it.
    """
    return _BracketNewlines(runtime.Token)


def _get_parser():
    global _parser, _builder, _postlex
    if _parser is None:
        from . import _parser_tables, lalr

        _parser, _builder, _postlex = lalr.Parser(_parser_tables), _AstBuilder(), _postlexer(lalr)
    return _parser


# ----------------------------------------------------------------- public API


def parse(source: Source) -> ast.Program:
    """Parse a whole .grad file into a Program.

    An empty file, or one with only comments, gives a Program with no
    statements. Raises ParseError with one E01xx diagnostic otherwise.
    """
    parser = _get_parser()
    return parse_with(lambda text: parser.parse(text, _builder, _postlex), source, _builder)


def parse_with(run, source: Source, builder) -> ast.Program:
    """parse(), with `run` (text -> the start rule's value) as the parser, and `builder` its
    callbacks: gradcli's runtime, or Lark's own parser in the tests (build_parser.reference_parser)."""
    from .lalr import UnexpectedInput

    text, shift = source.text, None
    transcript = untranscribe(text)
    if transcript is not None:
        text, shift = transcript
    if not text.endswith("\n"):
        text += "\n"  # every statement ends with a newline
    # The garbage collector would otherwise walk the growing AST many
    # times over during a large parse; nothing here makes cycles.
    with _LOCK:
        builder.begin(source)
        global _SHIFT
        _SHIFT = shift
        enabled = gc.isenabled()
        gc.disable()
        try:
            statements = run(text)
        except UnexpectedInput as error:
            if shift is not None:
                _move_error(error, shift)
            from .syntax_errors import _diagnose  # only for a syntax error

            raise ParseError(_diagnose(error, source)) from None
        except ParseError as error:
            for diagnostic in error.diagnostics:
                diagnostic.source = source
            raise
        finally:
            _SHIFT = None
            if enabled:
                gc.enable()
            builder.end()
    program = ast.Program(statements, source)
    program.transcript = transcript is not None
    return program


def _move_error(error, shift) -> None:
    """A lexer error's position, from the un-prompted text back to the transcript."""
    line = getattr(error, "line", None)
    if line is None or getattr(error, "token", None) is not None:
        return  # a token's error: the token was moved already
    offset, column = shift.get(line, (0, 0))
    if isinstance(getattr(error, "pos_in_stream", None), int):
        error.pos_in_stream += offset
    if isinstance(getattr(error, "column", None), int):
        error.column += column


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
