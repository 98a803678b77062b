"""Shape signatures: which tensors' run-time shapes broadcast together, plus a static part.

Two equal signatures are equal shapes at any feed (see the package's docstring).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class FormulaUnavailable(Exception):
    """No exact expression with public ops could be made for this gradient."""



class FormulaTooLong(FormulaUnavailable):
    """The formula exists but is longer than MAX_LENGTH characters: how long, and what it is."""

    def __init__(self, length: int, limit: int, what: str | None = None):
        self.length, self.limit, self.what = length, limit, what
        detail = f" ({what})" if what else ""
        # a formula that doubles at each line has a length of hundreds of digits: say its size
        size = f"{length:,}" if length < 10**15 else f"over 10^{len(str(length)) - 1}"
        super().__init__(f"too long: the formula has {size} characters{detail}, over the limit of {limit:,}")


# ----- shape signatures -----

@dataclass(frozen=True)
class Sig:
    leaves: frozenset  # nodes whose run-time shapes are unknown
    static: tuple  # a known shape broadcast with them

    def union(self, other: "Sig") -> "Sig":
        if other is self or other == SCALAR:
            return self
        if self == SCALAR:
            return other
        try:
            static = tuple(np.broadcast_shapes(self.static, other.static))
        except ValueError:
            raise FormulaUnavailable("shapes do not broadcast") from None
        return Sig(self.leaves | other.leaves, static)

    def within(self, other: "Sig") -> bool:
        """Whether this shape provably broadcasts into `other`'s."""
        if not self.leaves <= other.leaves:
            return False
        try:
            return tuple(np.broadcast_shapes(self.static, other.static)) == tuple(other.static)
        except ValueError:
            return False

    @property
    def is_static(self) -> bool:
        return not self.leaves


SCALAR = Sig(frozenset(), ())
