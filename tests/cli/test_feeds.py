"""Feeds of every kind: inline values, files, --feeds objects and batches, errors with
carets into the value; --fetch."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import LINEAR_FEEDS, LINEAR_TEXT, expr_value, invoke, json_lines, run_json

pytestmark = pytest.mark.usefixtures("plain_environment")


# ---------------------------------------------------------------- feeds

@pytest.mark.parametrize("text, expected", [
    ("2", 2.0),
    ("-1.5e3", -1500.0),
    ("1,2,3", [1.0, 2.0, 3.0]),
    ("[[2],[3]]", [[2.0], [3.0]]),
    ("[[[1, 2]], [[3, 4]]]", [[[1.0, 2.0]], [[3.0, 4.0]]]),
    (" 7 ", 7.0),
])
def test_feed_values(text, expected):
    value, doc = expr_value(text)
    assert value == expected
    assert doc["dtypes"]["expr"] == "float64"  # integers into a float input are fine


def test_feed_value_shapes():
    _, doc = expr_value("[[2],[3]]")
    assert doc["shapes"]["expr"] == [2, 1]
    _, doc = expr_value("1,2,3")
    assert doc["shapes"]["expr"] == [3]


def test_feed_from_npy(tmp_path):
    np.save(tmp_path / "x.npy", np.array([[2.0], [3.0]]))
    value, doc = expr_value(f"@{tmp_path / 'x.npy'}")
    assert value == [[2.0], [3.0]]


def test_feed_from_json(tmp_path):
    (tmp_path / "x.json").write_text("[[1, 2], [3, 4.5]]")
    value, _ = expr_value(f"@{tmp_path / 'x.json'}")
    assert value == [[1.0, 2.0], [3.0, 4.5]]


def test_feed_from_csv(tmp_path):
    (tmp_path / "x.csv").write_text("1,2,3\n4,5,6\n")
    value, doc = expr_value(f"@{tmp_path / 'x.csv'}")
    assert value == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert doc["shapes"]["expr"] == [2, 3]


def test_feed_from_txt(tmp_path):
    (tmp_path / "x.txt").write_text("1 2\n3   4\n")
    value, _ = expr_value(f"@{tmp_path / 'x.txt'}")
    assert value == [[1.0, 2.0], [3.0, 4.0]]


def test_linear_with_file_feeds(tmp_path):
    np.save(tmp_path / "X.npy", np.array([[2.0], [3.0]]))
    (tmp_path / "Y.json").write_text("[[3], [2]]")
    result = invoke("eval", "samples/linear.grad", "--feed", f"X=@{tmp_path / 'X.npy'}", "--feed", f"Y=@{tmp_path / 'Y.json'}")
    assert result.exit_code == 0
    assert result.stdout == LINEAR_TEXT


def test_npy_with_objects_is_refused_without_unpickling(tmp_path):
    np.save(tmp_path / "evil.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    result = invoke("eval", "-e", "x", "--feed", f"x=@{tmp_path / 'evil.npy'}")
    assert result.exit_code == 2
    assert "E0406" in result.stderr


def test_feed_file_of_unknown_type(tmp_path):
    (tmp_path / "x.xlsx").write_text("1")
    result = invoke("eval", "-e", "x", "--feed", f"x=@{tmp_path / 'x.xlsx'}")
    assert result.exit_code == 2
    assert ".npy" in result.stderr


def test_feeds_json_object_file(tmp_path):
    path = tmp_path / "feeds.json"
    path.write_text(json.dumps({"X": [[2], [3]], "Y": [[3], [2]]}))
    result = invoke("eval", "samples/linear.grad", "--feeds", path)
    assert result.exit_code == 0
    assert result.stdout == LINEAR_TEXT


def test_feed_beats_the_same_name_in_feeds_file(tmp_path):
    path = tmp_path / "feeds.json"
    path.write_text(json.dumps({"x": 1, "y": 10}))
    doc = run_json("eval", "-e", "x + y", "--feeds", path, "--feed", "x=5")
    assert doc["values"]["expr"] == 15.0


def test_feeds_from_stdin():
    result = invoke("eval", "samples/linear.grad", "--feeds", "-", input='{"X": [[2], [3]], "Y": [[3], [2]]}')
    assert result.exit_code == 0
    assert result.stdout == LINEAR_TEXT


def test_feeds_batch_jsonl_one_line_per_row(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join([
        json.dumps({"x": 1}),
        json.dumps({"x": [1, 2]}),
        json.dumps({"x": 3}),
    ]) + "\n")
    result = invoke("eval", "-e", "x * 2", "--feeds", path, "--json")
    assert result.exit_code == 0
    docs = json_lines(result.stdout)
    assert [d["row"] for d in docs] == [0, 1, 2]
    assert [d["values"]["expr"] for d in docs] == [2.0, [2.0, 4.0], 6.0]
    assert all(d["ok"] for d in docs)


def test_feeds_batch_bad_row_gets_its_own_error_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join([
        json.dumps({"X": [[2], [3]], "Y": [[3], [2]]}),
        json.dumps({"X": [[2], [3], [4]], "Y": [[3], [2]]}),  # wrong shape: exit 2
        json.dumps({"X": [[1], [1]], "Y": [[3], [2]]}),
    ]) + "\n")
    result = invoke("eval", "samples/linear.grad", "--feeds", path, "--fetch", "cost", "--json")
    assert result.exit_code == 2
    docs = json_lines(result.stdout)
    assert [d["row"] for d in docs] == [0, 1, 2]
    assert [d["ok"] for d in docs] == [True, False, True]
    assert docs[1]["diagnostics"][0]["code"] == "E0402"
    assert docs[0]["values"]["cost"] == pytest.approx(6.654033562006477)
    assert "cost" in docs[2]["values"]


def test_feeds_batch_exit_is_the_highest_of_the_rows(tmp_path):
    path = tmp_path / "rows.ndjson"
    path.write_text('{"n": 2}\n{"n": 2.5}\n{"n": 3}\n')
    model = tmp_path / "m.grad"
    model.write_text("placeholder n: int32\ny = n * 2\n")
    result = invoke("eval", model, "--feeds", path, "--json")
    assert result.exit_code == 2
    assert [d["ok"] for d in json_lines(result.stdout)] == [True, False, True]


def test_feeds_batch_line_that_is_not_json_is_its_rows_error(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"x": 1}\n{"x": \n[1, 2]\n{"x": 4}\n')
    result = invoke("eval", "-e", "x", "--feeds", path, "--json")
    assert result.exit_code == 2
    docs = json_lines(result.stdout)
    assert [d["row"] for d in docs] == [0, 1, 2, 3]
    assert [d["ok"] for d in docs] == [True, False, False, True]
    assert docs[1]["diagnostics"][0]["line"] == 2
    assert docs[3]["values"]["expr"] == 4.0


def test_feeds_batch_from_stdin_with_several_objects():
    result = invoke("eval", "-e", "x + 1", "--feeds", "-", "--json", input='{"x": 1}\n{"x": 2}\n')
    assert result.exit_code == 0
    docs = json_lines(result.stdout)
    assert [(d["row"], d["values"]["expr"]) for d in docs] == [(0, 2.0), (1, 3.0)]


def test_feeds_batch_text_marks_the_rows(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"x": 1}\n{"x": [[1], 2]}\n')
    result = invoke("eval", "-e", "x", "--feeds", path)
    assert result.exit_code == 2
    assert "# row 0" in result.stdout and "# row 1" in result.stdout
    assert "row 1:" in result.stderr and "E0406" in result.stderr


def test_wrong_shape_shows_both_shapes_and_points_at_the_declaration():
    result = invoke("eval", "samples/linear.grad", "--feed", "X=[[2],[3],[4]]", "--feed", "Y=[[3],[2]]")
    assert result.exit_code == 2
    assert result.stdout == ""
    err = result.stderr
    assert "error[E0402]" in err
    assert "[2, 1]" in err and "[3, 1]" in err
    assert "samples/linear.grad:3:13" in err
    assert "placeholder X: float[2, 1]" in err


def test_non_integral_value_into_int32(tmp_path):
    model = tmp_path / "n.grad"
    model.write_text("placeholder n: int32\ny = n * 2\n")
    result = invoke("eval", model, "--feed", "n=2.5")
    assert result.exit_code == 2
    assert "E0403" in result.stderr and "int32" in result.stderr and "whole number" in result.stderr
    assert f"{model}:1:13" in result.stderr
    ok = run_json("eval", model, "--feed", "n=3")
    assert ok["values"]["y"] == 6 and ok["dtypes"]["y"] == "int32"
    also_ok = run_json("eval", model, "--feed", "n=3.0")
    assert also_ok["values"]["y"] == 6


def test_unknown_feed_name_has_did_you_mean():
    result = invoke("eval", "samples/linear.grad", "--feed", "Xx=[[2],[3]]", "--feed", "Y=[[3],[2]]")
    assert result.exit_code == 2
    assert "E0404" in result.stderr
    assert "'Xx'" in result.stderr and "did you mean 'X'?" in result.stderr


def test_feeding_a_name_that_is_not_an_input():
    result = invoke("eval", "samples/linear.grad", *LINEAR_FEEDS, "--feed", "pred=1")
    assert result.exit_code == 2
    assert "'pred'" in result.stderr


def test_missing_feeds_are_listed_together_with_their_types():
    result = invoke("eval", "samples/linear.grad")
    assert result.exit_code == 2
    assert result.stdout == ""
    err = result.stderr
    assert "E0401" in err and "X, Y" in err
    assert "X: float64[2, 1]" in err and "Y: float64[2, 1]" in err
    assert err.count("error[") == 1


def test_only_needed_feeds_are_required():
    doc = run_json("eval", "samples/linear.grad", "--fetch", "W")
    assert doc["values"]["W"] == pytest.approx(1.6649098)


def _caret_column(rendered: str, line_text: str) -> int:
    """0-based column of the first ^ under `line_text` in a rendered diagnostic."""
    lines = rendered.splitlines()
    for i, line in enumerate(lines):
        if line.endswith(" | " + line_text):
            start = line.index(" | ") + 3
            return lines[i + 1].index("^") - start
    raise AssertionError(f"{line_text!r} not in {rendered}")


@pytest.mark.parametrize("value, bad", [
    ("[[2],[3x]]", 7),
    ("1,2,,3", 4),
    ("[1, 2", 5),
    ("abc", 0),
    ("[1 2]", 3),
    ("]", 0),
])
def test_garbage_feed_value_has_a_caret_into_the_value(value, bad):
    result = invoke("eval", "-e", "x", "--feed", f"x={value}")
    assert result.exit_code == 2
    assert "E0406" in result.stderr
    shown = value if "[" in value or "," not in value else f"[{value}]"
    column = _caret_column(result.stderr, shown)
    offset = 1 if shown != value else 0
    assert column == bad + offset


@pytest.mark.parametrize("text", ["x", "=2", "2x=1", "x y=2"])
def test_feed_that_is_not_name_equals_value(text):
    result = invoke("eval", "-e", "x", "--feed", text)
    assert result.exit_code == 2
    assert "E0405" in result.stderr


def test_ragged_feed_value():
    result = invoke("eval", "-e", "x", "--feed", "x=[[1,2],[3]]")
    assert result.exit_code == 2
    assert "E0406" in result.stderr


def test_deeply_nested_feed_value():
    value, _ = expr_value("[" * 30 + "1" + "]" * 30, model="reduce_sum(x)")
    assert value == 1.0
    # deeper than NumPy's 64 dimensions: an error about the value, not a crash
    depth = 5000
    result = invoke("eval", "-e", "x", "--feed", "x=" + "[" * depth + "1" + "]" * depth)
    assert result.exit_code == 2
    assert "E0406" in result.stderr


def test_fetch_overrides_the_script():
    doc = run_json("eval", "samples/linear.grad", *LINEAR_FEEDS, "--fetch", "cost", "--fetch", "db")
    assert list(doc["values"]) == ["cost", "db"]


def test_fetch_unknown_name():
    result = invoke("eval", "samples/linear.grad", *LINEAR_FEEDS, "--fetch", "cots")
    assert result.exit_code == 65
    assert "did you mean 'cost'?" in result.stderr
