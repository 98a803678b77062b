"""Shared test helpers: paths, the CLI runner, strict JSON, golden files.

Tests live in the folder of their floor (tests/engine, tests/language, tests/learn,
tests/cli, tests/docs) and import these with `from conftest import ...`: pytest puts
this folder on sys.path, and one conftest keeps one copy of each helper.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradcli.cli import cli

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
DATA = TESTS / "data"
GOLDEN = TESTS / "golden"
SAMPLES = ROOT / "samples"
UPDATE_GOLDEN = bool(os.environ.get("GRADCLI_UPDATE_GOLDEN"))

LINEAR = str(SAMPLES / "linear.grad")
LINEAR_FEEDS = ["--feed", "X=[[2],[3]]", "--feed", "Y=[[3],[2]]"]

# CLI.md's "Text output" example, exactly (tests/cli/test_output.py keeps them equal)
LINEAR_TEXT = """\
pred  float64[2,1]  [[3.8763]
                     [5.54121]]
cost  float64       6.65403
dW    float64       12.3762    ∂cost/∂W
db    float64       4.41751    ∂cost/∂b
expect dW == reduce_sum((W * X + b - Y) * X)   holds (max abs error 0)
expect db == reduce_sum(W * X + b - Y)         holds (max abs error 0)
"""

# `gradcli eval samples/NAME.grad`, exactly
SAMPLE_TEXT = {
    "quadratic": """\
y        float64  5
grad[0]  float64  5  ∂y/∂x
""",
    "stop_gradients": """\
a           float64  0
b           float64  0
total[0]    float64  3  ∂(a + b)/∂a
total[1]    float64  1  ∂(a + b)/∂b
partial[0]  float64  1  ∂(a + b)/∂a
partial[1]  float64  1  ∂(a + b)/∂b
""",
    "unconnected": """\
a        float64[1,2]  [[1 1]]
b        float64[3,1]  [[1]
                        [1]
                        [1]]
none[0]  None          None     ∂b/∂a: b does not depend on a
zero[0]  float64[1,2]  [[0 0]]  ∂b/∂a
""",
    "seed_question": """\
X     float64[3,3]  [[0.12573 -0.132105 0.640423]
                     [0.1049 -0.535669 0.361595]
                     [1.304 0.947081 -0.703735]]
y     float64[2,2]  [[0.102968 -0.980527]
                     [-0.817478 -1.02788]]
g[0]  None          None                           ∂X/∂y: X does not depend on y
""",
}


# ---------------------------------------------------------------- the CLI runner

def invoke(*args, input=None, env=None, terminal_width=None, catch_exceptions=True, allow_traceback=False, prog_name=None):
    """Run gradcli in-process (stdout and stderr kept apart); a traceback in either fails
    the test unless allow_traceback (--debug). prog_name="gradcli" names the program in
    Click's own messages as a shell user sees it."""
    named = {"prog_name": prog_name} if prog_name else {}  # None would make Click read sys.argv
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input, env=env, **named,
                                terminal_width=terminal_width, catch_exceptions=catch_exceptions)
    if not allow_traceback:
        assert "Traceback" not in result.stdout and "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


def invoke_at_root(*args, input=None):
    """Run gradcli from the repository root (paths in goldens are relative), colour off,
    100 columns: the learn commands' goldens."""
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        return invoke("--color", "never", *args, input=input, terminal_width=100)
    finally:
        os.chdir(here)


@pytest.fixture
def plain_environment(monkeypatch):
    """No colour variables from the caller's shell, a fixed width, and the repo as cwd."""
    for name in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(ROOT)


@pytest.fixture
def samples() -> Path:
    return SAMPLES


# ---------------------------------------------------------------- strict JSON

def _no_constants(name):
    raise ValueError(f"bare {name} in JSON output")


def strict_json(text: str):
    """Exactly one JSON document on one line, with NaN/Infinity refused."""
    lines = [line for line in text.split("\n") if line.strip()]
    assert len(lines) == 1, f"expected one JSON line, got {len(lines)}: {text[:500]!r}"
    return json.loads(lines[0], parse_constant=_no_constants)


def json_lines(text: str):
    """One JSON document per non-empty line (--feeds-batch), NaN/Infinity refused."""
    return [json.loads(line, parse_constant=_no_constants) for line in text.split("\n") if line.strip()]


def run_json(*args, input=None, code=0):
    """`gradcli ARGS --json`: the exit status checked, the one document returned."""
    result = invoke(*args, "--json", input=input)
    assert result.exit_code == code, (result.stdout, result.stderr)
    return strict_json(result.stdout)


def expr_value(value, *extra, model="x"):
    """The JSON value of `-e x` fed with x=VALUE, and the document."""
    doc = run_json("eval", "-e", model, "--feed", f"x={value}", *extra)
    return doc["values"]["expr"], doc


# ---------------------------------------------------------------- golden files

def golden(name: str, text: str):
    """Compare with tests/golden/NAME exactly (NAME like "learn/check_pass.txt");
    GRADCLI_UPDATE_GOLDEN=1 rewrites it, to review as a diff."""
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with GRADCLI_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- data

def conformance_cases() -> list[dict]:
    return [json.loads(line) for line in (DATA / "semantics.jsonl").read_text().splitlines() if line.strip()]


# ---------------------------------------------------------------- pasted scripts through the API

def script_outputs(text, name="snippet.py"):
    """What a script printed: one list of JSON values per output, in order."""
    import gradcli
    from gradcli.render.values import output_json

    model = gradcli.loads(text, name=name)
    return [[output_json(v)[0] for v in o.values] for o in model.outputs]


def script_errors(text, name="snippet.py"):
    """The errors (warnings left out) a script stops with."""
    import gradcli
    from gradcli.errors import GradcliError

    with pytest.raises(GradcliError) as info:
        gradcli.loads(text, name=name).eval()
    return info.value.errors
