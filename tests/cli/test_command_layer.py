"""The command layer's shape: option bundles hand a command one Options object, each
command's name is written once, Rich lives in one render module, and the --fetch that
grad, check and explain used to accept and ignore is gone."""
from __future__ import annotations

import ast
import re

import click
import pytest
from click.testing import CliRunner

from conftest import LINEAR_FEEDS, ROOT, invoke, strict_json

pytestmark = pytest.mark.usefixtures("plain_environment")

PACKAGE = ROOT / "gradcli"


@pytest.mark.parametrize("args", [
    ["grad", "samples/linear.grad", *LINEAR_FEEDS, "--fetch", "cost"],
    ["check", "samples/homework.grad", "--fetch", "y"],
    ["explain", "-e", "x*x", "--wrt", "x", "--feed", "x=2", "--fetch", "expr"],
])
def test_fetch_is_a_usage_error_where_it_did_nothing(args):
    result = invoke(*args)
    assert result.exit_code == 2
    assert "No such option '--fetch'" in result.stderr
    doc = strict_json(invoke(*args, "--json").stdout)
    assert doc["ok"] is False and doc["diagnostics"][0]["code"] == "E0001"


def test_eval_and_graph_still_fetch():
    doc = strict_json(invoke("graph", "samples/linear.grad", *LINEAR_FEEDS, "--fetch", "cost", "--json").stdout)
    assert doc["ok"] is True
    assert [r["name"] for r in doc["roots"]] == ["cost"]
    assert list(strict_json(invoke("eval", "samples/linear.grad", *LINEAR_FEEDS, "--fetch", "db", "--json").stdout)["values"]) == ["db"]


def test_bundles_hand_the_command_one_options_object():
    from gradcli.cli.common import guarded
    from gradcli.cli.options import feed_options, model_input, run_options

    seen = {}

    @click.command()
    @model_input(expression="an expression")
    @click.option("--own", default="mine")
    @feed_options
    @run_options
    @guarded
    def probe(run, own):
        seen.update(vars(run.options), own=own, command=run.command, precision=run.precision)

    result = CliRunner().invoke(probe, ["m.grad", "--feed", "x=1", "--feed", "y=2", "--precision", "3", "--json"], prog_name="probe")
    assert result.exit_code == 0, result.output
    assert seen["model"] == "m.grad" and seen["expression"] is None
    assert seen["feeds"] == ["x=1", "y=2"] and seen["feeds_file"] is None
    assert seen["precision"] == 3
    assert seen["as_json"] is True and seen["dtype"] is None and seen["own"] == "mine"  # None: the model decides (float32 for TensorFlow scripts)
    assert seen["command"] == "probe"


def test_every_command_takes_few_parameters():
    """Shared options arrive bundled: a command's parameters are `run` and its own options,
    never one of the shared ones (those are in run.options)."""
    import inspect

    from gradcli.cli import COMMANDS, cli
    from gradcli.cli.options import Options

    shared = set(Options.__dataclass_fields__) - {"xs"}  # check's --wrt (with -e) is its own
    for name in COMMANDS:
        command = cli.get_command(None, name)
        assert command.name == name
        own = list(inspect.signature(inspect.unwrap(command.callback)).parameters)
        assert own[0] == "run" and not shared & set(own) and len(own) <= 10, (name, own)


def test_each_command_name_is_written_once():
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((PACKAGE / "cli").glob("*.py")))
    assert not re.search(r'click\.command\("', text)
    assert not re.search(r'guarded\("', text)


def test_rich_is_imported_by_one_render_module_only():
    importers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == "rich" or n.startswith("rich.") for n in names):
                importers.append(path.relative_to(PACKAGE).as_posix())
    assert sorted(set(importers)) == ["render/terminal.py"]
