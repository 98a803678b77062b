"""The README's two start-up commands and its Python example (its `$ ` examples run in
test_doc_examples.py, with every other page's)."""
from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.S)


def test_quick_start_commands():
    """The two commands a newcomer runs: the sample part runs; the test part is what CI runs."""
    first = [body for lang, body in BLOCKS if lang == "console" and not body.startswith("$ ")]
    install, tests = first[0].strip(), first[1].strip()
    assert install.endswith("gradcli eval samples/quadratic.grad")
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests.split("&& ")[-1] in ci
    proc = subprocess.run([sys.executable, "-m", "gradcli", "eval", "samples/quadratic.grad"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env={"NO_COLOR": "1", "PATH": ""})
    assert proc.returncode == 0 and proc.stdout.startswith("y "), proc.stderr


def test_python_example(monkeypatch, capsys):
    code = next(body for lang, body in BLOCKS if lang == "python")
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out.strip() == "None"


def test_the_readme_links_only_to_pages_that_exist():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" not in target:
                assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to {target}, which is not in the repository"


def test_the_docs_cite_no_spec_outside_the_repository():
    """The specs (LANGUAGE.md, CLI.md, ...) are not shipped: the docs point at docs/ instead."""
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text()
        for name in ("LANGUAGE.md", "CLI.md", "SEMANTICS.md", "PYTHON.md", "shared/spec"):
            assert name not in text, f"{page.relative_to(ROOT)} cites {name}, which is not in the repository"
