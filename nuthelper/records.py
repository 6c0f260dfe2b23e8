"""Plain value objects for the start-up path: fields in ``__slots__``, equality and ``repr`` by
those fields. What ``dataclasses`` would give, without importing it on every run (it imports
``inspect``, which alone costs a third of a bare interpreter's start-up)."""

from __future__ import annotations


class Record:
    """Base of a value object whose fields are its ``__slots__``, but for those it names in
    ``_derived``: values computed from the fields once, kept for speed (no part of equality)."""

    __slots__ = ()
    _derived: tuple[str, ...] = ()

    def _names(self) -> tuple[str, ...]:
        return tuple(name for name in self.__slots__ if name not in self._derived) if self._derived else self.__slots__

    def _fields(self) -> tuple:
        return tuple(getattr(self, name) for name in self._names())

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._fields() == self._fields()

    __hash__ = None  # mutable containers inside: no hashing by value

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._names())
        return f"{type(self).__name__}({fields})"

    def replaced(self, **changes):
        """A copy with some fields changed."""
        values = {name: getattr(self, name) for name in self._names()}
        values.update(changes)
        return type(self)(**values)
