"""Every `$ ` command in README.md and docs/*.md runs and prints exactly what the page shows
(the rules a page follows are in doc_examples.py)."""
from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from doc_examples import ROOT, Runner, all_examples, jq, parse  # noqa: E402

EXAMPLES, PROBLEMS = all_examples()


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    return Runner(tmp_path_factory.mktemp("doc-examples"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e.where}:{e.command.splitlines()[0][:70]}" for e in EXAMPLES])
def test_example(example, runner):
    output = runner.output(example)
    assert "Traceback" not in output, f"{example.where}: `$ {example.command}` crashed:\n{output}"
    actual, expected = output.rstrip("\n"), example.expected.rstrip("\n")
    assert actual == expected, (
        f"{example.where}: `$ {example.command}` does not print what the page shows "
        f"(run it from a directory holding the section's files; update the page or the code)"
    )


def test_pages_are_well_formed():
    assert not PROBLEMS, "\n".join(f"{p.where}: {p.what}" for p in PROBLEMS)


def test_every_page_with_commands_is_found():
    pages = {e.doc for e in EXAMPLES}
    assert {"README.md", "docs/diagnostics.md", "docs/json.md"} <= pages
    assert sum(e.doc == "README.md" for e in EXAMPLES) >= 8


def test_a_new_page_is_picked_up_and_a_wrong_output_fails(tmp_path, monkeypatch):
    """What another helper's new page gets: its files, its commands, and file:line on failure."""
    import doc_examples

    page = tmp_path / "docs" / "new.md"
    page.parent.mkdir()
    page.write_text("# New\n\n```grad file=m.grad\nvar x = 3.0\ny = x * x\n```\n\n"
                    "```console\n$ gradcli eval m.grad\ny  float64  9\n$ gradcli eval m.grad --json | jq .values.y\n8\n```\n")
    monkeypatch.setattr(doc_examples, "ROOT", tmp_path)
    monkeypatch.setattr(doc_examples, "documents", lambda: [page])
    examples, problems = doc_examples.all_examples()
    assert problems == []
    assert [(e.where, e.command, e.expected) for e in examples] == [
        ("docs/new.md:9", "gradcli eval m.grad", "y  float64  9"),
        ("docs/new.md:11", "gradcli eval m.grad --json | jq .values.y", "8"),
    ]
    run = Runner(tmp_path / "run")
    assert run.output(examples[0]) == "y  float64  9\n"
    assert run.output(examples[1]) == "9\n"  # the page says 8: test_example would fail at docs/new.md:11


def test_malformed_pages_are_reported_with_file_and_line(tmp_path, monkeypatch):
    import doc_examples

    page = tmp_path / "bad.md"
    page.write_text("$ gradcli ops\n\n```console\noutput first\n$ gradcli ops sin\n```\n\n```grad file=../x\n```\n\n```\nnever closed\n")
    monkeypatch.setattr(doc_examples, "ROOT", tmp_path)
    _, problems = parse(page)
    assert [p.where for p in problems] == ["bad.md:1", "bad.md:4", "bad.md:8", "bad.md:11"]


def test_heredocs_and_continued_lines_are_one_command(tmp_path, monkeypatch):
    import doc_examples

    page = tmp_path / "h.md"
    page.write_text("```console\n$ cat > m.grad <<'EOF'\nvar x = 2.0\nEOF\n$ gradcli eval \\\n  m.grad --fetch x\nx  float64  2\n```\n")
    monkeypatch.setattr(doc_examples, "ROOT", tmp_path)
    sections, problems = parse(page)
    examples = [s for s in sections[0].steps]
    assert problems == []
    assert [e.command for e in examples] == ["cat > m.grad <<'EOF'\nvar x = 2.0\nEOF", "gradcli eval   m.grad --fetch x"]
    run = Runner(tmp_path / "run")
    assert run.output(examples[1]) == "x  float64  2\n"


def test_the_jq_stand_in_prints_as_jq_does():
    doc = '{"values": {"y": 5.0, "g": [1.0, 2.5]}, "derivatives": {"g": {"of": ["y"]}}}'
    assert jq(doc, [".values.y"]) == "5\n"
    assert jq(doc, ["-c", ".values.g"]) == "[1,2.5]\n"
    assert jq(doc, [".derivatives.g"]) == '{\n  "of": [\n    "y"\n  ]\n}\n'
    assert jq(doc, ["-c", ".values.g[1]"]) == "2.5\n"
    assert jq(doc, ["-c", ".derivatives | keys_unsorted"]) == '["g"]\n'
    assert jq(doc, ["-c", "keys"]) == '["derivatives","values"]\n'
    assert jq(doc + "\n" + doc, ["-c", ".values.y"]) == "5\n5\n"  # NDJSON: each document
    with pytest.raises(SystemExit):
        jq(doc, ["-c", "map(.x)"])


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_the_stand_in_agrees_with_jq_on_every_filter_the_docs_use(runner):
    """Where jq is installed, the stand-in gives the same output on each docs' jq filter."""
    import subprocess

    for example in EXAMPLES:
        if " | jq " not in example.command:
            continue
        producer, _, filter_args = example.command.rpartition(" | jq ")
        words = shlex.split(filter_args)
        document = runner.run(producer, ROOT) if producer.startswith("gradcli ") and "<" not in producer else None
        if document is None or not document.strip().startswith("{"):
            continue
        real = subprocess.run(["jq", *words], input=document, capture_output=True, text=True)
        if real.returncode == 0:
            assert jq(document, words) == real.stdout, example.where


def test_pipelines_run_in_process_only_when_a_shell_would_read_the_same_words():
    from doc_examples import _simple_pipeline

    assert _simple_pipeline("gradcli eval -e 'x*x' --json | jq -c .values") == ((["eval", "-e", "x*x", "--json"], False), [["-c", ".values"]])
    assert _simple_pipeline("gradcli eval m.grad 2>/dev/null | jq '.a[0]'") == ((["eval", "m.grad"], True), [[".a[0]"]])
    assert _simple_pipeline("gradcli eval -e \"x*x\"") is None  # quoted unlike shlex.join: bash runs it
    assert _simple_pipeline("gradcli eval m.grad > out.txt") is None
    assert _simple_pipeline("printf 'x' > m.grad") is None
    assert _simple_pipeline("gradcli eval m.grad | head -1") is None


def test_a_shell_command_runs_in_bash_with_this_gradcli(tmp_path):
    run = Runner(tmp_path / "run")
    out = run.run("printf 'var x = 2.0\\n' > m.grad && gradcli eval m.grad --fetch x | tr a-z A-Z", tmp_path)
    assert out == "X  FLOAT64  2\n"


def test_a_file_rewritten_later_in_a_section_is_read_afresh(tmp_path, monkeypatch):
    import doc_examples

    page = tmp_path / "r.md"
    page.write_text("```grad file=m.grad\nvar x = 1.0\n```\n\n```console\n$ gradcli eval m.grad --fetch x\nx  float64  1\n```\n\n"
                    "```grad file=m.grad\nvar x = 2.0\n```\n\n```console\n$ gradcli eval m.grad --fetch x\nx  float64  2\n"
                    "$ printf 'var x = 3.0\\n' > m.grad\n$ gradcli eval m.grad --fetch x\nx  float64  3\n```\n")
    monkeypatch.setattr(doc_examples, "ROOT", tmp_path)
    sections, problems = parse(page)
    examples = [s for s in sections[0].steps if not isinstance(s, tuple)]
    run = Runner(tmp_path / "run")
    assert [run.output(e) for e in examples] == ["x  float64  1\n", "x  float64  2\n", "", "x  float64  3\n"]
