"""What a run showed before an error is reported with it (cli/common.py, Run.failure):
the outputs the script printed before its first error (stdout first, as Python prints
them; "outputs" in the failure document), the warnings met (in order among the errors,
on stderr and in "diagnostics"), and the float dtype the run computed in."""
from __future__ import annotations

import pytest

from conftest import invoke, run_json
from gradcli import GradcliError, loads

pytestmark = pytest.mark.usefixtures("plain_environment")

COMMON_KEYS = ["format_version", "version", "command", "ok", "model", "dtype", "seed"]
OUTPUT_KEYS = {"line", "source", "values", "dtypes", "shapes"}

# the brief's example: Python prints "hello ..." before the NameError
HELLO = 'import tensorflow as tf\nx = tf.constant(2.0)\nprint("hello", x)\ny = undefined_name + 1\n'

TWO_PRINTS = """\
import tensorflow as tf
x = tf.constant(3.0)
print("first", x * 2)
print("second", [1, 2])
z = tf.reshape(x, [2, 2])
print("never")
"""

IN_A_LOOP = """\
import tensorflow as tf

def f(n):
    for i in range(n):
        print("step", i, i * 0.5)
    return undefined_name

y = f(3)
print("after")
"""

# independent errors are all reported; warnings where the run met them; the outputs stop at the first error
INDEPENDENT = """\
import tensorflow as tf
import matplotlib.pyplot as plt
print("a")
y = nope1 + 1
plt.show()
print("b")
z = nope2 * 2
"""

SESSION = """\
import tensorflow as tf
x = tf.placeholder(tf.float32)
y = x * x
with tf.Session() as sess:
    print(sess.run(y, feed_dict={x: 3.0}))
    print(sess.run(y))
"""

TRANSCRIPT = """\
>>> import tensorflow as tf
>>> x = tf.constant(3.0)
>>> x * 2
<tf.Tensor: shape=(), dtype=float32, numpy=6.0>
>>> y = tf.reshape(x, [2, 2])
"""

TAPE_NUMPY = """\
import tensorflow as tf
import numpy as np
x = tf.Variable(1.0)
with tf.GradientTape() as t:
    y = np.sin(x)
print(t.gradient(y, x))
w = tf.reshape(x, [3])
"""


def codes_in(stderr: str) -> list[str]:
    """The diagnostics' codes in the order stderr shows them."""
    return [line.split("]", 1)[0].split("[", 1)[1] for line in stderr.splitlines() if line.startswith(("error[", "warning["))]


def failure(*args, script, code):
    """Text and JSON of one failing command on SCRIPT (stdin)."""
    text = invoke(*args, input=script)
    assert text.exit_code == code, text.stderr
    doc = run_json(*args, input=script, code=code)
    assert doc["ok"] is False
    return text, doc


# ----- 2. outputs printed before the error -----


def test_a_print_before_an_error_is_shown_before_it():
    text, doc = failure("eval", "-", script=HELLO, code=65)
    assert text.stdout == "hello 2\n"
    assert codes_in(text.stderr) == ["W0213", "E0201"]
    assert doc["outputs"] == [{"line": 3, "source": 'print("hello", x)', "values": ["hello", 2.0], "dtypes": ["str", "float32"], "shapes": [None, []]}]


def test_two_prints_then_an_error_in_a_later_statement():
    text, doc = failure("eval", "-", script=TWO_PRINTS, code=65)
    assert text.stdout == "first 6\nsecond [1, 2]\n"  # and not "never": the run stopped at line 5
    assert codes_in(text.stderr) == ["W0213", "E0306"]
    assert [(o["line"], o["values"]) for o in doc["outputs"]] == [(3, ["first", 6.0]), (4, ["second", [1, 2]])]
    assert doc["outputs"][0]["dtypes"] == ["str", "float32"]
    assert doc["outputs"][1]["dtypes"] == ["str", ["int", "int"]]
    assert doc["diagnostics"][-1]["line"] == 5


def test_an_error_inside_a_function_after_prints_in_a_loop():
    text, doc = failure("eval", "-", script=IN_A_LOOP, code=65)
    assert text.stdout == "step 0 0\nstep 1 0.5\nstep 2 1\n"
    assert codes_in(text.stderr) == ["W0213", "E0201"]
    assert [o["values"] for o in doc["outputs"]] == [["step", 0, 0.0], ["step", 1, 0.5], ["step", 2, 1.0]]
    assert all(o["line"] == 5 and o["source"] == 'print("step", i, i * 0.5)' for o in doc["outputs"])
    error = doc["diagnostics"][-1]
    assert (error["code"], error["line"], error["column"]) == ("E0201", 6, 12)


def test_independent_errors_are_all_reported_with_the_warnings_in_the_order_met():
    text, doc = failure("eval", "-", script=INDEPENDENT, code=65)
    # Python stops at line 4: "b" (line 6) is not printed, though the run goes on to find line 7's error
    assert text.stdout == "a\n"
    order = ["W0213", "W0210", "E0201", "W0211", "E0201"]
    assert codes_in(text.stderr) == order
    assert [d["code"] for d in doc["diagnostics"]] == order
    assert [d["severity"] for d in doc["diagnostics"]] == ["warning", "warning", "error", "warning", "error"]
    assert [d["line"] for d in doc["diagnostics"]] == [1, 2, 4, 5, 7]
    assert [o["values"] for o in doc["outputs"]] == [["a"]]


def test_a_session_run_printed_before_an_unfed_placeholder():
    text, doc = failure("eval", "-", script=SESSION, code=2)
    assert text.stdout == "9\n"  # 3.0 * 3.0
    assert codes_in(text.stderr) == ["W0213", "E0409"]
    assert doc["outputs"] == [{"line": 5, "source": "print(sess.run(y, feed_dict={x: 3.0}))", "values": [9.0], "dtypes": ["float32"], "shapes": [[]]}]


def test_a_transcript_echo_before_an_error():
    text, doc = failure("eval", "-", script=TRANSCRIPT, code=65)
    assert text.stdout == "6\n"
    assert codes_in(text.stderr) == ["W0213", "E0306"]
    assert [(o["line"], o["source"], o["values"]) for o in doc["outputs"]] == [(3, "x * 2", [6.0])]


def test_a_none_gradient_printed_before_an_error_keeps_its_reason():
    text, doc = failure("eval", "-", script=TAPE_NUMPY, code=65)
    assert text.stdout.startswith("None\n  = None: ")
    assert codes_in(text.stderr) == ["W0213", "W0212", "E0306"]
    (out,) = doc["outputs"]
    assert out["values"] == [None] and out["dtypes"] == [None] and len(out["reasons"]) == 1
    assert [d["severity"] for d in doc["diagnostics"]] == ["warning", "warning", "error"]


@pytest.mark.parametrize("args", [("eval",), ("grad", "--of", "x"), ("check",), ("explain", "--of", "x", "--wrt", "x"), ("graph",)])
def test_every_command_that_runs_a_script_shows_what_it_printed(args):
    command, *rest = args
    text, doc = failure(command, "-", *rest, script=HELLO, code=65)
    assert text.stdout == "hello 2\n"
    assert codes_in(text.stderr) == ["W0213", "E0201"]
    assert doc["command"] == command and doc["dtype"] == "float32"
    assert [o["values"] for o in doc["outputs"]] == [["hello", 2.0]]
    assert [d["code"] for d in doc["diagnostics"]] == ["W0213", "E0201"]


def test_the_failure_document_schema_with_outputs():
    _, doc = failure("eval", "-", script=TWO_PRINTS, code=65)
    assert list(doc) == [*COMMON_KEYS, "outputs", "diagnostics"]
    for out in doc["outputs"]:
        assert set(out) == OUTPUT_KEYS
        assert len(out["values"]) == len(out["dtypes"]) == len(out["shapes"])


def test_a_failure_without_outputs_has_no_outputs_key():
    _, doc = failure("eval", "-", script="import tensorflow as tf\ny = nope + 1\n", code=65)
    assert list(doc) == [*COMMON_KEYS, "diagnostics"]
    assert [d["code"] for d in doc["diagnostics"]] == ["W0213", "E0201"]


def test_json_failure_writes_nothing_on_stderr():
    result = invoke("eval", "-", "--json", input=HELLO)
    assert result.exit_code == 65 and result.stderr == ""


# ----- 1. warnings, and the exit status -----


def test_quiet_drops_the_warnings_but_not_the_outputs_or_the_error():
    result = invoke("-q", "eval", "-", input=HELLO)
    assert result.exit_code == 65
    assert result.stdout == "hello 2\n"
    assert codes_in(result.stderr) == ["E0201"]


def test_the_exit_status_is_the_errors():
    # a warning's own status is 0; E0409 (a feed) is 2, E0201 is 65
    assert invoke("eval", "-", input=SESSION).exit_code == 2
    assert invoke("eval", "-", input=INDEPENDENT).exit_code == 65


def test_warnings_of_a_run_that_finished_come_with_a_later_error():
    """The script ran; grad's --of then names nothing: the run's W0213 is still reported."""
    script = "import tensorflow as tf\nx = tf.Variable(2.0)\ny = x * x\n"
    text = invoke("grad", "-", "--of", "nope", input=script)
    assert text.exit_code == 65
    assert text.stdout == ""
    assert codes_in(text.stderr) == ["W0213", "E0201"]
    doc = run_json("grad", "-", "--of", "nope", input=script, code=65)
    assert doc["dtype"] == "float32"
    assert [d["code"] for d in doc["diagnostics"]] == ["W0213", "E0201"]
    assert "outputs" not in doc


# a singular matrix is found only when eval computes y, after the run: TensorFlow fails at line 4
SINGULAR = """\
import tensorflow as tf
x = tf.constant([[1., 2.], [2., 4.]])
print("start", x)
y = tf.linalg.inv(x)
"""


def test_eval_shows_what_the_run_printed_before_an_error_found_computing_a_value():
    text, doc = failure("eval", "-", script=SINGULAR, code=65)
    assert text.stdout == "start [[1 2]\n [2 4]]\n"
    assert codes_in(text.stderr) == ["W0213", "E0308"]
    assert doc["outputs"] == [{"line": 3, "source": 'print("start", x)', "values": ["start", [[1.0, 2.0], [2.0, 4.0]]], "dtypes": ["str", "float32"], "shapes": [None, [2, 2]]}]
    assert doc["dtype"] == "float32"
    assert (doc["diagnostics"][-1]["code"], doc["diagnostics"][-1]["line"]) == ("E0308", 4)


def test_commands_that_do_not_show_outputs_report_only_the_warnings_with_a_later_error():
    text, doc = failure("grad", "-", "--of", "y", "--wrt", "x", script=SINGULAR, code=65)
    assert text.stdout == ""  # grad never shows what a script prints
    assert codes_in(text.stderr) == ["W0213", "E0308"]
    assert "outputs" not in doc and [d["code"] for d in doc["diagnostics"]] == ["W0213", "E0308"]


def test_a_feed_error_after_the_run_still_shows_its_outputs_in_eval():
    text, doc = failure("eval", "-", "--feed", "nope=1", script="import tensorflow as tf\nx = tf.Variable(2.0)\nprint(x * 3)\n", code=2)
    assert text.stdout == "6\n"
    assert codes_in(text.stderr) == ["W0213", "E0404"]
    assert [o["values"] for o in doc["outputs"]] == [[6.0]]


# --feed feeds the runs a script makes as it is built (PYTHON.md), so a row of feeds that
# makes its sess.run fail still shows what the run printed first
FED_RUNS = """\
import tensorflow as tf
x = tf.placeholder(tf.float32, shape=[4])
m = tf.reshape(x, [2, 2])
with tf.Session() as sess:
    print("sum", sess.run(tf.reduce_sum(x)))
    print("inverse", sess.run(tf.linalg.inv(m)))
"""


def test_feed_reaches_the_runs_a_script_makes_while_it_is_built():
    result = invoke("-q", "eval", "-", "--feed", "x=1,0,0,2", input=FED_RUNS)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "sum 3\ninverse [[1 0]\n [0 0.5]]\n"
    doc = run_json("grad", "-", "--of", "m", "--wrt", "x", "--feed", "x=1,0,0,2", input=FED_RUNS)
    assert doc["gradients"]["x"] == [1.0, 1.0, 1.0, 1.0]


def test_a_feed_that_makes_a_sess_run_fail_shows_what_was_printed_before():
    text, doc = failure("eval", "-", "--feed", "x=1,2,2,4", script=FED_RUNS, code=65)
    assert text.stdout == "sum 9\n"
    assert codes_in(text.stderr) == ["W0213", "E0308"]
    assert [o["values"] for o in doc["outputs"]] == [["sum", 9.0]]
    text, doc = failure("check", "-", "--feed", "x=1,2,2,4", script=FED_RUNS, code=65)
    assert text.stdout == "sum 9\n" and doc["dtype"] == "float32"


# ----- 3. the dtype the run used -----


def test_the_failure_document_names_the_dtype_the_run_used():
    _, doc = failure("eval", "-", script=HELLO, code=65)
    assert doc["dtype"] == "float32"
    _, doc = failure("eval", "-", "--dtype", "float64", script=HELLO, code=65)
    assert doc["dtype"] == "float64"
    assert [d["code"] for d in doc["diagnostics"]] == ["E0201"]  # no float32 note: it ran in float64
    assert doc["outputs"][0]["dtypes"] == ["str", "float64"]
    _, doc = failure("eval", "-", script="x = 2.0\nprint(x)\ny = nope\n", code=65)  # no tensorflow: float64
    assert doc["dtype"] == "float64"
    assert [d["code"] for d in doc["diagnostics"]] == ["E0201"]


# ----- the Python API -----


def test_the_error_keeps_the_run_it_stopped():
    with pytest.raises(GradcliError) as caught:
        loads(INDEPENDENT, "snippet.py")
    error = caught.value
    assert [d.code for d in error.diagnostics] == ["W0213", "W0210", "E0201", "W0211", "E0201"]
    assert [d.code for d in error.errors] == ["E0201", "E0201"]
    assert error.exit_code == 65
    assert "W0" not in str(error) and "nope1" in str(error) and "nope2" in str(error)
    assert all(d.source is not None and d.source.name == "snippet.py" for d in error.diagnostics)
    assert [o.values for o in error.partial.outputs] == [["a"]]
    assert error.partial.graph.float_dtype.name == "float32"


def test_loads_feeds_the_runs_a_script_makes_while_it_is_built():
    m = loads(FED_RUNS, "fed.py", feeds={"x": [1, 0, 0, 2]})
    assert [o.values[0] for o in m.outputs] == ["sum", "inverse"]
    assert m.outputs[1].values[1].tolist() == [[1.0, 0.0], [0.0, 0.5]]
    with pytest.raises(GradcliError) as caught:
        loads(FED_RUNS, "fed.py")
    assert [d.code for d in caught.value.errors] == ["E0409"]
    assert caught.value.partial.outputs == []
