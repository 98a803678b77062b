"""Start-up is a feature (STYLE.md): `import gradcli.cli` loads Click and nothing heavy."""
from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("numpy", "lark", "rich")


def _modules_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_cli_loads_no_numpy_lark_or_rich():
    assert _modules_after("import gradcli.cli") == []


def test_importing_the_package_loads_no_numpy_lark_or_rich():
    assert _modules_after("import gradcli") == []


def test_help_loads_no_numpy_lark_or_rich():
    code = (
        "import contextlib, io\n"
        "from gradcli.cli import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        cli.main(['--help'], prog_name='gradcli')\n"
        "    except SystemExit:\n"
        "        pass"
    )
    assert _modules_after(code) == []


def test_gradcli_help_works():
    out = subprocess.run(["gradcli", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert out.stdout.startswith("Usage: gradcli ")
    assert "eval" in out.stdout and "grad" in out.stdout
    assert out.stderr == ""


def test_python_m_gradcli_help_works():
    out = subprocess.run([sys.executable, "-m", "gradcli", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert "Usage:" in out.stdout


# What the one-liner of issue 13 must not load: each was once loaded on every run and cost
# start-up (README, performance). Not timed: the modules a run loads are what regresses.
ONE_LINER = ["grad", "-e", "x**2 + x - 1", "--wrt", "x", "--feed", "x=2"]


def _run_loads(args: list[str], modules: tuple[str, ...]) -> list[str]:
    """The `modules` a whole `gradcli ARGS` run has loaded when it ends (its output checked too)."""
    probe = (
        "import contextlib, io, sys\n"
        f"sys.argv = ['gradcli', *{args!r}]\n"
        "from gradcli.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as e:\n"
        "        code = e.code\n"
        # json is this probe's own: loaded after the run, and its name read before that
        f"loaded = [m for m in {modules!r} if m in sys.modules]\n"
        "import json\n"
        "print(json.dumps({'code': code, 'out': out.getvalue(), 'loaded': loaded}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    assert doc["code"] == 0, doc
    return doc


def test_the_one_liner_loads_no_numpy_random():
    doc = _run_loads(ONE_LINER, ("numpy.random", "secrets", "hashlib"))
    assert doc["out"].split() == ["expr", "float64", "5", "∂expr/∂x", "float64", "5"]
    assert doc["loaded"] == []
