"""Contact-closure (genericups) evidence and the line-safety rule of the prober.

The genericups type table itself belongs to the knowledge layer; this module only needs each type
as ``{number, cp, ol, lb, sd}`` where every signal is a list of ``(line, active_high)`` pairs
(``sd`` is ``None`` when the shutdown lines are unknown). :func:`types_from_dicts` accepts that
shape and a few close variants so that the table's final format can change without touching the
prober.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from nuthelper.resources import data_path

INPUT_LINES = ("CTS", "DCD", "DSR", "RNG")
OUTPUT_LINES = ("DTR", "RTS", "ST")
_ALIASES = {"CD": "DCD", "RI": "RNG", "RING": "RNG"}

Signal = tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class ContactType:
    """One genericups upstype: which lines carry cable power, on-line, low-battery and shutdown."""

    number: int
    name: str
    cp: Signal
    ol: Signal
    lb: Signal
    sd: Signal | None  # None: shutdown lines unknown ("???")

    def status(self, reading: Mapping[str, bool]) -> tuple[bool, bool]:
        """(on_line, low_battery) this type would decode from the input lines read."""
        on_line = all(reading.get(line, False) == high for line, high in self.ol) if self.ol else True
        low_battery = all(reading.get(line, False) == high for line, high in self.lb) if self.lb else False
        return on_line, low_battery

    def shutdown_lines(self) -> frozenset[str]:
        """Output lines this type raises to shut the UPS down (all outputs when unknown)."""
        if self.sd is None:
            return frozenset(OUTPUT_LINES)
        return frozenset(line for line, high in self.sd if high)

    def cable_power_lines(self) -> frozenset[str]:
        return frozenset(line for line, high in self.cp if high)


def _line(name: str) -> str:
    name = name.strip().upper()
    name = _ALIASES.get(name, name)
    if name not in INPUT_LINES + OUTPUT_LINES:
        raise ValueError(f"unknown serial line {name!r}")
    return name


def _signal(value: Any) -> Signal | None:
    """Normalise one signal given as pairs, dicts, or NUT-style text like "-CTS" or "DTR+RTS"."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text in ("???", "?"):
            return None
        if text.upper() in ("", "NONE", "NULL"):
            return ()
        return tuple((_line(part.lstrip("-")), not part.strip().startswith("-"))
                     for part in text.split("+"))
    pairs = []
    for item in value:
        if isinstance(item, Mapping):
            pairs.append((_line(item["line"]), bool(item.get("active_high", True))))
        elif isinstance(item, str):
            pairs.extend(_signal(item) or ())
        else:
            line, high = item
            pairs.append((_line(line), bool(high)))
    return tuple(pairs)


def _pick(item: Mapping[str, Any], *keys: str, default: Any = ()) -> Any:
    for key in keys:
        for variant in (key, key.upper()):
            if variant in item:
                return item[variant]
    return default


def types_from_dicts(items: Iterable[Mapping[str, Any]]) -> list[ContactType]:
    """Build :class:`ContactType` objects from ``{number, cp, ol, lb, sd}`` dicts."""
    types = []
    for item in items:
        types.append(ContactType(
            number=int(_pick(item, "number", "upstype", "type")),
            name=str(_pick(item, "name", "description", default="")),
            cp=_signal(_pick(item, "cp", "cable_power")) or (),
            ol=_signal(_pick(item, "ol", "online")) or (),
            lb=_signal(_pick(item, "lb", "low_battery")) or (),
            sd=_signal(_pick(item, "sd", "shutdown", default=None)),
        ))
    return sorted(types, key=lambda t: t.number)


def load_contact_types() -> list[ContactType]:
    """The genericups table shipped as ``nuthelper/data/genericups.json``, or [] when absent."""
    path = data_path("genericups.json")
    if not path.is_file():
        return []
    document = json.loads(path.read_text(encoding="utf-8"))
    items = document.get("types", document) if isinstance(document, Mapping) else document
    if isinstance(items, Mapping):  # keyed by number
        items = [dict(value, number=int(key)) for key, value in items.items()]
    return types_from_dicts(items)


def consistent_types(types: Iterable[ContactType], reading: Mapping[str, bool] | None) -> list[ContactType]:
    """Types whose decoding of ``reading`` is the normal state (on line, battery not low).

    With no reading (the port cannot report its modem lines) every type stays a candidate.
    """
    types = list(types)
    if reading is None:
        return types
    return [t for t in types if t.status(reading) == (True, False)]


def allowed_output_lines(candidates: Iterable[ContactType], named: ContactType | None = None,
                         table_known: bool = True) -> frozenset[str]:
    """Output lines a probe may raise.

    Never a line any candidate type uses to signal shutdown, unless the user named the type and the
    line is that type's cable power. With no table at all nothing may be raised.
    """
    forbidden: set[str] = set(OUTPUT_LINES) if not table_known else set()
    for contact_type in [*candidates, *([named] if named else [])]:
        forbidden |= contact_type.shutdown_lines()
    allowed = {"DTR", "RTS"} - forbidden
    if named is not None:
        allowed |= named.cable_power_lines() & {"DTR", "RTS"}
    return frozenset(allowed)
