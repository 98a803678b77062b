"""Fuzzing the command line: whatever the model and the feeds, no traceback, a
documented exit code, and with --json exactly one strict JSON document.

The seed models are the samples and the conformance models, copied into
tests/data/fuzz_models.jsonl; hypothesis mutates them and makes up feed
strings. Hostile inputs (huge, deep, binary) are tested one by one below.
"""
from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from conftest import DATA, invoke, json_lines, strict_json

SEEDS = [json.loads(line) for line in (DATA / "fuzz_models.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
# pasted Python/TensorFlow snippets (tests/language/test_fuzz_snippets.py): mutated as the models are
SNIPPETS = [json.loads(line) for line in (DATA / "fuzz_snippets.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
DOCUMENTED = {0, 1, 2, 65, 66}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)

# pieces of .grad text that reach deep into the grammar and the resolver
TOKENS = [
    "x", "y", "W", "b", "X", "g", "cost", "(", ")", "[", "]", ",", ":", "=", "==", "+", "-", "*", "/", "//", "%", "@",
    "**", "^", "<", ">=", ".", ";", "\n", " ", "#", "0", "1", "2.5", "-1", "1e309", "nan", "inf", "None", "True",
    "var ", "placeholder ", "fetch ", "expect ", "float[2, 1]", "int32", "bool", "?",
    "gradients(", "hessians(", "jacobian(", "stop_gradient(", "reduce_sum(", "matmul(", "reshape(", "sin(", "log(",
    "sqrt(", "relu(", "where(", "concat(", "stack(", "gather(", "ones(", "zeros(", "random_normal(", "cast(",
    "grad_ys=", "stop_gradients=", "unconnected_gradients=", "'zero'", "axis=", "-1", "tf.", "np.", "sess.run(",
    "é", "\t", "\u200b", "\x00",
    # pasted Python: blocks, tapes, sessions, transcripts, line endings
    "import tensorflow as tf\n", "with ", "tf.GradientTape(persistent=True) as t:", "\n    ", "\n\t", "def f(x):", "lambda x: ",
    "return ", "print(", "print ", "tape.gradient(", "t.watch(", "t.jacobian(", "sess.run(", "feed_dict={x: 1.0}", "tf.Variable(",
    "tf.placeholder(tf.float32)", "tf.constant(", "for i in range(3):", "if x > 0:", "else:", "while ", "del ", "global ",
    "class ", "try:", "yield ", "*args", "**", "{", "}", "'", '"', "f'{x:.2f}'", "%", ">>> ", "... ", "In [1]: ", "Out[1]: ",
    "\r\n", "\r", "\ufeff", ".numpy()", ".assign_sub(", ".append(", ".pop()", "[]", "()", "[[1],[2,3]]", "1e400", "-0.0",
]


def run(args, input=None):
    return invoke(*args, input=input, allow_traceback=True)  # assert_well_behaved says why


def assert_well_behaved(result, json_mode=True):
    out, err = result.stdout, result.stderr
    assert "Traceback" not in out and "Traceback" not in err, err[-3000:]
    assert result.exit_code in DOCUMENTED, (result.exit_code, err[-3000:], repr(result.exception))
    if json_mode:
        doc = strict_json(out)
        assert doc["ok"] is (result.exit_code == 0)
        assert isinstance(doc["diagnostics"], list)
        return doc
    return None


def feed_args(feeds: dict) -> list[str]:
    args = []
    for name, value in feeds.items():
        args += ["--feed", f"{name}={json.dumps(value)}"]
    return args


# ---------------------------------------------------------------- strategies

seed_models = st.sampled_from(SEEDS + SNIPPETS)


@st.composite
def mutated_models(draw):
    seed = draw(seed_models)
    text = seed["model"]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "duplicate_line", "drop_line", "swap_lines", "truncate"]))
        if kind in ("insert", "delete", "replace", "truncate"):
            at = draw(st.integers(0, len(text)))
            if kind == "insert":
                text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
            elif kind == "delete":
                text = text[:at] + text[at + draw(st.integers(1, 8)):]
            elif kind == "replace":
                text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at + 1:]
            else:
                text = text[:at]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if kind == "duplicate_line":
                lines.insert(j, lines[i])
            elif kind == "drop_line":
                del lines[i]
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return seed, text


random_models = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)

feed_alphabet = st.sampled_from(list("[],.-+e0123456789 ") + ["nan", "inf", "true", "@", "x", "1e999", "-0", "[[", "]]"])
feed_strings = st.one_of(
    st.lists(feed_alphabet, max_size=30).map("".join),
    st.text(max_size=20),
    st.recursive(
        st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True), st.booleans()),
        lambda inner: st.lists(inner, max_size=4),
        max_leaves=20,
    ).map(lambda v: json.dumps(v, allow_nan=True)),
)
names = st.sampled_from(["x", "y", "X", "Y", "W", "b", "a", "g", "cost", "expr", "z", "pred", "n"])


# ---------------------------------------------------------------- property tests

@FUZZ
@given(mutated_models(), st.booleans())
def test_mutated_models(case, as_grad):
    seed, text = case
    args = ["eval", "-", "--json", *feed_args(seed["feeds"])]
    if as_grad:
        args = ["grad", "-", "--json", *feed_args(seed["feeds"])]
    assert_well_behaved(run(args, input=text))


@FUZZ
@given(random_models)
def test_random_token_soup(text):
    assert_well_behaved(run(["eval", "-", "--json"], input=text))
    assert_well_behaved(run(["eval", "-"], input=text), json_mode=False)


@FUZZ
@given(st.text(max_size=60))
def test_random_text_as_an_expression(text):
    assume("\x00" not in text)  # an argv cannot hold NUL
    assert_well_behaved(run(["grad", "-e", text, "--json"]))


@FUZZ
@given(st.dictionaries(names, feed_strings, max_size=3), st.sampled_from(["linear", "quadratic", "unconnected"]))
def test_random_feed_strings(feeds, sample):
    model = next(s["model"] for s in SEEDS if s["id"] == f"sample-{sample}")
    args = ["eval", "-", "--json"]
    for name, value in feeds.items():
        args += ["--feed", f"{name}={value}"]
    assert_well_behaved(run(args, input=model))


@FUZZ
@given(feed_strings, feed_strings)
def test_random_feed_strings_into_an_expression(x, w):
    doc = assert_well_behaved(run(["grad", "-e", "reduce_sum(x * w)", "--feed", f"x={x}", "--feed", f"w={w}", "--json"]))
    if doc["ok"]:
        assert set(doc["gradients"]) == {"x", "w"}


@FUZZ
@given(st.lists(names, max_size=3), st.lists(names, max_size=3), st.lists(names, max_size=2), st.sampled_from(["none", "zero"]))
def test_random_grad_requests(ys, xs, stops, unconnected):
    model = next(s for s in SEEDS if s["id"] == "sample-linear")
    args = ["grad", "-", "--json", "--unconnected", unconnected, *feed_args(model["feeds"])]
    for y in ys:
        args += ["--of", y]
    for x in xs:
        args += ["--wrt", x]
    for s in stops:
        args += ["--stop", s]
    assert_well_behaved(run(args, input=model["model"]))


@FUZZ
@given(st.lists(st.one_of(st.dictionaries(names, st.one_of(st.integers(-5, 5), st.lists(st.integers(-5, 5), max_size=3))), st.text(max_size=10)), min_size=1, max_size=4))
def test_random_feed_batches(rows):
    text = "\n".join(json.dumps(r) if isinstance(r, dict) else r.replace("\n", " ") for r in rows) + "\n"
    result = run(["eval", "-e", "x * 2", "--feeds", "-", "--json"], input=text)
    out, err = result.stdout, result.stderr
    assert "Traceback" not in out and "Traceback" not in err, err[-3000:]
    assert result.exit_code in DOCUMENTED
    docs = json_lines(out)
    assert docs, err
    if len(docs) > 1:
        assert [d["row"] for d in docs] == list(range(len(docs)))
        assert result.exit_code == max(0 if d["ok"] else 2 for d in docs) or any(not d["ok"] for d in docs)


@settings(max_examples=12, deadline=None, database=None)
@given(st.binary(max_size=300))
def test_random_bytes_as_a_model(data):
    assert_well_behaved(run(["eval", "-", "--json"], input=data))


# ---------------------------------------------------------------- hostile inputs

def _eval_file(tmp_path, content, *extra):
    path = tmp_path / "model.grad"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = run(["eval", str(path), "--json", *extra])
    return result, assert_well_behaved(result)


def test_empty_file(tmp_path):
    result, doc = _eval_file(tmp_path, "")
    assert result.exit_code == 0 and doc["values"] == {}
    text = run(["eval", str(tmp_path / "model.grad")])
    assert text.exit_code == 0 and "nothing to show" in text.stdout


def test_binary_garbage(tmp_path):
    result, doc = _eval_file(tmp_path, bytes(range(256)) * 8)
    assert result.exit_code == 65
    assert doc["diagnostics"][0]["code"].startswith("E01")


def test_invalid_utf8(tmp_path):
    result, doc = _eval_file(tmp_path, b"var x = 1.0\ny = x \xff\xfe + 1\n")
    assert result.exit_code == 65
    d = doc["diagnostics"][0]
    assert d["line"] == 2 and "UTF-8" in d["message"]


def test_nul_bytes_and_a_bom(tmp_path):
    result, _ = _eval_file(tmp_path, b"\xef\xbb\xbfvar x = 1.0\ny = x\x00\n")
    assert result.exit_code == 65


def test_5000_nested_parentheses(tmp_path):
    result, doc = _eval_file(tmp_path, "var x = 1.0\ny = " + "(" * 5000 + "x" + ")" * 5000 + "\n")
    assert result.exit_code == 0
    assert doc["values"]["y"] == 1.0


def test_5000_unclosed_parentheses(tmp_path):
    result, doc = _eval_file(tmp_path, "y = " + "(" * 5000 + "\n")
    assert result.exit_code == 65


def test_5000_nested_calls(tmp_path):
    result, doc = _eval_file(tmp_path, "var x = 0.5\ny = " + "sin(" * 5000 + "x" + ")" * 5000 + "\ng = gradients(y, x)\n")
    assert result.exit_code == 0
    assert isinstance(doc["values"]["g"][0], float)


def test_20000_term_sum(tmp_path):
    result, doc = _eval_file(tmp_path, "var x = 1.0\ny = " + " + ".join(["x"] * 20000) + "\ng = gradients(y, x)\n")
    assert result.exit_code == 0
    assert doc["values"]["y"] == 20000.0
    assert doc["values"]["g"] == [20000.0]


def test_30000_line_script(tmp_path):
    lines = ["var x = 1.0"] + [f"y{i} = x * {i % 7}" for i in range(30000)] + ["fetch y29999"]
    result, doc = _eval_file(tmp_path, "\n".join(lines) + "\n")
    assert result.exit_code == 0
    assert doc["values"] == {"y29999": 29999 % 7}


def test_100000_node_chain_of_sin(tmp_path):
    """STYLE.md: never recursion over the graph; a 100,000-node chain must work."""
    text = "var v0 = 0.5\nv = v0\n" + "v = sin(v)\n" * 100_000 + "g = gradients(v, v0)\nfetch v, g\n"
    result, doc = _eval_file(tmp_path, text)
    assert result.exit_code == 0
    assert 0 < doc["values"]["v"] < 0.01
    assert 0 < doc["values"]["g"][0] < 1e-5


def test_long_line_error_does_not_crash(tmp_path):
    result, doc = _eval_file(tmp_path, "y = " + "1 + " * 50000 + "\n")
    assert result.exit_code == 65


def test_deeply_nested_feed_values():
    for depth in (10, 63, 65, 1000, 100_000):
        value = "[" * depth + "1" + "]" * depth
        result = run(["eval", "-e", "reduce_sum(x)", "--feed", f"x={value}", "--json"])
        doc = assert_well_behaved(result)
        if depth <= 32:
            assert doc["values"]["expr"] == 1.0


def test_deeply_nested_feeds_file(tmp_path):
    path = tmp_path / "feeds.json"
    path.write_text('{"x": ' + "[" * 100_000 + "1" + "]" * 100_000 + "}")
    assert_well_behaved(run(["eval", "-e", "x", "--feeds", str(path), "--json"]))


def test_huge_numbers_in_feeds():
    for value in ("1e999", "-1e999", "1" * 400, "[" + ",".join(["1"] * 100_000) + "]"):
        assert_well_behaved(run(["eval", "-e", "x", "--feed", f"x={value}", "--json"]))


# ---------------------------------------------------------------- every command, every option

# Every option of every command, read from Click (tests/fuzz_options.py).
from fuzz_options import COMMAND_PARAMS, option_values  # noqa: E402


@st.composite
def command_lines(draw):
    command = draw(st.sampled_from(sorted(COMMAND_PARAMS)))
    args = draw(st.sampled_from([[], [], ["-q"], ["-v"], ["--color", "always"], ["--debug"]])) + [command]
    seed, stdin = None, None
    if command != "ops":
        seed = draw(seed_models)
        if draw(st.integers(0, 3)):
            args += ["model.grad", *feed_args(seed["feeds"])]
        else:
            args.append(draw(st.sampled_from(["-", "missing.grad", "/dev/zero", "model.grad"])))
            stdin = seed["model"]
    for param in COMMAND_PARAMS[command]:
        if param.name == "expression" and "model.grad" in args and draw(st.integers(0, 5)):
            continue  # -e with a model file is its own error: not every time
        args += draw(option_values(param))
    return args, seed, stdin


@settings(max_examples=int(os.environ.get("GRADCLI_FUZZ_EXAMPLES", 80)),  # more for a long run
           deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture], database=None)
@given(case=command_lines(), as_json=st.booleans())
def test_every_command_and_option(tmp_path_factory, case, as_json):
    """Any command line built from every command's own options: no traceback, a documented
    exit status, and with --json strict JSON: one document (one a row for a batch)."""
    args, seed, stdin = case
    folder = tmp_path_factory.mktemp("cmd")
    if seed is not None:
        (folder / "model.grad").write_text(seed["model"])
        (folder / "feeds.json").write_text(json.dumps(seed["feeds"]))
        (folder / "rows.jsonl").write_text(json.dumps(seed["feeds"]) + "\n[1]\n" + json.dumps(seed["feeds"]) + "\n")
        (folder / "bad.json").write_text('{"x": [1, 2')
        (folder / "empty.csv").write_text("")
    if "--feeds" in args and args[args.index("--feeds") + 1] == "-":
        stdin = json.dumps(seed["feeds"] if seed else {})
    if as_json and "--json" not in args:
        args = args + ["--json"]
    here = os.getcwd()
    os.chdir(folder)
    try:
        result = run(args, input=stdin)
    finally:
        os.chdir(here)
    out, err = result.stdout, result.stderr
    assert "Traceback" not in out and "Traceback" not in err, (args, err[-3000:])
    assert result.exit_code in DOCUMENTED, (args, result.exit_code, err[-3000:], repr(result.exception))
    assert "\x1b]" not in err, (args, err[-500:])  # an OSC from the input never reaches the terminal
    if "--json" in args:
        docs = json_lines(out)
        assert docs, (args, err[-2000:])
        if len(docs) > 1:  # a batch: one line a row
            assert [d.get("row") for d in docs] == list(range(len(docs))), args
        else:
            assert docs[0]["ok"] is (result.exit_code == 0) or docs[0].get("row") is not None, (args, docs[0])
