"""Shape signatures: which tensors' run-time shapes broadcast together, plus a static part.

Two equal signatures are equal shapes at any feed (see the package's docstring).
"""
from __future__ import annotations

from dataclasses import dataclass

from . import dims


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
    leaves: frozenset  # nodes whose run-time shapes are unknown (even their rank)
    static: tuple  # a known-rank shape broadcast with them: sizes, and Dims (learn/dims.py) for unknown ones

    def union(self, other: "Sig") -> "Sig":
        if other is self or other == SCALAR:
            return self
        if self == SCALAR:
            return other
        try:
            static = dims.broadcast(self.static, other.static, unify=False)
        except ValueError:
            raise FormulaUnavailable("shapes do not broadcast") from None
        return Sig(self.leaves | other.leaves, static)

    def within(self, other: "Sig") -> bool:
        """Whether this shape provably broadcasts into `other`'s."""
        if not self.leaves <= other.leaves:
            return False
        try:
            return dims.broadcast(self.static, other.static, unify=False) == tuple(other.static)
        except ValueError:
            return False

    @property
    def is_static(self) -> bool:
        """Known at build time: no unknown rank, no unknown dimension."""
        return not self.leaves and not any(dims.is_dim(d) for d in self.static)


SCALAR = Sig(frozenset(), ())
