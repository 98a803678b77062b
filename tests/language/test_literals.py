"""Literal and argument bugs found by the CLI tests, now fixed: each is a diagnostic, not
an internal error."""
from __future__ import annotations


import pytest

from conftest import invoke, strict_json

pytestmark = pytest.mark.usefixtures("plain_environment")


# ---------------------------------------------------------------- engine bugs found by these tests, now fixed


def test_huge_integer_literal_is_a_diagnostic_not_an_internal_error():
    result = invoke("eval", "-e", "9223372036854775808")
    assert result.exit_code == 65
    assert "internal" not in result.stderr


def test_integer_literal_out_of_int32_range_does_not_wrap():
    result = invoke("eval", "-", "--json", input="y = 2147483648\n")
    doc = strict_json(result.stdout)
    assert doc["values"]["y"] == 2147483648 and doc["dtypes"]["y"] == "int64"  # as tf.constant(2**31)


def test_float_axis_in_stack_is_a_diagnostic_for_grad():
    result = invoke("grad", "-e", "stack(x, 2.5)", "--feed", "x=2")
    assert result.exit_code == 65
    assert "internal" not in result.stderr
