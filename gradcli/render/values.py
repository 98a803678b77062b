"""Numbers as people read them (text) and as programs read them (JSON)."""
from __future__ import annotations

import math

import numpy as np


def format_number(x, precision: int = 6) -> str:
    """`%g` at `precision` significant digits: 12.376228 -> 12.3762, 5.0 -> 5."""
    if isinstance(x, (bool, np.bool_)):
        return "True" if x else "False"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = f"{x:.{precision}g}"
    return "0" if text == "-0" else text


def format_array(value, precision: int = 6) -> str:
    """A value in NumPy's bracket layout with gradcli's number format."""
    a = np.asarray(value)
    if a.ndim == 0:
        return format_number(a.item(), precision)
    fmt = lambda v: format_number(v, precision)  # noqa: E731
    return np.array2string(
        a,
        separator=" ",
        formatter={"float_kind": fmt, "int_kind": fmt, "bool": fmt},
        threshold=200,
        edgeitems=3,
        max_line_width=100,
    )


def type_label(dtype, shape) -> str:
    """`float64[2,1]`; a scalar is just its dtype."""
    name = np.dtype(dtype).name
    if shape is None or len(shape) == 0:
        return name
    return f"{name}[{','.join('?' if d is None else str(d) for d in shape)}]"


# an array with more elements is written in pieces by render.document (never as one list of
# Python numbers: 1e8 of them would take gigabytes)
STREAM_ABOVE = 65_536


class StreamedArray:
    """An array for a JSON document, written piece by piece by render.document.write/dumps."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray):
        self.array = array

    def pieces(self, chunk: int = STREAM_ABOVE):
        """The array's JSON text (as to_json's lists would be written), about `chunk` elements at a time.

        The trailing axes that fit in a chunk are written whole by json; the
        axis before them is cut into runs of rows; brackets and commas of the
        leading axes are written between the runs.
        """
        a = self.array
        shape = a.shape
        k, inner = a.ndim, 1  # axes k.. hold `inner` elements, at most a chunk
        while k > 0 and inner * shape[k - 1] <= chunk:
            k -= 1
            inner *= shape[k]
        j = k - 1  # the axis cut into runs (a.size > chunk, so k >= 1)
        step = max(1, chunk // inner)
        outer = shape[:j]
        spans, p = [], 1  # products of the outer axes' trailing sizes, innermost first
        for d in reversed(outer):
            p *= d
            spans.append(p)
        yield "[" * (j + 1)
        for t, index in enumerate(np.ndindex(*outer)):
            if t:
                closed = sum(1 for s in spans if t % s == 0)
                yield "]" * (closed + 1) + ", " + "[" * (closed + 1)
            for start in range(0, shape[j], step):
                if start:
                    yield ", "
                yield _json_numbers(a[index + (slice(start, start + step),)])
        yield "]" * (j + 1)


def _json_numbers(part: np.ndarray) -> str:
    """A block's elements along its first axis, as JSON joined by ", " (non-finite floats by name)."""
    import json

    if part.dtype.kind == "f":
        items = _nonfinite_lists(part) if not np.isfinite(part).all() else part.astype(np.float64).tolist()
    else:
        items = part.tolist()
    return json.dumps(items, allow_nan=False)[1:-1]


def to_json(value):
    """Plain numbers, booleans and nested lists; non-finite numbers as "NaN"/"Infinity"/"-Infinity".

    An array of more than STREAM_ABOVE elements is a StreamedArray, which
    render.document writes in pieces.
    """
    if value is None:
        return None
    a = np.asarray(value)
    if a.size > STREAM_ABOVE and a.ndim and 0 not in a.shape:
        return StreamedArray(a)
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        return _nonfinite_lists(a)
    if a.dtype.kind == "f":
        return a.astype(np.float64).tolist()
    return a.tolist()


def _nonfinite_lists(a: np.ndarray):
    flat = [_finite_or_name(float(v)) for v in a.reshape(-1)]
    if a.ndim == 0:
        return flat[0]
    for size in reversed(a.shape[1:]):
        flat = [flat[i:i + size] for i in range(0, len(flat), size)]
    return flat if a.shape[0] or a.ndim == 1 else []


def _finite_or_name(v: float):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def json_safe(x):
    """A float for JSON: non-finite floats become their names."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else _finite_or_name(x)


def output_json(value):
    """(value, dtype, shape) of one output entry: arrays as nested lists, tuples as lists, None gradients as null."""
    import numpy as np

    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        array = np.asarray(value)
        return to_json(array), array.dtype.name, list(array.shape)
    if isinstance(value, (list, tuple)):
        parts = [output_json(v) for v in value]
        return [p[0] for p in parts], [p[1] for p in parts], [p[2] for p in parts]
    if isinstance(value, dict):
        parts = {str(k): output_json(v) for k, v in value.items()}
        return {k: p[0] for k, p in parts.items()}, {k: p[1] for k, p in parts.items()}, {k: p[2] for k, p in parts.items()}
    if isinstance(value, float):
        return json_safe(value), "float", []
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value, type(value).__name__ if value is not None else None, None
    return None, None, None  # a None gradient (Unconnected)
