"""Every diagnostic code: its example triggers it, with the documented exit status,
and renders exactly as its golden file (fixed width, no colour)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradcli.codes import all_examples, markdown
from gradcli.cli import cli
from gradcli.codes import exit_code_for

GOLDEN = Path(__file__).resolve().parent / "golden" / "codes"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "diagnostics.md"
UPDATE = os.environ.get("GRADCLI_UPDATE_GOLDEN") == "1"
# codes no input can trigger on purpose: a Ctrl-C, a bug of ours, and Python's own recursion limit
UNTRIGGERABLE = {"E0098", "E0099", "E0316"}
EXAMPLES = [e for e in all_examples() if e.code not in UNTRIGGERABLE]


def _run(example, tmp_path, monkeypatch, as_json):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    if example.model is not None:
        (tmp_path / "model.grad").write_bytes(example.model.encode("utf-8", "surrogateescape"))
    for name, text in example.files.items():
        (tmp_path / name).write_text(text)
    args = [a.replace("{model}", "model.grad") for a in example.args]
    if example.args == ("eval", "{model}") and example.model is None:
        args = ["eval"]
    if as_json and "--json" not in args:
        args.append("--json")
    if not as_json and "--json" in args:
        args.remove("--json")
    return CliRunner().invoke(cli, args, catch_exceptions=False), args


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.code for e in EXAMPLES])
def test_example_reports_its_code(example, tmp_path, monkeypatch):
    result, args = _run(example, tmp_path, monkeypatch, as_json=True)
    doc = json.loads(result.stdout)
    codes = [d["code"] for d in doc["diagnostics"]]
    assert example.code in codes, (args, codes, result.stderr)
    assert result.exit_code == exit_code_for(example.code), (args, result.exit_code)
    assert doc["ok"] is example.code.startswith("W")


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.code for e in EXAMPLES])
def test_example_renders_as_golden(example, tmp_path, monkeypatch):
    result, _ = _run(example, tmp_path, monkeypatch, as_json=False)
    rendered = result.stderr
    assert "Traceback" not in rendered
    golden = GOLDEN / f"{example.code}.txt"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text(rendered)
    assert rendered == golden.read_text()


def test_every_code_in_the_source_is_catalogued():
    import re

    root = Path(__file__).resolve().parent.parent / "gradcli"
    used = set()
    for path in root.rglob("*.py"):
        used |= set(re.findall(r'"([EW]0\d{3})"', path.read_text()))
    catalogued = {e.code for e in all_examples()}
    assert used - catalogued == set(), "codes used but not documented"


def test_docs_are_generated_from_the_catalogue():
    renderings = {p.stem: p.read_text() for p in GOLDEN.glob("*.txt")}
    text = markdown(renderings)
    if UPDATE:
        DOCS.parent.mkdir(exist_ok=True)
        DOCS.write_text(text)
    assert DOCS.read_text() == text


def test_readme_lists_every_code():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    missing = [e.code for e in all_examples() if e.code not in readme]
    assert not missing
