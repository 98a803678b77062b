"""`gradcli check`, `explain`, `graph` and `ops`: thin commands over the engine.

Each loads the model, calls one engine function, and picks a renderer; the
reports themselves are built in gradcli.learn.check, gradcli.learn.explain and
gradcli.render.graphs.
"""
from __future__ import annotations

import click

from ..codes import ExitCode
from ..errors import fail
from .common import default_xs, default_ys, evaluation_options, feed_rows, guarded, json_option, load_model, seed_values

MODEL = click.argument("model", required=False, metavar="MODEL")
EXPR = click.option("-e", "--expr", "expression", metavar="EXPR", help="Use one inline expression (bound to `expr`) instead of a file.")


def _one_row(run, feeds, feeds_file) -> dict:
    rows, batch = feed_rows(run, feeds, feeds_file)
    if batch and len(rows) != 1:
        raise fail("E0010", f"{run.command} takes one set of feeds, not a batch of {len(rows)}", help=["run it once per row, or use eval/grad for batches"])
    from ..errors import GradcliError

    if isinstance(rows[0], GradcliError):  # a row that is not a JSON object: its own diagnostic (E0406)
        raise rows[0]
    return rows[0]


def _sample_ranges(texts) -> dict:
    import math

    out = {}
    for text in texts:
        name, sep, rng = text.partition("=")
        lo, sep2, hi = rng.partition(":")
        try:
            bounds = (float(lo), float(hi))
        except ValueError:
            bounds = None
        if not sep or not sep2 or not name.strip() or bounds is None:
            raise fail("E0011", f"--sample takes NAME=LO:HI, got '{text}'", help=["e.g. --sample x=0.1:3"])
        if not all(math.isfinite(b) for b in bounds):
            raise fail("E0011", f"--sample {name.strip()}: the range {lo}:{hi} is not finite", help=["inputs are drawn uniformly, so both ends must be numbers, e.g. --sample x=0:100"])
        if not bounds[0] < bounds[1]:
            raise fail("E0011", f"--sample {name.strip()}: the range {lo}:{hi} is {'reversed' if bounds[0] > bounds[1] else 'empty'} (LO must be less than HI)", help=[f"e.g. --sample {name.strip()}={hi}:{lo}" if bounds[0] > bounds[1] else "e.g. --sample x=0.1:3"])
        out[name.strip()] = bounds
    return out


def _tolerance(name: str, value: float) -> float:
    import math

    if not math.isfinite(value) or value < 0:
        raise fail("E0030", f"--{name} {value:g} is not a tolerance: it must be a finite number >= 0", help=[f"e.g. --{name} {'1e-7' if name == 'rtol' else '1e-9'}"])
    return value


@click.command("check")
@MODEL
@click.option("-e", "--expr", "expression", metavar="EXPR", help="Check derivatives of one inline expression (with --claim) instead of a file.")
@click.option("--claim", "claims", multiple=True, metavar="[X=]EXPR", help="With -e: the claimed derivative (X=EXPR for each x when there are several). Repeatable.")
@click.option("--wrt", "xs", multiple=True, metavar="X", help="With -e: the xs of the claims (default: every free name).")
@click.option("--points", type=click.IntRange(0, 10_000), default=5, show_default=True, help="Sampled points (besides the fed point).")
@click.option("--sample", multiple=True, metavar="NAME=LO:HI", help="Range an input is drawn from (default -2:2). Repeatable.")
@click.option("--hold", multiple=True, metavar="NAME", help="Keep this input at its fed value instead of varying it. Repeatable.")
@click.option("--rtol", type=float, default=1e-7, show_default=True, help="Relative tolerance of expect claims.")
@click.option("--atol", type=float, default=1e-9, show_default=True, help="Absolute tolerance of expect claims.")
@click.option("--no-fd", "no_fd", is_flag=True, help="Skip the finite-difference check of the gradients.")
@evaluation_options
@guarded("check")
def check_command(run, model, expression, claims, xs, points, sample, hold, rtol, atol, no_fd, feeds, feeds_file, fetch, dtype, seed, precision, max_elements, as_json):
    """Check every `expect` at the fed point and at sampled points, and every gradient against finite differences.

    Every float input is varied at the sampled points, fed or not (--hold keeps one fixed).

    \b
    gradcli check samples/homework.grad
    gradcli check model.grad --sample x=0.1:3 --points 20
    gradcli check -e 'x**3 * sin(x)' --claim '3*x**2*sin(x) + x**3*cos(x)'
    Exit status 1 when an expect fails or is never checked.
    """
    from ..render.check_report import report_json, report_lines
    from ..render.document import diagnostics_json

    rtol, atol = _tolerance("rtol", rtol), _tolerance("atol", atol)
    ranges = _sample_ranges(sample)
    row = _one_row(run, feeds, feeds_file)
    if expression is not None:
        from ..model import claim_model

        if model is not None:
            raise fail("E0005", "give a MODEL file or -e EXPR, not both")
        m, _ = claim_model(expression, list(claims), list(xs), run.dtype, run.max_elements)
        run.model_name = f"<expr> {expression}"
        run.mark("parse+build")
    else:
        if claims or xs:
            raise fail("E0032", f"{'--claim' if claims else '--wrt'} goes with -e EXPR", help=["in a model file, write the claim as an expect line: expect g == 2*x"])
        m = load_model(run, model)
    report = m.check(feeds=row, points=points, sample=ranges, rtol=rtol, atol=atol, fd=not no_fd, seed=seed, hold=list(hold))
    run.mark("check")
    if run.as_json:
        doc = run.base_doc()
        doc.update(report_json(report))
        doc["diagnostics"] = diagnostics_json(report.warnings)
        run.json(doc)
    else:
        run.lines(report_lines(report, precision, run.model_name, ranges))
    run.warn(report.warnings)
    run.timings()
    return ExitCode.OK if report.ok else ExitCode.CHECK_FAILED



@click.command("explain")
@MODEL
@EXPR
@click.option("--of", "ys", multiple=True, metavar="Y", help="A y (repeatable: the ys are summed). Default: the last tensor bound.")
@click.option("--wrt", "xs", multiple=True, metavar="X", help="An x (repeatable). Default: every variable (every free name with -e).")
@click.option("--grad-ys", "grad_ys", multiple=True, metavar="NAME=VALUE", help="The seed for that y (default ones).")
@click.option("--stop", multiple=True, metavar="NAME", help="A tensor to hold constant (stop_gradients). Repeatable.")
@evaluation_options
@guarded("explain")
def explain_command(run, model, expression, ys, xs, grad_ys, stop, feeds, feeds_file, fetch, dtype, seed, precision, max_elements, as_json):
    """Show the forward pass and tf.gradients' reverse accumulation, step by step, with the numbers.

    \b
    gradcli explain -e 'x**2 + x - 1' --wrt x --feed x=2
    gradcli explain samples/linear.grad --of cost --wrt W --feed 'X=[[2],[3]]' --feed 'Y=[[3],[2]]'
    """
    from ..render.explanation import explain_json, explain_lines
    from ..learn.explain import explain_model

    row = _one_row(run, feeds, feeds_file)
    m = load_model(run, model, expression, [row])
    ys = list(ys) or default_ys(m, expression)
    xs = list(xs) or default_xs(m, expression)
    ex = explain_model(m, ys, xs, row, seed, seed_values(ys, grad_ys), list(stop))
    run.mark("explain")
    if run.as_json:
        doc = run.base_doc()
        doc.update(explain_json(ex))
        doc["diagnostics"] = []
        run.json(doc)
    else:
        run.lines(explain_lines(ex, precision))
    run.warn(m.warnings)
    run.timings()
    return 0


@click.command("graph")
@MODEL
@EXPR
@click.option("--of", "names", multiple=True, metavar="NAME", help="Draw the graph below these names (default: the fetched names).")
@click.option("--format", "fmt", type=click.Choice(["tree", "dot", "mermaid"]), default="tree", show_default=True, help="Indented tree, Graphviz DOT, or Mermaid.")
@evaluation_options
@guarded("graph")
def graph_command(run, model, expression, names, fmt, feeds, feeds_file, fetch, dtype, seed, precision, max_elements, as_json):
    """Show the computation graph of the fetched names (or --of), with values and adjoints when fed.

    \b
    gradcli graph samples/linear.grad --feed 'X=[[2],[3]]' --feed 'Y=[[3],[2]]'
    gradcli graph -e 'x*sin(x)' --format dot | dot -Tsvg > graph.svg
    """
    from ..learn.explain import graph_data
    from ..render import graphs

    row = _one_row(run, feeds, feeds_file)
    m = load_model(run, model, expression, [row])
    wanted = list(names) or m.fetch_names(list(fetch) or None)
    data = graphs.shown(graph_data(m, wanted, row, seed), precision)
    run.mark("graph")
    if run.as_json:
        doc = run.base_doc()
        doc["format"] = fmt
        doc.update(graphs.graph_json(data))
        doc["text"] = {"tree": "\n".join(graphs.tree(data)), "dot": graphs.dot(data), "mermaid": graphs.mermaid(data)}[fmt]
        doc["diagnostics"] = []
        run.json(doc)
    elif fmt == "tree":
        run.lines([(line, "") for line in graphs.tree(data)] or [("(nothing to draw)", "dim")])
    else:
        click.echo(graphs.dot(data) if fmt == "dot" else graphs.mermaid(data))
    run.warn(m.warnings)
    run.timings()
    return 0


@click.command("ops")
@click.argument("names", nargs=-1, metavar="[OP]...")
@click.option("--markdown", is_flag=True, help="The Markdown op table of docs/ops.md.")
@json_option
@guarded("ops")
def ops_command(run, names, markdown, as_json):
    """List every op with its signature, its derivative rule in one line, and whether it is differentiable.

    \b
    gradcli ops
    gradcli ops sin matmul
    """
    from ..render.ops_table import op_rows, markdown_table

    rows = op_rows(names)
    if as_json:
        doc = run.base_doc()
        doc.update({"ops": rows, "diagnostics": []})
        run.json(doc)
    elif markdown:
        click.echo(markdown_table(rows), nl=False)
    else:
        # one column for the common signatures; a longer one puts its doc on the next line
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
        run.lines(lines)
    return 0
