"""Fuzzing the learning commands: check, explain and graph on mutated models never
show a traceback, exit with a documented code, and print one JSON document with --json."""
from __future__ import annotations

import os
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


from fuzz_options import COMMAND_PARAMS, option_values  # noqa: E402


@st.composite
def learn_command_lines(draw):
    """check, explain or graph on a mutated model, with any of the command's own options."""
    command = draw(st.sampled_from(["check", "explain", "graph"]))
    args = [command, "m.grad"]
    for param in COMMAND_PARAMS[command]:
        if param.name in ("expression", "feeds_file", "points"):
            continue  # -e is the other kind of input; a feeds file is the CLI fuzzer's; points kept small below
        args += draw(option_values(param))
    if command == "check":
        args += ["--points", draw(st.sampled_from(["0", "1", "2"]))]
    return args


@settings(max_examples=int(os.environ.get("GRADCLI_FUZZ_EXAMPLES", 40)), deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(model=mutated_models(), args=learn_command_lines(), as_json=st.booleans())
def test_learning_commands_with_every_option(tmp_path, model, args, as_json):
    (Path(tmp_path) / "m.grad").write_text(model)
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = invoke(*args, *(["--json"] if as_json and "--json" not in args else []))
    finally:
        os.chdir(here)
    assert result.exit_code in DOCUMENTED, (args, result.exit_code, result.stderr[-500:])
    if as_json or "--json" in args:
        doc = strict_json(result.stdout)
        assert doc["ok"] is (result.exit_code == 0)
