"""The one Diagnostic type, the errors that carry diagnostics, and fail().

Nothing here imports NumPy, Lark or Rich: the command layer builds
diagnostics for usage errors before any of them is loaded.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .codes import ExitCode, exit_code_for
from .source import Label, Source, Span



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


class GradcliError(Exception):
    """Raised for anything wrong with the user's input; `.diagnostics` says what.

    An error that stopped a pasted script's run also reports the warnings the run met
    (in `.diagnostics`, severity "warning", in the order met, so a warning met before
    an error comes before it), and keeps the run itself as `.partial` (a
    language.program.Resolved: what the script printed before its first error, its
    float dtype), so that what the run showed is not lost with it.
    """

    partial = None

    def __init__(self, *diagnostics: Diagnostic):
        self.diagnostics = list(diagnostics)
        super().__init__("; ".join(str(d) for d in self.errors))

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics that are errors (without the warnings met on the way)."""
        return [d for d in self.diagnostics if d.severity != "warning"] or self.diagnostics

    @property
    def exit_code(self) -> int:
        return max((d.exit_code for d in self.errors), default=ExitCode.INVALID_MODEL)


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
