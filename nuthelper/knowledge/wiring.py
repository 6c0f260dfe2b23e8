"""Checking a WIRING object (the ``wiring`` of a cables.json entry or of a user's wiring file).

The vocabulary is described in docs/cables-format.md and docs/wiring-format.md. Errors are
one line naming the field (``wiring.wires[2].role``) and what to write instead.
"""

from __future__ import annotations

from nuthelper.errors import InvalidInput

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ROLES = frozenset({
    "data-to-ups", "data-from-ups", "ground", "handshake", "on-battery", "low-battery", "shutdown",
    "shutdown-return", "pull-up-source", "usb-vbus", "usb-data-minus", "usb-data-plus", "tie-to-ground",
    "plug-and-play", "replace-battery", "bypass",
})
LEVELS = frozenset({"low", "high"})
SIDES = frozenset({"ups", "pc"})
DIODE_DIRECTIONS = frozenset({"pc-to-ups", "ups-to-pc"})


def _fail(where: str, message: str) -> InvalidInput:
    return InvalidInput(f"{where}: {message}")


def _pin(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        raise _fail(where, f"{value!r} is not a pin; write the pin number as a string such as \"8\"")
    return str(value).strip()


def _list(container: dict, key: str, where: str) -> list:
    value = container.get(key, [])
    if not isinstance(value, list):
        raise _fail(f"{where}.{key}", "must be a list")
    return value


def _object(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(where, "must be an object ({...})")
    return value


def _part(part: Any, where: str, *, between_pins: bool) -> None:
    part = _object(part, where)
    kind = part.get("type")
    if kind not in ("resistor", "diode", "capacitor", "transistor"):
        raise _fail(f"{where}.type", f"{kind!r} is not a known part; use resistor, diode, capacitor or transistor")
    if kind == "resistor" and "ohms" in part and (isinstance(part["ohms"], bool)
                                                   or not isinstance(part["ohms"], (int, float))
                                                   or part["ohms"] <= 0):
        raise _fail(f"{where}.ohms", f"{part['ohms']!r} is not a resistance; write a number of ohms such as 10000")
    if kind == "diode" and part.get("conducts") not in DIODE_DIRECTIONS | {None}:
        raise _fail(f"{where}.conducts", f"{part['conducts']!r} is not a direction; use pc-to-ups or ups-to-pc")
    if between_pins:
        between = part.get("between")
        if not isinstance(between, list) or len(between) != 2:
            raise _fail(f"{where}.between", "must list the two pins the part joins, e.g. [\"4\", \"8\"]")
        for index, pin in enumerate(between):
            _pin(pin, f"{where}.between[{index}]")
        if part.get("side", "pc") not in SIDES:
            raise _fail(f"{where}.side", f"{part['side']!r} is not a side; use pc or ups")


def validate_wiring(wiring: Any, where: str = "wiring") -> dict[str, Any]:
    """Check a WIRING object; returns it unchanged, or raises InvalidInput naming the field."""
    wiring = _object(wiring, where)
    wires = _list(wiring, "wires", where)
    if not wires:
        raise _fail(f"{where}.wires", "no wires: list at least one wire from a UPS pin to a PC pin")
    for index, wire in enumerate(wires):
        here = f"{where}.wires[{index}]"
        wire = _object(wire, here)
        for side in ("ups", "pc"):
            if side not in wire:
                raise _fail(here, f"lacks the field \"{side}\" (the pin on the {side.upper()} side)")
            _pin(wire[side], f"{here}.{side}")
        role = wire.get("role")
        if role is not None and role not in ROLES:
            raise _fail(f"{here}.role", f"{role!r} is not a known role; use one of {', '.join(sorted(ROLES))}")
        level = wire.get("active_level")
        if level is not None and level not in LEVELS:
            raise _fail(f"{here}.active_level", f"{level!r} is not a level; use low or high")
        for key in ("pc_signal", "ups_signal"):
            if wire.get(key) is not None and not isinstance(wire[key], str):
                raise _fail(f"{here}.{key}", "must be text such as \"CTS\"")
        for part_index, part in enumerate(_list(wire, "components", here)):
            _part(part, f"{here}.components[{part_index}]", between_pins=False)
    for index, part in enumerate(_list(wiring, "components", where)):
        _part(part, f"{where}.components[{index}]", between_pins=True)
    for index, jumper in enumerate(_list(wiring, "jumpers", where)):
        here = f"{where}.jumpers[{index}]"
        jumper = _object(jumper, here)
        if jumper.get("side") not in SIDES:
            raise _fail(f"{here}.side", f"{jumper.get('side')!r} is not a side; use pc or ups")
        pins = jumper.get("pins")
        if not isinstance(pins, list) or len(pins) < 2:
            raise _fail(f"{here}.pins", "must list the two or more pins joined, e.g. [\"4\", \"6\"]")
        for pin_index, pin in enumerate(pins):
            _pin(pin, f"{here}.pins[{pin_index}]")
    for index, label in enumerate(_list(wiring, "pin_labels", where)):
        here = f"{where}.pin_labels[{index}]"
        label = _object(label, here)
        if label.get("side") not in SIDES:
            raise _fail(f"{here}.side", f"{label.get('side')!r} is not a side; use pc or ups")
        _pin(label.get("pin"), f"{here}.pin")
        if label.get("role") is not None and label["role"] not in ROLES:
            raise _fail(f"{here}.role", f"{label['role']!r} is not a known role; use one of {', '.join(sorted(ROLES))}")
    return wiring
