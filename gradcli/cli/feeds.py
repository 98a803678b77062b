"""Feed values from the command line: `NAME=VALUE` and --feeds files.

VALUE is a number, a comma list, a bracketed nested list, or @FILE (.npy
loaded without pickle, .json, .csv, .txt). Errors point into the text the
user typed, as a Source of its own.
"""
from __future__ import annotations

import io
import os
import re
import warnings

from ..source import Source, shorten
from ..errors import fail

# An integer written with more digits than this is read as a float: it fits no integer
# dtype anyway (the range check then says so), and Python refuses int() of over 4300 digits.
_INT_DIGITS = 20

_TOKEN = re.compile(r"\s*(?:(\[)|(\])|(,)|([-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf(?:inity)?|nan))|(true|false)|(\S))", re.IGNORECASE)


def split_feed(text: str) -> tuple[str, str]:
    """`X=[[2],[3]]` -> ("X", "[[2],[3]]")."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise fail("E0405", f"a feed is NAME=VALUE, got '{shorten(text)}'", help=["e.g. --feed x=2 or --feed 'X=[[2],[3]]'"])
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise fail("E0405", f"'{shorten(name)}' is not a name", help=["a feed is NAME=VALUE, e.g. --feed x=2"])
    return name, value


def parse_value(text: str, origin: str = "--feed", max_elements: int | None = None):
    """A feed value as nested Python lists/numbers, or an ndarray for @FILE."""
    stripped = text.strip()
    if stripped.startswith("@"):
        return read_file(stripped[1:], max_elements)
    source = Source(origin, text)
    if "[" not in stripped and "," in stripped:
        stripped = "[" + stripped + "]"
        source = Source(origin, stripped)
        text = stripped
    return _parse_nested(text, source)


def _parse_nested(text: str, source: Source):
    """Numbers and brackets, with an explicit stack (deep nesting cannot overflow)."""
    stack: list[list] = [[]]
    expect_item = True
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        start = m.start(0) + (len(m.group(0)) - len(m.group(0).lstrip()))
        pos = m.end()
        if m.group(1):
            if not expect_item:
                raise _bad(source, start, pos, "expected ',' before '['")
            stack.append([])
        elif m.group(2):
            if len(stack) == 1:
                raise _bad(source, start, pos, "unmatched ']'")
            done = stack.pop()
            stack[-1].append(done)
            expect_item = False
        elif m.group(3):
            if expect_item:
                raise _bad(source, start, pos, "expected a number before ','")
            expect_item = True
        elif m.group(4) or m.group(5):
            if not expect_item:
                raise _bad(source, start, pos, "expected ',' between numbers")
            token = m.group(4) or m.group(5)
            stack[-1].append(_number(token))
            expect_item = False
        else:
            raise _bad(source, start, pos, f"unexpected '{m.group(6)}'")  # rendering escapes a control character
    if len(stack) != 1:
        raise _bad(source, len(text), len(text), "unclosed '['", help=["close every '[' with ']'"])
    items = stack[0]
    if len(items) != 1:
        raise _bad(source, 0, len(text), "expected one value" if items else "the value is empty", help=["e.g. 2, 1,2,3 or [[2],[3]]"])
    return items[0]


def _number(token: str):
    low = token.lower()
    if low in ("true", "false"):
        return low == "true"
    if re.fullmatch(r"[-+]?\d+", token):
        return _integer(token)
    return float(low.replace("infinity", "inf"))


def _integer(text: str):
    """An integer token; a very long one as a float (see _INT_DIGITS)."""
    if len(text.lstrip("+-")) > _INT_DIGITS:
        return float(text)  # inf beyond float range: an integer input then reports its range
    return int(text)


def _bad(source: Source, start, end, message, help=None):
    return fail("E0406", f"invalid feed value: {message}", source.span(start, max(end, start + 1) if start < len(source.text) else end), source=source, help=help or ["a value is a number, a comma list 1,2,3, a bracketed list [[2],[3]] or @FILE"])


def read_file(path: str, max_elements: int | None = None):
    """A value from .npy, .json, .csv or .txt, read with the size limit of gradcli.model.MAX_FILE_BYTES."""
    from ..model import read_limited

    shown = shorten(path)
    suffix = os.path.splitext(os.path.basename(path))[1].lower()
    if suffix not in (".npy", ".json", ".csv", ".txt"):
        raise fail("E0406", f"cannot read feed values from '{shown}': unknown file type '{shorten(suffix) or '(none)'}'", help=["use .npy, .json, .csv or .txt"])
    if suffix == ".npy":
        from .npy import read_npy

        return read_npy(path, max_elements)
    data = read_limited(path, "E0003", what="feed file '{}'")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise fail("E0406", f"feed file '{shown}' is not UTF-8 text") from None
    if suffix == ".json":
        import json  # here: a run without a JSON feed does not load it

        try:
            return json.loads(text, parse_int=_integer)
        except (ValueError, RecursionError) as e:
            raise fail("E0406", f"feed file '{shown}' is not JSON: {getattr(e, 'msg', 'too deeply nested')}") from None
    return _read_table(text, shown, "," if suffix == ".csv" else None)


def _read_table(text: str, shown: str, delimiter):
    """A .csv or .txt table of numbers; an empty one is an error, not an empty array."""
    import numpy as np

    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        raise fail("E0406", f"feed file '{shown}' holds no numbers", help=["write one row of numbers a line (comma separated in .csv)"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NumPy's own words (and its install path) stay out of stderr
            return np.loadtxt(io.StringIO(text), delimiter=delimiter, ndmin=0)
    except (ValueError, IndexError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise fail("E0406", f"feed file '{shown}' holds no table of numbers: {shorten(first, 120)}", help=["every row needs the same count of numbers"]) from None


def read_feeds_file(path: str, stdin_text: str | None = None) -> tuple[list, bool]:
    """The rows of a --feeds file and whether it is a batch (.jsonl/.ndjson or several objects).

    In a batch, a row that is not a JSON object is returned as its GradcliError, so
    that it gets its own error line and the other rows still run (CLI.md)."""
    if path == "-":
        text = stdin_text or ""
        name = "<stdin>"
    else:
        from ..model import read_limited

        try:
            text = read_limited(path, "E0003", what="feeds file '{}'").decode("utf-8")
        except UnicodeDecodeError:
            raise fail("E0406", f"feeds file '{shorten(path)}' is not UTF-8 text") from None
        name = path
    batch = path.lower().endswith((".jsonl", ".ndjson"))
    source = Source(name, text)
    rows = _json_lines(text, source) if batch else _json_objects(text, source)
    if len(rows) > 1:
        batch = True
    if not batch and rows and not isinstance(rows[0], dict):
        raise rows[0]
    if not rows and not batch:
        rows = [{}]
    return rows, batch


def _json_lines(text: str, source: Source) -> list:
    """JSON Lines: one object a line; a bad line is its row's error."""
    import json

    rows: list = []
    decoder = json.JSONDecoder(parse_int=_integer)
    start = 0
    for line in text.split("\n"):
        if line.strip():
            try:
                obj, end = decoder.raw_decode(line, len(line) - len(line.lstrip()))
                if line[end:].strip():
                    raise json.JSONDecodeError("Extra data", line, end)
                rows.append(_row(obj))
            except (ValueError, RecursionError) as e:
                rows.append(_not_json(e, source, start))
        start += len(line) + 1
    return rows


def _json_objects(text: str, source: Source) -> list:
    """One JSON object, or several in a row (a batch on stdin)."""
    import json

    rows: list = []
    decoder = json.JSONDecoder(parse_int=_integer)
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return rows
        try:
            obj, pos = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError) as e:
            error = _not_json(e, source, 0)
            if not rows:
                raise error from None
            # a bad object after good ones: its own row, and go on at the next line
            rows.append(error)
            newline = text.find("\n", pos)
            pos = len(text) if newline == -1 else newline + 1
            continue
        rows.append(_row(obj))


def _row(obj):
    if isinstance(obj, dict):
        return obj
    return fail("E0406", f"each feeds row must be a JSON object of name to value, got {_json_type(obj)}", help=['e.g. {"X": [[2], [3]], "Y": [[3], [2]]}'])


def _not_json(e: Exception, source: Source, offset: int):
    at = offset + getattr(e, "pos", 0)
    return fail("E0406", f"the feeds file is not JSON: {getattr(e, 'msg', 'too deeply nested')}", source.span(at, at + 1), source=source)


def _json_type(obj) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null", int: "a number", float: "a number"}.get(type(obj), type(obj).__name__)
