"""Source text, spans and the one Diagnostic type every stage reports with.

Nothing here imports NumPy, Lark or Rich: the command layer builds
diagnostics for usage errors before any of them is loaded.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range of code points in one Source, with 1-based positions."""

    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int

    def merge(self, other: "Span | None") -> "Span":
        if other is None:
            return self
        first = self if self.start <= other.start else other
        last = self if self.end >= other.end else other
        return Span(first.start, last.end, first.line, first.column, last.end_line, last.end_column)


class Source:
    """A named text: a file, `<stdin>` or `<expr>`. Positions count code points."""

    __slots__ = ("name", "text", "_line_starts")

    def __init__(self, name: str, text: str):
        self.name = name
        self.text = text
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._line_starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column), both 1-based, of a code-point offset."""
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(max(end, start))
        return Span(start, max(end, start), line, column, end_line, end_column)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        if not 1 <= line <= len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        text = self.text[start:] if end == -1 else self.text[start:end]
        return text.rstrip("\r")

    def snippet(self, span: Span) -> str:
        return self.text[span.start:span.end]

    @property
    def line_count(self) -> int:
        return len(self._line_starts)


@dataclass(slots=True)
class Label:
    """A secondary span, rendered with `-` under it and its text beside."""

    span: Span
    text: str = ""


@dataclass(slots=True)
class Diagnostic:
    """An error or warning: a stable code, a message, where, and what to do.

    Messages are lowercase without a trailing period (rustc's style); `help`
    lines are what the user can do, `notes` are facts that explain.
    """

    code: str
    message: str
    span: Span | None = None
    label: str = ""
    source: Source | None = None
    labels: list[Label] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    help: list[str] = field(default_factory=list)
    severity: str = ""

    def __post_init__(self):
        if not self.severity:
            self.severity = "warning" if self.code.startswith("W") else "error"

    @property
    def exit_code(self) -> int:
        return exit_code_for(self.code)

    def __str__(self) -> str:
        where = ""
        if self.source is not None and self.span is not None:
            where = f" at {self.source.name}:{self.span.line}:{self.span.column}"
        return f"{self.severity}[{self.code}]: {self.message}{where}"


class ExitCode:
    """The process exit statuses of CLI.md."""

    OK = 0
    CHECK_FAILED = 1
    USAGE = 2
    INVALID_MODEL = 65
    CANNOT_READ = 66
    INTERNAL = 70
    INTERRUPTED = 130


# Codes whose exit status is not decided by their family (see exit_code_for).
CANNOT_READ_CODES = {"E0002", "E0003"}


INTERNAL_CODE = "E0099"


def exit_code_for(code: str) -> int:
    if code in CANNOT_READ_CODES:
        return ExitCode.CANNOT_READ
    if code == INTERNAL_CODE:
        return ExitCode.INTERNAL
    if code.startswith("W"):
        return ExitCode.OK
    family = code[:3]
    if family in ("E00", "E04"):
        return ExitCode.USAGE
    return ExitCode.INVALID_MODEL


class GradcliError(Exception):
    """Raised for anything wrong with the user's input; `.diagnostics` says what."""

    def __init__(self, *diagnostics: Diagnostic):
        self.diagnostics = list(diagnostics)
        super().__init__("; ".join(str(d) for d in self.diagnostics))

    @property
    def exit_code(self) -> int:
        return max((d.exit_code for d in self.diagnostics), default=ExitCode.INVALID_MODEL)


class UsageError(GradcliError):
    """E00xx: the command was asked for something it cannot do."""


class ParseError(GradcliError):
    """E01xx: the text is not valid .grad syntax."""


class ResolveError(GradcliError):
    """E02xx: names, declarations and statements."""


class EvalError(GradcliError):
    """E03xx: types, shapes and values, found before or during evaluation."""


class FeedError(GradcliError):
    """E04xx: a --feed value, name or shape is wrong."""


class GradientError(GradcliError):
    """E05xx: an invalid gradients/hessians/jacobian call or a gradient that cannot be computed."""


def error_class(code: str) -> type[GradcliError]:
    return {
        "E00": UsageError,
        "E01": ParseError,
        "E02": ResolveError,
        "E03": EvalError,
        "E04": FeedError,
        "E05": GradientError,
    }.get(code[:3], GradcliError)


def fail(code: str, message: str, span: Span | None = None, **kw) -> GradcliError:
    """Build the error for one diagnostic; `raise fail(...)` at the call site."""
    return error_class(code)(Diagnostic(code, message, span, **kw))
