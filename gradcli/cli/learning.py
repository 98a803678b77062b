"""`gradcli check`, `explain`, `graph` and `ops`: thin commands over the engine.

Each loads the model, calls one engine function, and picks a renderer; the
reports themselves are built in gradcli.learn.check, gradcli.learn.explain and
gradcli.render.graphs.
"""
from __future__ import annotations

import click

from ..codes import ExitCode
from ..errors import fail
from .common import guarded
from .inputs import derivatives_asked, feed_rows, load_model
from .options import derivative_options, feed_options, fetch_option, json_option, model_input, run_options

EXPR_HELP = "Use one inline expression (bound to `expr`) instead of a file."


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


def _check_model(run, claims, xs, row):
    """The model to check: the file, or -e EXPR with its --claim derivatives."""
    o = run.options
    if o.expression is None:
        if claims or xs:
            raise fail("E0032", f"{'--claim' if claims else '--wrt'} goes with -e EXPR", help=["in a model file, write the claim as an expect line: expect g == 2*x"])
        return load_model(run, o.model, rows=[row])
    from ..model import claim_model

    if o.model is not None:
        raise fail("E0005", "give a MODEL file or -e EXPR, not both")
    m, _ = claim_model(o.expression, list(claims), list(xs), run.dtype or "float64", run.max_elements)
    run.model_name = f"<expr> {o.expression}"
    run.mark("parse+build")
    return m


@click.command()
@model_input(expression="Check derivatives of one inline expression (with --claim) instead of a file.")
@click.option("--claim", "claims", multiple=True, metavar="[X=]EXPR", help="With -e: the claimed derivative (X=EXPR for each x when there are several). Repeatable.")
@click.option("--wrt", "xs", multiple=True, metavar="X", help="With -e: the xs of the claims (default: every free name).")
@click.option("--points", type=click.IntRange(0, 10_000), default=5, show_default=True, help="Sampled points (besides the fed point).")
@click.option("--sample", multiple=True, metavar="NAME=LO:HI", help="Range an input is drawn from (default -2:2). Repeatable.")
@click.option("--hold", multiple=True, metavar="NAME", help="Keep this input at its fed value instead of varying it. Repeatable.")
@click.option("--rtol", type=float, default=1e-7, show_default=True, help="Relative tolerance of expect claims.")
@click.option("--atol", type=float, default=1e-9, show_default=True, help="Absolute tolerance of expect claims.")
@click.option("--no-fd", "no_fd", is_flag=True, help="Skip the finite-difference check of the gradients.")
@feed_options
@run_options
@guarded
def check_command(run, claims, xs, points, sample, hold, rtol, atol, no_fd):
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
    row = _one_row(run, run.options.feeds, run.options.feeds_file)
    m = _check_model(run, claims, xs, row)
    report = m.check(feeds=row, points=points, sample=ranges, rtol=rtol, atol=atol, fd=not no_fd, seed=run.seed, hold=list(hold))
    run.mark("check")
    if run.as_json:
        run.document({**report_json(report), "diagnostics": diagnostics_json(report.warnings)})
    else:
        run.lines(report_lines(report, run.precision, run.model_name, ranges))
    run.warn(report.warnings)
    run.timings()
    return ExitCode.OK if report.ok else ExitCode.CHECK_FAILED


@click.command()
@model_input(expression=EXPR_HELP)
@derivative_options
@feed_options
@run_options
@guarded
def explain_command(run):
    """Show the forward pass and tf.gradients' reverse accumulation, step by step, with the numbers.

    \b
    gradcli explain -e 'x**2 + x - 1' --wrt x --feed x=2
    gradcli explain samples/linear.grad --of cost --wrt W --feed 'X=[[2],[3]]' --feed 'Y=[[3],[2]]'
    """
    from ..learn.explain import explain_model
    from ..render.explanation import explain_json, explain_lines

    o = run.options
    row = _one_row(run, o.feeds, o.feeds_file)
    m = load_model(run, o.model, o.expression, [row])
    ys, xs, seeds = derivatives_asked(run, m)
    ex = explain_model(m, ys, xs, row, run.seed, seeds, o.stop)
    run.mark("explain")
    if run.as_json:
        run.document({**explain_json(ex), "diagnostics": []})
    else:
        run.lines(explain_lines(ex, run.precision))
    run.warn(m.warnings)
    run.timings()
    return ExitCode.OK


@click.command()
@model_input(expression=EXPR_HELP)
@click.option("--of", "names", multiple=True, metavar="NAME", help="Draw the graph below these names (default: the fetched names).")
@click.option("--format", "fmt", type=click.Choice(["tree", "dot", "mermaid"]), default="tree", show_default=True, help="Indented tree, Graphviz DOT, or Mermaid.")
@feed_options
@fetch_option
@run_options
@guarded
def graph_command(run, names, fmt):
    """Show the computation graph of the fetched names (or --of), with values and adjoints when fed.

    \b
    gradcli graph samples/linear.grad --feed 'X=[[2],[3]]' --feed 'Y=[[3],[2]]'
    gradcli graph -e 'x*sin(x)' --format dot | dot -Tsvg > graph.svg
    """
    from ..learn.explain import default_loss, graph_data
    from ..render import graphs

    o = run.options
    row = _one_row(run, o.feeds, o.feeds_file)
    m = load_model(run, o.model, o.expression, [row])
    loss = default_loss(m) if not names and not o.fetch else None
    wanted = list(names) or ([loss] if loss else m.fetch_names(o.fetch or None))  # the loss: adjoints that mean something
    data = graphs.shown(graph_data(m, wanted, row, run.seed), run.precision)
    run.mark("graph")
    drawn = {"tree": graphs.tree, "dot": graphs.dot, "mermaid": graphs.mermaid}[fmt](data)  # a tree is lines
    if run.as_json:
        run.document({"format": fmt, **graphs.graph_json(data), "text": "\n".join(drawn) if fmt == "tree" else drawn, "diagnostics": []})
    elif fmt == "tree":
        run.lines([(line, "") for line in drawn] or [("(nothing to draw)", "dim")])
    else:
        click.echo(drawn)
    run.warn(m.warnings)
    run.timings()
    return ExitCode.OK


@click.command()
@click.argument("names", nargs=-1, metavar="[OP]...")
@click.option("--markdown", is_flag=True, help="The Markdown op table of docs/ops.md.")
@json_option
@guarded
def ops_command(run, names, markdown):
    """List every op with its signature, its derivative rule in one line, and whether it is differentiable.

    \b
    gradcli ops
    gradcli ops sin matmul
    """
    from ..render.ops_table import markdown_table, op_lines, op_rows

    rows = op_rows(names)
    if run.as_json:
        run.document({"ops": rows, "diagnostics": []})
    elif markdown:
        click.echo(markdown_table(rows), nl=False)
    else:
        run.lines(op_lines(rows))
    return ExitCode.OK
