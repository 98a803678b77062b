"""The built wheel works on its own: the grammar ships inside it (STYLE.md, Habits).

Builds the wheel from a copy of the source, installs it with --no-deps into a
fresh virtual environment that sees this environment's packages (a .pth line,
so NumPy, Lark, Click and Rich need no network, while gradcli's editable
install stays out of sight), and runs `gradcli eval` from another directory,
where no grammar/ folder is anywhere near.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow  # about 10 s (build, venv, install); still runs by default


def _run(args, **kw):
    out = subprocess.run(args, capture_output=True, text=True, timeout=600, **kw)
    assert out.returncode == 0, f"{args}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    # a copy, so that the build sees neither caches nor other checkouts' build dirs
    shutil.copytree(ROOT / "gradcli", src / "gradcli", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(ROOT / "grammar", src / "grammar")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, src / name)
    dist = work / "dist"
    try:
        import build  # noqa: F401

        command = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(src)]
    except ImportError:
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(src)]
    _run(command)
    (built,) = dist.glob("gradcli-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    _run([sys.executable, "-m", "venv", str(env_dir)])
    python = env_dir / "bin" / "python"
    inner = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    # A plain path in a .pth is added to sys.path after the venv's own site-packages, and the .pth
    # files inside it (the editable install's hook among them) are not run.
    outer = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(inner, "outer-environment.pth").write_text("".join(f"{p}\n" for p in sorted(outer)))
    _run([str(python), "-m", "pip", "install", "--no-deps", "--force-reinstall", "--no-index", "--disable-pip-version-check", str(wheel)])
    return env_dir


def _clean_env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NO_COLOR", "FORCE_COLOR", "VIRTUAL_ENV")}
    env["XDG_CACHE_HOME"] = str(tmp / "cache")  # gradcli must write nothing there
    return env


def test_the_wheel_holds_the_grammar(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
    assert "gradcli/grammar/gradcli.lark" in names
    assert "gradcli/cli/__init__.py" in names
    assert "gradcli/language/_parser_tables.py" in names and "gradcli/language/lalr.py" in names  # the parser and its tables
    assert any(n.endswith("entry_points.txt") for n in names)
    assert not any(n.startswith("tests/") or n.startswith("grammar/") for n in names)


def test_installed_wheel_runs_from_another_directory(venv, tmp_path):
    shutil.copy2(ROOT / "samples" / "quadratic.grad", tmp_path / "quadratic.grad")
    env = _clean_env(tmp_path)
    gradcli = venv / "bin" / "gradcli"
    out = _run([str(gradcli), "eval", "quadratic.grad"], cwd=tmp_path, env=env)
    assert out.stdout == "y        float64  5\ngrad[0]  float64  5  ∂y/∂x\n"
    assert out.stderr == ""
    again = _run([str(gradcli), "eval", "quadratic.grad", "--json"], cwd=tmp_path, env=env)
    assert '"grad": [5.0]' in again.stdout
    assert not (tmp_path / "cache").exists()  # the tables ship inside the package: nothing is cached


def test_installed_wheel_is_the_one_imported(venv, tmp_path):
    env = _clean_env(tmp_path)
    probe = "import gradcli, gradcli.language.parse as p; print(gradcli.__file__); print(len(p.grammar_text()))"
    out = _run([str(venv / "bin" / "python"), "-c", probe], cwd=tmp_path, env=env)
    location, size = out.stdout.split()
    assert Path(location).resolve().is_relative_to(venv.resolve()), location
    assert int(size) > 100
