"""The options the commands share, as decorators (sqlite-utils style).

Each bundle adds its Click options and collects their values into one Options
object, so a command's function takes `run` (whose `run.options` holds them)
and only the options that are its own:

    @click.command()
    @model_input(expression="Evaluate one inline expression instead of a file.")
    @feed_options
    @run_options
    @guarded
    def eval_command(run): ...
"""
from __future__ import annotations

import functools
import os

import click


class Options:
    """What a command was asked for, besides its own options: each bundle below sets
    the fields of its options. (A plain class, not a dataclass: this module loads on
    every run, and a dataclass is compiled as it loads; gradcli.source.Span.)"""

    __slots__ = ("model", "expression", "feeds", "feeds_file", "fetch", "ys", "xs", "grad_ys", "stop", "dtype", "seed", "precision", "max_elements", "as_json")

    def __init__(self):
        self.model: str | None = None  # a .grad path, "-" for stdin
        self.expression: str | None = None  # -e EXPR
        self.feeds: list = []  # --feed NAME=VALUE, as typed
        self.feeds_file: str | None = None
        self.fetch: list = []
        self.ys: list = []  # --of
        self.xs: list = []  # --wrt
        self.grad_ys: list = []
        self.stop: list = []
        self.dtype: str | None = None  # None: float64, or float32 for a script that imports tensorflow
        self.seed = 0
        self.precision = 6
        self.max_elements = 100_000_000
        self.as_json = False

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    __hash__ = None

    def __repr__(self):
        return "Options(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__) + ")"


def bundle(*decorators):
    """Click options (or arguments) whose values go into the command's one Options object."""

    def apply(f):
        @functools.wraps(f)
        def inner(*args, **kwargs):
            options = kwargs.pop("options", None) or Options()
            for name in names:
                value = kwargs.pop(name)
                setattr(options, name, list(value) if isinstance(value, tuple) else value)
            return f(*args, options=options, **kwargs)

        before = len(getattr(inner, "__click_params__", []))
        for decorator in reversed(decorators):
            inner = decorator(inner)
        names = [p.name for p in inner.__click_params__[before:]]
        unknown = [n for n in names if n not in Options.__slots__]
        assert not unknown, f"options without a place in Options: {unknown}"
        return inner

    return apply


# ----- shell completion (never fails loudly: the command line is half typed) -----

def _model_for_completion(ctx):
    """The model named on the command line so far, or None."""
    path = ctx.params.get("model")
    if not path:
        # Click parses an unfinished `--wrt` resiliently and drops the other
        # parameters; the words typed so far are in COMP_WORDS (every shell Click supports)
        words = os.environ.get("COMP_WORDS", "").split()
        path = next((w for w in words[2:] if w.endswith(".grad") and os.path.isfile(w)), None)
    if not path or path == "-":
        return None
    try:
        from ..model import load

        return load(path)
    except Exception:  # a half-typed command line: offer nothing
        return None


def complete_names(ctx, param, incomplete):
    """Shell completion of --of/--wrt/--stop/--fetch: the names the model binds."""
    model = _model_for_completion(ctx)
    names = list(model.resolved.bindings) if model is not None else []
    return [n for n in names if n.startswith(incomplete)]


def complete_feeds(ctx, param, incomplete):
    """Shell completion of --feed: `NAME=` for each placeholder and variable."""
    model = _model_for_completion(ctx)
    names = list(model.inputs) if model is not None else []
    return [f"{n}=" for n in names if f"{n}=".startswith(incomplete)]


# ----- the bundles -----

MODEL = click.argument("model", required=False, metavar="MODEL")


def model_input(expression: str | None = None):
    """MODEL (a .grad file or -), and -e EXPR with this help when the command takes one."""
    if expression is None:
        return bundle(MODEL)
    return bundle(MODEL, click.option("-e", "--expr", "expression", metavar="EXPR", help=expression))


feed_options = bundle(
    click.option("-f", "--feed", "feeds", multiple=True, metavar="NAME=VALUE", shell_complete=complete_feeds, help="A placeholder or variable value: 2, 1,2,3, [[2],[3]] or @file(.npy|.json|.csv|.txt). Repeatable."),
    click.option("--feeds", "feeds_file", metavar="FILE", help="A JSON object of name to value ('-' for stdin); a .jsonl file (or several objects) is a batch."),
)

fetch_option = bundle(
    click.option("--fetch", multiple=True, metavar="NAME", shell_complete=complete_names, help="Show these names instead of the script's fetch. Repeatable."),
)

derivative_options = bundle(
    click.option("--of", "ys", multiple=True, metavar="Y", shell_complete=complete_names, help="A y to differentiate (repeatable: the ys are summed). Default: the last tensor bound."),
    click.option("--wrt", "xs", multiple=True, metavar="X", shell_complete=complete_names, help="An x (repeatable). Default: every variable (every free name with -e)."),
    click.option("--grad-ys", "grad_ys", multiple=True, metavar="NAME=VALUE", help="The seed for that y (default ones)."),
    click.option("--stop", multiple=True, metavar="NAME", shell_complete=complete_names, help="A tensor to hold constant (stop_gradients). Repeatable."),
)

JSON = click.option("--json", "as_json", is_flag=True, help="Write one JSON document to stdout.")

run_options = bundle(
    click.option("--dtype", type=click.Choice(["float32", "float64"]), default=None, help="The default float dtype (float64; float32 for a script that imports tensorflow)."),
    click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True, help="Seed for random ops (and check's sampling): 0 to 2**63-1."),
    click.option("--precision", type=click.IntRange(1, 17), default=6, show_default=True, help="Significant digits in text output."),
    click.option("--max-elements", type=click.IntRange(1), default=100_000_000, show_default=True, help="Refuse any tensor larger than this."),
    JSON,
)

json_option = bundle(JSON)
