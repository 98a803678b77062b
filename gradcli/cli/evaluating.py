"""`gradcli eval` and `gradcli grad`: thin commands over gradcli.model."""
from __future__ import annotations

import click

from ..errors import GradcliError, fail
from .common import complete_names, default_xs, default_ys, evaluation_options, feed_rows, guarded, load_model, seed_values

MODEL = click.argument("model", required=False, metavar="MODEL")


@click.command("eval")
@MODEL
@click.option("-e", "--expr", "expression", metavar="EXPR", help="Evaluate one inline expression instead of a file.")
@evaluation_options
@guarded("eval")
def eval_command(run, model, expression, feeds, feeds_file, fetch, dtype, seed, precision, max_elements, as_json):
    """Evaluate MODEL at the feeds and show the fetched values and gradients.

    MODEL is a .grad file, or - for stdin.
    """
    rows, batch = feed_rows(run, feeds, feeds_file)
    m = load_model(run, model, expression, None if batch else rows)
    fetch = list(fetch) or None
    return _each_row(run, rows, batch, lambda row: _eval_once(run, m, row, fetch))


def _each_row(run, rows, batch, once) -> int:
    """Run once per feeds row; a bad row reports its own error and the others still run."""
    if not batch:
        return once(rows[0])
    worst = 0
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
    from ..render.document import claims_json, diagnostics_json, entries_json
    from ..render.listing import claim_lines, entry_rows, layout
    from ..render.outputs import output_lines, outputs_json

    result = m.run(feeds, fetch, run.seed)
    run.mark("evaluate")
    outputs = m.outputs
    if run.as_json:
        doc = run.base_doc()
        if getattr(run, "row", None) is not None:
            doc["row"] = run.row
        doc.update(entries_json(result.entries))
        if outputs:
            doc["outputs"] = outputs_json(outputs)
        doc["expects"] = claims_json(result.claims)
        doc["diagnostics"] = diagnostics_json(result.warnings)
        run.json(doc)
    else:
        # a script that prints shows what it prints; --fetch still shows just those names
        if outputs and not fetch:
            lines = output_lines(outputs, run.precision)
        else:
            lines = layout(entry_rows(result.entries, run.precision))
        lines += claim_lines(result.claims, run.precision)
        if not lines:
            lines = [("(nothing to show: the model binds no names; add `fetch NAME` or --fetch NAME)", "dim")]
        run.lines(lines)
    run.warn(result.warnings)
    run.timings(f"{result.nodes_evaluated} nodes evaluated")
    return 0


@click.command("grad")
@MODEL
@click.option("-e", "--expr", "expression", metavar="EXPR", help="Differentiate one inline expression (reported as `expr`).")
@click.option("--of", "ys", multiple=True, metavar="Y", shell_complete=complete_names, help="A y to differentiate (repeatable: the ys are summed).")
@click.option("--wrt", "xs", multiple=True, metavar="X", shell_complete=complete_names, help="An x (repeatable). Default: every variable (every free name with -e).")
@click.option("--grad-ys", "grad_ys", multiple=True, metavar="NAME=VALUE", help="The seed for that y (default ones).")
@click.option("--stop", multiple=True, metavar="NAME", shell_complete=complete_names, help="A tensor to hold constant (stop_gradients). Repeatable.")
@click.option("--unconnected", type=click.Choice(["none", "zero"]), default="none", show_default=True, help="What an unconnected x gets.")
@click.option("--formula", is_flag=True, help="Also print each derivative as a .grad expression.")
@click.option("--latex", is_flag=True, help="With --formula: the formula as LaTeX (text mode prints LaTeX; JSON adds \"latex\").")
@evaluation_options
@guarded("grad")
def grad_command(run, model, expression, ys, xs, grad_ys, stop, unconnected, formula, latex, feeds, feeds_file, fetch, dtype, seed, precision, max_elements, as_json):
    """tf.gradients from the command line: d(sum of --of)/d(each --wrt) at the feeds.

    \b
    gradcli grad samples/linear.grad --of cost --wrt W --wrt b --feed 'X=[[2],[3]]' --feed 'Y=[[3],[2]]'
    gradcli grad -e 'x**2 + x - 1' --wrt x --feed x=2
    """
    rows, batch = feed_rows(run, feeds, feeds_file)
    m = load_model(run, model, expression, None if batch else rows)
    ys = list(ys) or default_ys(m, expression)
    xs = list(xs) or default_xs(m, expression)
    seen = set()
    for x in xs:
        if x in seen:
            raise fail("E0007", f"'{x}' is named twice in --wrt", help=["name each x once"])
        seen.add(x)
    seeds = seed_values(ys, grad_ys)
    request = m.gradient_request(ys, xs, seeds, list(stop), unconnected)
    run.roots += request.results  # -v counts the gradient graph too
    return _each_row(run, rows, batch, lambda row: _grad_once(run, m, request, row, formula or latex, latex))





def _grad_once(run, m, request, feeds, formula, latex=False) -> int:
    from ..render.document import diagnostics_json
    from ..render.listing import Row, derivative_label, layout
    from ..render.values import format_array, to_json, type_label

    result = m.run_gradients(request, feeds, run.seed)
    run.mark("evaluate")
    results = m.formula_results(request) if formula else {}
    formulas = {x: r.text for x, r in results.items()}
    if run.as_json:
        doc = run.base_doc()
        if getattr(run, "row", None) is not None:
            doc["row"] = run.row
        doc["of"] = list(request.ys)
        doc["wrt"] = list(request.xs)
        doc["values"] = {y: to_json(v) for y, v in result.values.items()}
        doc["gradients"] = {x: to_json(v) for x, v in result.gradients.items()}
        doc["shapes"] = {"values": {y: list(v.shape) for y, v in result.values.items()}, "gradients": {x: (list(v.shape) if v is not None else None) for x, v in result.gradients.items()}}
        doc["dtypes"] = {"values": {y: v.dtype.name for y, v in result.values.items()}, "gradients": {x: (v.dtype.name if v is not None else None) for x, v in result.gradients.items()}}
        doc["unconnected"] = dict(result.unconnected)
        if formula:
            doc["formulas"] = formulas
        if latex:
            doc["latex"] = {x: r.latex for x, r in results.items()}
        doc["diagnostics"] = diagnostics_json(result.warnings)
        run.json(doc)
    else:
        rows = [Row(y, type_label(v.dtype, v.shape), format_array(v, run.precision)) for y, v in result.values.items()]
        for x, g in result.gradients.items():
            label = derivative_label(request.derivative(x))
            if g is None:
                rows.append(Row(label, "None", "None", result.unconnected[x], style="none"))
            else:
                rows.append(Row(label, type_label(g.dtype, g.shape), format_array(g, run.precision), _formula_note(formula, results.get(x), latex)))
        run.lines(layout(rows))
    run.warn(result.warnings)
    run.timings()
    return 0


def _formula_note(asked: bool, result, latex: bool = False) -> str:
    if not asked or result is None:
        return ""
    if result.text is None:  # too long, or through an op .grad cannot spell (gather's scatter)
        return f"(no formula: {result.reason})"
    return f"= {result.latex if latex else result.text}"