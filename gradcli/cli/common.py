"""What every command shares: the run and its output, loading the model and the feeds,
and the edge where library errors become diagnostics and exit codes (the options
themselves are in gradcli.cli.options)."""
from __future__ import annotations

import functools
import io
import os
import sys
import time

import click

from ..errors import Diagnostic, GradcliError, fail
from ..source import shorten
from ..codes import INTERNAL_CODE, ExitCode, exit_code_for
from .options import Options


# ----- the run of one command -----

class Run:
    """One command's options and output: text or JSON, colour, warnings, timings."""

    def __init__(self, command: str, options: Options):
        ctx = click.get_current_context()
        group = ctx.find_root().obj or {}
        self.command = command
        self.options = options
        self.as_json = options.as_json
        self.precision = options.precision
        self.dtype = options.dtype
        self.seed = options.seed
        self.max_elements = options.max_elements
        self.quiet = group.get("quiet", False)
        self.verbose = group.get("verbose", False)
        self.debug = group.get("debug", False)
        self.color = _use_color(group.get("color", "auto"), sys.stdout)
        self.err_color = _use_color(group.get("color", "auto"), sys.stderr)
        self.model_name = None
        self.row: int | None = None  # the batch row being run (--feeds with several rows)
        self.model = None  # set by load_model, for -v's graph size
        self.roots: list = []  # nodes a command builds beyond the model's names (grad's request)
        self.started = time.perf_counter()
        self.marks: list[tuple[str, float]] = []

    def mark(self, what: str):
        self.marks.append((what, time.perf_counter()))

    # ----- output -----

    def lines(self, lines):
        """(text, style) or (text, style, spans) to stdout; styled (by render.terminal, the
        one module that knows Rich) only when colour is on."""
        if not self.color:
            text = "\n".join(line[0] for line in lines)
            if text:
                click.echo(text)
            return
        from ..render.terminal import print_styled

        print_styled(lines)

    def json(self, doc: dict):
        from ..render.document import write

        write(doc, sys.stdout)  # a big array is written in pieces, never held as one text

    def document(self, fields: dict):
        """Write the command's JSON document: the common head, the batch row if any, FIELDS."""
        doc = self.base_doc()
        if self.row is not None:
            doc["row"] = self.row
        doc.update(fields)
        self.json(doc)

    def warn(self, diagnostics):
        if self.quiet:
            return
        from ..render.diagnostics import render_text

        for d in diagnostics:
            click.echo(render_text(d, color=self.err_color), err=True, color=self.err_color)

    def timings(self, extra: str = ""):
        if not self.verbose:
            return
        previous = self.started
        parts = []
        for what, at in self.marks:
            parts.append(f"{what} {1000 * (at - previous):.1f} ms")
            previous = at
        total = 1000 * (time.perf_counter() - self.started)
        click.echo(f"timing: {', '.join(parts)}; total {total:.1f} ms{'; ' + extra if extra else ''}", err=True)
        if self.model is not None:
            click.echo(graph_size(self.model, self.roots), err=True)

    def base_doc(self) -> dict:
        from ..render.document import base

        return base(self.command, self.model_name, self.dtype or "float64", self.seed)

    def failure(self, error: GradcliError, row: int | None = None) -> int:
        """Report an error as text on stderr, or as a JSON document with ok false."""
        if self.as_json:
            from ..render.document import diagnostics_json

            doc = self.base_doc()
            doc["ok"] = False
            if row is not None:
                doc["row"] = row
            doc["diagnostics"] = diagnostics_json(error.diagnostics)
            self.json(doc)
        else:
            from ..render.diagnostics import render_text

            for d in error.diagnostics:
                if row is not None:
                    click.echo(f"row {row}:", err=True)
                click.echo(render_text(d, color=self.err_color), err=True, color=self.err_color)
        return error.exit_code


def graph_size(m, roots=()) -> str:
    """-v's graph line: the nodes behind every name, claim and input of the model (and
    `roots`, what the command added), and how many of them each op made."""
    from collections import Counter

    from ..engine.evaluate import needed_nodes
    from ..engine.graph import Node

    resolved = m.resolved
    values = [*resolved.bindings.values(), *resolved.inputs.values(), *roots]
    values += [side for claim in resolved.claims for side in (claim.lhs, claim.rhs)]
    nodes = [n for v in values for n in getattr(v, "items", [v]) if isinstance(n, Node)]
    counts = Counter(n.op.name for n in needed_nodes(nodes, set()))
    ops = ", ".join(f"{name} {count}" for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    total = sum(counts.values())
    return f"graph: {total} node{'s' * (total != 1)}, {len(counts)} op{'s' * (len(counts) != 1)}" + (f" ({ops})" if ops else "")


def _use_color(choice: str, stream) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def guarded(body):
    """Turn library errors into diagnostics and exit codes, at the edge of a command.

    The command's option bundles hand it one Options object; the command gets the Run
    built from it (named as the group was asked for it)."""

    @functools.wraps(body)
    def inner(*args, options: Options | None = None, **kwargs):
        ctx = click.get_current_context()
        run = Run(ctx.info_name, options or Options())
        try:
            code = body(run, *args, **kwargs)
        except GradcliError as error:
            code = run.failure(error)
        except KeyboardInterrupt:
            code = report_interrupt([], run)
        except BrokenPipeError:  # the reader closed stdout (`| head -1`): stop quietly
            code = closed_pipe()
        except RecursionError:
            code = run.failure(fail("E0316", "the model is nested too deeply to evaluate"))
        except MemoryError:
            code = run.failure(fail("E0305", "out of memory: a tensor is too large", help=["lower the sizes, or --max-elements to refuse them early"]))
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception:  # a bug of ours: one line, and the traceback with --debug
            code = internal_error(run)
        ctx.exit(int(code or ExitCode.OK))

    return inner


def closed_pipe() -> int:
    """stdout's reader is gone: point stdout at /dev/null so that nothing more (not even
    the flush at exit) fails, and exit with 141, 128 + SIGPIPE, as `yes | head -1` does."""
    for stream in (sys.stdout, sys.stderr):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            pass  # not a real file (CliRunner's): nothing to protect
    return ExitCode.CLOSED_PIPE


def report_interrupt(args, run: "Run | None" = None) -> int:
    """Ctrl-C: no traceback, exit 130; with --json still one document with ok false."""
    import signal

    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C cannot cut the report short
    except ValueError:  # not the main thread
        previous = None
    try:
        # built by hand: the interrupt may have come in the middle of importing NumPy,
        # which then cannot be imported again (render.document needs it)
        diagnostic = Diagnostic("E0098", "interrupted")
        if run is not None and run.as_json or run is None and "--json" in args:
            import json

            from .. import __version__
            from ..render.diagnostics import diagnostic_to_json

            doc = {"format_version": 1, "version": __version__, "command": run.command if run else next((a for a in args if not a.startswith("-")), None),
                   "ok": False, "model": run.model_name if run else None, "dtype": (run.dtype or "float64") if run else "float64", "seed": run.seed if run else 0}
            if run is not None and getattr(run, "row", None) is not None:
                doc["row"] = run.row
            doc["diagnostics"] = [diagnostic_to_json(diagnostic)]
            click.echo(json.dumps(doc))
        else:
            click.echo("error[E0098]: interrupted", err=True)
    except BrokenPipeError:
        closed_pipe()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return ExitCode.INTERRUPTED


def internal_error(run: Run) -> int:
    import traceback  # here: only an internal error needs it

    detail = traceback.format_exc()
    if run.debug:
        click.echo(detail, err=True)
    last = detail.strip().splitlines()[-1]
    message = f"internal error: {last}"
    if run.as_json:
        from ..render.document import dumps

        doc = run.base_doc()
        doc["ok"] = False
        doc["diagnostics"] = [_plain_diagnostic(INTERNAL_CODE, message, ["please report this at the gradcli issue tracker with the model and command" + ("" if run.debug else "; --debug shows the traceback")])]
        click.echo(dumps(doc))
    else:
        # one line, as the brief asks: what broke, and what to do about it
        click.echo(f"error[E0099]: {message} (a bug in gradcli: please report it with the model and command" + ("" if run.debug else "; --debug shows the traceback") + ")", err=True)
    return exit_code_for(INTERNAL_CODE)


def _plain_diagnostic(code, message, help_lines):
    from ..render.diagnostics import diagnostic_to_json

    return diagnostic_to_json(Diagnostic(code, message, help=list(help_lines)))


def usage_failure(error: click.ClickException, args) -> int:
    """A Click usage error; with --json in the arguments, still one JSON document on stdout."""
    message = error.format_message()
    code = exit_code_for("E0001")  # Click's own exit_code is 1 for some errors: CLI.md says 2
    if "--json" in args:
        from ..render.document import base, dumps

        command = next((a for a in args if not a.startswith("-")), None)
        doc = base(command, None, "float64", 0)
        doc["ok"] = False
        # Click's one sentence, in the diagnostics' style: the fact, then what to do as help
        first, sep, rest = message.partition(". ")
        doc["diagnostics"] = [_plain_diagnostic("E0001", _lower(first), [_lower(rest)] if sep and rest else [])]
        click.echo(dumps(doc))
    else:
        import io

        from ..render.diagnostics import clean

        # Click echoes what was typed: cut and escaped like every diagnostic
        shown = io.StringIO()
        error.show(file=shown)
        click.echo("\n".join(clean(line) for line in shown.getvalue().rstrip("\n").split("\n")), err=True)
    return code


def _lower(message: str) -> str:
    message = message.rstrip(".")
    return message[:1].lower() + message[1:]


# ----- loading -----

def load_model(run: Run, model_path: str | None, expression: str | None = None, rows=None):
    """The model from a path, '-' (stdin) or an -e expression.

    With one row of feeds, an expression's free names are declared with the
    shapes fed: its graph, and its derivative formulas, then know them.
    """
    from .. import model as M

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
        m = M.loads_bytes(M.read_stream_limited(stream, "E0002", "<stdin>"), "<stdin>", run.dtype, run.max_elements)
    else:
        run.model_name = model_path
        m = M.load(model_path, run.dtype, run.max_elements)
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


def feed_rows(run: Run, feeds: list[str], feeds_file: str | None):
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


def derivatives_asked(run: Run, m):
    """--of, --wrt and --grad-ys (grad, explain): the ys, the xs and the seeds by y."""
    o = run.options
    ys = o.ys or default_ys(m, o.expression)
    xs = o.xs or default_xs(m, o.expression)
    return ys, xs, seed_values(ys, o.grad_ys)
