"""`gradcli eval` and `gradcli grad`: thin commands over gradcli.model."""
from __future__ import annotations

import click

from ..codes import ExitCode
from ..errors import GradcliError, fail
from .common import guarded
from .inputs import derivatives_asked, feed_rows, load_model
from .options import derivative_options, feed_options, fetch_option, model_input, run_options


@click.command()
@model_input(expression="Evaluate one inline expression instead of a file.")
@feed_options
@fetch_option
@run_options
@guarded
def eval_command(run):
    """Evaluate MODEL at the feeds and show the fetched values and gradients.

    MODEL is a .grad file, or - for stdin.
    """
    o = run.options
    run.shows_outputs = True
    rows, batch = feed_rows(run, o.feeds, o.feeds_file)
    m = load_model(run, o.model, o.expression, None if batch else rows)
    return _each_row(run, rows, batch, lambda row: _eval_once(run, m, row, o.fetch or None))


def _each_row(run, rows, batch, once) -> int:
    """Run once per feeds row; a bad row reports its own error and the others still run."""
    if not batch:
        return once(rows[0])
    worst = ExitCode.OK
    for i, row in enumerate(rows):
        run.row = i
        if not run.as_json:
            click.echo(f"# row {i}")
        try:
            if isinstance(row, GradcliError):  # a row of the file that is not a JSON object
                raise row
            code = once(row)
        except GradcliError as error:
            code = run.failure(error, row=i)
        worst = max(worst, code)
    return worst


def _eval_once(run, m, feeds, fetch) -> int:
    from ..render.document import eval_json
    from ..render.listing import eval_lines

    result = m.run(feeds, fetch, run.seed)
    run.mark("evaluate")
    if run.as_json:
        run.document(eval_json(result, m.outputs))
    else:
        run.lines(eval_lines(result, run.precision, m.outputs, fetch))
    run.warn(result.warnings)
    run.timings(f"{result.nodes_evaluated} nodes evaluated")
    return ExitCode.OK


@click.command()
@model_input(expression="Differentiate one inline expression (reported as `expr`).")
@derivative_options
@click.option("--unconnected", type=click.Choice(["none", "zero"]), default="none", show_default=True, help="What an unconnected x gets.")
@click.option("--formula", is_flag=True, help="Also print each derivative as a .grad expression.")
@click.option("--latex", is_flag=True, help="The formula as LaTeX (implies --formula; JSON adds \"latex\").")
@feed_options
@run_options
@guarded
def grad_command(run, unconnected, formula, latex):
    """tf.gradients from the command line: d(sum of --of)/d(each --wrt) at the feeds.

    \b
    gradcli grad samples/linear.grad --of cost --wrt W --wrt b --feed 'X=[[2],[3]]' --feed 'Y=[[3],[2]]'
    gradcli grad -e 'x**2 + x - 1' --wrt x --feed x=2
    """
    o = run.options
    rows, batch = feed_rows(run, o.feeds, o.feeds_file)
    m = load_model(run, o.model, o.expression, None if batch else rows)
    ys, xs, seeds = derivatives_asked(run, m)
    twice = next((x for i, x in enumerate(xs) if x in xs[:i]), None)
    if twice is not None:
        raise fail("E0007", f"'{twice}' is named twice in --wrt", help=["name each x once"])
    request = m.gradient_request(ys, xs, seeds, o.stop, unconnected)
    run.roots += request.results  # -v counts the gradient graph too
    return _each_row(run, rows, batch, lambda row: _grad_once(run, m, request, row, formula or latex, latex))


def _grad_once(run, m, request, feeds, formula, latex=False) -> int:
    from ..render.document import grad_json
    from ..render.listing import grad_lines

    result = m.run_gradients(request, feeds, run.seed)
    run.mark("evaluate")
    results = m.formula_results(request, feeds) if formula else None  # learn.latex.FormulaResult per x
    if run.as_json:
        doc = grad_json(request, result, {x: r.text for x, r in results.items()} if results is not None else None)
        if results is not None:
            diagnostics = doc.pop("diagnostics")
            doc["assumes"] = {x: list(r.assumes) for x, r in results.items()}  # where a formula holds ("x > 0")
            doc["no_formula"] = {x: r.reason for x, r in results.items() if r.text is None and r.reason}  # why a formula is null
            if latex:
                doc["latex"] = {x: r.latex for x, r in results.items()}
            doc["diagnostics"] = diagnostics
        run.document(doc)
    else:
        shown = {x: (r.as_latex() if latex else r) for x, r in results.items()} if results is not None else None
        run.lines(grad_lines(request, result, shown, run.precision))
    run.warn(result.warnings)
    run.timings()
    return ExitCode.OK
