"""`gradcli check`'s report as text lines and as JSON (the computation is gradcli.learn.check)."""
from __future__ import annotations


from ..learn.check import MAX_TRIES, CheckReport
from ..learn.claims import FAILS, HOLDS, UNCHECKED
from .values import format_array, format_number, json_safe, to_json


def one_line(value, precision: int = 6) -> str:
    """A value on one line, whatever its rank: a table row never breaks."""
    return " ".join(part.strip() for part in format_array(value, precision).split("\n"))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _inputs_line(report: CheckReport) -> str:
    varied = ", ".join(f"{u.name} from {format_number(u.range[0])}:{format_number(u.range[1])}" for u in report.varied)
    held = ", ".join(f"{u.name} ({u.why})" for u in report.held)
    parts = [f"varied: {varied}" if varied else "varied: nothing"]
    if held:
        parts.append(f"held: {held}")
    if report.redrawn:
        stuck = sum(1 for p in report.points[1:] if not p.finite)
        still = f" ({_plural(stuck, 'point')} still not finite after {MAX_TRIES} draws)" if stuck else ""
        parts.append(f"{_plural(report.redrawn, 'draw')} redrawn where the model was not finite{still}")
    return "; ".join(parts)


def report_lines(report: CheckReport, precision: int = 6, model_name: str = "the model", sample=None) -> list[tuple[str, str]]:
    def show(value) -> str:
        return one_line(value, precision)

    def err(x) -> str:
        return format_number(x, 3) if x is not None else "-"

    sampled = len(report.points) - 1
    # the fed point counts when some claim could be checked there (an unfed input leaves it out)
    fed_used = not report.claims or any(all(p != 0 for p, _ in c.unchecked) for c in report.claims)
    if report.one_point:
        where = "at the fed point only"
    elif fed_used:
        where = f"at the fed point and {_plural(sampled, 'sampled point')}"
    else:
        where = f"at {_plural(sampled, 'sampled point')}, nothing fed"
    lines = [(f"checking {model_name} {where} (seed {report.seed}; rtol {format_number(report.rtol)}, atol {format_number(report.atol)})", "head"),
             (f"  {_inputs_line(report)}", "dim"), ("", "")]
    if not report.claims:
        lines.append(("no expect claims in this model", "dim"))
    for c in report.claims:
        head = f"{getattr(c.claim, 'label', None) or f'line {c.claim.span.line}'}  expect {c.claim.text}"
        checked = c.checked
        # the fed point needing an input nobody fed is not news: that input is drawn everywhere else
        unchecked = [(p, why) for p, why in c.unchecked if not (p == 0 and why.startswith("needs "))] if checked else c.unchecked
        not_checked_note = f"; not checked at {_plural(len(unchecked), 'point')}: {_reasons(unchecked)}" if unchecked else ""
        if c.status == UNCHECKED:
            lines.append((f"-  {head}", "dim"))
            lines.append((f"     not checked at any point: {_reasons(unchecked) or 'no point'}", "error"))
            continue
        if c.status == HOLDS:
            lines.append((f"✓  {head}", "ok"))
            at = "at the one point checked" if len(checked) == 1 else f"at all {len(checked)} points checked"
            lines.append((f"     holds {at} (max abs error {err(c.max_err)}){not_checked_note}", ""))
            continue
        failing = [r for r in checked if not r.ok]
        lines.append((f"✗  {head}", "error"))
        if c.holds_at_fed_point_only:
            lines.append((f"     FAILS at {len(failing)} of {len(checked)} points: it holds at the fed point, but not elsewhere{not_checked_note}", "error"))
        else:
            lines.append((f"     FAILS at {len(failing)} of {len(checked)} points{not_checked_note}", "error"))
        shape_reason = next((r.reason for r in failing if r.reason), "")
        if shape_reason:
            lines.append((f"     {shape_reason}", "error"))
        lhs_text, _, rhs_text = c.claim.text.partition("==")
        names = list(report.points[c.worst.point].shown)
        header = ["point"] + names + [lhs_text.strip(), rhs_text.strip(), "error", ""]
        rows = []
        for r in c.results:
            p = report.points[r.point]
            mark = "✓" if r.ok else ("✗" if r.status == FAILS else "-")
            rows.append([f"{r.point}" + (" (fed)" if p.kind == "fed" else "")] + [show(p.shown[n]) if n in p.shown else "" for n in names]
                        + [show(r.lhs), show(r.rhs), err(r.err) if r.err != float("inf") else "-", mark])
        lines += [("     " + row, "") for row in _table([header] + rows)]
        w = c.worst
        at = ", ".join(f"{n} = {show(v)}" for n, v in report.points[w.point].shown.items()) or "the fed point"
        lines.append((f"     counterexample: at {at}, {lhs_text.strip()} is {show(w.lhs)} but {rhs_text.strip()} is {show(w.rhs)}", "error"))
        if c.holds_at_fed_point_only:
            lines.append(("     hint: a claim true only where it was fed is usually a derivative worked out at that point; write it as an expression of the inputs", "dim"))
    if report.finite_differences:
        lines += [("", ""), ("finite differences (central, step cbrt(eps)*max(1, |x|); stop_gradient values and grad_ys held as in the gradient)", "head")]
        rows = [["", "gradient", "derivative", "max abs err", "max rel err", ""]]
        for f in report.finite_differences:
            if f.ok is None:
                rows.append(["-", f.name, f.label, "", "", f"not checked: {f.skipped}"])
            else:
                note = "" if f.ok else f"disagrees at point {f.worst_point}: a kink or a bug (W0602)"
                rows.append(["✓" if f.ok else "✗", f.name, f.label, err(f.max_abs_err), err(f.max_rel_err), note])
        lines += [("  " + row, "") for row in _table(rows)]
    if report.claims:
        lines.append(("", ""))
        failed, unchecked, total = len(report.failed), len(report.not_checked), len(report.claims)
        if failed or unchecked:
            parts = ([f"{failed} of {_plural(total, 'expect')} failed"] if failed else []) + ([f"{unchecked} of {total} not checked at any point"] if unchecked else [])
            lines.append(("; ".join(parts), "error"))
        elif total == 1:
            lines.append(("the expect holds" + (" (at one point only)" if report.one_point else ""), "ok"))
        else:
            lines.append((f"all {total} expects hold" + (" (at one point only)" if report.one_point else ""), "ok"))
    return lines


def _reasons(unchecked) -> str:
    """'both sides are NaN at points 1, 3; needs x at point 0'."""
    by_reason: dict[str, list] = {}
    for point, why in unchecked:
        by_reason.setdefault(why, []).append(point)
    return "; ".join(f"{why} at point{'s' if len(ps) > 1 else ''} {', '.join(map(str, ps))}" for why, ps in by_reason.items())


def _table(rows) -> list[str]:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return [("  ".join(str(cell).ljust(w) for cell, w in zip(r, widths))).rstrip() for r in rows]


def report_json(report: CheckReport) -> dict:
    def point_json(p):
        return {"index": p.index, "kind": p.kind, "feeds": {k: to_json(v) for k, v in p.shown.items()}, "finite": p.finite, "redrawn": p.redrawn}

    expects = []
    for c in report.claims:
        worst = c.worst
        expects.append({
            "line": c.claim.span.line,
            "source": c.claim.text,
            "ok": c.ok if c.status != UNCHECKED else None,
            "status": c.status,
            "holds_only_at_fed_point": c.holds_at_fed_point_only,
            "checked_points": len(c.checked),
            "max_abs_err": json_safe(c.max_err),
            "worst_point": worst.point if worst else None,
            "values": [{"point": r.point, "lhs": to_json(r.lhs), "rhs": to_json(r.rhs), "err": json_safe(r.err), "ok": r.ok if r.checked else None,
                        "status": r.status, **({"reason": r.reason} if r.reason else {})} for r in c.results],
            "skipped": [{"point": i, "reason": why} for i, why in c.unchecked],
        })
    fds = [{
        "name": f.name, "label": f.label, "of": f.of, "wrt": f.wrt, "kind": f.kind,
        "max_abs_err": json_safe(f.max_abs_err), "max_rel_err": json_safe(f.max_rel_err),
        "ok": f.ok, "worst_point": f.worst_point, "elements": f.elements, "skipped": f.skipped,
    } for f in report.finite_differences]
    inputs = {
        "varied": [{"name": u.name, "range": [json_safe(u.range[0]), json_safe(u.range[1])], "dtype": u.dtype} for u in report.varied],
        "held": [{"name": u.name, "reason": u.why, "dtype": u.dtype} for u in report.held],
    }
    return {"ok": report.ok, "rtol": report.rtol, "atol": report.atol, "one_point": report.one_point, "redrawn": report.redrawn,
            "inputs": inputs, "points": [point_json(p) for p in report.points], "expects": expects, "finite_differences": fds}
