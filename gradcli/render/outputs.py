"""A pasted script's outputs (print calls, REPL echoes) as text and as JSON.

Text is what the script would print: strings as text, numbers in gradcli's
format (`--precision` significant digits), arrays in NumPy's bracket layout,
lists, tuples and dicts as Python prints them, and a None gradient as `None`
followed by a note line with its reason. JSON is CLI.md's `"outputs"` objects.

Values may nest as deep as the script made them: every walk here keeps its own
stack (no recursion).
"""
from __future__ import annotations

import numpy as np

from ..engine.gradients import Unconnected
from .values import format_array, format_number, json_safe, to_json

_OPEN = {list: "[", tuple: "(", dict: "{"}
_CLOSE = {list: "]", tuple: ")", dict: "}"}


# ----- text -----


def output_lines(outputs, precision: int = 6) -> list[tuple[str, str]]:
    """(text, style) lines: each output's printed text, then a note per None gradient in it."""
    lines = []
    for out in outputs:
        reasons: list[str] = []
        pieces = [_text(v, precision, top=not out.echo, reasons=reasons) for v in out.values]
        for text_line in " ".join(pieces).split("\n"):
            lines.append((text_line, ""))
        for reason in reasons:
            lines.append((f"  = None: {reason}", "none"))
    return lines


def output_text(value, precision: int = 6, echo: bool = False) -> str:
    """One value as print() (or, with echo, a REPL) shows it."""
    return _text(value, precision, top=not echo, reasons=[])


def _text(value, precision: int, top: bool, reasons: list) -> str:
    """Python's str() of a value with gradcli's numbers; a top-level string prints bare."""
    if isinstance(value, str) and top:
        return value
    out: list[str] = []
    col = 0  # the column the next piece starts at (multi-line arrays inside containers align to it)
    stack = [("value", value)]
    while stack:
        kind, item = stack.pop()
        if kind == "text":
            piece = item
        elif _container(item) is not None:
            ctype = _container(item)
            entries = list(item.items()) if ctype is dict else list(item)
            closing = _CLOSE[ctype] if not (ctype is tuple and len(entries) == 1) else ",)"
            stack.append(("text", closing))
            for i in reversed(range(len(entries))):
                if ctype is dict:
                    key, v = entries[i]
                    stack.append(("value", v))
                    stack.append(("text", f"{_key_text(key, precision)}: "))
                else:
                    stack.append(("value", entries[i]))
                if i:
                    stack.append(("text", ", "))
            piece = _OPEN[ctype]
        else:
            piece = _leaf_text(item, precision, reasons, indent=col if stack or out else 0)
        out.append(piece)
        if "\n" in piece:
            col = len(piece.rsplit("\n", 1)[1])
        else:
            col += len(piece)
    return "".join(out)


def _container(value):
    if isinstance(value, dict):
        return dict
    if isinstance(value, tuple):
        return tuple
    if isinstance(value, list):
        return list
    return None


def _key_text(key, precision) -> str:
    if isinstance(key, str):
        return repr(key)
    return _leaf_text(key, precision, [], 0)


def _leaf_text(value, precision: int, reasons: list, indent: int) -> str:
    if value is None:
        return "None"
    if isinstance(value, Unconnected):
        reasons.append(value.reason)
        return "None"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (int, float, np.number)):
        return format_number(value, precision)
    if isinstance(value, np.ndarray):
        text = format_array(value, precision)
        if not indent:
            return text
        return "\n".join(line if not line.strip() or i == 0 else " " * indent + line for i, line in enumerate(text.split("\n")))
    return str(value)


# ----- JSON -----


def outputs_json(outputs) -> list[dict]:
    """CLI.md's "outputs": one object per output, one values entry per print argument."""
    docs = []
    for out in outputs:
        reasons: list[str] = []
        doc = {
            "line": out.line,
            "source": out.source,
            "values": [_mirror(v, lambda leaf: _leaf_json(leaf, reasons)) for v in out.values],
            "dtypes": [_mirror(v, _leaf_dtype) for v in out.values],
            "shapes": [_mirror(v, _leaf_shape) for v in out.values],
        }
        if reasons:
            doc["reasons"] = reasons  # why each None gradient is None, in order
        docs.append(doc)
    return docs


def _mirror(value, leaf):
    """The same nesting with each leaf mapped: tuples become lists, dict keys strings."""
    root: list = [None]
    stack = [(value, root, 0)]
    while stack:
        item, parent, key = stack.pop()
        ctype = _container(item)
        if ctype is dict:
            new = {}
            for k, v in reversed(list(item.items())):
                stack.append((v, new, _json_key(k)))
        elif ctype is not None:
            new = [None] * len(item)
            for i in reversed(range(len(item))):
                stack.append((item[i], new, i))
        else:
            new = leaf(item)
        parent[key] = new
    return root[0]


def _json_key(key) -> str:
    if isinstance(key, str):
        return key
    return output_text(key)


def _leaf_json(value, reasons: list):
    if value is None:
        return None
    if isinstance(value, Unconnected):
        reasons.append(value.reason)
        return None
    if isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return json_safe(value)
    if isinstance(value, (np.ndarray, np.generic)):
        return to_json(value)
    return str(value)


def _leaf_dtype(value):
    if value is None or isinstance(value, Unconnected):
        return None
    if hasattr(value, "tensor_dtype"):  # a graph-mode tensor as print() shows it (language/tf_names.py)
        return value.tensor_dtype
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype.name
    if isinstance(value, (str, bool, int, float)):
        return type(value).__name__
    return type(value).__name__


def _leaf_shape(value):
    if value is None or isinstance(value, (Unconnected, str)):
        return None
    if hasattr(value, "tensor_shape"):
        return value.tensor_shape
    if isinstance(value, (np.ndarray, np.generic)):
        return list(np.shape(value))
    if isinstance(value, (bool, int, float)):
        return []
    return None
