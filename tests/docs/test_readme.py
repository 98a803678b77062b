"""Every example in the README runs, and prints exactly what the README shows."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.S)
# the docs' console examples run too
DOC_BLOCKS = [b for doc in ("docs/json.md",) for b in re.findall(r"```(\w*)\n(.*?)```", (ROOT / doc).read_text(), flags=re.S)]


def console_examples():
    """(command, expected output) for every `$ ` line of a console block."""
    examples = []
    for lang, body in BLOCKS + DOC_BLOCKS:
        if lang != "console" or not body.startswith("$ "):
            continue
        command, output = None, []
        for line in body.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    examples.append((command, "\n".join(output)))
                command, output = line[2:], []
            else:
                output.append(line)
        examples.append((command, "\n".join(output)))
    return examples


EXAMPLES = console_examples()


def _jq(document: str, args: str) -> str:
    """jq's `.a.b` (and `-c .a.b`) on a document, for machines without jq."""
    words = shlex.split(args)
    compact = "-c" in words
    value = json.loads(document)
    for key in words[-1].strip(".").split("."):
        value = value[key]
    value = _jq_numbers(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if compact else json.dumps(value, indent=2, ensure_ascii=False)


def _jq_numbers(value):
    """jq prints 5.0 as 5."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_jq_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _jq_numbers(v) for k, v in value.items()}
    return value


def run_example(command: str) -> str:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    gradcli_part, _, jq_part = command.partition(" | jq ")
    args = shlex.split(gradcli_part)
    assert args[0] == "gradcli"
    proc = subprocess.run([sys.executable, "-m", "gradcli", *args[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    output = proc.stdout + proc.stderr
    if jq_part:
        if shutil.which("jq"):
            output = subprocess.run(["jq", *shlex.split(jq_part)], input=proc.stdout, capture_output=True, text=True, check=True).stdout
        else:
            output = _jq(proc.stdout, jq_part) + "\n"
    return output.rstrip("\n")


def test_readme_has_examples():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("command,expected", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_console_example(command, expected):
    assert run_example(command) == expected


def test_quick_start_commands():
    """The two commands a newcomer runs: the sample part runs; the test part is what CI runs."""
    first = [body for lang, body in BLOCKS if lang == "console" and not body.startswith("$ ")]
    install, tests = first[0].strip(), first[1].strip()
    assert install.endswith("gradcli eval samples/quadratic.grad")
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests.split("&& ")[-1] in ci
    assert run_example("gradcli eval samples/quadratic.grad").startswith("y ")


def test_python_example(monkeypatch, capsys):
    code = next(body for lang, body in BLOCKS if lang == "python")
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out.strip() == "None"
