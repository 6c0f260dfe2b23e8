"""Regular expressions compiled when first used.

A module-level ``re.compile`` costs tens of microseconds at import whether or not the run needs
the pattern; dozens of them are a measurable share of start-up. :func:`lazy` gives an object
with the pattern's methods that compiles on the first call and then hands out the compiled
pattern's own bound methods, so later calls cost what a compiled pattern costs.
"""

from __future__ import annotations

import re

_COPIED = ("match", "fullmatch", "search", "findall", "finditer", "sub", "subn", "split",
           "pattern", "flags", "groups", "groupindex")


class LazyPattern:
    """A stand-in for ``re.compile(source, flags)`` that compiles on first use."""

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str):  # reached only until the first use copies the attributes in
        if name.startswith("_"):
            raise AttributeError(name)
        compiled = re.compile(self._source, self._flags)
        for attribute in _COPIED:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self._source!r})"


def lazy(source: str, flags: int = 0) -> LazyPattern:
    return LazyPattern(source, flags)
