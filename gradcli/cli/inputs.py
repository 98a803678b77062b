"""What a command reads: the model (a file, stdin or -e), the feeds (one row or a batch),
and for grad and explain the ys, the xs and their seeds (--of, --wrt, --grad-ys)."""
from __future__ import annotations

import sys

from ..errors import fail
from ..source import shorten


# ----- loading -----

def load_model(run, model_path: str | None, expression: str | None = None, rows=None):
    """The model from a path, '-' (stdin) or an -e expression.

    With one row of feeds, an expression's free names are declared with the
    shapes fed: its graph, and its derivative formulas, then know them; and a
    script's own runs (a sess.run, a print) get them as it is built, as --feed
    promises, instead of failing on an unfed placeholder.
    """
    from .. import model as M

    fed = rows[0] if rows is not None and len(rows) == 1 and isinstance(rows[0], dict) else None

    if expression is not None:
        if model_path is not None:
            raise fail("E0005", "give a MODEL file or -e EXPR, not both")
        run.model_name = "<expr>"
        shapes = _fed_shapes(rows[0]) if rows is not None and len(rows) == 1 else {}
        m = M.expression_model(expression, run.dtype or "float64", run.max_elements, shapes)
    elif model_path is None:
        raise fail("E0004", "missing MODEL: a .grad file, or - for stdin", help=["e.g. gradcli eval samples/quadratic.grad"])
    elif model_path == "-":
        run.model_name = "<stdin>"
        stream = sys.stdin.buffer  # click.get_binary_stream is deprecated (gone in Click 9)
        if stream.isatty():
            raise fail("E0004", "reading the model from stdin, which is a terminal", help=["pipe a model in (cat model.grad | gradcli eval -), or give a file name"])
        m = M.loads_bytes(M.read_stream_limited(stream, "E0002", "<stdin>"), "<stdin>", run.dtype, run.max_elements, fed, run.seed)
    else:
        run.model_name = model_path
        m = M.load(model_path, run.dtype, run.max_elements, fed, run.seed)
    run.dtype = m.dtype.name  # the float the model computes in (float32 for TensorFlow scripts)
    run.model = m
    run.mark("parse+build")
    return m


def _fed_shapes(row: dict) -> dict:
    import numpy as np

    shapes = {}
    for name, value in row.items():
        try:
            array = np.asarray(value)
        except (ValueError, TypeError):
            continue  # a ragged value: its own error comes when it is fed
        if array.dtype.kind in "biuf":
            shapes[name] = array.shape
    return shapes


def feed_rows(run, feeds: list[str], feeds_file: str | None):
    """The feed dicts to run with (one, or a batch), and whether it is a batch.

    --feed beats the same name from --feeds."""
    from .feeds import parse_value, read_feeds_file, split_feed

    direct = {}
    for text in feeds:
        name, value = split_feed(text)
        direct[name] = parse_value(value, f"--feed {name}", run.max_elements)
    if feeds_file is None:
        return [direct], False
    stdin_text = None
    if feeds_file == "-":
        from ..model import read_stream_limited

        stream = sys.stdin.buffer  # click.get_text_stream is deprecated (gone in Click 9)
        if stream.isatty():
            raise fail("E0004", "reading --feeds from stdin, which is a terminal", help=["pipe JSON in, or give a file name"])
        try:
            stdin_text = read_stream_limited(stream, "E0003", "<stdin>").decode("utf-8")
        except UnicodeDecodeError:
            raise fail("E0406", "the feeds on stdin are not UTF-8 text") from None
    rows, batch = read_feeds_file(feeds_file, stdin_text)
    return [{**row, **direct} if isinstance(row, dict) else row for row in rows], batch


# ----- what grad and explain ask for -----

def default_ys(m, expression):
    """The y when --of is not given: `expr`, or the last tensor bound that is not a gradient."""
    if expression is not None:
        return ["expr"]
    names = m.default_ys()
    if not names:
        raise fail("E0008", "--of is needed: the model binds no tensor to differentiate", help=["e.g. gradcli grad model.grad --of cost --wrt W"])
    return names[-1:]


def default_xs(m, expression):
    """The xs when --wrt is not given: every variable, or with -e every free name."""
    if expression is not None:  # CLI.md: with -e, every free name
        names = list(m.inputs)
        if not names:
            raise fail("E0008", "--wrt is needed: the expression has no free names", help=["e.g. gradcli grad -e 'x**2' --wrt x --feed x=2"])
        return names
    names = m.default_xs()
    if not names:
        from ..engine.registry import VARIABLE

        unbound = [n for n, node in m.resolved.inputs.items() if node.op is VARIABLE]
        if unbound:  # `[tf.Variable(...) for ...]`: variables that no name reaches
            raise fail("E0008", f"--wrt is needed: no name is bound to the model's variables ({shorten(', '.join(unbound), 80)})",
                       help=["bind the tensor to differentiate by to a name (w = ws[0]) and pass --wrt w"])
        raise fail("E0008", "--wrt is needed: the model declares no variables", help=["e.g. --wrt x (any tensor name works)"])
    return names


def seed_values(ys, grad_ys, max_elements: int | None = None):
    """--grad-ys NAME=VALUE, by y name."""
    from .feeds import parse_value, split_feed

    seeds = {}
    for text in grad_ys:
        name, value = split_feed(text)
        if name not in ys:
            raise fail("E0009", f"--grad-ys names '{shorten(name)}', which is not one of the ys ({shorten(', '.join(ys), 200)})", help=["give a seed as --grad-ys Y=VALUE for a Y in --of"])
        seeds[name] = _rectangular(parse_value(value, f"--grad-ys {name}", max_elements), f"--grad-ys {name}")
    return seeds


def _rectangular(value, origin: str):
    """A seed as an ndarray of numbers; a ragged list ([[1], [1, 2]]) is a usage error."""
    import numpy as np

    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        array = None
    if array is None or array.dtype.kind not in "biuf":
        raise fail("E0406", f"the value of {origin} is not a rectangular array of numbers", help=["every row needs the same length, e.g. [[1, 2], [3, 4]]"])
    return array


def derivatives_asked(run, m):
    """--of, --wrt and --grad-ys (grad, explain): the ys, the xs and the seeds by y."""
    o = run.options
    ys = o.ys or default_ys(m, o.expression)
    xs = o.xs or default_xs(m, o.expression)
    return ys, xs, seed_values(ys, o.grad_ys)
