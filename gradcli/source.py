"""Source text, spans and the one Diagnostic type every stage reports with.

Nothing here imports NumPy, Lark or Rich: the command layer builds
diagnostics for usage errors before any of them is loaded.
"""
from __future__ import annotations

import bisect


class Span:
    """A half-open range of code points in one Source, with 1-based positions.

    Immutable, compared and hashed by value. A plain class rather than a frozen
    dataclass: a dataclass is compiled when its module loads, a cost every run
    of the command would pay at start-up (README, performance).
    """

    __slots__ = ("start", "end", "line", "column", "end_line", "end_column")

    def __init__(self, start: int, end: int, line: int, column: int, end_line: int, end_column: int):
        setter = object.__setattr__
        setter(self, "start", start)
        setter(self, "end", end)
        setter(self, "line", line)
        setter(self, "column", column)
        setter(self, "end_line", end_line)
        setter(self, "end_column", end_column)

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot assign to field {name!r} of a Span")

    def __delattr__(self, name):
        raise AttributeError(f"cannot delete field {name!r} of a Span")

    def _key(self) -> tuple:
        return (self.start, self.end, self.line, self.column, self.end_line, self.end_column)

    def __eq__(self, other):
        return self._key() == other._key() if other.__class__ is self.__class__ else NotImplemented

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return f"Span(start={self.start!r}, end={self.end!r}, line={self.line!r}, column={self.column!r}, end_line={self.end_line!r}, end_column={self.end_column!r})"

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

    def label(self, span: Span, limit: int = 60) -> str:
        """A span's text on one line, cut to about `limit` characters with `…`: what
        graphs and explanations call an unnamed node (a 20,000-term sum's partial sums
        would otherwise be labelled with 400 MB of source text). Reads only what it shows."""
        piece = self.text[span.start:min(span.end, span.start + 4 * limit)]
        text = " ".join(piece.split())
        cut = span.end > span.start + 4 * limit
        return shorten(text + ("…" if cut else ""), limit)

    @property
    def line_count(self) -> int:
        return len(self._line_starts)


NAME_LIMIT = 60  # characters of a name or value echoed in a message


def shorten(text: str, limit: int = NAME_LIMIT) -> str:
    """`text` cut to `limit` characters, ending in `…` when anything was left out.

    Names and values echoed in messages go through this: a 1 MB name must not
    give megabytes of diagnostics."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


class Label:
    """A secondary span, rendered with `-` under it and its text beside."""

    __slots__ = ("span", "text")

    def __init__(self, span: Span, text: str = ""):
        self.span = span
        self.text = text

    def __eq__(self, other):
        return (self.span, self.text) == (other.span, other.text) if other.__class__ is self.__class__ else NotImplemented

    __hash__ = None  # mutable and compared by value: not hashable

    def __repr__(self):
        return f"Label(span={self.span!r}, text={self.text!r})"
