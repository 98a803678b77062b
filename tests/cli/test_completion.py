"""Shell completion: commands, options, and the model's own names for --wrt/--of/--feed."""
from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT


def complete(words: str, cword: int) -> list[str]:
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(cword), "_GRADCLI_COMPLETE": "bash_complete"}
    proc = subprocess.run([sys.executable, "-c", "from gradcli.cli import main; main()"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    return [line.split(",", 1)[1] for line in proc.stdout.splitlines() if "," in line]


def test_commands_complete():
    assert complete("gradcli ex", 1) == ["explain"]


def test_wrt_completes_the_models_names():
    names = complete("gradcli grad samples/linear.grad --wrt ", 4)
    assert {"W", "b", "cost"} <= set(names)


def test_feed_completes_inputs_with_an_equals_sign():
    assert complete("gradcli eval samples/linear.grad --feed ", 4) == ["X=", "Y=", "W=", "b="]


def test_completion_of_a_missing_model_offers_nothing():
    assert complete("gradcli grad nothing.grad --wrt ", 4) == []


def test_bash_script_is_printed():
    env = {**os.environ, "_GRADCLI_COMPLETE": "bash_source"}
    proc = subprocess.run([sys.executable, "-c", "from gradcli.cli import main; main()"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert "_gradcli_completion" in proc.stdout
