"""Issue 14's input-boundary and terminal items, one test each: the reproduction as the
issue gives it, with the diagnostic (code, exit status, gradcli's own words) it must get.

Whatever needs a real process (a closed pipe, Ctrl-C, memory) is in test_resource_limits.py.
"""
from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest

from conftest import invoke, strict_json

INT32 = "placeholder n: int32\ny = n * 1\n"
INT64 = "placeholder n: int64\ny = n * 1\n"
LONG = "1" * 5000  # over Python's 4300-digit int-str limit


def model(tmp_path, text, name="m.grad"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def failure(result, code, status):
    """The one JSON document of a failed run, with `code` among its diagnostics."""
    assert result.exit_code == status, (result.exit_code, result.stdout, result.stderr)
    doc = strict_json(result.stdout)
    assert doc["ok"] is False
    assert code in [d["code"] for d in doc["diagnostics"]], doc["diagnostics"]
    return next(d for d in doc["diagnostics"] if d["code"] == code)


# ---------------------------------------------------------------- integers never wrap

def test_int32_feed_out_of_range_names_the_range(tmp_path):
    d = failure(invoke("eval", model(tmp_path, INT32), "--feed", "n=4294967297", "--json"), "E0407", 2)
    assert d["message"] == "'n' is int32, whose range is -2147483648 to 2147483647, but the value fed holds 4294967297"
    assert d["line"] == 1  # points at the declaration


def test_int64_feed_of_1e30(tmp_path):
    d = failure(invoke("eval", model(tmp_path, INT64), "--feed", "n=1e30", "--json"), "E0407", 2)
    assert "-9223372036854775808 to 9223372036854775807" in d["message"] and "1e+30" in d["message"]


def test_int64_feed_of_two_to_the_63_as_a_float(tmp_path):
    # 2**63 as a float compares equal to int64's max once both are floats: still out of range
    failure(invoke("eval", model(tmp_path, INT64), "--feed", "n=9.223372036854775808e18", "--json"), "E0407", 2)


def test_uint64_npy_into_int64(tmp_path):
    np.save(tmp_path / "u.npy", np.array([2**64 - 1], dtype=np.uint64))
    d = failure(invoke("eval", model(tmp_path, "placeholder n: int64[1]\ny = n * 1\n"), "--feed", f"n=@{tmp_path / 'u.npy'}", "--json"), "E0407", 2)
    assert "18446744073709551615" in d["message"]


def test_in_range_integers_still_feed(tmp_path):
    doc = strict_json(invoke("eval", model(tmp_path, INT32), "--feed", "n=2147483647", "--json").stdout)
    assert doc["values"]["y"] == 2147483647


def test_big_integer_in_a_feeds_file(tmp_path):
    (tmp_path / "f.json").write_text('{"n": 4294967297}')
    failure(invoke("eval", model(tmp_path, INT32), "--feeds", str(tmp_path / "f.json"), "--json"), "E0407", 2)


# ---------------------------------------------------------------- Python's 4300-digit limit

def test_5000_digit_feed_into_an_integer(tmp_path):
    d = failure(invoke("eval", model(tmp_path, INT64), "--feed", f"n={LONG}", "--json"), "E0407", 2)
    assert len(d["message"]) < 200


def test_5000_digit_feed_into_a_float():
    doc = strict_json(invoke("eval", "-e", "x", "--feed", f"x={LONG}", "--json").stdout)
    assert doc["values"]["expr"] == "Infinity"


def test_5000_digit_number_in_a_feeds_file(tmp_path):
    (tmp_path / "f.json").write_text('{"n": %s}' % LONG)
    failure(invoke("eval", model(tmp_path, INT64), "--feeds", str(tmp_path / "f.json"), "--json"), "E0407", 2)
    (tmp_path / "x.json").write_text("[%s]" % LONG)
    failure(invoke("eval", model(tmp_path, INT64), "--feed", f"n=@{tmp_path / 'x.json'}", "--json"), "E0407", 2)


def test_5000_digit_seed():
    result = invoke("eval", "-e", "x", "--feed", "x=1", "--seed", LONG, "--json")
    d = failure(result, "E0001", 2)
    assert "--seed" in d["message"] and len(d["rendered"]) < 300
    text = invoke("eval", "-e", "x", "--feed", "x=1", "--seed", LONG)
    assert text.exit_code == 2 and len(text.stderr) < 500


def test_5000_digit_literal():
    d = failure(invoke("eval", "-e", f"x + {LONG}", "--feed", "x=1", "--json"), "E0317", 65)
    assert d["message"] == "an integer literal of 5,000 digits does not fit in 64 bits"
    assert len(d["rendered"]) < 1000


# ---------------------------------------------------------------- .npy files

def npy_feed(tmp_path, name, data: bytes | None = None):
    if data is not None:
        (tmp_path / name).write_bytes(data)
    return invoke("eval", "-e", "reduce_sum(x)", "--feed", f"x=@{tmp_path / name}", "--json")


@pytest.fixture
def good_npy(tmp_path) -> bytes:
    np.save(tmp_path / "good.npy", np.arange(100.0))
    return (tmp_path / "good.npy").read_bytes()


def test_good_npy_still_feeds(tmp_path, good_npy):
    assert strict_json(npy_feed(tmp_path, "good.npy").stdout)["values"]["expr"] == 4950.0


def test_fortran_order_npy(tmp_path):
    a = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    np.save(tmp_path / "f.npy", a)
    doc = strict_json(invoke("eval", "-e", "x", "--feed", f"x=@{tmp_path / 'f.npy'}", "--json").stdout)
    assert doc["values"]["expr"] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_empty_npy(tmp_path):
    assert "is empty" in failure(npy_feed(tmp_path, "e.npy", b""), "E0406", 2)["message"]


def test_truncated_npy(tmp_path, good_npy):
    d = failure(npy_feed(tmp_path, "t.npy", good_npy[:200]), "E0406", 2)
    assert "truncated" in d["message"] and "800 bytes" in d["message"]


def test_header_corrupted_npy(tmp_path, good_npy):
    d = failure(npy_feed(tmp_path, "h.npy", good_npy[:10] + b"garbage!!" + good_npy[19:]), "E0406", 2)
    assert "not a valid .npy file" in d["message"]


def test_zip_npy(tmp_path):
    np.savez(tmp_path / "z.npz", a=np.arange(3.0))
    d = failure(npy_feed(tmp_path, "z.npy", (tmp_path / "z.npz").read_bytes()), "E0406", 2)
    assert "zip archive" in d["message"]


def test_npy_symlink_to_dev_null(tmp_path):
    os.symlink("/dev/null", tmp_path / "null.npy")
    d = failure(npy_feed(tmp_path, "null.npy"), "E0003", 66)
    assert "not a regular file" in d["message"]


def test_pickled_npy_is_never_loaded(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    assert "a pickle, which gradcli never loads" in failure(npy_feed(tmp_path, "o.npy"), "E0406", 2)["message"]
    # a plain pickle named .npy: not even its header is trusted
    d = failure(npy_feed(tmp_path, "p.npy", pickle.dumps([1.0, 2.0])), "E0406", 2)
    assert "a pickle, which gradcli never loads" in d["message"]


def test_npy_header_is_checked_against_max_elements_before_allocating(tmp_path):
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }"
    header += b" " * (117 - len(header)) + b"\n"
    bomb = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 64
    d = failure(npy_feed(tmp_path, "bomb.npy", bomb), "E0408", 2)
    assert "10,000,000,000 elements, over the limit of 100,000,000" in d["message"]
    # within --max-elements but more data than the file holds: truncated, still nothing allocated
    d = failure(invoke("eval", "-e", "x", "--feed", f"x=@{tmp_path / 'bomb.npy'}", "--max-elements", "10000000000", "--json"), "E0003", 66)
    assert "file too large" in d["message"]


def test_max_elements_applies_to_every_feed():
    d = failure(invoke("eval", "-e", "reduce_sum(x)", "--feed", "x=1,2,3,4", "--max-elements", "3", "--json"), "E0408", 2)
    assert d["message"] == "the value for 'x' has 4 elements, over the limit of 3"


# ---------------------------------------------------------------- other feed files

def test_empty_csv_is_a_diagnostic(tmp_path):
    (tmp_path / "e.csv").write_text("")
    d = failure(invoke("eval", "-e", "x", "--feed", f"x=@{tmp_path / 'e.csv'}", "--json"), "E0406", 2)
    assert "holds no numbers" in d["message"]
    (tmp_path / "c.txt").write_text("# only a comment\n\n")
    failure(invoke("eval", "-e", "x", "--feed", f"x=@{tmp_path / 'c.txt'}", "--json"), "E0406", 2)


def test_ragged_csv(tmp_path):
    (tmp_path / "r.csv").write_text("1,2\n3\n")
    failure(invoke("eval", "-e", "x", "--feed", f"x=@{tmp_path / 'r.csv'}", "--json"), "E0406", 2)


# ---------------------------------------------------------------- usage

def test_negative_seed_is_a_usage_error():
    d = failure(invoke("eval", "-e", "random_normal([2])", "--seed", "-1", "--json"), "E0001", 2)
    assert "--seed" in d["message"]


def test_ragged_grad_ys_is_a_usage_error():
    d = failure(invoke("grad", "-e", "x * 2", "--feed", "x=[1,2]", "--grad-ys", "expr=[[1],[1,2]]", "--json"), "E0406", 2)
    assert "--grad-ys expr" in d["message"] and "rectangular" in d["message"]


# ---------------------------------------------------------------- files: regular or a pipe, at most 256 MB

@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_before_reading(tmp_path, device):
    assert "not a regular file" in failure(invoke("eval", device, "--json"), "E0002", 66)["message"]
    failure(invoke("eval", model(tmp_path, "placeholder x\ny = x\n"), "--feeds", device, "--json"), "E0003", 66)
    failure(invoke("eval", "-e", "x", "--feed", f"x=@{device}.json", "--json"), "E0003", 66)


def test_a_directory_is_refused(tmp_path):
    (tmp_path / "d.grad").mkdir()
    assert "is a directory" in failure(invoke("eval", str(tmp_path / "d.grad"), "--json"), "E0002", 66)["message"]


def test_sparse_1gb_file_is_too_large(tmp_path):
    for name in ("big.grad", "big.json", "big.csv"):
        with open(tmp_path / name, "wb") as f:
            f.truncate(2**30)  # sparse: costs no disk, and must cost no memory
    assert "file too large" in failure(invoke("eval", str(tmp_path / "big.grad"), "--json"), "E0002", 66)["message"]
    failure(invoke("eval", "-e", "x", "--feeds", str(tmp_path / "big.json"), "--json"), "E0003", 66)
    failure(invoke("eval", "-e", "x", "--feed", f"x=@{tmp_path / 'big.csv'}", "--json"), "E0003", 66)


def test_stdin_over_the_limit_is_too_large(monkeypatch):
    import gradcli.model

    monkeypatch.setattr(gradcli.model, "MAX_FILE_BYTES", 1000)
    d = failure(invoke("eval", "-", "--json", input="var x = 1.0\n" * 200), "E0002", 66)
    assert "file too large" in d["message"]
    failure(invoke("eval", "-e", "x", "--feeds", "-", "--json", input='{"x": 1}\n' * 200), "E0003", 66)


def test_a_fifo_is_still_read(tmp_path):
    import threading

    fifo = tmp_path / "m.grad"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text("var x = 2.0\ny = x * x\n"))
    writer.start()
    doc = strict_json(invoke("eval", str(fifo), "--json").stdout)
    writer.join()
    assert doc["values"]["y"] == 4.0


# ---------------------------------------------------------------- what diagnostics echo

def test_control_characters_of_the_source_are_escaped(tmp_path):
    path = model(tmp_path, "var x = 1.0\ny = x \x1b]0;pwned\x07 + \x1b[2J 1\n")
    text = invoke("eval", path)
    assert text.exit_code == 65
    assert "\x1b" not in text.stderr and "\x07" not in text.stderr
    assert "2 | y = x ␛]0;pwned␇ + ␛[2J 1" in text.stderr
    d = failure(invoke("eval", path, "--json"), "E0106", 65)
    assert "\x1b" not in d["rendered"] and "␛]0;pwned␇" in d["rendered"]
    # the caret still sits under the character it means
    lines = d["rendered"].split("\n")
    code = next(line for line in lines if line.startswith("2 |"))
    caret = lines[lines.index(code) + 1]
    assert code[caret.index("^")] == "␛"


def test_control_characters_in_a_feed_value_and_a_bidi_override():
    result = invoke("eval", "-e", "x", "--feed", "x=1\x1b[2J")
    assert result.exit_code == 2 and "\x1b" not in result.stderr and "␛" in result.stderr
    result = invoke("eval", "-e", "x", "--feed", "x=\u202e1")
    assert "\u202e" not in result.stderr and "\ufffd" in result.stderr


def test_control_characters_in_a_usage_error():
    for args in (["--dtype", "\x1b]0;title\x07"], ["--bogus\x1b[2J"], ["--feed", "\x1b[2J=1"]):
        result = invoke("eval", "-e", "x", *args)
        assert result.exit_code == 2 and "\x1b" not in result.stderr, args


def test_a_long_name_is_cut(tmp_path):
    name = "a" * 200_000  # the 1 MB name gave 2-4 MB of output
    for args in (["eval", model(tmp_path, "var x = 1.0\n"), "--fetch", name],
                 ["eval", model(tmp_path, "var x = 1.0\n"), "--feed", f"{name}=1"],
                 ["eval", "-e", "x", "--feed", f"x=@{name}.npy"],
                 ["grad", model(tmp_path, "var x = 1.0\ny = x * x\n"), "--of", "y", "--grad-ys", f"{name}=1"]):
        for as_json in (False, True):
            result = invoke(*args, *(["--json"] if as_json else []))
            assert result.exit_code in (2, 65, 66), (args[:2], result.exit_code)
            assert len(result.stdout) + len(result.stderr) < 4000, (args[:2], len(result.stdout), len(result.stderr))
            assert "a" * 58 + "…" in result.stdout + result.stderr


def test_a_1mb_name_in_the_source_is_cut(tmp_path):
    result = invoke("eval", model(tmp_path, "y = " + "b" * 1_000_000 + " * 2\n"), "--json")
    d = failure(result, "E0201", 65)
    assert len(d["message"]) < 100 and len(d["rendered"]) < 1000 and len(result.stdout) < 6000


def test_a_20000_term_sum_has_short_labels(tmp_path):
    """Every partial sum of `x + x + ... + x` is labelled with its source text: cut, it stays linear."""
    path = model(tmp_path, "var x = 1.0\ny = " + " + ".join(["x"] * 3000) + "\ng = gradients(y, x)\n")
    graph = invoke("graph", path)
    assert graph.exit_code == 0
    assert len(graph.stdout) < 3000 * 400  # whole labels: 18 MB
    assert max(len(line) for line in graph.stdout.splitlines()) < 400
    explain = invoke("explain", path, "--of", "y", "--wrt", "x")
    assert explain.exit_code == 0 and "gradients" in explain.stdout
    assert len(explain.stdout) < 3000 * 1000


def test_unstack_counts_its_pieces_against_the_limit():
    d = failure(invoke("eval", "-e", "unstack(zeros([1000000, 0]))", "--max-elements", "1000", "--json"), "E0305", 65)
    assert "1,000,000 pieces" in d["message"]


def test_fetch_names_are_deduplicated_in_linear_time(tmp_path):
    import time

    import gradcli

    m = gradcli.loads("var x = 1.0\n" + "".join(f"y{i} = x\n" for i in range(200)) + "fetch y0, y1\n")
    m.resolved.fetches = [(f"y{i % 200}", None) for i in range(160_000)]
    started = time.perf_counter()
    assert m.fetch_names() == [f"y{i}" for i in range(200)]
    assert time.perf_counter() - started < 1.0


def test_ok_documents_still_are_strict_json():
    doc = strict_json(invoke("eval", "-e", "log(x)", "--feed", "x=0", "--json").stdout)
    assert doc["values"]["expr"] == "-Infinity"
    json.dumps(doc, allow_nan=False)
