"""check's first line says where the claims were checked: the fed point only when something
could be checked there (an input nobody fed leaves only the sampled points)."""
from __future__ import annotations

from tests.conftest import invoke

CLAIM = ("check", "-e", "x**3", "--wrt", "x", "--claim", "3*x**2", "--no-fd")


def test_nothing_fed_names_only_the_sampled_points():
    result = invoke(*CLAIM)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "checking <expr> x**3 at 5 sampled points, nothing fed (seed 0; rtol 1e-07, atol 1e-09)"


def test_a_fed_input_adds_the_fed_point():
    result = invoke(*CLAIM, "--feed", "x=1")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "checking <expr> x**3 at the fed point and 5 sampled points (seed 0; rtol 1e-07, atol 1e-09)"


def test_a_models_initial_values_are_its_fed_point(tmp_path):
    model = tmp_path / "m.grad"
    model.write_text("var x = 1.5\ny = x**3\ng, = gradients(y, x)\nexpect g == 3*x**2\n")
    result = invoke("check", model, "--no-fd")
    assert result.exit_code == 0
    assert " at the fed point and 5 sampled points " in result.stdout.splitlines()[0]
