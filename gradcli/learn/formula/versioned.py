"""A dict with cheap versions: the collected factors of a product, the terms of a sum.

A chain of 10,000 lines builds its gradient one factor at a time, `g * cos(v9999) * ...`:
copying the product's dict for each new factor would be quadratic. Here a new version
takes over its parent's dict and changes it in place, leaving the parent a log of what
to undo (Baker's trick for persistent arrays). Reading the newest version costs nothing;
reading an older one rebuilds its own dict once, at the cost of the versions between
(a branch, such as one product used in two places, pays for what it really copies).
"""
from __future__ import annotations

_MISSING = object()


class Version:
    __slots__ = ("_data", "_next", "_undo", "_log")

    def __init__(self, data: dict | None = None):
        self._data = {} if data is None else data  # only the newest version of a line holds the dict
        self._next: Version | None = None  # toward the version that holds it
        self._undo: list | None = None  # (key, value before) for each change the next version made
        self._log: list | None = None  # the parent's _undo, where this version's changes are logged

    def newest_len(self) -> int | None:
        """How many entries, when that costs nothing (None for an older version)."""
        return len(self._data) if self._data is not None else None

    def dict(self) -> dict:
        """This version's entries (read only: change them through a `successor`)."""
        if self._data is None:
            self._rebuild()
        return self._data

    def successor(self) -> "Version":
        """A new version with the same entries, to be changed with `set`; this one keeps its own."""
        data = self.dict()
        new = Version(data)
        undo: list = []
        self._data, self._next, self._undo = None, new, undo
        new._log = undo
        return new

    def set(self, key, value) -> None:
        """Only while this version is being built, before it is read elsewhere or has a successor."""
        data = self._data
        if self._log is not None:
            self._log.append((key, data.get(key, _MISSING)))
        data[key] = value

    def _rebuild(self) -> None:
        path = [self]  # iterative: the line of versions can be as long as the chain
        while path[-1]._data is None:
            path.append(path[-1]._next)
        data = dict(path[-1]._data)
        for version in reversed(path[:-1]):
            for key, old in reversed(version._undo):
                if old is _MISSING:
                    del data[key]
                else:
                    data[key] = old
        self._data, self._next, self._undo = data, None, None
