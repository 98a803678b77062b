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
        f"sys.argv = ['probe', *{args!r}]\n"  # not 'gradcli': the command would end the process at once
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


def test_the_one_liner_loads_no_difflib_json_or_diagnostics_renderer():
    """difflib only for a did-you-mean (an error), json only for JSON output or feeds,
    the diagnostics renderer only when there is a diagnostic to show."""
    doc = _run_loads(ONE_LINER, ("difflib", "json", "gradcli.render.diagnostics", "dataclasses"))
    assert doc["loaded"] == []
    assert _run_loads(["grad", "-e", "x**2 + x - 1", "--wrt", "x", "--feed", "x=2", "--json"], ("json",))["loaded"] == ["json"]


def test_a_short_option_reaches_click_in_its_long_spelling():
    from gradcli.cli import cli, long_spellings

    assert long_spellings(["grad", "-e", "x*x", "--wrt", "x"], cli) == ["grad", "--expr", "x*x", "--wrt", "x"]
    assert long_spellings(["-q", "eval", "-e", "x", "--feed", "x=1"], cli) == ["-q", "eval", "--expr", "x", "--feed", "x=1"]
    assert long_spellings(["grad", "-e"], cli) == ["grad", "-e"]  # no value: Click's message names -e as typed
    assert long_spellings(["grad", "--of", "-e", "-e", "y"], cli) == ["grad", "--of", "-e", "--expr", "y"]  # a value stays
    assert long_spellings(["eval", "m.grad", "--", "-e", "x"], cli) == ["eval", "m.grad", "--", "-e", "x"]
    assert long_spellings(["--help"], cli) == ["--help"]


def test_the_short_option_without_its_value_is_still_named_as_typed():
    out = subprocess.run(["gradcli", "grad", "-e"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "Option '-e' requires an argument" in out.stderr


def _as_the_command(args: list[str], after: str) -> subprocess.CompletedProcess:
    """Run gradcli.cli.main as the `gradcli` command does (argv[0] named gradcli), with
    end_process replaced by `after` (Python code reading `code`), then end as it would."""
    probe = (
        "import sys\n"
        f"sys.argv = ['gradcli', *{args!r}]\n"
        "import gradcli.cli as cli\n"
        "real = cli.end_process\n"
        "def end_process(code):\n"
        + "".join(f"    {line}\n" for line in after.splitlines())
        + "    real(code)\n"
        "cli.end_process = end_process\n"
        "cli.main()\n"
    )
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)


def test_the_command_collects_again_once_the_model_is_built():
    # paused while it starts; back (with what start-up made frozen) after the model is built
    out = _as_the_command(ONE_LINER, "import gc\nprint('collecting', gc.isenabled(), gc.get_freeze_count() > 0)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-3:] == ["collecting", "True", "True"]


def test_the_command_ends_with_its_exit_status_and_all_its_output():
    out = _as_the_command(["eval", "-e", "[[1, 2], [3, 4]] * x", "--feed", "x=2", "--json"], "")
    assert out.returncode == 0 and json.loads(out.stdout)["values"]["expr"] == [[2, 4], [6, 8]]
    out = _as_the_command(["eval", "-e", "zz(1)"], "")
    assert out.returncode == 65 and "error[E0202]: unknown op 'zz'" in out.stderr
    out = _as_the_command(["eval", "-e", "1", "--bogus"], "")
    assert out.returncode == 2 and "No such option" in out.stderr
