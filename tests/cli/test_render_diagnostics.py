"""Rendering diagnostics as rustc-style text and as JSON; golden files for every E01xx."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from gradcli.language.parse import CODES, decode_source, parse
from gradcli.render.diagnostics import diagnostic_to_json, display_width, render_text
from gradcli.errors import Diagnostic, ParseError
from gradcli.source import Label, Source

from conftest import ROOT as REPO, golden
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def at(source: Source, needle: str, occurrence: int = 0, length: int | None = None):
    """The span of the n-th occurrence of `needle` (or its first `length` characters)."""
    start = -1
    for _ in range(occurrence + 1):
        start = source.text.index(needle, start + 1)
    return source.span(start, start + (len(needle) if length is None else length))


MODEL = Source("model.grad", "var W = 1.6649098\nvar b = 0.54648024\n\n\n\npred = X * Wt + b\n")


def test_rustc_layout():
    diag = Diagnostic("E0201", "unknown name 'Wt'", at(MODEL, "Wt"), label="not bound", source=MODEL,
                      notes=["names are bound by var, placeholder and '='"], help=["did you mean 'W'?"])
    assert render_text(diag) == (
        "error[E0201]: unknown name 'Wt'\n"
        " --> model.grad:6:12\n"
        "  |\n"
        "6 | pred = X * Wt + b\n"
        "  |            ^^ not bound\n"
        "  |\n"
        "  = note: names are bound by var, placeholder and '='\n"
        "  = help: did you mean 'W'?"
    )


def test_without_notes_there_is_no_trailing_bar():
    diag = Diagnostic("E0201", "unknown name 'Wt'", at(MODEL, "Wt"), source=MODEL)
    assert render_text(diag).splitlines()[-1] == "  |            ^^"


def test_secondary_labels_on_the_same_line_and_on_other_lines():
    diag = Diagnostic("E0302", "cannot broadcast", at(MODEL, "*"), label="here", source=MODEL,
                      labels=[Label(at(MODEL, "X"), "[2, 1]"), Label(at(MODEL, "Wt"), "[3]"),
                              Label(at(MODEL, "W"), "declared here")])
    assert render_text(diag) == (
        "error[E0302]: cannot broadcast\n"
        " --> model.grad:6:10\n"
        "  |\n"
        "1 | var W = 1.6649098\n"
        "  |     - declared here\n"
        "...\n"
        "6 | pred = X * Wt + b\n"
        "  |        - ^ -- [3]\n"
        "  |        | |\n"
        "  |        | here\n"
        "  |        [2, 1]"
    )


def test_a_multi_line_primary_span_is_underlined_to_the_end_of_its_first_line():
    source = Source("m.grad", "y = f(a,\n      b)\n")
    diag = Diagnostic("E0401", "bad call", source.span(4, len(source.text) - 1), label="this call", source=source)
    assert render_text(diag).splitlines()[3:5] == ["1 | y = f(a,", "  |     ^^^^ this call"]


def test_an_empty_span_gets_one_caret_after_the_text():
    source = Source("m.grad", "var x =")
    diag = Diagnostic("E0107", "unexpected end of input", source.span(7, 7), label="expected an expression",
                      source=source)
    assert render_text(diag).splitlines()[3:5] == ["1 | var x =", "  |        ^ expected an expression"]


def test_wide_characters_and_tabs_keep_carets_aligned():
    source = Source("wide.grad", "s = '日本語'\tz = 日本 + x\n")
    diag = Diagnostic("E0106", "invalid character '日' (U+65E5)", at(source, "日本 +", length=1),
                      label="not valid here", source=source, labels=[Label(at(source, "'日本語'"), "a string")])
    lines = render_text(diag).splitlines()
    code, marks = lines[3], lines[4]
    assert code == "1 | s = '日本語'    z = 日本 + x"
    caret = marks.index("^")
    assert display_width(code[:code.index("日本 +")]) == caret
    dash = marks.index("-")
    assert display_width(code[:code.index("'")]) == dash
    assert marks[dash:].startswith("-" * 8)  # the quotes and three wide characters


def test_gutter_fits_the_largest_line_number():
    source = Source("long.grad", "".join(f"x{i} = {i}\n" for i in range(1, 13)))
    diag = Diagnostic("E0201", "unknown", at(source, "x12"), source=source,
                      labels=[Label(at(source, "x9"), "first")])
    assert render_text(diag).splitlines() == [
        "error[E0201]: unknown",
        "  --> long.grad:12:1",
        "   |",
        " 9 | x9 = 9",
        "   | -- first",
        "...",
        "12 | x12 = 12",
        "   | ^^^",
    ]


def test_no_source_or_no_span_gives_the_header_notes_and_help():
    usage = Diagnostic("E0001", "no such option '--wrt'", notes=["--wrt needs --of"], help=["see gradcli grad --help"])
    assert render_text(usage) == (
        "error[E0001]: no such option '--wrt'\n"
        " = note: --wrt needs --of\n"
        " = help: see gradcli grad --help"
    )
    file_only = Diagnostic("E0002", "cannot read the model", source=Source("gone.grad", ""))
    assert render_text(file_only) == "error[E0002]: cannot read the model\n --> gone.grad"


def test_warnings_say_warning():
    diag = Diagnostic("W0601", "non-finite value", at(MODEL, "Wt"), source=MODEL)
    assert render_text(diag).startswith("warning[W0601]: non-finite value\n")


def test_colour_is_plain_escape_codes_around_the_same_text():
    diag = Diagnostic("E0201", "unknown name 'Wt'", at(MODEL, "Wt"), label="not bound", source=MODEL,
                      labels=[Label(at(MODEL, "X"), "x")], help=["did you mean 'W'?"])
    coloured = render_text(diag, color=True)
    assert coloured.startswith("\x1b[1;31merror[E0201]")
    assert "\x1b[1;34m" in coloured  # the gutter
    assert ANSI.sub("", coloured) == render_text(diag)
    warning = Diagnostic("W0601", "careful", at(MODEL, "Wt"), source=MODEL)
    assert render_text(warning, color=True).startswith("\x1b[1;33mwarning[W0601]")


def test_width_wraps_notes_and_help_but_not_code():
    note = "this is a long note that explains at length why the thing went wrong in the end"
    diag = Diagnostic("E0201", "unknown", at(MODEL, "Wt"), source=MODEL, notes=[note])
    lines = render_text(diag, width=40).splitlines()
    assert lines[3] == "6 | pred = X * Wt + b"
    trailer = lines[6:]
    assert trailer[0].startswith("  = note: this is")
    assert len(trailer) > 1 and all(len(line) <= 40 for line in trailer)
    assert all(line.startswith(" " * 10) for line in trailer[1:])  # aligned under the text
    assert " ".join(line.strip() for line in trailer).removeprefix("= note: ") == note


def test_json_form():
    diag = Diagnostic("E0302", "cannot broadcast", at(MODEL, "*"), label="here", source=MODEL,
                      labels=[Label(at(MODEL, "X"), "[2, 1]")], notes=["n"], help=["h"])
    out = diagnostic_to_json(diag)
    assert list(out) == ["severity", "code", "message", "file", "line", "column", "end_line", "end_column",
                         "spans", "notes", "help", "rendered"]
    assert out["severity"] == "error" and out["file"] == "model.grad"
    assert (out["line"], out["column"], out["end_line"], out["end_column"]) == (6, 10, 6, 11)
    assert out["spans"] == [
        {"line": 6, "column": 10, "end_line": 6, "end_column": 11, "label": "here", "primary": True},
        {"line": 6, "column": 8, "end_line": 6, "end_column": 9, "label": "[2, 1]", "primary": False},
    ]
    assert out["rendered"] == render_text(diag)
    assert json.loads(json.dumps(out)) == out


def test_json_form_without_position():
    out = diagnostic_to_json(Diagnostic("E0001", "bad option"))
    assert out["file"] is None and out["spans"] == []
    assert [out[k] for k in ("line", "column", "end_line", "end_column")] == [None] * 4
    assert out["rendered"] == "error[E0001]: bad option"
    assert diagnostic_to_json(Diagnostic("W0601", "w", source=Source("<stdin>", "")))["file"] == "<stdin>"


def test_the_renderer_does_not_import_rich_or_lark():
    code = "import sys, gradcli.render.diagnostics; print(sorted(m for m in ('rich', 'lark') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- golden files: the rendering of every syntax error code -------------------
# The same files as the CLI's renderings (tests/golden/codes/, tests/docs/test_diagnostics.py):
# the example is named model.grad in both, so one golden file serves both paths.


def _example_diagnostic(code: str) -> Diagnostic:
    _, example = CODES[code]
    with pytest.raises(ParseError) as caught:
        if code == "E0108":
            decode_source(example.encode("utf-8", "surrogateescape"), "model.grad")
        else:
            parse(Source("model.grad", example))
    return caught.value.diagnostics[0]


@pytest.mark.parametrize("code", sorted(CODES))
def test_golden_rendering(code):
    """Regenerate with GRADCLI_UPDATE_GOLDEN=1 after a deliberate change, and review the diff."""
    golden(f"codes/{code}.txt", render_text(_example_diagnostic(code)) + "\n")


def test_a_very_long_line_is_cut_around_its_marks():
    import gradcli
    from gradcli.errors import GradcliError

    text = "var x = 1.0\ny = " + " + ".join(["x"] * 5000) + " + zz\n"
    try:
        gradcli.loads(text)
    except GradcliError as error:
        rendered = render_text(error.diagnostics[0])
    code_line, mark_line = rendered.splitlines()[3:5]
    assert len(code_line) < 220 and code_line.startswith("2 | …") and code_line.endswith("+ zz")
    assert mark_line.index("^^") == code_line.index("zz")
