"""Every sample runs as its header says (or as `gradcli eval`), with no error."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES

SAMPLE_FILES = sorted(SAMPLES.glob("*.grad"))


def command_for(path) -> tuple[list[str], int]:
    """The `# gradcli ...` line of the header, and the exit status it promises."""
    for line in path.read_text().splitlines()[:5]:
        m = re.match(r"#\s*(gradcli .*?)\s*(\(exit status (\d+)\))?$", line)
        if m:
            return shlex.split(m.group(1))[1:], int(m.group(3) or 0)
    return ["eval", str(path.relative_to(ROOT))], 0


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[p.name for p in SAMPLE_FILES])
def test_sample_runs(path):
    args, status = command_for(path)
    proc = subprocess.run([sys.executable, "-m", "gradcli", *args], cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=120)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == status, proc.stderr
    assert "error[" not in proc.stderr
    assert proc.stdout.strip()
