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
