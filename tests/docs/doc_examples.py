"""The `$ ` examples of README.md and docs/*.md: found, run as a shell would run them, compared.

The rules a page follows (docs/README-style pages written by anyone pick them up):

- A fenced block with a line starting `$ ` is an example block: each `$ ` line is a command
  (a trailing backslash or a here-document continues it), and the lines up to the next `$ `
  are what it prints on a terminal: stdout, then stderr as they interleave.
- A fenced block whose info string names a file (```` ```grad file=model.grad ````) writes that
  file before the commands after it run.
- Each `#`/`##` section runs in its own empty directory, in which the repository's top-level
  folders (samples/, docs/, ...) are linked, so `samples/linear.grad` works and nothing is
  written into the checkout.

A `gradcli ...` command whose words are written as `shlex.join` would write them (optionally
with `2>/dev/null` and piped into `jq` commands written the same way) runs gradcli in this
process through Click, with prog_name "gradcli", and jq as a process: that is the code a shell
would run, minus a process start per example (0.4 s or more each, and there are over 150).
Any other command (a redirection, printf, a here-document, unusual quoting) runs in bash,
with `gradcli` on PATH bound to this interpreter.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
ENV = {"NO_COLOR": "1", "COLUMNS": "100"}
_FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")


def documents() -> list[Path]:
    """README.md and every docs/*.md, found afresh each run."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass
class Example:
    doc: str  # path relative to the repository
    line: int  # 1-based line of the `$ `
    command: str
    expected: str
    section: "Section" = field(repr=False, default=None)

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


@dataclass
class Section:
    """The commands and files of one heading, run in order in one directory."""

    doc: str
    line: int
    steps: list = field(default_factory=list)  # Example, or (name, text) for a file
    outputs: dict = field(default_factory=dict)  # Example.line -> output, once run


@dataclass
class Problem:
    where: str
    what: str


def parse(path: Path) -> tuple[list[Section], list[Problem]]:
    """The sections of a page with their examples and files, and what is malformed."""
    doc = path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    sections = [Section(doc, 1)]
    problems = []
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if not fence:
            if re.match(r"#{1,2} ", line):
                sections.append(Section(doc, i + 1))
            elif line.startswith("$ "):
                problems.append(Problem(f"{doc}:{i + 1}", "a `$ ` command outside a fenced block is never run: put it in a ```console block"))
            i += 1
            continue
        marker, info = fence.group(1), fence.group(2).strip()
        end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith(marker[0] * len(marker)) and not lines[j].strip(marker[0])), None)
        if end is None:
            problems.append(Problem(f"{doc}:{i + 1}", "this fenced block is never closed"))
            break
        body = lines[i + 1:end]
        name = next((w[5:] for w in info.split()[1:] if w.startswith("file=")), None)
        if name is not None:
            if not name or "/" in name or name.startswith("."):
                problems.append(Problem(f"{doc}:{i + 1}", f"file={name!r}: a file block names a plain file in the example's directory"))
            else:
                sections[-1].steps.append((name, "\n".join(body) + "\n"))
        elif any(b.startswith("$ ") for b in body):
            examples, bad = _examples(doc, i + 2, body)
            problems += bad
            for example in examples:
                example.section = sections[-1]
                sections[-1].steps.append(example)
        i = end + 1
    return [s for s in sections if any(isinstance(step, Example) for step in s.steps)], problems


def _examples(doc: str, first_line: int, body: list[str]) -> tuple[list[Example], list[Problem]]:
    examples, problems = [], []
    if not body[0].startswith("$ "):
        problems.append(Problem(f"{doc}:{first_line}", "an example block starts with its first `$ ` command; this line would not be compared"))
    k = 0
    while k < len(body):
        if not body[k].startswith("$ "):
            k += 1
            continue
        start = k
        command = body[k][2:]
        while command.endswith("\\") and k + 1 < len(body):  # a continued line
            k += 1
            command = command[:-1] + body[k]
        heredoc = _HEREDOC.search(command)
        if heredoc:
            word = heredoc.group(2)
            stop = next((j for j in range(k + 1, len(body)) if body[j] == word), None)
            if stop is None:
                problems.append(Problem(f"{doc}:{first_line + start}", f"the here-document is never ended by a line {word}"))
                stop = len(body) - 1
            command = "\n".join([command, *body[k + 1:stop + 1]])
            k = stop
        k += 1
        output_end = next((j for j in range(k, len(body)) if body[j].startswith("$ ")), len(body))
        examples.append(Example(doc, first_line + start, command, "\n".join(body[k:output_end])))
        k = output_end
    return examples, problems


def all_examples() -> tuple[list[Example], list[Problem]]:
    examples, problems = [], []
    for path in documents():
        sections, bad = parse(path)
        problems += bad
        examples += [step for s in sections for step in s.steps if isinstance(step, Example)]
    return examples, problems


# ----- running -----

class Runner:
    """Runs each section once, on first need, and keeps every command's output."""

    def __init__(self, base: Path):
        self.base = base
        self.bin = base / "bin"
        self.bin.mkdir(parents=True)
        _shim(self.bin / "gradcli", f'#!/bin/sh\nexec "{sys.executable}" -m gradcli "$@"\n')
        if shutil.which("jq") is None:  # CI installs jq; elsewhere its `.a.b` is emulated
            _shim(self.bin / "jq", f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                                   "from doc_examples import jq_main\njq_main()\n")
        self.count = 0
        self.memo: dict = {}

    def output(self, example: Example) -> str:
        section = example.section
        if not section.outputs:
            self._run(section)
        return section.outputs[example.line]

    def _run(self, section: Section):
        self.count += 1
        where = self.base / f"{self.count}-{Path(section.doc).stem}-{section.line}"
        where.mkdir()
        for entry in ROOT.iterdir():
            if not entry.name.startswith(".") and entry.name != "tests":
                (where / entry.name).symlink_to(entry)
        for step in section.steps:
            if isinstance(step, tuple):
                name, text = step
                target = where / name
                if target.is_symlink():
                    target.unlink()
                target.write_text(text, encoding="utf-8")
                self.memo.clear()  # what ran before may read this file
            else:
                section.outputs[step.line] = self.run(step.command, where)

    def run(self, command: str, where: Path) -> str:
        pipeline = _simple_pipeline(command)
        if pipeline is not None:
            (args, quiet), filters = pipeline
            key = (where, tuple(args))  # gradcli writes no files: one run serves every jq filter on it
            if key not in self.memo:
                self.memo[key] = _in_process(args, where)
            output, stdout, stderr = self.memo[key]
            if not filters:
                return stdout if quiet else output  # interleaved, as a terminal shows them
            for words in filters:
                stdout = _run_jq(stdout, words)
            return ("" if quiet else stderr) + stdout  # gradcli's stderr comes before jq prints
        self.memo.clear()  # a shell command may write files
        env = {**os.environ, **ENV, "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}"}
        proc = subprocess.run(["bash", "-c", command], cwd=where, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        return proc.stdout


def _run_jq(document: str, words: list[str]) -> str:
    if shutil.which("jq") is None:
        return jq(document, words)
    return subprocess.run(["jq", *words], input=document, capture_output=True, text=True, timeout=60).stdout


def _simple_pipeline(command: str):
    """((gradcli args, stderr dropped), [jq args...]) for `gradcli ... [2>/dev/null] [| jq ...]...`
    written as shlex.join writes words; None for anything else (bash runs that)."""
    parts = command.split(" | ")
    head = parts[0]
    quiet = head.endswith(" 2>/dev/null")
    head = head.removesuffix(" 2>/dev/null")
    stages = []
    for part in [head, *parts[1:]]:
        try:
            words = shlex.split(part)
        except ValueError:
            return None
        if not words or shlex.join(words) != part:
            return None
        stages.append(words)
    if stages[0][0] != "gradcli" or any(words[0] != "jq" for words in stages[1:]):
        return None
    return (stages[0][1:], quiet), [words[1:] for words in stages[1:]]


def _in_process(args: list[str], where: Path):
    """gradcli's output as a terminal shows it (stdout and stderr interleaved), or with
    jq filters after it, its stdout alone and its stderr."""
    from click.testing import CliRunner

    from gradcli.cli import cli

    before = os.getcwd()
    os.chdir(where)
    try:
        result = CliRunner(env=ENV).invoke(cli, args, prog_name="gradcli", catch_exceptions=False)
    finally:
        os.chdir(before)
    return result.output, result.stdout, result.stderr


def _shim(path: Path, text: str):
    path.write_text(text)
    path.chmod(0o755)


# ----- jq, for machines without it: the filters the docs use -----

_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(-?\d+)\]|\.")


def jq(text: str, args: list[str]) -> str:
    """jq [-c] FILTER over each JSON document of `text`, for the filters the docs use:
    paths (`.a.b`, `.a[0].b`, `.`), `keys`, `keys_unsorted` and `length`, joined by `|`."""
    import json

    compact = "-c" in args
    program = [a for a in args if not a.startswith("-")][-1]
    decoder, out, at = json.JSONDecoder(), [], 0
    while text[at:].strip():
        value, at = decoder.raw_decode(text, len(text) - len(text[at:].lstrip()))
        for stage in program.split("|"):
            value = _jq_stage(value, stage.strip())
        value = _jq_numbers(value)
        out.append(json.dumps(value, ensure_ascii=False, separators=(",", ":")) if compact else json.dumps(value, indent=2, ensure_ascii=False))
    return "".join(line + "\n" for line in out)


def _jq_stage(value, stage: str):
    if stage == "keys_unsorted":
        return list(value)
    if stage == "keys":
        return sorted(value)
    if stage == "length":
        return len(value)
    if not stage.startswith(".") or "".join(m.group(0) for m in _STEP.finditer(stage)) != stage:
        raise SystemExit(f"jq stand-in: the filter {stage!r} is beyond it; install jq")
    for name, index, *_ in (m.groups() for m in _STEP.finditer(stage)):
        if name is not None:
            value = value.get(name) if value is not None else None
        elif index is not None:
            i = int(index)  # out of range is null, as jq has it
            value = value[i] if value is not None and -len(value) <= i < len(value) else None
    return value


def _jq_numbers(value):
    """jq prints 5.0 as 5."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_jq_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _jq_numbers(v) for k, v in value.items()}
    return value


def jq_main():
    sys.stdout.write(jq(sys.stdin.read(), sys.argv[1:]))
