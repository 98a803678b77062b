"""The op table that `gradcli ops` prints and docs/ops.md holds, read from the registry.

Regenerate docs/ops.md with `GRADCLI_UPDATE_DOCS=1 python -m pytest tests/learn/test_graph_ops.py`
or `gradcli ops --markdown > docs/ops.md`.
"""
from __future__ import annotations

from ..engine.registry import NO_GRADIENT, NOT_DIFFERENTIABLE, OPS
from ..errors import fail


def gradient_text(op) -> str:
    """The derivative rule in one line, or what happens to a gradient through the op."""
    if op.grad == NOT_DIFFERENTIABLE and op.lister is None:
        return "no gradient (None)" + (f": {op.rule}" if op.rule and not op.rule.startswith("no gradient") else "")
    if op.grad == NO_GRADIENT:
        return "no gradient rule (error on the path)"
    return op.rule or "differentiable"


# The derivative calls a model makes: not ops of the registry, but listed with them.
DERIVATIVE_CALLS = [
    {
        "name": "gradients",
        "signature": 'gradients(ys, xs, grad_ys=None, stop_gradients=None, unconnected_gradients="none")',
        "doc": "a list, one entry per x: the sum over ys of dy/dx, seeded by grad_ys (tf.gradients)",
        "gradient": "differentiable again: gradients of gradients give higher derivatives",
    },
    {
        "name": "hessians",
        "signature": "hessians(ys, xs)",
        "doc": "a list, one entry per x: the Hessian of sum(ys), shape x.shape + x.shape (zeros where TensorFlow raises)",
        "gradient": "built from gradients, so differentiable again",
    },
    {
        "name": "jacobian",
        "signature": "jacobian(y, x)",
        "doc": "dy/dx of shape y.shape + x.shape (zeros when y does not depend on x)",
        "gradient": "built from gradients, so differentiable again",
    },
]


def _derivative_rows(name=None):
    rows = [dict(r, differentiable=True, marker=None, aliases=[]) for r in DERIVATIVE_CALLS]
    return rows if name is None else [r for r in rows if r["name"] == name]


def _lookup(name):
    """An op by its name, an alias, or a TensorFlow/NumPy spelling (tf.nn.relu, tf.math.log)."""
    from ..engine.registry import NAMES
    from ..language.spellings import short_name

    for key in (name, short_name(name)):
        op = NAMES.get(key)
        if op is not None and "internal" not in op.tags:
            return op, key
    return None, short_name(name)


def op_rows(names=()) -> list[dict]:
    """Every public op (no "internal" ones) and the derivative calls, or the named ones
    (aliases and TensorFlow spellings allowed), as plain dicts."""
    from ..engine.registry import NAMES

    if not names:
        return [_row(op) for op in OPS.values() if "internal" not in op.tags] + _derivative_rows()
    rows = []
    for name in names:
        op, short = _lookup(name)
        if op is not None:
            rows.append(_row(op))
            continue
        if _derivative_rows(short):
            rows.extend(_derivative_rows(short))
            continue
        import difflib

        known = [n for n, o in NAMES.items() if "internal" not in o.tags] + [r["name"] for r in DERIVATIVE_CALLS]
        close = difflib.get_close_matches(short, known, n=1)
        raise fail("E0202", f"unknown op '{name}'", help=[f"did you mean '{close[0]}'?"] if close else ["gradcli ops lists every op"])
    return rows


def _row(op) -> dict:
    return {
        "name": op.name,
        "signature": op.signature,
        "doc": op.doc,
        "gradient": gradient_text(op),
        "differentiable": op.differentiable,
        "marker": op.grad if isinstance(op.grad, str) else None,
        "aliases": list(op.aliases),
    }


def op_lines(rows) -> list[tuple[str, str]]:
    """`gradcli ops`'s listing: signature and doc on one line (a long signature puts its
    doc on the next), then the derivative rule, indented."""
    width = min(max(len(r["signature"]) for r in rows), 40) + 2
    lines = []
    for r in rows:
        aliases = f"  (also {', '.join(r['aliases'])})" if r["aliases"] else ""
        if len(r["signature"]) + 2 > width:
            lines.append((r["signature"], "head"))
            lines.append((f"{'':<{width}}{r['doc']}{aliases}", ""))
        else:
            lines.append((f"{r['signature']:<{width}}{r['doc']}{aliases}", "head"))
        lines.append((f"{'':<4}{r['gradient']}", "dim" if r["differentiable"] else "none"))
    return lines


def markdown_table(rows=None) -> str:
    rows = op_rows() if rows is None else rows
    esc = lambda t: t.replace("|", "\\|")  # noqa: E731
    out = [
        "# Ops",
        "",
        "Generated from the op registry by `gradcli ops --markdown`; do not edit by hand.",
        "\"no gradient (None)\": the gradient through the op is None, as TensorFlow registers it.",
        "\"no gradient rule (error on the path)\": a gradient through it is an error (E0503), as TensorFlow's LookupError.",
        "",
        "| op | signature | what it does | derivative | aliases |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(f"| `{r['name']}` | `{esc(r['signature'])}` | {esc(r['doc'])} | {esc(r['gradient'])} | {', '.join(f'`{a}`' for a in r['aliases'])} |")
    return "\n".join(out) + "\n"
