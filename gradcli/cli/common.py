"""What every command shares: the run and its output, and the edge where library errors
become diagnostics and exit codes (the options are in gradcli.cli.options, what a
command reads in gradcli.cli.inputs)."""
from __future__ import annotations

import functools
import io
import os
import sys
import time

import click

from ..errors import Diagnostic, GradcliError, fail
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
        self.shows_outputs = False  # the command shows a script's outputs (eval): with a later error too
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
        """Report an error as text on stderr, or as a JSON document with ok false.

        What the run showed before the error is reported with it, as Python would show
        it: a pasted script's outputs (on stdout first, in the JSON document as
        "outputs"), the warnings met (before the error they came before), and the float
        dtype the run computed in."""
        diagnostics, outputs = self.shown_before(error)
        if self.as_json:
            from ..render.document import diagnostics_json

            doc = self.base_doc()
            doc["ok"] = False
            if row is not None:
                doc["row"] = row
            if outputs:
                from ..render.outputs import outputs_json

                doc["outputs"] = outputs_json(outputs)
            doc["diagnostics"] = diagnostics_json(diagnostics)
            self.json(doc)
        else:
            from ..render.diagnostics import render_text

            if outputs:
                from ..render.outputs import output_lines

                self.lines(output_lines(outputs, self.precision))
            for d in diagnostics:
                if self.quiet and d.severity == "warning":
                    continue
                if row is not None:
                    click.echo(f"row {row}:", err=True)
                click.echo(render_text(d, color=self.err_color), err=True, color=self.err_color)
        return error.exit_code

    def shown_before(self, error: GradcliError):
        """The diagnostics to report for an error and the outputs printed before it.

        A script's run that the error stopped (error.partial) reports its warnings with
        its errors already, and what it printed. An error after the script ran (a feed,
        --of, a value computed only when it was fetched: a singular matrix) comes after
        the warnings of that run, the model's, and, for a command that shows a script's
        outputs (eval), after its outputs: the run printed them."""
        partial = error.partial
        if partial is not None:
            self.dtype = partial.graph.float_dtype.name
            return error.diagnostics, list(partial.outputs)
        if self.model is not None:
            return self.model.warnings + error.diagnostics, self.model.outputs if self.shows_outputs else []
        return error.diagnostics, []


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
            code = _reported(run, body, args, kwargs)
        except BrokenPipeError:  # the reader closed stdout or stderr (`| head -1`): stop quietly
            code = closed_pipe()  # (Click itself would exit 1)
        ctx.exit(int(code or ExitCode.OK))

    return inner


def _reported(run, body, args, kwargs) -> int:
    """The command's exit status, its failures reported as diagnostics."""
    try:
        code = body(run, *args, **kwargs)
    except GradcliError as error:
        code = run.failure(error)
    except KeyboardInterrupt:
        code = report_interrupt([], run)
    except BrokenPipeError:
        raise
    except RecursionError:
        code = run.failure(fail("E0316", "the model is nested too deeply to evaluate"))
    except MemoryError:
        code = run.failure(fail("E0305", "out of memory: a tensor is too large", help=["lower the sizes, or --max-elements to refuse them early"]))
    except (click.ClickException, click.exceptions.Exit, SystemExit):
        raise
    except Exception:  # a bug of ours: one line, and the traceback with --debug
        code = internal_error(run)
    return code


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
