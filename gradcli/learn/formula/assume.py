"""Stated assumptions: where a formula is shorter on a domain, say so, never drop it silently.

TensorFlow's gradient of x**y with respect to y is where(x > 0, x**y*log(x), 0):
the where only keeps log(x) away from x <= 0. A textbook writes the derivative of
x**x as x**x*(log(x) + 1) and means "for x > 0". The simplifier does the same:
`where(NAME > 0, E, 0)`, where E takes log(NAME), is E, and "NAME > 0" is noted
as an assumption of the formula being built. The formula then holds wherever its
assumptions do, and the output shows them (`(for x > 0)`, `"assumes"`, `\\quad`).

Only a positivity condition on a name qualifies: its domain is something a
student states ("for x > 0"); a where over an expression (relu's mask, a
clipped value) is the derivative itself and stays.
"""
from __future__ import annotations

import contextlib
import re

_POSITIVE = re.compile(r"([A-Za-z_]\w*) > 0(?:\.0)?")

# one set per formula being built (formulas are built one at a time; a stack for safety)
_noted: list[list] = []


@contextlib.contextmanager
def noting():
    """Collect the assumptions made while a formula is built: `with noting() as assumed:`."""
    assumed: list = []
    _noted.append(assumed)
    try:
        yield assumed
    finally:
        _noted.pop()


def domain_guard(cond_text: str, a_text: str, b_is_zero: bool) -> str | None:
    """The assumption that turns where(cond, a, 0) into a ("x > 0"), or None when it is no
    guard of log's domain on a name."""
    if not b_is_zero or not _noted:
        return None
    m = _POSITIVE.fullmatch(cond_text)
    if m is None or f"log({m.group(1)})" not in a_text:
        return None
    return f"{m.group(1)} > 0"


def note(assumption: str) -> None:
    if _noted and assumption not in _noted[-1]:
        _noted[-1].append(assumption)
