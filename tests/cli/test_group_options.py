"""CLI.md: the global options (-q, -v, --color, --debug) are accepted before or after the
command name, with the same effect."""
from __future__ import annotations

import pytest

from gradcli.cli import cli, hoist_group_options
from tests.conftest import invoke

WARNS = "import tensorflow as tf\nx = tf.Variable(2.0)\ny = x * x\n"


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(WARNS)
    return str(path)


@pytest.mark.parametrize("before, after", [
    (["-q", "eval", "M"], ["eval", "M", "-q"]),
    (["--quiet", "grad", "M", "--of", "y"], ["grad", "M", "--of", "y", "--quiet"]),
    (["-v", "--color", "never", "eval", "M"], ["eval", "M", "--color", "never", "-v"]),
    (["--color=never", "eval", "M"], ["eval", "--color=never", "M"]),
])
def test_after_the_command_means_the_same_as_before_it(model, before, after):
    fill = lambda args: [model if a == "M" else a for a in args]  # noqa: E731
    first, second = invoke(*fill(before)), invoke(*fill(after))
    assert (first.exit_code, first.stdout) == (second.exit_code, second.stdout)
    # -v adds timings whose numbers differ run to run: compare the lines' words
    words = lambda text: [line.split(":")[0] for line in text.splitlines()]  # noqa: E731
    assert words(first.stderr) == words(second.stderr)


def test_quiet_after_the_command_drops_the_warning(model):
    loud, quiet = invoke("eval", model), invoke("eval", model, "-q")
    assert "warning[W0213]" in loud.stderr
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert quiet.stdout == loud.stdout


def test_a_value_of_the_commands_own_option_stays_its_value():
    # `-e -q`: the expression is the text "-q" (a syntax error), not the group's -q
    assert hoist_group_options(["grad", "-e", "-q", "--wrt", "x"], cli) == ["grad", "-e", "-q", "--wrt", "x"]
    assert hoist_group_options(["eval", "m", "--", "-q"], cli) == ["eval", "m", "--", "-q"]
    assert hoist_group_options(["--debug", "eval", "m", "-v", "--color", "always"], cli) == ["--debug", "-v", "--color", "always", "eval", "m"]


def test_nothing_to_move_leaves_the_arguments_alone():
    args = ["eval", "m.grad", "--feed", "x=1"]
    assert hoist_group_options(args, cli) is args
