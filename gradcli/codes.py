"""THE table of diagnostic codes: each code's title, exit status and an example that triggers it.

Adding a code is one entry here plus its `fail()` call. The tests run every
example, compare its rendering with a golden file and check the exit status
against this table; docs/diagnostics.md and the README's code and exit-status
tables are generated from it (`python -m gradcli.codes > docs/diagnostics.md`,
`python -m gradcli.codes --readme`), and tests keep them in sync. A code, once
here, keeps its meaning.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class ExitCode(IntEnum):
    """The process exit statuses of CLI.md, each with what it means."""

    OK = 0, "success (warnings allowed)"
    CHECK_FAILED = 1, "`check`: an `expect` failed"
    USAGE = 2, "usage error or bad feed"
    INVALID_MODEL = 65, "the model is invalid or cannot be evaluated at these feeds"
    CANNOT_READ = 66, "a model or feed file cannot be read"
    INTERNAL = 70, "internal error (please report it; `--debug` shows the traceback)"
    INTERRUPTED = 130, "interrupted (with `--json` still one document, `\"ok\": false`)"
    CLOSED_PIPE = 141, "stdout closed by its reader (piped into `head`): a quiet stop, as 128 + SIGPIPE"

    def __new__(cls, value: int, meaning: str):
        member = int.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member


OK, USAGE, INVALID, CANNOT_READ, INTERNAL = ExitCode.OK, ExitCode.USAGE, ExitCode.INVALID_MODEL, ExitCode.CANNOT_READ, ExitCode.INTERNAL
INTERNAL_CODE = "E0099"


@dataclass(frozen=True)
class Example:
    """One row of the table: a code, what it means, its exit status, and how to trigger it."""

    code: str
    title: str
    exit: ExitCode
    model: str | None = None  # the .grad text, run as MODEL (None: no model file)
    args: tuple = ("eval",)  # the command line; "{model}" stands for the model file
    files: dict = field(default_factory=dict)  # extra files the example needs (name -> text)
    pending: str = ""  # why the example cannot run yet (its syntax is still being built); tests skip it


def _e(code, title, model=None, *args, exit: ExitCode, files=None, pending=""):
    """A row; `exit` is required, so a row cannot fall back on a family rule."""
    return Example(code, title, ExitCode(exit), model, tuple(args) or ("eval", "{model}"), files or {}, pending)


EXAMPLES = [
    # E00xx: usage and files
    _e("E0001", "usage error (an unknown option, a missing argument)", None, "eval", "--bogus", exit=USAGE),
    _e("E0002", "the model file cannot be read", None, "eval", "missing.grad", exit=CANNOT_READ),
    _e("E0003", "a feed file cannot be read", "placeholder x\ny = x * 2\n", "eval", "{model}", "--feed", "x=@missing.npy", exit=CANNOT_READ),
    _e("E0004", "no model given (or stdin is a terminal)", None, "eval", exit=USAGE),
    _e("E0005", "a model file and -e together", "y = 1\n", "eval", "{model}", "-e", "x + 1", exit=USAGE),
    _e("E0006", "-e takes one expression", None, "grad", "-e", "x = 1; y = 2", exit=USAGE),
    _e("E0007", "a name twice in --wrt", "var x = 1.0\ny = x * x\n", "grad", "{model}", "--of", "y", "--wrt", "x", "--wrt", "x", exit=USAGE),
    _e("E0008", "grad has nothing to differentiate or no x", "x = 1.0\n", "grad", "{model}", exit=USAGE),
    _e("E0009", "--grad-ys names something that is not a y", "var x = 1.0\ny = x * x\n", "grad", "{model}", "--of", "y", "--grad-ys", "x=2", exit=USAGE),
    _e("E0010", "check, explain or graph given a batch of feeds", "placeholder x\ny = x * x\n", "check", "{model}", "--feeds", "rows.jsonl", files={"rows.jsonl": '{"x": 1}\n{"x": 2}\n'}, exit=USAGE),
    _e("E0011", "a bad --sample range", "placeholder x\ny = x * x\nexpect y == x ** 2\n", "check", "{model}", "--sample", "x=3:1", exit=USAGE),
    _e("E0030", "a bad --rtol or --atol (not finite, or negative)", "var x = 1.0\ng, = gradients(x * x, x)\nexpect g == 2 * x\n", "check", "{model}", "--rtol", "nan", exit=USAGE),
    _e("E0031", "a bad --hold (no fed value to hold, or also sampled)", "placeholder x\ny = x * x\nexpect y == x ** 2\n", "check", "{model}", "--hold", "x", exit=USAGE),
    _e("E0032", "a bad --claim or --wrt of check -e", None, "check", "-e", "x * y", "--claim", "y", exit=USAGE),
    _e("E0098", "interrupted (Ctrl-C)", None, exit=ExitCode.INTERRUPTED),
    _e("E0099", "internal error (a bug in gradcli)", None, exit=INTERNAL),
    # E01xx: syntax (the parser's tests check each example's exact span)
    _e("E0101", "unexpected token (what was expected, in words)", "y = x 2 3\n", exit=INVALID),
    _e("E0102", "unclosed bracket", "y = f(x, (2 + 3)\n", exit=INVALID),
    _e("E0103", "missing operand", "y = x +\n", exit=INVALID),
    _e("E0104", "missing '=' in a declaration or assignment", "var x 2.0\n", exit=INVALID),
    _e("E0105", "keyword used as a name", "var = 3\n", exit=INVALID),
    _e("E0106", "invalid character", "y = x $ 2\n", exit=INVALID),
    _e("E0107", "unexpected end of input", "var x =", exit=INVALID),
    _e("E0108", "invalid UTF-8 or binary input", "x = 1 \udcff\n", exit=INVALID),
    _e("E0109", "unterminated string", "placeholder x: 'float32\n", exit=INVALID),
    _e("E0110", "chained comparison", "expect a < b < c\n", exit=INVALID),
    _e("E0111", "mismatched closing bracket", "y = f(x]\n", exit=INVALID),
    _e("E0112", "unmatched closing bracket", "y = x)\n", exit=INVALID),
    _e("E0113", "invalid assignment target", "f(x) = 2\n", exit=INVALID),
    _e("E0114", "a literal called as a function", "y = 2(3)\n", exit=INVALID),
    _e("E0115", "positional argument after a keyword argument", "y = f(x=1, 2)\n", exit=INVALID),
    _e("E0116", "missing ':' before a type", "placeholder X float[2, 1]\n", exit=INVALID),
    _e("E0117", "unexpected indent, or a block without its indented body", "x = 1\n    y = 2\n", exit=INVALID),
    # E02xx: names and declarations
    _e("E0201", "unknown name (did you mean)", "var W = 1.0\ny = Wt * 2\n", exit=INVALID),
    _e("E0202", "unknown op (did you mean)", "var x = 1.0\ny = reduce_summ(x)\n", exit=INVALID),
    _e("E0203", "a NumPy name gradcli does not take", "var x = [1.0, 2.0]\ny = np.cumprod(x)\n", exit=INVALID),
    _e("E0204", "unknown keyword argument (with the signature)", "var x = [1.0, 2.0]\ny = reduce_sum(x, axes=0)\n", exit=INVALID),
    _e("E0205", "wrong number of arguments (with the signature)", "var x = 1.0\ny = sin(x, 2)\n", exit=INVALID),
    _e("E0206", "an initial value that does not fit its declaration", "var x: float[3] = [1.0, 2.0]\n", exit=INVALID),
    _e("E0207", "expect without an == comparison", "var x = 1.0\nexpect x < 2\n", exit=INVALID),
    _e("E0208", "unpacking the wrong number of values", "var x = 1.0\na, b = gradients(x * x, x)\n", exit=INVALID),
    _e("E0209", "a value that is not a tensor where a tensor is needed", "y = float32 + 1\n", exit=INVALID),
    _e("E0213", "not a dtype, or a bad dimension", "placeholder X: float[2.5]\n", exit=INVALID),
    _e("E0214", "an attribute that must be a constant", "var n = 2.0\nz = zeros([n, 2])\n", exit=INVALID),
    _e("E0215", "a name declared twice", "var x = 1.0\nvar x = 2.0\n", exit=INVALID),
    _e("E0216", "Variable() or placeholder() not assigned to a name", "y = placeholder(\"float\") * 2\n", exit=INVALID),
    # E0218-E0233: pasted Python and TensorFlow code
    _e("E0218", "a Python construct outside the subset (class, try, yield, ...)", "class Model:\n    pass\n", exit=INVALID),
    _e("E0219", "an assert that fails", "n = 2\nassert n == 3, 'n must be 3'\n", exit=INVALID),
    _e("E0220", "loops that run more than 100,000 iterations in all", "for i in range(200000):\n    pass\n", exit=INVALID),
    _e("E0221", "a with statement on a value that is not a context", "with 3:\n    pass\n", exit=INVALID),
    _e("E0222", "a decorator other than @tf.function and @tf.custom_gradient", "@staticmethod\ndef f():\n    return 1\n", exit=INVALID),
    _e("E0223", "an ambiguous condition (an array of several values)", "import numpy as np\nif np.array([1, 2]):\n    pass\n", exit=INVALID),
    _e("E0224", "a use of a module gradcli does not run", "import matplotlib.pyplot as plt\nfig = plt.figure()\n", exit=INVALID),
    _e("E0225", "a call of a value that is not a function", "s = 'abc'\ny = s(2)\n", exit=INVALID),
    _e("E0226", "calls nested more than 200 deep (recursion)", "def f(n):\n    return f(n + 1)\ny = f(0)\n", exit=INVALID),
    _e("E0227", "a condition that depends on a placeholder", "import tensorflow as tf\nx = tf.placeholder(tf.float32)\nif x > 0:\n    y = x\n", exit=INVALID),
    _e("E0228", "an attribute or method a value does not have", "import tensorflow as tf\nx = tf.constant(3.0)\ny = x.foo()\n", exit=INVALID),
    _e("E0229", "assign() on a tensor that is not a variable", "import tensorflow as tf\nx = tf.constant(1.0)\nx.assign(2.0)\n", exit=INVALID),
    _e("E0230", "a training op (minimize, apply_gradients)", "import tensorflow as tf\nw = tf.Variable(1.0)\nopt = tf.train.GradientDescentOptimizer(0.1)\nstep = opt.minimize(w * w)\n", exit=INVALID),
    _e("E0231", "a Keras model or layer", "import tensorflow as tf\nm = tf.keras.Sequential()\n", exit=INVALID),
    _e("E0232", "a @tf.custom_gradient function that does not return (y, grad_fn)", "import tensorflow as tf\n@tf.custom_gradient\ndef f(x):\n    return x\ny = f(tf.constant(1.0))\n", exit=INVALID),
    _e("E0233", "a del that Python or TensorFlow refuses (a tensor's element, an attribute)", "x = tf.constant([1.0, 2.0])\ndel x[0]\n", exit=INVALID),
    # E03xx: types, shapes and values
    _e("E0301", "mixed dtypes (suggests cast)", "var a: float32 = 1.0\nvar b: float64 = 2.0\nc = a + b\n", exit=INVALID),
    _e("E0302", "shapes that cannot broadcast or multiply (both shapes, both spans)", "var a = [1.0, 2.0, 3.0]\nvar b = [1.0, 2.0]\nc = a * b\n", exit=INVALID),
    _e("E0303", "a tensor of the wrong dtype for the op", "var n: int32 = 2\ny = sin(n)\n", exit=INVALID),
    _e("E0304", "an axis out of range", "var x = [1.0, 2.0]\ny = reduce_sum(x, axis=1)\n", exit=INVALID),
    _e("E0305", "a tensor over --max-elements", "z = zeros([100000, 100000])\n", exit=INVALID),
    _e("E0306", "a bad shape or a ragged list", "var x = [1.0, 2.0, 3.0]\ny = reshape(x, [2, 2])\n", exit=INVALID),
    _e("E0307", "an op given an empty list", "y = add_n([])\n", exit=INVALID),
    _e("E0308", "a singular matrix", "var A = [[1.0, 2.0], [2.0, 4.0]]\nB = inv(A)\n", exit=INVALID),
    _e("E0309", "an index out of range", "var x = [1.0, 2.0]\ny = x[5]\n", exit=INVALID),
    _e("E0310", "an op that cannot run on the values fed", "placeholder x\ny = reshape(x, [2, 2])\n", "eval", "{model}", "--feed", "x=1,2,3", exit=INVALID),
    _e("E0311", "an argument no tensor of this shape can take", "var m = [[1.0, 2.0], [3.0, 4.0]]\nt = transpose(m, perm=[0, 0])\n", exit=INVALID),
    _e("E0312", "a bad einsum equation", "var m = [[1.0, 2.0], [3.0, 4.0]]\nt = einsum(\"i->i\", m)\n", exit=INVALID),
    _e("E0313", "a dimension that must be known before evaluation", "placeholder x: float[None]\na, b = split(x, 2)\n", exit=INVALID),
    _e("E0314", "a square matrix needed", "var m = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]\nt = inv(m)\n", exit=INVALID),
    _e("E0315", "invalid arguments to an op", "var x = [1.0, 2.0]\ny = reduce_sum(x, axis=\"rows\")\n", exit=INVALID),
    _e("E0316", "a model nested too deeply to evaluate", exit=INVALID),
    _e("E0317", "an integer literal, or literal-only integer arithmetic, that does not fit in 64 bits", "y = 9223372036854775808\n", exit=INVALID),
    _e("E0318", "an integer division or modulo by zero, or an integer to a negative power", "y = 7 // 0\n", exit=INVALID),
    # E04xx: feeds
    _e("E0401", "missing feeds (all listed at once)", "placeholder X: float[2, 1]\nplaceholder Y: float[2, 1]\ncost = reduce_sum((X - Y) ** 2)\n", exit=USAGE),
    _e("E0402", "a fed value of the wrong shape", "placeholder X: float[2, 1]\ny = X * 2\n", "eval", "{model}", "--feed", "X=1,2,3", exit=USAGE),
    _e("E0403", "a fed value of the wrong dtype", "placeholder n: int32\ny = n * 2\n", "eval", "{model}", "--feed", "n=2.5", exit=USAGE),
    _e("E0404", "a feed for a name that is not an input (did you mean)", "placeholder X: float[2]\ny = X * 2\n", "eval", "{model}", "--feed", "x=1,2", exit=USAGE),
    _e("E0405", "a feed that is not NAME=VALUE", "placeholder x\ny = x\n", "eval", "{model}", "--feed", "x", exit=USAGE),
    _e("E0406", "a feed value that is not numbers (a caret into the value)", "placeholder x\ny = x\n", "eval", "{model}", "--feed", "x=[1, 2", exit=USAGE),
    _e("E0407", "a fed integer outside its dtype's range (it would wrap)", "placeholder n: int32\ny = n * 2\n", "eval", "{model}", "--feed", "n=4294967297", exit=USAGE),
    _e("E0409", "a sess.run or print that needs an unfed placeholder", "import tensorflow as tf\nx = tf.placeholder(tf.float32)\nsess = tf.Session()\ny = sess.run(x * 2)\n", exit=USAGE),
    _e("E0408", "a fed value over --max-elements (a .npy is refused from its header)", "placeholder x\ny = reduce_sum(x)\n", "eval", "{model}", "--feed", "x=1,2,3,4", "--max-elements", "3", exit=USAGE),
    # E05xx: gradients
    _e("E0501", "grad_ys of the wrong length", "var x = 3.0\ng = gradients([x*x, 2*x], x, grad_ys=[1.0])\n", exit=INVALID),
    _e("E0502", "a seed of the wrong shape", "var x = [1.0, 2.0, 3.0]\ny = x*x\ng = gradients(y, x, grad_ys=[[1.0, 2.0]])\n", exit=INVALID),
    _e("E0503", "an op with no gradient rule on the path", "var x = 1.5\ny = reduce_sum(unique([x, x]))\ng = gradients(y, x)\n", exit=INVALID),
    _e("E0504", "a bad unconnected_gradients value", "var x = 2.0\ng = gradients(x*x, x, unconnected_gradients=\"foo\")\n", exit=INVALID),
    _e("E0505", "an invalid argument to gradients, hessians or jacobian", "var x = 2.0\ng = gradients(x*x, x, order=2)\n", exit=INVALID),
    _e("E0506", "a seed of the wrong dtype", "var x: float32 = 2.0\nvar s: float64 = 1.0\ng = gradients(x*x, x, grad_ys=s)\n", exit=INVALID),
    _e("E0507", "jacobian of a tensor whose shape is unknown", "placeholder x\ny = x * x\nj = jacobian(y, x)\ng = gradients(reduce_sum(j), x)\n", exit=INVALID),
    _e("E0508", "jacobian with respect to an integer tensor", "var n: int32 = 2\nj = jacobian(cast(n, float) * 2.0, n)\n", exit=INVALID),
    _e("E0509", "a None gradient used in an expression (and why it is None)", "var a = 1.0\nvar b = 1.0\ny = 2 * a\nga, gb = gradients(y, [a, b])\nz = gb * 2\n", exit=INVALID),
    _e(
        "E0510",
        "a non-persistent GradientTape used twice",
        "import tensorflow as tf\nx = tf.constant(3.0)\nwith tf.GradientTape() as t:\n    t.watch(x)\n    y = x * x\ndy = t.gradient(y, x)\ndy2 = t.gradient(y, x)\n",
        exit=INVALID,
    ),
    _e(
        "E0511",
        "a custom gradient of the wrong count or shape",
        "import tensorflow as tf\n\n@tf.custom_gradient\ndef f(x, y):\n    def grad(upstream):\n        return upstream\n    return x * y, grad\n\na = tf.constant(2.0)\nb = tf.constant(3.0)\ng = tf.gradients(f(a, b), [a, b])\n",
        exit=INVALID,
    ),
    _e("E0512", "sess.run of None (a None gradient): TensorFlow's 'Fetch argument None'", "import tensorflow as tf\nx = tf.Variable(1.0)\ny = tf.Variable(2.0)\ng = tf.gradients(x * 2, y)\nwith tf.Session() as sess:\n    sess.run(g)\n", exit=INVALID),
    # W0xxx: warnings
    _e("W0210", "an import of a module gradcli does not run", "import matplotlib.pyplot as plt\nx = 1.0\n", exit=OK),
    _e("W0211", "a call into such a module, skipped", "import matplotlib.pyplot as plt\nplt.show()\n", exit=OK),
    _e("W0212", "a NumPy function on a tensor inside a GradientTape (a constant there)", "import tensorflow as tf\nimport numpy as np\nx = tf.Variable(1.0)\nwith tf.GradientTape() as t:\n    y = np.sin(x)\n", exit=OK),
    _e("W0213", "TensorFlow's float32 default, for a script that imports tensorflow", "import tensorflow as tf\nx = tf.Variable(2.0)\n", exit=OK),
    _e("W0501", "an x written as a fresh expression (its gradient is None)", "var x = [1.0, 2.0]\ny = x * x\ng = gradients(y, x[0])\n", exit=OK),
    _e("W0601", "a NaN or infinity appeared (the first op that made one)", "var x = 0.0\ny = log(x)\n", exit=OK),
    _e("W0602", "a gradient disagrees with finite differences (a kink, or a bug)", "var x = 0.0\ny = abs(x)\ng = gradients(y, x)\nexpect g == g\n", "check", "{model}", "--sample", "x=-0.000001:0.000001", "--points", "1", exit=OK),
    _e("W0610", "claims checked at one point only (nothing varies)", "var x = 2.0\ng, = gradients(x * x, x)\nexpect g == 2 * x\n", "check", "{model}", "--hold", "x", exit=OK),
    _e("W0611", "a claim not checked at some points, or any (both sides not finite there)", "var x = 6.0\ny = sqrt(x - 5)\nexpect 3 * y == 3 * sqrt(x - 5)\n", "check", "{model}", exit=OK),
]


CODES: dict[str, Example] = {e.code: e for e in sorted(EXAMPLES, key=lambda e: e.code)}
assert len(CODES) == len(EXAMPLES), "a code is in the table twice"

# the parser's view: code -> (title, source) of each syntax error
SYNTAX_CODES: dict[str, tuple[str, str]] = {c: (e.title, e.model) for c, e in CODES.items() if c.startswith("E01")}


def exit_code_for(code: str) -> ExitCode:
    """The exit status of a diagnostic code, as the table says."""
    try:
        return CODES[code].exit
    except KeyError:
        raise KeyError(f"{code} is not in gradcli/codes.py: add it there with its exit status and an example") from None


def all_examples() -> list[Example]:
    """Every code in code order."""
    return list(CODES.values())


# ----- the generated documentation -----

def _ranges(codes: list[str]) -> str:
    """E0101–E0116, E0201: runs of codes adjacent in the table."""
    order = list(CODES)
    runs: list[list[str]] = []
    for code in codes:
        if runs and order.index(code) == order.index(runs[-1][-1]) + 1:
            runs[-1].append(code)
        else:
            runs.append([code])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs)


def exit_table() -> list[str]:
    """Every exit status, what it means and which codes end with it."""
    lines = ["| exit | meaning | codes |", "|---|---|---|"]
    for status in ExitCode:
        codes = [c for c, e in CODES.items() if e.exit is status]
        lines.append(f"| {int(status)} | {status.meaning} | {_ranges(codes)} |")
    return lines


def code_table() -> list[str]:
    """The README's table of codes: two code/meaning pairs per row, in code order."""
    examples = all_examples()
    half = (len(examples) + 1) // 2
    lines = ["| code | meaning | code | meaning |", "|---|---|---|---|"]
    for left, right in zip(examples[:half], examples[half:] + [None]):
        lines.append(f"| {left.code} | {left.title} | " + (f"{right.code} | {right.title} |" if right else "| |"))
    return lines


README_BLOCKS = {"exit statuses": exit_table, "codes": code_table}


def update_readme(text: str) -> str:
    """README.md with its generated tables rewritten from this table."""
    for name, make in README_BLOCKS.items():
        begin, end = f"<!-- generated from gradcli/codes.py: {name} -->\n", f"<!-- end of {name} -->"
        head, found, rest = text.partition(begin)
        if not found:
            raise ValueError(f"README.md has no '{begin.strip()}' marker")
        _, found, tail = rest.partition(end)
        if not found:
            raise ValueError(f"README.md has no '{end}' marker")
        text = head + begin + "\n".join(make()) + "\n" + end + tail
    return text


def command_line(example: Example) -> str:
    """The example's command as a shell would take it (quoted where needed)."""
    import shlex

    return shlex.join(["gradcli", *(a.replace("{model}", "model.grad") for a in example.args)])


def _printf_command(data: bytes, name: str) -> str:
    """A POSIX printf that writes `data` (bytes no editor can show) to `name`."""
    out = []
    for byte in data:
        char = chr(byte)
        if char == "\n":
            out.append("\\n")
        elif 32 <= byte < 127 and char not in "\\%'":
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return f"printf '{''.join(out)}' > {name}"


def markdown(renderings: dict[str, str]) -> str:
    """docs/diagnostics.md: the tables, then each code's example: its files, command and output.

    `renderings` maps a code to what its command prints on a terminal (stdout,
    then stderr), as in tests/golden/codes/. A file block's info string names
    the file (`file=model.grad`), so the docs tests can write it and run the
    command exactly as shown.
    """
    lines = [
        "# Diagnostics",
        "",
        "Every error and warning gradcli reports, with its stable code. Generated from",
        "`gradcli/codes.py` and the golden renderings in `tests/golden/codes/`",
        "(`python -m gradcli.codes > docs/diagnostics.md`); a test keeps it in sync.",
        "",
        "Each example is a model file (`model.grad`, and any other file it needs) and a",
        "command: write the files into an empty directory and paste the command into a",
        "shell to see exactly the output shown (what a terminal shows: stdout, then the",
        "diagnostics on stderr). The tests do just that for every example.",
        "",
        *exit_table(),
        "",
        "| code | meaning | exit |",
        "|---|---|---|",
    ]
    examples = all_examples()
    lines += [f"| [{e.code}](#{e.code.lower()}) | {e.title} | {int(e.exit)} |" for e in examples]
    for e in examples:
        lines += ["", f"## {e.code}", "", e.title[:1].upper() + e.title[1:] + f". Exit status {int(e.exit)}."]
        rendered = renderings.get(e.code)
        shell = []
        if e.model is not None:
            data = e.model.encode("utf-8", "surrogateescape")
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:  # invalid UTF-8 on purpose (E0108): written by printf
                shell.append(_printf_command(data, "model.grad"))
            else:
                lines += ["", "`model.grad`:", "", "```grad file=model.grad", text.rstrip("\n"), "```"]
        for name, text in e.files.items():
            kind = "json" if name.endswith((".json", ".jsonl")) else "text"
            lines += ["", f"`{name}`:", "", f"```{kind} file={name}", text.rstrip("\n"), "```"]
        if rendered:
            lines += ["", "```console", *(f"$ {c}" for c in shell), f"$ {command_line(e)}", rendered.rstrip("\n"), "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    if sys.argv[1:] == ["--readme"]:  # rewrite README.md's generated tables in place
        readme = root / "README.md"
        readme.write_text(update_readme(readme.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        golden = root / "tests" / "golden" / "codes"
        renderings = {p.stem: p.read_text() for p in golden.glob("*.txt")} if golden.is_dir() else {}
        print(markdown(renderings), end="")
