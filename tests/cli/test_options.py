"""The run options (--dtype, --seed, --precision, --max-elements, -e, stdin) and the group
options (colour, quiet, verbose, version, help)."""
from __future__ import annotations


import pytest

from conftest import LINEAR_FEEDS, SAMPLE_TEXT, SAMPLES, invoke, run_json, strict_json

pytestmark = pytest.mark.usefixtures("plain_environment")


# ---------------------------------------------------------------- run options

def test_dtype_float32():
    doc = run_json("eval", "samples/linear.grad", *LINEAR_FEEDS, "--dtype", "float32")
    assert doc["dtype"] == "float32"
    assert set(doc["dtypes"].values()) == {"float32"}
    assert doc["values"]["cost"] == pytest.approx(6.6540337, rel=1e-6)
    assert doc["values"]["cost"] != pytest.approx(6.654033562006477, rel=1e-12)
    result = invoke("eval", "samples/linear.grad", *LINEAR_FEEDS, "--dtype", "float32")
    assert "float32" in result.stdout and "float64" not in result.stdout


def test_dtype_float32_for_grad():
    doc = run_json("grad", "-e", "x**2", "--feed", "x=3", "--dtype", "float32")
    assert doc["dtypes"] == {"values": {"expr": "float32"}, "gradients": {"x": "float32"}}


def test_seed_makes_random_ops_reproducible():
    a = run_json("eval", "-e", "random_normal([4])", "--seed", "7")
    b = run_json("eval", "-e", "random_normal([4])", "--seed", "7")
    c = run_json("eval", "-e", "random_normal([4])", "--seed", "8")
    assert a["seed"] == 7 and c["seed"] == 8
    assert a["values"] == b["values"]
    assert a["values"] != c["values"]
    default = run_json("eval", "-e", "random_normal([4])")
    zero = run_json("eval", "-e", "random_normal([4])", "--seed", "0")
    assert default["values"] == zero["values"]


def test_precision():
    three = invoke("eval", "samples/linear.grad", *LINEAR_FEEDS, "--fetch", "cost", "--precision", "3")
    assert three.stdout.splitlines()[0] == "cost  float64  6.65"
    ten = invoke("eval", "samples/linear.grad", *LINEAR_FEEDS, "--fetch", "cost", "--precision", "10")
    assert ten.stdout.splitlines()[0] == "cost  float64  6.654033562"


@pytest.mark.parametrize("bad", ["0", "18", "x"])
def test_precision_out_of_range_is_a_usage_error(bad):
    result = invoke("eval", "samples/quadratic.grad", "--precision", bad)
    assert result.exit_code == 2


def test_max_elements():
    result = invoke("eval", "-e", "ones([1000, 1000])", "--max-elements", "1000")
    assert result.exit_code == 65
    assert "E0305" in result.stderr
    doc = run_json("eval", "-e", "ones([100000, 100000])", code=65)  # refused before allocating
    assert doc["diagnostics"][0]["code"] == "E0305"
    fits = run_json("eval", "-e", "ones([10, 10])", "--max-elements", "100")
    assert fits["shapes"]["expr"] == [10, 10]


def test_inline_expression_free_names_are_placeholders():
    doc = run_json("eval", "-e", "x*y + 1", "--feed", "x=2", "--feed", "y=3")
    assert doc["model"] == "<expr>"
    assert doc["values"] == {"expr": 7.0}
    missing = invoke("eval", "-e", "x*y + 1", "--feed", "x=2")
    assert missing.exit_code == 2 and "E0401" in missing.stderr and "y" in missing.stderr


def test_inline_expression_errors_point_into_the_expression():
    result = invoke("eval", "-e", "x +* 2")
    assert result.exit_code == 65
    assert "<expr>:1:" in result.stderr


def test_model_and_expression_together_is_a_usage_error():
    result = invoke("eval", "samples/quadratic.grad", "-e", "x")
    assert result.exit_code == 2


def test_model_from_stdin():
    result = invoke("eval", "-", input=(SAMPLES / "quadratic.grad").read_text())
    assert result.exit_code == 0
    assert result.stdout == SAMPLE_TEXT["quadratic"]
    doc = run_json("eval", "-", input="y = (\n", code=65)
    assert doc["model"] == "<stdin>"
    assert doc["diagnostics"][0]["file"] == "<stdin>"


# ---------------------------------------------------------------- group options

def test_color_always_puts_colour_codes_in():
    result = invoke("--color", "always", "eval", "samples/unconnected.grad")
    assert "\x1b[" in result.stdout
    error = invoke("--color", "always", "eval", "-e", "x +* 2")
    assert "\x1b[" in error.stderr


def test_color_never_and_auto_when_piped_leave_them_out():
    for args in (["--color", "never"], []):
        result = invoke(*args, "eval", "samples/unconnected.grad")
        assert "\x1b[" not in result.stdout
        error = invoke(*args, "eval", "-e", "x +* 2")
        assert "\x1b[" not in error.stderr


def test_force_color_and_no_color():
    assert "\x1b[" in invoke("eval", "samples/unconnected.grad", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in invoke("eval", "-e", "x +* 2", env={"FORCE_COLOR": "1"}).stderr
    assert "\x1b[" not in invoke("eval", "samples/unconnected.grad", env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" not in invoke("eval", "samples/unconnected.grad", env={"NO_COLOR": "1", "FORCE_COLOR": "1"}).stdout


def test_color_option_beats_the_environment():
    assert "\x1b[" in invoke("--color", "always", "eval", "samples/unconnected.grad", env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" not in invoke("--color", "never", "eval", "samples/unconnected.grad", env={"FORCE_COLOR": "1"}).stdout


def test_colour_never_reaches_json():
    result = invoke("--color", "always", "eval", "samples/unconnected.grad", "--json")
    assert "\x1b[" not in result.stdout
    strict_json(result.stdout)


def test_quiet_drops_warnings():
    loud = invoke("eval", "-e", "log(x)", "--feed", "x=0")
    assert "warning[W06" in loud.stderr
    quiet = invoke("-q", "eval", "-e", "log(x)", "--feed", "x=0")
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    assert quiet.stdout == loud.stdout


def test_quiet_keeps_errors():
    result = invoke("-q", "eval", "samples/linear.grad")
    assert result.exit_code == 2 and "E0401" in result.stderr


def test_verbose_prints_timings_on_stderr():
    result = invoke("-v", "eval", "samples/quadratic.grad")
    assert result.exit_code == 0
    assert result.stdout == SAMPLE_TEXT["quadratic"]
    assert "timing:" in result.stderr and "ms" in result.stderr
    grad = invoke("-v", "grad", "-e", "x*x", "--feed", "x=1")
    assert "timing:" in grad.stderr


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == "gradcli 0.1.0\n"


def test_group_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("eval", "grad", "check", "explain", "graph", "ops"):
        assert f"  {command} " in result.stdout
    assert invoke("-h").stdout == result.stdout


EVAL_OPTIONS = ["--feed", "--feeds", "--dtype", "--seed", "--precision", "--max-elements", "--json"]


@pytest.mark.parametrize("command, options", [
    ("eval", ["--expr", "--fetch", *EVAL_OPTIONS]),
    ("grad", ["--expr", "--of", "--wrt", "--grad-ys", "--stop", "--unconnected", "--formula", *EVAL_OPTIONS]),
])
def test_command_help(command, options):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: gradcli {command} ") or result.stdout.startswith(f"Usage: cli {command} ")
    for option in options:
        assert option in result.stdout
    assert invoke(command, "-h").stdout == result.stdout


@pytest.mark.parametrize("command", ["check", "explain", "graph", "ops"])
def test_help_of_the_learning_commands(command):
    import importlib.util

    if importlib.util.find_spec("gradcli.cli.learning") is None:
        pytest.skip("gradcli.cli.learning is not written yet")
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert f" {command} " in result.stdout.splitlines()[0]
