"""Source text -> AST, with Lark's LALR parser and a transformer given to the
constructor (no parse tree is built).

Lark is imported on the first parse, never at import time, and its
exceptions become ParseError diagnostics here and nowhere else (the
classification itself lives in parse_errors.py, the callbacks that build the
AST in parse_build.py). Nothing recurses with the nesting depth of the input:
LALR is iterative and each callback builds one node from its children.
"""
from __future__ import annotations

import gc
import hashlib
import os
import threading
from pathlib import Path

from . import ast
from .ast_builder import KEYWORDS, _AstBuilder
from .syntax_errors import _diagnose
from ..codes import SYNTAX_CODES as CODES
from ..errors import Diagnostic, ParseError
from ..source import Source

__all__ = ["parse", "decode_source", "grammar_text", "CODES", "KEYWORDS"]



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
