"""The JSON documents of CLI.md (format_version 1), built as plain dicts."""
from __future__ import annotations

from .. import __version__
from .values import StreamedArray, json_safe, to_json

FORMAT_VERSION = 1


def base(command: str, model_name, dtype: str, seed: int) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "version": __version__,
        "command": command,
        "ok": True,
        "model": model_name,
        "dtype": dtype,
        "seed": seed,
    }


def derivative_json(derivative, reason=None):
    if derivative is None:
        return None
    out = {"of": list(derivative.of), "wrt": derivative.wrt}
    if derivative.kind != "gradient":
        out["kind"] = derivative.kind
    if reason is not None:
        out["unconnected"] = True
        out["reason"] = reason
    return out


def entries_json(entries) -> dict:
    values, shapes, dtypes, kinds, derivatives = {}, {}, {}, {}, {}
    for e in entries:
        kinds[e.name] = e.kind
        if e.kind == "dict":
            values[e.name] = {k: to_json(v) for k, v in e.value.items()}
            shapes[e.name] = {k: list(v.shape) if v is not None else None for k, v in e.value.items()}
            dtypes[e.name] = {k: v.dtype.name if v is not None else None for k, v in e.value.items()}
            if any(d is not None for d in e.derivative.values()):
                derivatives[e.name] = {k: derivative_json(d, e.reason.get(k)) for k, d in e.derivative.items()}
        elif e.kind == "list":
            values[e.name] = [to_json(v) for v in e.value]
            shapes[e.name] = [list(v.shape) if v is not None else None for v in e.value]
            dtypes[e.name] = [v.dtype.name if v is not None else (d.name if d is not None else None) for v, d in zip(e.value, e.dtype or [None] * len(e.value))]
            if any(d is not None for d in e.derivative):
                derivatives[e.name] = [derivative_json(d, r) for d, r in zip(e.derivative, e.reason)]
        else:
            values[e.name] = to_json(e.value)
            shapes[e.name] = list(e.value.shape) if e.value is not None else None
            dtypes[e.name] = e.value.dtype.name if e.value is not None else (e.dtype.name if e.dtype is not None else None)
            if e.derivative is not None:
                derivatives[e.name] = derivative_json(e.derivative, e.reason)
    return {"values": values, "shapes": shapes, "dtypes": dtypes, "kinds": kinds, "derivatives": derivatives}


def claims_json(claims) -> list:
    out = []
    for c in claims:
        item = {"line": c.claim.span.line, "source": c.claim.text, "ok": c.ok, "max_abs_err": json_safe(c.max_abs_err)}
        if getattr(c, "reason", ""):
            item["reason"] = c.reason
        if c.ok is None and c.missing:
            item["missing"] = list(c.missing)
        else:
            item["lhs"], item["rhs"] = to_json(c.lhs), to_json(c.rhs)
        out.append(item)
    return out


def eval_json(result, outputs=()) -> dict:
    """`gradcli eval`'s fields: the values with their shapes, dtypes and derivatives, what
    a script printed (when it printed), the expect claims and the warnings."""
    doc = entries_json(result.entries)
    if outputs:
        from .outputs import outputs_json

        doc["outputs"] = outputs_json(outputs)
    return {**doc, "expects": claims_json(result.claims), "diagnostics": diagnostics_json(result.warnings)}


def grad_json(request, result, formulas: dict | None = None) -> dict:
    """`gradcli grad`'s fields: each y's value, each x's gradient (null when unconnected,
    with the reason), their shapes and dtypes; the formulas when asked for."""
    values, gradients = result.values, result.gradients
    doc = {
        "of": list(request.ys),
        "wrt": list(request.xs),
        "values": {y: to_json(v) for y, v in values.items()},
        "gradients": {x: to_json(g) for x, g in gradients.items()},
        "shapes": {"values": {y: list(v.shape) for y, v in values.items()}, "gradients": {x: _shape(g) for x, g in gradients.items()}},
        "dtypes": {"values": {y: v.dtype.name for y, v in values.items()}, "gradients": {x: _dtype(g) for x, g in gradients.items()}},
        "unconnected": dict(result.unconnected),
    }
    if formulas is not None:
        doc["formulas"] = formulas
    doc["diagnostics"] = diagnostics_json(result.warnings)
    return doc


def _shape(value):
    return list(value.shape) if value is not None else None


def _dtype(value):
    return value.dtype.name if value is not None else None


def diagnostics_json(diagnostics) -> list:
    from .diagnostics import diagnostic_to_json

    return [diagnostic_to_json(d) for d in diagnostics]


def dumps(doc: dict) -> str:
    """One line of strict JSON (allow_nan=False: non-finite values were named already)."""
    return "".join(pieces(doc))


def write(doc: dict, out) -> None:
    """The document and a newline written to `out`, a big array a bounded piece at a time."""
    for piece in pieces(doc):
        out.write(piece)
    out.write("\n")
    out.flush()


def pieces(doc: dict):
    """The document's JSON text in pieces: json's own text around each StreamedArray."""
    import json  # here: text output does not load it

    found: list[StreamedArray] = []

    def stand_in(value):
        if isinstance(value, StreamedArray):
            found.append(value)
            return _MARK % (len(found) - 1)
        raise TypeError(f"{type(value).__name__} is not JSON")

    text = json.dumps(doc, ensure_ascii=False, allow_nan=False, default=stand_in)
    if not found:
        yield text
        return
    quoted = [json.dumps(_MARK % i) for i in range(len(found))]
    start = 0
    for i, array in enumerate(found):  # json writes them in the order default() met them
        at = text.index(quoted[i], start)
        yield text[start:at]
        yield from array.pieces()
        start = at + len(quoted[i])
    yield text[start:]


# a string no document holds otherwise (sources and names never contain NUL: E0108)
_MARK = "\x00gradcli-array-%d\x00"
