"""Computer-side RS-232 pinouts (DB9, DB25): which pin carries which line, in which direction."""

from __future__ import annotations

import json
from functools import lru_cache

from nuthelper.records import Record
from nuthelper.resources import data_file


class PinInfo(Record):
    __slots__ = ("line", "direction")

    def __init__(self, line: str, direction: str) -> None:
        self.line = line
        self.direction = direction  # input, output, data-input, data-output, ground


@lru_cache(maxsize=1)
def _table() -> dict:
    with open(data_file("serial-ports.json"), encoding="utf-8") as handle:
        return json.load(handle)


def connectors() -> list[str]:
    """Connector types whose pinout is known (``DB9``, ``DB25``)."""
    return list(_table()["connectors"])


def pinout(connector: str) -> dict[str, PinInfo]:
    """Pin number (as a string) → line, for a known connector type."""
    return {pin: PinInfo(**info) for pin, info in _table()["connectors"][connector].items()}


def line_name(text: str) -> str:
    """The canonical name of a line as a source writes it (``CD`` → ``DCD``, ``RI`` → ``RNG``)."""
    key = text.strip().upper()
    aliases = _table()["aliases"]
    if key in aliases:
        return aliases[key]
    known = {info["line"].upper(): info["line"] for info in _table()["connectors"]["DB9"].values()}
    return known.get(key, text.strip())


def direction_of(line: str) -> str | None:
    """``input``/``output``/... for a canonical line name, from the DB9 table (same for DB25)."""
    for info in _table()["connectors"]["DB9"].values():
        if info["line"] == line:
            return info["direction"]
    return None
