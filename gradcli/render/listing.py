"""The text listing of results: one aligned line per value.

    pred  float64[2,1]  [[3.8763]
                         [5.54121]]
    cost  float64       6.65403
    dW    float64       12.3762    ∂cost/∂W

Rendering computes nothing: it lays out what the model returned.
"""
from __future__ import annotations

from .values import format_array, type_label


class Row:
    """One line of a listing: `value` may span lines; `style` is "none" for a None
    gradient, "error"/"ok" for claims. Compared by value. (Not a dataclass: this
    module loads on every text run, gradcli.source.Span.)"""

    __slots__ = ("name", "type", "value", "note", "style")

    def __init__(self, name: str, type: str, value: str, note: str = "", style: str = ""):
        self.name = name
        self.type = type
        self.value = value
        self.note = note
        self.style = style

    def _fields(self) -> tuple:
        return (self.name, self.type, self.value, self.note, self.style)

    def __eq__(self, other):
        return self._fields() == other._fields() if other.__class__ is self.__class__ else NotImplemented

    __hash__ = None

    def __repr__(self):
        return f"Row(name={self.name!r}, type={self.type!r}, value={self.value!r}, note={self.note!r}, style={self.style!r})"


def derivative_label(derivative) -> str:
    """∂cost/∂W (Derivative.label), or nothing for a value that is no derivative."""
    return derivative.label if derivative is not None else ""


def entry_rows(entries, precision: int) -> list[Row]:
    rows = []
    for e in entries:
        if e.kind == "dict":
            for key, value in e.value.items():
                rows.append(_row(f"{e.name}[{key!r}]", value, e.derivative.get(key), e.reason.get(key), precision))
        elif e.kind == "list":
            if not e.value:
                rows.append(Row(e.name, "list", "[]", "empty list"))
            for i, value in enumerate(e.value):
                rows.append(_row(f"{e.name}[{i}]", value, e.derivative[i], e.reason[i], precision))
        else:
            rows.append(_row(e.name, e.value, e.derivative, e.reason, precision))
    return rows


def _row(name, value, derivative, reason, precision) -> Row:
    label = derivative_label(derivative)
    if value is None:
        return Row(name, "None", "None", f"{label}: {reason}" if label else (reason or ""), style="none")
    return Row(name, type_label(value.dtype, value.shape), format_array(value, precision), label)


def layout(rows: list[Row]) -> list[tuple]:
    """Lines of (text, style, spans) with the columns aligned; spans are (start, end,
    style) within the text, for colour: the name, the type and the note apart."""
    if not rows:
        return []
    name_w = max(len(r.name) for r in rows) + 2
    type_w = max(len(r.type) for r in rows) + 2
    # a note goes after the widest first line of a value that has a note beside it
    value_w = max(len(r.value.split("\n", 1)[0]) for r in rows) + 2
    indent = " " * (name_w + type_w)
    lines = []
    for r in rows:
        first, *rest = r.value.split("\n")
        text = f"{r.name:<{name_w}}{r.type:<{type_w}}{first}"
        spans = [(0, len(r.name), "name"), (name_w, name_w + len(r.type), "type")]
        if r.note:
            at = name_w + type_w + value_w
            text = f"{text:<{at}}{r.note}"
            spans.append((at, at + len(r.note), "note"))
        lines.append((text.rstrip(), r.style, spans))
        lines.extend((indent + more, r.style) for more in rest)
    return lines


def eval_lines(result, precision: int, outputs=(), fetch=None) -> list[tuple]:
    """`gradcli eval`'s listing: the values (or, for a script that prints and no --fetch,
    what it prints), then the expect claims."""
    if outputs and not fetch:
        from .outputs import output_lines

        lines = output_lines(outputs, precision)
    else:
        lines = layout(entry_rows(result.entries, precision))
    lines += claim_lines(result.claims, precision)
    return lines or [("(nothing to show: the model binds no names; add `fetch NAME` or --fetch NAME)", "dim")]


def grad_lines(request, result, formulas: dict | None, precision: int) -> list[tuple]:
    """`gradcli grad`'s listing: each y's value, then each x's gradient with its label
    (and its formula when asked for), or None with the reason."""
    rows = [Row(y, type_label(v.dtype, v.shape), format_array(v, precision)) for y, v in result.values.items()]
    for x, g in result.gradients.items():
        label = derivative_label(request.derivative(x))
        if g is None:
            rows.append(Row(label, "None", "None", result.unconnected[x], style="none"))
        else:
            rows.append(Row(label, type_label(g.dtype, g.shape), format_array(g, precision), _formula_note(formulas, x)))
    return layout(rows)


def _formula_note(formulas: dict | None, x: str) -> str:
    if formulas is None:
        return ""
    text = formulas.get(x)
    if text is not None and not isinstance(text, str):  # a learn.latex.FormulaResult: the text, or why there is none
        return f"= {text.shown}" if text.text is not None else f"(no formula: {text.reason})"
    if text is None:  # e.g. through gather: its gradient scatters, which .grad cannot spell
        return "(no formula: the gradient goes through an op with no .grad spelling)"
    return f"= {text}"


def claim_lines(claims, precision: int) -> list[tuple[str, str]]:
    """`expect A == B   holds (max abs error 0)`, aligned."""
    if not claims:
        return []
    width = max(len(c.claim.text) for c in claims) + 3
    out = []
    for c in claims:
        head = f"expect {c.claim.text:<{width}}"
        if c.ok is None:
            why = f"needs {', '.join(c.missing)}" if c.missing else getattr(c, "reason", "")
            out.append((f"{head}not checked ({why})", "dim"))
        elif c.ok:
            out.append((f"{head}holds (max abs error {_err(c.max_abs_err, precision)})", "ok"))
        elif getattr(c, "reason", ""):
            out.append((f"{head}FAILS: {c.reason}", "error"))
        else:
            # one line whatever the rank: an aligned claim row never breaks
            lhs, rhs = (" ".join(p.strip() for p in format_array(v, precision).split("\n")) for v in (c.lhs, c.rhs))
            out.append((f"{head}FAILS (max abs error {_err(c.max_abs_err, precision)}: {lhs} vs {rhs})", "error"))
    return out


def _err(x, precision):
    from .values import format_number

    return format_number(x, min(precision, 3))
