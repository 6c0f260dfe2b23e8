"""The prober's line-safety rule and its contact-closure evidence, over the genericups table.

The table and its decoding belong to :mod:`nuthelper.knowledge.genericups`; this module decides
which output lines a probe may raise, and which types read the input lines as a normal state.

Safety: a line reading cannot rule a type out. Every combination of input lines is some state of
every type, and the states that read as abnormal (on battery) are exactly those in which a
contact-closure UPS acts on its shutdown input. So every type of the table counts as a candidate
for the guard, whatever the lines read: a probe raises DTR or RTS only when no type uses that line
to shut down, or as the cable power of the type the user named.
"""

from __future__ import annotations

from nuthelper.knowledge.genericups import OUTPUT_LINES, UpsType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Mapping


def lines_on(reading: Mapping[str, bool]) -> frozenset[str]:
    """The input lines a reading such as ``{"CTS": True, "DCD": False, ...}`` has on."""
    return frozenset(line for line, on in reading.items() if on)


def reads_normal(ups_type: UpsType, on: frozenset[str]) -> bool:
    """Whether the type reads these input lines as on line with a battery that is not low."""
    status = ups_type.signals.status(on)
    return "OL" in status and "LB" not in status


def consistent_types(types: Iterable[UpsType], reading: Mapping[str, bool]) -> list[UpsType]:
    """Evidence, not a safety rule: the types that read ``reading`` as a normal state."""
    on = lines_on(reading)
    return [ups_type for ups_type in types if reads_normal(ups_type, on)]


def allowed_output_lines(types: Iterable[UpsType], named: UpsType | None = None) -> frozenset[str]:
    """Output lines a probe may raise: never one any type of ``types`` (or the named type) uses to
    shut down, except the named type's cable power, which its own driver keeps raised.

    With no table at all (``types`` empty and nothing named) nothing may be raised.
    """
    types = [*types, *([named] if named else [])]
    if not types:
        return frozenset()
    forbidden = frozenset().union(*(ups_type.signals.shutdown_lines() for ups_type in types))
    allowed = frozenset(OUTPUT_LINES) - forbidden
    if named is not None:
        allowed |= named.signals.asserted_lines("CP")
    return allowed
