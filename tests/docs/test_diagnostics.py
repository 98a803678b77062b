"""Every diagnostic code: its example triggers it, with the documented exit status,
and renders exactly as its golden file (fixed width, no colour)."""
from __future__ import annotations

import ast
import json

import pytest

from gradcli.codes import all_examples, markdown
from gradcli.codes import exit_code_for

from conftest import GOLDEN, ROOT, UPDATE_GOLDEN, golden, invoke

DOCS = ROOT / "docs" / "diagnostics.md"
# codes no input can trigger on purpose: a Ctrl-C, a bug of ours, and Python's own recursion limit
UNTRIGGERABLE = {"E0098", "E0099", "E0316"}
# an example marked pending needs syntax that is still being built (codes.py says which)
EXAMPLES = [e for e in all_examples() if e.code not in UNTRIGGERABLE and not e.pending]


def _run(example, tmp_path, monkeypatch, as_json, final_newline=None):
    """Run the example in tmp_path; final_newline True/False adds or strips the model's last newline."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    if example.model is not None:
        model = example.model
        if final_newline is not None:
            model = model.rstrip("\n") + ("\n" if final_newline else "")
        (tmp_path / "model.grad").write_bytes(model.encode("utf-8", "surrogateescape"))
    for name, text in example.files.items():
        (tmp_path / name).write_text(text)
    args = [a.replace("{model}", "model.grad") for a in example.args]
    if example.args == ("eval", "{model}") and example.model is None:
        args = ["eval"]
    if as_json and "--json" not in args:
        args.append("--json")
    if not as_json and "--json" in args:
        args.remove("--json")
    # prog_name: Click's usage errors name the program as a shell user sees it
    return invoke(*args, prog_name="gradcli", catch_exceptions=False), args


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
    rendered = result.output  # what a terminal shows: stdout, then the diagnostics on stderr
    assert "Traceback" not in rendered
    assert rendered == result.stdout + result.stderr  # the docs can show it in that order
    golden(f"codes/{example.code}.txt", rendered)


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.model], ids=[e.code for e in EXAMPLES if e.model])
def test_output_does_not_depend_on_the_final_newline(example, tmp_path, monkeypatch):
    """docs/diagnostics.md shows each model as a block: an editor may or may not end it with a newline."""
    with_newline, _ = _run(example, tmp_path, monkeypatch, as_json=False, final_newline=True)
    without, _ = _run(example, tmp_path, monkeypatch, as_json=False, final_newline=False)
    assert with_newline.output == without.output


def test_every_command_is_quoted_for_a_shell():
    import shlex

    from gradcli.codes import command_line

    for example in EXAMPLES:
        assert shlex.split(command_line(example))[1:] == [a.replace("{model}", "model.grad") for a in example.args]
    e0006 = next(e for e in EXAMPLES if e.code == "E0006")
    assert command_line(e0006) == "gradcli grad -e 'x = 1; y = 2'"


def test_every_code_in_the_source_is_catalogued():
    import re

    root = ROOT / "gradcli"
    used = set()
    for path in root.rglob("*.py"):
        used |= set(re.findall(r'"([EW]0\d{3})"', path.read_text()))
    assert used, f"no codes found under {root}"
    catalogued = {e.code for e in all_examples()}
    assert used - catalogued == set(), "codes used but not documented"


def test_docs_are_generated_from_the_catalogue():
    renderings = {p.stem: p.read_text() for p in (GOLDEN / "codes").glob("*.txt")}
    text = markdown(renderings)
    if UPDATE_GOLDEN:
        DOCS.parent.mkdir(exist_ok=True)
        DOCS.write_text(text)
    assert DOCS.read_text() == text


def test_readme_lists_every_code():
    readme = (ROOT / "README.md").read_text()
    missing = [e.code for e in all_examples() if e.code not in readme]
    assert not missing


def test_readme_tables_are_generated_from_the_codes_table():
    from gradcli.codes import update_readme

    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    if UPDATE_GOLDEN:
        path.write_text(update_readme(text), encoding="utf-8")
    assert update_readme(text) == text, "README.md is stale: python -m gradcli.codes --readme"


def test_every_code_has_its_exit_status_in_the_table():
    from gradcli.codes import CODES, ExitCode

    assert all(isinstance(e.exit, ExitCode) for e in CODES.values())
    assert exit_code_for("E0002") == ExitCode.CANNOT_READ == 66
    assert exit_code_for("E0099") == ExitCode.INTERNAL == 70
    assert exit_code_for("E0401") == ExitCode.USAGE and exit_code_for("W0601") == ExitCode.OK
    with pytest.raises(KeyError, match="E0999 is not in gradcli/codes.py"):
        exit_code_for("E0999")


def test_a_row_without_its_exit_status_is_refused():
    from gradcli.codes import _e

    with pytest.raises(TypeError):
        _e("E0998", "a code with no exit status", "y = 1\n")


def test_the_commands_take_exit_statuses_from_codes_not_literals():
    """No literal exit status in gradcli/cli/ (0 aside): ExitCode or the table says it."""
    statuses = {int(s) for s in __import__("gradcli.codes", fromlist=["ExitCode"]).ExitCode} - {0}
    found = []
    for path in sorted((ROOT / "gradcli" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value = None
            if isinstance(node, ast.Return):
                value = node.value
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "exit" and node.args:
                value = node.args[0]
            candidates = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
            found += [f"{path.name}:{node.lineno}" for v in candidates if _is_status(v, statuses)]
    assert not found


def _is_status(node, statuses) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value in statuses
