"""--json of a big tensor is written in pieces: never one list of Python numbers (issue 14)."""
from __future__ import annotations

import json
import subprocess
import tracemalloc

import numpy as np
import pytest

from gradcli.render.document import dumps, write
from gradcli.render.values import STREAM_ABOVE, StreamedArray, _nonfinite_lists, to_json


def _as_lists(a: np.ndarray):
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        return _nonfinite_lists(a)
    return a.astype(np.float64).tolist() if a.dtype.kind == "f" else a.tolist()


ARRAYS = [
    np.arange(70_000.0),
    np.arange(90_000.0).reshape(300, 300),
    np.arange(120_000, dtype=np.int32).reshape(2, 3, 20_000),
    np.array([np.nan, np.inf, -np.inf, 1.5] * 20_000, dtype=np.float32).reshape(20, 4_000),
    np.ones((70_000, 1), bool),
    np.arange(70_000.0).reshape(70_000, 1, 1),
    np.arange(140_000.0).reshape(2, 70_000)[:, ::2],  # not contiguous
    np.arange(140_000.0).reshape(2, 7, 5, 2, 1, 100, 10)[:, ::-1],
    np.arange(200_000.0).reshape(2, 100_000),  # a row over one piece
    np.arange(20_000.0 * 7).reshape(20_000, 7),
]


@pytest.mark.parametrize("a", ARRAYS, ids=lambda a: f"{a.dtype}{list(a.shape)}")
def test_a_streamed_array_is_written_exactly_as_its_lists_would_be(a):
    value = to_json(a)
    assert isinstance(value, StreamedArray)
    doc = {"ok": True, "values": {"x": value, "pair": [value, 3]}, "model": "m"}
    want = {"ok": True, "values": {"x": _as_lists(a), "pair": [_as_lists(a), 3]}, "model": "m"}
    assert dumps(doc) == json.dumps(want, ensure_ascii=False, allow_nan=False)


def test_small_arrays_stay_lists():
    assert to_json(np.arange(STREAM_ABOVE, dtype=np.int64)) == list(range(STREAM_ABOVE))
    assert to_json(np.zeros((0, 100_000))) == []


class _Null:
    def __init__(self):
        self.size = 0

    def write(self, text):
        self.size += len(text)

    def flush(self):
        pass


def test_writing_a_big_array_holds_a_bounded_piece_at_a_time():
    a = np.full(600_000, 0.25)
    doc = {"values": {"x": to_json(a)}}
    out = _Null()
    tracemalloc.start()
    try:
        write(doc, out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.size == len('{"values": {"x": []}}\n') + 600_000 * len("0.25") + (600_000 - 1) * 2
    # as lists: 6e5 Python floats and pointers (19 MB) and the whole text (3.6 MB)
    assert peak < 8_000_000  # one piece of 65,536 numbers at a time


def test_eval_json_of_a_big_tensor(tmp_path):
    (tmp_path / "m.grad").write_text("x = ones([300000]) * 0.5\nfetch x\n")
    out = subprocess.run(["gradcli", "eval", "m.grad", "--json"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["ok"] is True and doc["shapes"]["x"] == [300_000] and doc["values"]["x"] == [0.5] * 300_000
    assert out.stdout.count("\n") == 1
