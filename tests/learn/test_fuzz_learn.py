"""Fuzzing the learning commands: check, explain and graph on mutated models never
show a traceback, exit with a documented code, and print one JSON document with --json."""
from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES, conformance_cases, invoke, strict_json

MODELS = [c["model"] for c in conformance_cases()] + [p.read_text() for p in sorted(SAMPLES.glob("*.grad"))]
PIECES = ["(", ")", "[", "]", ",", "=", "+", "*", "x", "0", ".5", "\n", "gradients(", "stop_gradient(", "hessians(y, x)", "expect y == 1\n"]
DOCUMENTED = {0, 1, 2, 65, 66}


@st.composite
def mutated_models(draw):
    text = list(draw(st.sampled_from(MODELS)))
    for _ in range(draw(st.integers(0, 4))):
        pos = draw(st.integers(0, len(text)))
        if draw(st.booleans()) and text:
            del text[min(pos, len(text) - 1)]
        else:
            text[pos:pos] = list(draw(st.sampled_from(PIECES)))
    return "".join(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model=mutated_models(), command=st.sampled_from(["check", "explain", "graph"]), as_json=st.booleans(), fmt=st.sampled_from(["tree", "dot", "mermaid"]))
def test_learning_commands_never_crash(tmp_path, model, command, as_json, fmt):
    path = Path(tmp_path) / "m.grad"
    path.write_text(model)
    args = [command, str(path)]
    if command == "check":
        args += ["--points", "2"]
    if command == "graph":
        args += ["--format", fmt]
    if as_json:
        args.append("--json")
    result = invoke(*args)
    assert result.exit_code in DOCUMENTED, (args, result.exit_code, result.stderr[-500:])
    if as_json:
        strict_json(result.stdout)
