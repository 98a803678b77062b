"""Diagnostics as rustc-style text and as the JSON form of CLI.md.

Plain ANSI escapes, no Rich: this runs on every error path, where start-up
time is what the user waits for.
"""
from __future__ import annotations

import re
import textwrap
import unicodedata

from ..errors import Diagnostic
from ..source import NAME_LIMIT, Span

__all__ = ["render_text", "diagnostic_to_json", "display_width", "clean"]

TAB = "    "  # a tab is drawn as four spaces, in the code line and under it alike

_RESET = "\x1b[0m"
_STYLES = {
    "error": "\x1b[1;31m",
    "warning": "\x1b[1;33m",
    "gutter": "\x1b[1;34m",
    "secondary": "\x1b[1;34m",
    "message": "\x1b[1m",
    "help": "\x1b[1m",
    "note": "\x1b[1m",
}


def _paint(text: str, style: str, color: bool) -> str:
    return f"{_STYLES[style]}{text}{_RESET}" if color and text else text


# Control characters are never written raw (an OSC sequence would set the terminal's
# title, a CSI clear the screen): as rustc does, C0 controls and DEL become their
# Unicode control pictures (ESC is ␛), and C1 controls and the bidirectional
# overrides (which reorder what the reader sees) become U+FFFD. Each replacement is
# one column wide, like the character it stands for, so carets stay in place.
_REPLACEMENTS = {c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A)}
_REPLACEMENTS[0x7F] = "\u2421"
_REPLACEMENTS.update({c: "\ufffd" for c in range(0x80, 0xA0)})
_REPLACEMENTS.update({c: "\ufffd" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LONG_WORD = re.compile(r"\S{%d,}" % (NAME_LIMIT + 1))
_MAX_TEXT = 2000  # characters of one message, note or help line (a list of 80,000 names)


def escape_controls(text: str) -> str:
    """`text` with every control character shown as a visible stand-in (see _REPLACEMENTS)."""
    if _UNSAFE.search(text) is None:
        return text
    return text.translate(_REPLACEMENTS)


def _cut_word(match: re.Match) -> str:
    word = match.group(0)
    tail = re.search(r"['\"`),.:;\]]{0,3}$", word).group(0)
    return word[: NAME_LIMIT - 1] + "…" + tail


def clean(text: str) -> str:
    """A message, note, help or label as shown: controls escaped, a name or value longer
    than about 60 characters cut with `…` (a 1 MB name must not give megabytes of output)."""
    text = escape_controls(text).replace("\t", " ")
    text = _LONG_WORD.sub(_cut_word, text)
    if len(text) > _MAX_TEXT:
        text = text[: _MAX_TEXT - 1] + "…"
    return text


def char_width(char: str) -> int:
    """Columns a character takes in a terminal: 2 for East Asian wide, 0 for combining."""
    if char == "\t":
        return len(TAB)
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Terminal columns of a string, with tabs as four spaces."""
    if text.isascii() and "\t" not in text:
        return len(text)
    return sum(char_width(c) for c in text)


class _Mark:
    """An underline on one source line: display columns [start, end), a char, a label."""

    __slots__ = ("start", "end", "char", "label", "primary")

    def __init__(self, start: int, end: int, char: str, label: str, primary: bool):
        self.start, self.end, self.char, self.label, self.primary = start, end, char, label, primary


def render_text(diag: Diagnostic, color: bool = False, width: int | None = None) -> str:
    """The diagnostic as rustc lays it out: header, location, source lines with
    `^` under the primary span and `-` under secondary ones, then notes and help.

    `width` (terminal columns) wraps note and help lines; source lines are
    never wrapped, so carets stay under what they point at.
    """
    header = (_paint(f"{diag.severity}[{diag.code}]", diag.severity if diag.severity in _STYLES else "error", color)
              + _paint(f": {_clean_lines(diag.message)}", "message", color))
    lines = [header]
    source, span = diag.source, diag.span
    marks_by_line = _marks_by_line(diag) if source is not None and span is not None else {}
    numbers = sorted(marks_by_line)
    gutter = len(str(numbers[-1])) if numbers else 0
    pad = " " * gutter
    bar = _paint(f"{pad} |", "gutter", color)
    if source is not None and span is not None:
        lines.append(_paint(f"{pad}-->", "gutter", color) + f" {escape_controls(source.name)}:{span.line}:{span.column}")
        lines.append(bar)
        previous = None
        for number in numbers:
            if previous is not None and number > previous + 1:
                lines.append(_paint("...", "gutter", color))
            code, marks = _window(escape_controls(source.line_text(number).replace("\t", TAB)), marks_by_line[number])
            lines.append(_paint(f"{number:>{gutter}} |", "gutter", color) + (f" {code}" if code else ""))
            lines.extend(bar + row for row in _underline_rows(marks, diag.severity, color))
            previous = number
    elif source is not None:
        lines.append(_paint(" -->", "gutter", color) + f" {escape_controls(source.name)}")
    trailer = [("note", text) for text in diag.notes] + [("help", text) for text in diag.help]
    if trailer:
        if marks_by_line:
            lines.append(bar)
        for kind, text in trailer:
            lines.extend(_trailer_lines(kind, text, pad, color, width))
    return "\n".join(lines)


_MAX_LINE = 160  # display columns of a source line shown whole; a longer one is cut around its marks
_CONTEXT = 40  # columns kept before the first mark of a cut line


def _window(code: str, marks: list[_Mark]) -> tuple[str, list[_Mark]]:
    """A very long line (generated code, a 20,000-term sum) cut to a window around
    its marks, with `…` where text was left out; the marks move with it."""
    if display_width(code) <= _MAX_LINE:
        return code, marks
    first = min(m.start for m in marks)
    lo = max(0, first - _CONTEXT)
    hi = lo + _MAX_LINE
    start = end = None  # character indices of display columns lo and hi
    column = 0
    for i, char in enumerate(code):
        if start is None and column >= lo:
            start = i
        if column >= hi:
            end = i
            break
        column += char_width(char)
    start = start if start is not None else len(code)
    end = end if end is not None else len(code)
    shown_lo = display_width(code[:start])
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(code) else ""
    shift = shown_lo - len(prefix)
    limit = display_width(code[start:end]) + len(prefix)
    moved = []
    for m in marks:
        s, e = max(m.start - shift, len(prefix)), min(m.end - shift, limit)
        if e > s:
            moved.append(_Mark(s, e, m.char, m.label, m.primary))
    return prefix + code[start:end] + suffix, moved or [_Mark(len(prefix), len(prefix) + 1, marks[0].char, marks[0].label, marks[0].primary)]


def _trailer_lines(kind: str, text: str, pad: str, color: bool, width: int | None) -> list[str]:
    lead = f"{pad} = "
    head = _paint(f"{pad} =", "gutter", color) + " " + _paint(f"{kind}:", kind, color) + " "
    indent = " " * (len(lead) + len(kind) + 2)
    parts = [clean(part) for part in text.split("\n")]
    if width:
        room = max(20, width - len(indent))
        parts = [wrapped for part in parts for wrapped in (textwrap.wrap(part, room) or [""])]
    return [head + parts[0]] + [indent + part for part in parts[1:]]


def _clean_lines(text: str) -> str:
    return "\n".join(clean(part) for part in text.split("\n"))


def _marks_by_line(diag: Diagnostic) -> dict[int, list[_Mark]]:
    marks: dict[int, list[_Mark]] = {}
    for label in diag.labels:
        _add_mark(marks, diag, label.span, "-", clean(label.text), False)
    _add_mark(marks, diag, diag.span, "^", clean(diag.label), True)
    return marks


def _add_mark(marks, diag: Diagnostic, span: Span, char: str, label: str, primary: bool) -> None:
    """Underline a span on its first line; a span running past it stops at the line end."""
    text = diag.source.line_text(span.line)
    first = min(span.column - 1, len(text))
    last = span.end_column - 1 if span.end_line == span.line else len(text)
    last = min(max(last, first), len(text))
    start = display_width(text[:first])
    end = start + display_width(text[first:last])
    if end <= start:
        end = start + 1  # an empty span (end of line, end of input) still gets one mark
    marks.setdefault(span.line, []).append(_Mark(start, end, char, label, primary))


def _underline_rows(marks: list[_Mark], severity: str, color: bool) -> list[str]:
    """The rows under one code line: every mark, the rightmost label inline and
    the others each on its own row below, hung from a `|` at its mark's start."""
    main_style = "warning" if severity == "warning" else "error"
    cells: list[tuple[str, str | None]] = []

    def put(row: list, column: int, text: str, style: str | None) -> None:
        while len(row) < column + len(text):
            row.append((" ", None))
        for i, char in enumerate(text):
            row[column + i] = (char, style)

    # Secondary marks first, so the primary one wins where they overlap.
    ordered = sorted(marks, key=lambda m: m.primary)
    for mark in ordered:
        put(cells, mark.start, mark.char * (mark.end - mark.start), main_style if mark.primary else "secondary")
    labelled = sorted((m for m in marks if m.label), key=lambda m: m.start)
    rows = []
    if labelled and labelled[-1].start >= max(m.start for m in marks):
        last = labelled.pop()
        put(cells, len(cells) + 1, last.label, main_style if last.primary else "secondary")
    rows.append(cells)
    if labelled:
        rows.append(_hangers(labelled, put))
        while labelled:
            mark = labelled.pop()
            row = _hangers(labelled, put)
            put(row, mark.start, mark.label, main_style if mark.primary else "secondary")
            rows.append(row)
    return [" " + _join_cells(row, color) for row in rows]


def _hangers(marks: list[_Mark], put) -> list:
    row: list = []
    for mark in marks:
        put(row, mark.start, "|", "secondary" if not mark.primary else None)
    return row


def _join_cells(row, color: bool) -> str:
    if not color:
        return "".join(char for char, _ in row).rstrip()
    out, style, run = [], None, ""
    for char, cell_style in row:
        if cell_style != style:
            out.append(_paint(run, style, color) if style else run)
            style, run = cell_style, ""
        run += char
    out.append(_paint(run, style, color) if style else run)
    return "".join(out).rstrip()


def diagnostic_to_json(diag: Diagnostic) -> dict:
    """The JSON form of CLI.md: positions 1-based and end-exclusive, null without a span."""
    span = diag.span
    spans = []
    if span is not None:
        spans.append(_span_json(span, clean(diag.label), True))
    spans.extend(_span_json(label.span, clean(label.text), False) for label in diag.labels)
    return {
        "severity": diag.severity,
        "code": diag.code,
        "message": _clean_lines(diag.message),
        "file": diag.source.name if diag.source is not None else None,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "end_line": span.end_line if span else None,
        "end_column": span.end_column if span else None,
        "spans": spans,
        "notes": [_clean_lines(n) for n in diag.notes],
        "help": [_clean_lines(h) for h in diag.help],
        "rendered": render_text(diag, color=False),
    }


def _span_json(span: Span, label: str, primary: bool) -> dict:
    return {
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "label": label,
        "primary": primary,
    }
