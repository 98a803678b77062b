"""The `gradcli` command: one Click group of thin commands.

Start-up is a feature: importing this module loads Click and nothing heavy.
Each command's module (and with it NumPy, Lark, Rich) loads only when that
command runs; library errors are turned into diagnostics and exit codes at
the edge, in gradcli.cli.common; the options the commands share are bundles in
gradcli.cli.options.
"""
from __future__ import annotations

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
        args = hoist_group_options(sys.argv[1:] if args is None else list(args), self)
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
    import warnings

    # gradcli reports numeric trouble in its own words (W0601); NumPy's RuntimeWarnings,
    # with their install paths, never reach the user's terminal
    warnings.simplefilter("ignore")
    try:
        from .. import _restore_sigint

        _restore_sigint()  # Ctrl-C is a KeyboardInterrupt again from here, reported at the edge (gradcli/__init__.py)
        cli.main(args=argv, prog_name="gradcli")
    except KeyboardInterrupt:  # between Click's parsing and a command's own guard
        from .common import report_interrupt

        sys.exit(report_interrupt(sys.argv[1:] if argv is None else list(argv)))


if __name__ == "__main__":
    main()
