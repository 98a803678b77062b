"""`np.` names reach ops through the registry alone: an op marked numpy=True answers to its name
and every alias under `np.`/`numpy.` (NumPy's own spellings such as arcsin and power are registry
aliases), and any other `np.` name is E0203 with the nearest op."""
from __future__ import annotations

import math

import pytest

import gradcli
from gradcli.engine.ops import NAMES
from gradcli.language.spellings import resolve_call

NUMPY_OPS = sorted(name for name, op in NAMES.items() if op.numpy)


def test_the_registry_marks_numpys_names():
    assert {"arcsin", "power", "true_divide", "amax", "sum", "dot"} <= set(NUMPY_OPS)


@pytest.mark.parametrize("name", NUMPY_OPS)
def test_every_numpy_spelling_resolves_to_its_op(name):
    assert NAMES[resolve_call(f"np.{name}", None)] is NAMES[name]
    assert NAMES[resolve_call(f"numpy.{name}", None)] is NAMES[name]


@pytest.mark.parametrize("text, want", [
    ("y = np.arcsin(0.5)", math.asin(0.5)),
    ("y = np.power(2.0, 3.0)", 8.0),
    ("y = np.amax([1.0, 4.0, 2.0])", 4.0),
    ("y = np.true_divide(1.0, 4.0)", 0.25),
])
def test_numpy_spelled_calls_compute_numpys_values(text, want):
    assert float(gradcli.loads(text).eval()["y"]) == pytest.approx(want)


def test_a_numpy_name_gradcli_does_not_take_is_E0203():
    with pytest.raises(gradcli.GradcliError) as e:
        resolve_call("np.cumtrapz", None)
    assert e.value.diagnostics[0].code == "E0203"
