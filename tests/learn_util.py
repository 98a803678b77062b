"""Shared helpers of the learn-command tests: run the CLI, compare golden files."""
from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from gradcli.cli import cli

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "learn"


def invoke(*args, input=None):
    """Run gradcli from the repository root (paths in goldens are relative), colour off."""
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        return CliRunner().invoke(cli, ["--color", "never", *args], terminal_width=100, input=input)
    finally:
        os.chdir(here)


def golden(name: str, text: str):
    """Compare with tests/golden/learn/NAME exactly; GRADCLI_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("GRADCLI_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with GRADCLI_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")
