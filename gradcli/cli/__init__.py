"""The `gradcli` command: one Click group of thin commands.

Start-up is a feature: importing this module loads Click and nothing heavy.
Each command's module (and with it NumPy, Lark, Rich) loads only when that
command runs; library errors are turned into diagnostics and exit codes at
the edge, in gradcli.cli.common; the options the commands share are bundles in
gradcli.cli.options.
"""
from __future__ import annotations

import gc
import importlib
import sys

import click

from .. import __version__

# Each command's name, written once: the function (module:attribute, imported only when
# the command is used) and its line in `gradcli --help`, which must not import it.
COMMANDS = {
    "eval": ("gradcli.cli.evaluating:eval_command", "Evaluate a model at the feeds and show the fetched values and gradients."),
    "grad": ("gradcli.cli.evaluating:grad_command", "tf.gradients from the command line: --of Y --wrt X, or -e EXPR."),
    "check": ("gradcli.cli.learning:check_command", "Check every expect claim and every gradient against finite differences."),
    "explain": ("gradcli.cli.learning:explain_command", "Show the forward pass and the reverse accumulation step by step."),
    "graph": ("gradcli.cli.learning:graph_command", "Show the computation graph as a tree, DOT or Mermaid."),
    "ops": ("gradcli.cli.learning:ops_command", "List every op with its signature and derivative rule."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, so --help stays instant."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[name][0].partition(":")
        command = getattr(importlib.import_module(module), attribute)
        command.name = name  # the table's name, whatever Click made of the function's
        return command

    def main(self, args=None, prog_name=None, standalone_mode=True, **extra):
        """Click's main, with --json honoured even for usage errors and documented exit codes."""
        args = long_spellings(hoist_group_options(sys.argv[1:] if args is None else list(args), self), self)
        if not standalone_mode:
            return super().main(args, prog_name, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, standalone_mode=False, **extra)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.ClickException as e:
            from .common import closed_pipe, usage_failure

            try:
                sys.exit(usage_failure(e, args))
            except BrokenPipeError:
                sys.exit(closed_pipe())
        except (click.exceptions.Abort, KeyboardInterrupt):
            from .common import report_interrupt

            sys.exit(report_interrupt(args))
        except BrokenPipeError:  # `gradcli ... | head -1`: the reader has all it wants
            from .common import closed_pipe

            sys.exit(closed_pipe())
        from ..codes import ExitCode  # here: --help and --version never load the table

        sys.exit(code if isinstance(code, int) else ExitCode.OK)

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name is not None and not name.startswith("-") and name not in COMMANDS:
            import difflib

            close = difflib.get_close_matches(name, list(COMMANDS), n=1, cutoff=0.5)
            hint = f" Did you mean '{close[0]}'?" if close else f" The commands are: {', '.join(COMMANDS)}."
            raise click.UsageError(f"No such command '{name}'.{hint}", ctx)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx, formatter):
        rows = [(name, summary) for name, (_, summary) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


# The group's options, which CLI.md accepts after the command name too: flag -> takes a value
GROUP_OPTIONS = {"-q": False, "--quiet": False, "-v": False, "--verbose": False, "--debug": False, "--color": True}


def hoist_group_options(args: list[str], group: click.Group) -> list[str]:
    """`gradcli eval m.grad -q` as `gradcli -q eval m.grad`: group options found after the command
    name move before it. The command's own options that take a value keep their value (a value
    that looks like `-q` stays where it is), and nothing after `--` moves."""
    at = 0
    while at < len(args) and args[at].startswith("-"):  # the group's own options, before the name
        at += 2 if GROUP_OPTIONS.get(args[at]) else 1
    if at >= len(args) or args[at] not in COMMANDS:
        return args
    if not any(a in GROUP_OPTIONS or a.startswith("--color=") for a in args[at + 1:]):
        return args  # the common case: nothing to move, and the command module stays unimported
    takes_value = {o for p in group.get_command(None, args[at]).params if isinstance(p, click.Option) and not p.is_flag and not p.count for o in p.opts + p.secondary_opts}
    hoisted, rest, i = [], [], at + 1
    while i < len(args):
        token = args[i]
        if token == "--":
            rest += args[i:]
            break
        if token in GROUP_OPTIONS or token.startswith("--color="):
            width = 2 if GROUP_OPTIONS.get(token) else 1
            hoisted += args[i:i + width]
            i += width
            continue
        width = 2 if token in takes_value else 1
        rest += args[i:i + width]
        i += width
    return args[:at] + hoisted + [args[at]] + rest


def long_spellings(args: list[str], group: click.Group) -> list[str]:
    """`gradcli grad -e EXPR` as `gradcli grad --expr EXPR`: a short option of the command
    given with its value is passed to Click in its long spelling. The meaning is the same;
    what changes is Click's cost: it looks every option up as a long one first, and a
    short one it does not find that way raises NoSuchOption, whose constructor imports
    difflib to suggest close long names (4 M instructions of the one-liner). An option
    without its value stays as typed, for Click's message to name it so."""
    at = 0
    while at < len(args) and args[at].startswith("-"):  # the group's own options, before the name
        at += 2 if GROUP_OPTIONS.get(args[at]) else 1
    if at >= len(args) or args[at] not in COMMANDS or not any(len(a) == 2 and a[0] == "-" != a[1] for a in args[at + 1:]):
        return args
    longer, takes_value = {}, set()
    for p in group.get_command(None, args[at]).params:
        if isinstance(p, click.Option) and not p.is_flag and not p.count:
            takes_value.update(p.opts)
            spelled = [o for o in p.opts if o.startswith("--")]
            if spelled:
                longer.update((o, spelled[0]) for o in p.opts if len(o) == 2 and o[0] == "-" != o[1])
    out, i = args[:at + 1], at + 1
    while i < len(args):
        token = args[i]
        if token == "--":
            out += args[i:]
            break
        if token in takes_value and i + 1 < len(args):
            out += [longer.get(token, token), args[i + 1]]
            i += 2
            continue
        out.append(token)
        i += 1
    return out


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="gradcli", message="%(prog)s %(version)s")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True, help="Colour in text output (beats NO_COLOR and FORCE_COLOR).")
@click.option("-q", "--quiet", is_flag=True, help="Drop warnings and notes.")
@click.option("-v", "--verbose", is_flag=True, help="Add timings and graph size on stderr.")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
@click.pass_context
def cli(ctx, color, quiet, verbose, debug):
    """Values and gradients of small tensor models, with TensorFlow's tf.gradients meaning.

    \b
    gradcli eval samples/linear.grad --feed 'X=[[2],[3]]' --feed 'Y=[[3],[2]]'
    gradcli grad -e 'x**2 + x - 1' --wrt x --feed x=2
    gradcli check homework.grad
    """
    ctx.obj = {"color": color, "quiet": quiet, "verbose": verbose, "debug": debug}


def main(argv=None):
    """The console entry point."""
    global _collector_paused
    import warnings

    # gradcli reports numeric trouble in its own words (W0601); NumPy's RuntimeWarnings,
    # with their install paths, never reach the user's terminal
    warnings.simplefilter("ignore")
    from .. import _command

    command = _command and argv is None  # this process is the `gradcli` command
    if command:
        # Start-up (the command's modules, NumPy, the parser, the model) makes many
        # objects that live as long as the process and no garbage cycles: the collector
        # would only walk them again and again (20 M instructions of the one-liner).
        # It is back once the model is built (resume_collector, from load_model).
        _collector_paused = True
        gc.disable()
    try:
        from .. import _restore_sigint

        _restore_sigint()  # Ctrl-C is a KeyboardInterrupt again from here, reported at the edge (gradcli/__init__.py)
        cli.main(args=argv, prog_name="gradcli")
    except KeyboardInterrupt:  # between Click's parsing and a command's own guard
        from .common import report_interrupt

        sys.exit(report_interrupt(sys.argv[1:] if argv is None else list(argv)))
    except SystemExit as done:
        if command:
            end_process(done.code)
        raise


_collector_paused = False  # by main, until resume_collector


def resume_collector():
    """The cyclic collector back on, if main paused it for the command's start-up. What
    start-up made is frozen first (kept out of every later collection): else the first
    collection would walk all of it at once."""
    global _collector_paused
    if _collector_paused:
        _collector_paused = False
        gc.freeze()
        gc.enable()


def end_process(code) -> None:
    """End the `gradcli` process with `code` once its output is flushed, skipping the
    interpreter's teardown: freeing every module and object one by one costs a run
    about 35 M instructions, a tenth of NumPy's import (README, performance).
    Nothing is lost: gradcli writes no file but stdout and stderr and needs no
    atexit handler. A flush that fails otherwise than on a closed pipe returns, and
    the interpreter's own exit reports it as usual."""
    import os

    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"), as Python prints it
        sys.stderr.write(f"{code}\n")
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        from .common import closed_pipe

        code = closed_pipe()
    except (OSError, ValueError, AttributeError):
        return
    os._exit(code)


if __name__ == "__main__":
    main()
