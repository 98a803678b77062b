"""`gradcli check`'s report as text lines and as JSON (the computation is gradcli.learn.check)."""
from __future__ import annotations


from ..learn.check import CheckReport
from .values import format_array, format_number, json_safe, to_json


def report_lines(report: CheckReport, precision: int = 6, model_name: str = "the model", sample=None) -> list[tuple[str, str]]:
    def one_line(value) -> str:
        return " ".join(part.strip() for part in format_array(value, precision).split("\n"))

    def err(x) -> str:
        return format_number(x, 3) if x is not None else "-"

    sampled = len(report.points) - 1
    ranges = ", ".join(f"{k} from {format_number(lo)}:{format_number(hi)}" for k, (lo, hi) in (sample or {}).items())
    lines = [(f"checking {model_name} at the fed point and {sampled} sampled point{'s' if sampled != 1 else ''} "
              f"(inputs drawn from -2:2{', ' + ranges if ranges else ''}; seed {report.seed}; rtol {format_number(report.rtol)}, atol {format_number(report.atol)})", "head"), ("", "")]
    if not report.claims:
        lines.append(("no expect claims in this model", "dim"))
    for c in report.claims:
        line = c.claim.span.line
        head = f"line {line}  expect {c.claim.text}"
        total = len(c.results)
        if not c.results:
            lines.append((f"-  {head}", "dim"))
            lines.append((f"     not checked: {c.skipped[0][1] if c.skipped else 'no point'}", "dim"))
            continue
        if c.ok:
            lines.append((f"✓  {head}", "ok"))
            lines.append((f"     holds at {total} of {total} points (max abs error {err(max(r.err for r in c.results))})", ""))
            continue
        failing = [r for r in c.results if not r.ok]
        lines.append((f"✗  {head}", "error"))
        if c.holds_at_fed_point_only:
            lines.append((f"     FAILS at {len(failing)} of {total} points: it holds at the fed point, but not elsewhere", "error"))
        else:
            lines.append((f"     FAILS at {len(failing)} of {total} points", "error"))
        lhs_text, _, rhs_text = c.claim.text.partition("==")
        names = list(report.points[c.worst.point].shown)
        header = ["point"] + names + [lhs_text.strip(), rhs_text.strip(), "error", ""]
        rows = []
        for r in c.results:
            p = report.points[r.point]
            rows.append([f"{r.point}" + (" (fed)" if p.kind == "fed" else "")] + [one_line(p.shown[n]) if n in p.shown else "" for n in names]
                        + [one_line(r.lhs), one_line(r.rhs), err(r.err), "✓" if r.ok else "✗"])
        lines += [("     " + row, "") for row in _table([header] + rows)]
        w = c.worst
        where = ", ".join(f"{n} = {one_line(v)}" for n, v in report.points[w.point].shown.items()) or "the fed point"
        lines.append((f"     counterexample: at {where}, {lhs_text.strip()} is {one_line(w.lhs)} but {rhs_text.strip()} is {one_line(w.rhs)}", "error"))
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
    failed = len(report.failed)
    lines.append(("", ""))
    if not report.claims:
        lines.append(("no expects to check", "dim"))
    elif failed:
        lines.append((f"{failed} of {len(report.claims)} expect{'s' if len(report.claims) != 1 else ''} failed", "error"))
    else:
        lines.append((f"all {len(report.claims)} expect{'s' if len(report.claims) != 1 else ''} hold", "ok"))
    return lines

def _table(rows) -> list[str]:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return [("  ".join(str(cell).ljust(w) for cell, w in zip(r, widths))).rstrip() for r in rows]

def report_json(report: CheckReport) -> dict:
    def point_json(p):
        return {"index": p.index, "kind": p.kind, "feeds": {k: to_json(v) for k, v in p.shown.items()}, "finite": p.finite}

    expects = []
    for c in report.claims:
        worst = c.worst
        expects.append({
            "line": c.claim.span.line,
            "source": c.claim.text,
            "ok": c.ok if c.results else None,
            "holds_only_at_fed_point": c.holds_at_fed_point_only,
            "max_abs_err": json_safe(max((r.err for r in c.results), default=None)) if c.results else None,
            "worst_point": worst.point if worst else None,
            "values": [{"point": r.point, "lhs": to_json(r.lhs), "rhs": to_json(r.rhs), "err": json_safe(r.err), "ok": r.ok} for r in c.results],
            "skipped": [{"point": i, "reason": why} for i, why in c.skipped],
        })
    fds = [{
        "name": f.name, "label": f.label, "of": f.of, "wrt": f.wrt,
        "max_abs_err": json_safe(f.max_abs_err), "max_rel_err": json_safe(f.max_rel_err),
        "ok": f.ok, "worst_point": f.worst_point, "elements": f.elements, "skipped": f.skipped,
    } for f in report.finite_differences]
    return {"ok": report.ok, "rtol": report.rtol, "atol": report.atol, "points": [point_json(p) for p in report.points], "expects": expects, "finite_differences": fds}
