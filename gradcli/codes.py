"""Every diagnostic code gradcli reports, with a title and an example that triggers it.

The tests run every example and compare its rendering with a golden file;
docs/diagnostics.md is generated from this table and the golden renderings
(`python -m gradcli.codes > docs/diagnostics.md`), and the README's code
table is checked against it. A code, once here, keeps its meaning.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class ExitCode:
    """The process exit statuses of CLI.md."""

    OK = 0
    CHECK_FAILED = 1
    USAGE = 2
    INVALID_MODEL = 65
    CANNOT_READ = 66
    INTERNAL = 70
    INTERRUPTED = 130
    CLOSED_PIPE = 141  # 128 + SIGPIPE: the reader of stdout went away (`| head -1`)


# Codes whose exit status is not decided by their family (see exit_code_for).
CANNOT_READ_CODES = {"E0002", "E0003"}


INTERNAL_CODE = "E0099"
INTERRUPTED_CODE = "E0098"


def exit_code_for(code: str) -> int:
    if code in CANNOT_READ_CODES:
        return ExitCode.CANNOT_READ
    if code == INTERNAL_CODE:
        return ExitCode.INTERNAL
    if code == INTERRUPTED_CODE:
        return ExitCode.INTERRUPTED
    if code.startswith("W"):
        return ExitCode.OK
    family = code[:3]
    if family in ("E00", "E04"):
        return ExitCode.USAGE
    return ExitCode.INVALID_MODEL



@dataclass(frozen=True)
class Example:
    code: str
    title: str
    model: str | None = None  # the .grad text, run as MODEL (None: no model file)
    args: tuple = ("eval",)  # the command line; "{model}" stands for the model file
    files: dict = field(default_factory=dict)  # extra files the example needs (name -> text)
    pending: str = ""  # why the example cannot run yet (its syntax is still being built); tests skip it


def _e(code, title, model=None, *args, files=None, pending=""):
    return Example(code, title, model, tuple(args) or ("eval", "{model}"), files or {}, pending)


EXAMPLES = [
    # E00xx: usage and files
    _e("E0001", "usage error (an unknown option, a missing argument)", None, "eval", "--bogus"),
    _e("E0002", "the model file cannot be read", None, "eval", "missing.grad"),
    _e("E0003", "a feed file cannot be read", "placeholder x\ny = x * 2\n", "eval", "{model}", "--feed", "x=@missing.npy"),
    _e("E0004", "no model given", None, "eval"),
    _e("E0005", "a model file and -e together", "y = 1\n", "eval", "{model}", "-e", "x + 1"),
    _e("E0006", "-e takes one expression", None, "grad", "-e", "x = 1; y = 2"),
    _e("E0007", "a name twice in --wrt", "var x = 1.0\ny = x * x\n", "grad", "{model}", "--of", "y", "--wrt", "x", "--wrt", "x"),
    _e("E0008", "grad has nothing to differentiate or no x", "x = 1.0\n", "grad", "{model}"),
    _e("E0009", "--grad-ys names something that is not a y", "var x = 1.0\ny = x * x\n", "grad", "{model}", "--of", "y", "--grad-ys", "x=2"),
    _e("E0010", "check, explain or graph given a batch of feeds", "placeholder x\ny = x * x\n", "check", "{model}", "--feeds", "rows.jsonl", files={"rows.jsonl": '{"x": 1}\n{"x": 2}\n'}),
    _e("E0011", "a bad --sample range", "placeholder x\ny = x * x\nexpect y == x ** 2\n", "check", "{model}", "--sample", "x=3:1"),
    _e("E0098", "interrupted (Ctrl-C; exit 130, and with --json still one document)", None),
    _e("E0099", "internal error (a bug in gradcli; exit 70)", None),
]

# E01xx: syntax
# Every syntax error code, with a title and a minimal source that raises it.
# (kept apart because the parser's tests check each example's exact span)
SYNTAX_CODES: dict[str, tuple[str, str]] = {
    "E0101": ("unexpected token", "y = x 2 3\n"),
    "E0102": ("unclosed bracket", "y = f(x, (2 + 3)\n"),
    "E0103": ("missing operand", "y = x +\n"),
    "E0104": ("missing '=' in a declaration or assignment", "var x 2.0\n"),
    "E0105": ("keyword used as a name", "var = 3\n"),
    "E0106": ("invalid character", "y = x $ 2\n"),
    "E0107": ("unexpected end of input", "var x ="),
    "E0108": ("invalid UTF-8 or binary input", "x = 1 \udcff\n"),
    "E0109": ("unterminated string", "placeholder x: 'float32\n"),
    "E0110": ("chained comparison", "expect a < b < c\n"),
    "E0111": ("mismatched closing bracket", "y = f(x]\n"),
    "E0112": ("unmatched closing bracket", "y = x)\n"),
    "E0113": ("invalid assignment target", "f(x) = 2\n"),
    "E0114": ("only a name can be called", "y = f(x)(2)\n"),
    "E0115": ("positional argument after a keyword argument", "y = f(x=1, 2)\n"),
    "E0116": ("missing ':' before a type", "placeholder X float[2, 1]\n"),
}

EXAMPLES += [
    # E02xx: names and declarations
    _e("E0201", "unknown name", "var W = 1.0\ny = Wt * 2\n"),
    _e("E0202", "unknown op", "var x = 1.0\ny = reduce_summ(x)\n"),
    _e("E0203", "a NumPy name gradcli does not take", "var x = [1.0, 2.0]\ny = np.cumprod(x)\n"),
    _e("E0204", "unknown keyword argument", "var x = [1.0, 2.0]\ny = reduce_sum(x, axes=0)\n"),
    _e("E0205", "wrong number of arguments", "var x = 1.0\ny = sin(x, 2)\n"),
    _e("E0206", "an initial value that does not fit its declaration", "var x: float[3] = [1.0, 2.0]\n"),
    _e("E0207", "expect without an == comparison", "var x = 1.0\nexpect x < 2\n"),
    _e("E0208", "unpacking the wrong number of values", "var x = 1.0\na, b = gradients(x * x, x)\n"),
    _e("E0209", "a value that is not a tensor where a tensor is needed", "y = float32 + 1\n"),
    _e("E0210", "session boilerplate (a session, sess.run, print)", "x = tf.Variable(2.0)\nsess = tf.Session()\n"),
    _e("E0211", "a bare expression, computed and thrown away", "var x = 1.0\nx * 2\n"),
    _e("E0213", "not a dtype, or a bad dimension", "placeholder X: float[2.5]\n"),
    _e("E0214", "an attribute that must be a constant", "var n = 2.0\nz = zeros([n, 2])\n"),
    _e("E0215", "a name declared twice", "var x = 1.0\nvar x = 2.0\n"),
    _e("E0216", "Variable() or placeholder() not assigned to a name", "y = placeholder(\"float\") * 2\n"),
    # E03xx: types, shapes and values
    _e("E0301", "mixed dtypes", "var a: float32 = 1.0\nvar b: float64 = 2.0\nc = a + b\n"),
    _e("E0302", "shapes that cannot broadcast or multiply", "var a = [1.0, 2.0, 3.0]\nvar b = [1.0, 2.0]\nc = a * b\n"),
    _e("E0303", "a tensor of the wrong dtype for the op", "var n: int32 = 2\ny = sin(n)\n"),
    _e("E0304", "an axis out of range", "var x = [1.0, 2.0]\ny = reduce_sum(x, axis=1)\n"),
    _e("E0305", "a tensor over --max-elements", "z = zeros([100000, 100000])\n"),
    _e("E0306", "a bad shape or a ragged list", "var x = [1.0, 2.0, 3.0]\ny = reshape(x, [2, 2])\n"),
    _e("E0307", "an op given an empty list", "y = add_n([])\n"),
    _e("E0308", "a singular matrix", "var A = [[1.0, 2.0], [2.0, 4.0]]\nB = inv(A)\n"),
    _e("E0309", "an index out of range", "var x = [1.0, 2.0]\ny = x[5]\n"),
    _e("E0310", "an op that cannot run on the values fed", "placeholder x\ny = reshape(x, [2, 2])\n", "eval", "{model}", "--feed", "x=1,2,3"),
    _e("E0311", "an argument no tensor of this shape can take", "var m = [[1.0, 2.0], [3.0, 4.0]]\nt = transpose(m, perm=[0, 0])\n"),
    _e("E0312", "a bad einsum equation", "var m = [[1.0, 2.0], [3.0, 4.0]]\nt = einsum(\"i->i\", m)\n"),
    _e("E0313", "a dimension that must be known before evaluation", "placeholder x: float[None]\na, b = split(x, 2)\n"),
    _e("E0314", "a square matrix needed", "var m = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]\nt = inv(m)\n"),
    _e("E0315", "invalid arguments to an op", "var x = [1.0, 2.0]\ny = reduce_sum(x, axis=\"rows\")\n"),
    _e("E0316", "a model nested too deeply to evaluate"),
    _e("E0317", "an integer literal that does not fit in 64 bits", "y = 9223372036854775808\n"),
    # E04xx: feeds
    _e("E0401", "missing feeds (all listed at once)", "placeholder X: float[2, 1]\nplaceholder Y: float[2, 1]\ncost = reduce_sum((X - Y) ** 2)\n"),
    _e("E0402", "a fed value of the wrong shape", "placeholder X: float[2, 1]\ny = X * 2\n", "eval", "{model}", "--feed", "X=1,2,3"),
    _e("E0403", "a fed value of the wrong dtype", "placeholder n: int32\ny = n * 2\n", "eval", "{model}", "--feed", "n=2.5"),
    _e("E0404", "a feed for a name that is not an input", "placeholder X: float[2]\ny = X * 2\n", "eval", "{model}", "--feed", "x=1,2"),
    _e("E0405", "a feed that is not NAME=VALUE", "placeholder x\ny = x\n", "eval", "{model}", "--feed", "x"),
    _e("E0406", "a feed value that is not numbers", "placeholder x\ny = x\n", "eval", "{model}", "--feed", "x=[1, 2"),
    _e("E0407", "a fed integer outside its dtype's range (it would wrap)", "placeholder n: int32\ny = n * 2\n", "eval", "{model}", "--feed", "n=4294967297"),
    _e("E0408", "a fed value over --max-elements (a .npy is refused from its header)", "placeholder x\ny = reduce_sum(x)\n", "eval", "{model}", "--feed", "x=1,2,3,4", "--max-elements", "3"),
    # E05xx: gradients
    _e("E0501", "grad_ys of the wrong length", "var x = 3.0\ng = gradients([x*x, 2*x], x, grad_ys=[1.0])\n"),
    _e("E0502", "a seed of the wrong shape", "var x = [1.0, 2.0, 3.0]\ny = x*x\ng = gradients(y, x, grad_ys=[[1.0, 2.0]])\n"),
    _e("E0503", "an op with no gradient rule on the path", "var x = 1.5\ny = reduce_sum(unique([x, x]))\ng = gradients(y, x)\n"),
    _e("E0504", "a bad unconnected_gradients value", "var x = 2.0\ng = gradients(x*x, x, unconnected_gradients=\"foo\")\n"),
    _e("E0505", "an invalid argument to gradients, hessians or jacobian", "var x = 2.0\ng = gradients(x*x, x, order=2)\n"),
    _e("E0506", "a seed of the wrong dtype", "var x: float32 = 2.0\nvar s: float64 = 1.0\ng = gradients(x*x, x, grad_ys=s)\n"),
    _e("E0507", "jacobian of a tensor whose shape is unknown", "placeholder x\ny = x * x\nj = jacobian(y, x)\ng = gradients(reduce_sum(j), x)\n"),
    _e("E0508", "jacobian with respect to an integer tensor", "var n: int32 = 2\nj = jacobian(cast(n, float) * 2.0, n)\n"),
    _e("E0509", "a None gradient used in an expression", "var a = 1.0\nvar b = 1.0\ny = 2 * a\nga, gb = gradients(y, [a, b])\nz = gb * 2\n"),
    _e(
        "E0510",
        "a non-persistent GradientTape used twice",
        "import tensorflow as tf\nx = tf.constant(3.0)\nwith tf.GradientTape() as t:\n    t.watch(x)\n    y = x * x\ndy = t.gradient(y, x)\ndy2 = t.gradient(y, x)\n",
        pending="GradientTape syntax (issue 10, lang)",
    ),
    _e(
        "E0511",
        "a custom gradient of the wrong count or shape",
        "import tensorflow as tf\n\n@tf.custom_gradient\ndef f(x, y):\n    def grad(upstream):\n        return upstream\n    return x * y, grad\n\na = tf.constant(2.0)\nb = tf.constant(3.0)\ng = tf.gradients(f(a, b), [a, b])\n",
        pending="@tf.custom_gradient syntax (issue 10, lang)",
    ),
    # W0xxx: warnings
    _e("W0210", "an import (ignored: gradcli needs none)", "import tensorflow as tf\nx = tf.Variable(2.0)\ny = x * x\n"),
    _e("W0501", "an x written as a fresh expression (its gradient is None)", "var x = [1.0, 2.0]\ny = x * x\ng = gradients(y, x[0])\n"),
    _e("W0601", "a NaN or infinity appeared (the first op that made one)", "var x = 0.0\ny = log(x)\n"),
    _e("W0602", "a gradient disagrees with finite differences (a kink, or a bug)", "var x = 0.0\ny = abs(x)\ng = gradients(y, x)\nexpect g == g\n", "check", "{model}", "--sample", "x=-0.000001:0.000001", "--points", "1"),
]


def all_examples() -> list[Example]:
    """Every code, E01xx included, in code order."""
    parse_examples = [Example(code, title, source, ("eval", "{model}")) for code, (title, source) in SYNTAX_CODES.items()]
    return sorted(EXAMPLES + parse_examples, key=lambda e: e.code)


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
    """docs/diagnostics.md: the table, then each code's example: its files, command and output.

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
        "| family | exit status |",
        "|---|---|",
        "| E00xx usage and files | 2 (66 when a file cannot be read, 70 for E0099) |",
        "| E01xx syntax | 65 |",
        "| E02xx names and declarations | 65 |",
        "| E03xx types, shapes and values | 65 |",
        "| E04xx feeds | 2 |",
        "| E05xx gradients | 65 |",
        "| W0xxx warnings | 0 (the command still succeeds) |",
        "",
        "| code | meaning |",
        "|---|---|",
    ]
    examples = all_examples()
    lines += [f"| [{e.code}](#{e.code.lower()}) | {e.title} |" for e in examples]
    for e in examples:
        lines += ["", f"## {e.code}", "", e.title[:1].upper() + e.title[1:] + "."]
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
    from pathlib import Path

    golden = Path(__file__).resolve().parent.parent / "tests" / "golden" / "codes"
    renderings = {p.stem: p.read_text() for p in golden.glob("*.txt")} if golden.is_dir() else {}
    print(markdown(renderings), end="")
