"""Every exit code of CLI.md, and the installed command as a user runs it."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import LINEAR, LINEAR_TEXT, ROOT, invoke, run_json, strict_json

pytestmark = pytest.mark.usefixtures("plain_environment")


# ---------------------------------------------------------------- exit codes

@pytest.mark.parametrize("args", [
    ["eval", "samples/quadratic.grad", "--bogus"],
    ["bogus-command"],
    ["eval", "samples/quadratic.grad", "--dtype", "float16"],
    ["eval", "samples/quadratic.grad", "--seed", "x"],
    ["grad", "samples/quadratic.grad", "--unconnected", "maybe"],
    ["eval"],
    ["grad"],
])
def test_usage_errors_exit_2(args):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip()


def test_usage_error_with_json_is_one_document():
    """Through the console entry point, as a user runs it."""
    out = subprocess.run(["gradcli", "eval", "--bogus", "--json"], capture_output=True, text=True)
    assert out.returncode == 2
    doc = strict_json(out.stdout)
    assert doc["ok"] is False and doc["command"] == "eval"
    assert doc["diagnostics"][0]["code"].startswith("E00")
    assert "bogus" in doc["diagnostics"][0]["message"]


def test_feed_errors_exit_2():
    assert invoke("eval", "-e", "x", "--feed", "x=[1,").exit_code == 2
    assert invoke("eval", "samples/linear.grad").exit_code == 2


@pytest.mark.parametrize("text, code", [
    ("y = (\n", "E01"),          # syntax
    ("y = x + 1\n", "E02"),      # unknown name
    ("y = ones([2]) + ones([3])\n", "E03"),  # shapes
    ("var x = 1.0\ng = gradients(x, [x], grad_ys=[1.0, 2.0])\n", "E05"),  # invalid gradients call
])
def test_invalid_model_exits_65(tmp_path, text, code):
    model = tmp_path / "bad.grad"
    model.write_text(text)
    result = invoke("eval", model)
    assert result.exit_code == 65, result.stderr
    assert f"error[{code}" in result.stderr
    assert result.stdout == ""
    doc = run_json("eval", model, code=65)
    assert doc["ok"] is False and doc["diagnostics"][0]["code"].startswith(code)


def test_unreadable_model_exits_66(tmp_path):
    result = invoke("eval", tmp_path / "nope.grad")
    assert result.exit_code == 66
    assert "E0002" in result.stderr
    assert invoke("eval", tmp_path).exit_code == 66  # a directory
    doc = run_json("eval", tmp_path / "nope.grad", code=66)
    assert doc["diagnostics"][0]["code"] == "E0002"


def test_unreadable_feed_file_exits_66(tmp_path):
    result = invoke("eval", "-e", "x", "--feed", f"x=@{tmp_path / 'nope.npy'}")
    assert result.exit_code == 66
    assert "E0003" in result.stderr
    assert invoke("eval", "-e", "x", "--feeds", tmp_path / "nope.json").exit_code == 66


def test_internal_error_exits_70_with_one_line_and_no_traceback(monkeypatch):
    import gradcli.model

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug of ours")

    monkeypatch.setattr(gradcli.model.Model, "run", broken)
    result = invoke("eval", "samples/quadratic.grad")
    assert result.exit_code == 70
    assert result.stdout == ""
    assert "internal error" in result.stderr and "ZeroDivisionError: a bug of ours" in result.stderr
    assert "report" in result.stderr
    assert result.stderr.splitlines()[0].startswith("error[E0099]")
    assert len(result.stderr.strip().splitlines()) == 1

    doc = run_json("eval", "samples/quadratic.grad", code=70)
    assert doc["ok"] is False
    assert "internal error" in doc["diagnostics"][0]["message"]

    debug = invoke("--debug", "eval", "samples/quadratic.grad", allow_traceback=True)
    assert debug.exit_code == 70
    assert "Traceback" in debug.stderr and "a bug of ours" in debug.stderr


def test_stdin_terminal_gives_a_hint_and_exit_2():
    import pty

    leader, follower = pty.openpty()
    try:
        for args in (["eval", "-"], ["eval", "-e", "x", "--feeds", "-"]):
            out = subprocess.run(["gradcli", *args], stdin=follower, capture_output=True, text=True, timeout=60)
            assert out.returncode == 2, out.stderr
            assert "terminal" in out.stderr and "pipe" in out.stderr
            assert "Traceback" not in out.stderr
    finally:
        os.close(leader)
        os.close(follower)


# ---------------------------------------------------------------- the installed command

def test_installed_command_and_python_m_agree():
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    args = ["eval", LINEAR, "--feed", "X=[[2],[3]]", "--feed", "Y=[[3],[2]]"]
    for command in (["gradcli"], [sys.executable, "-m", "gradcli"]):
        out = subprocess.run([*command, *args], capture_output=True, text=True, env=env, cwd=ROOT)
        assert out.returncode == 0, out.stderr
        assert out.stdout == LINEAR_TEXT
        assert out.stderr == ""


def test_installed_command_exit_codes():
    cases = [(["eval", LINEAR], 2), (["eval", "/nonexistent/model.grad"], 66), (["eval", "-e", "x +* 2"], 65), (["--version"], 0)]
    for args, code in cases:
        out = subprocess.run(["gradcli", *args], capture_output=True, text=True)
        assert out.returncode == code, (args, out.stderr)
        assert "Traceback" not in out.stderr
