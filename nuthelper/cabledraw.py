"""Cables drawn as text: the wiring pin to pin (``cables show``), and candidate cables side by side
with what tells them apart (the guided setup)."""

from __future__ import annotations

import textwrap

from nuthelper.knowledge.cables import Cable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Sequence

COLUMN_GAP = 3
MIN_COLUMN_WIDTH = 30


def _pin(side: str, pin: str, signal: str | None) -> str:
    return f"{side} {pin:>2} {signal or '':<22}"


def connector_text(end: dict[str, Any] | None) -> str:
    if not end:
        return "?"
    return " ".join(part for part in (end.get("type"), end.get("gender")) if part)


def component_text(part: dict[str, Any]) -> str:
    if part.get("type") == "resistor" and part.get("ohms"):
        ohms = part["ohms"]
        return f"{ohms // 1000} kΩ resistor" if ohms >= 1000 and ohms % 1000 == 0 else f"{ohms} Ω resistor"
    if part.get("type") == "diode":
        direction = {"pc-to-ups": "conducting PC→UPS", "ups-to-pc": "conducting UPS→PC"}.get(part.get("conducts", ""), "")
        return " ".join(word for word in (part.get("part"), "diode", direction) if word)
    return part.get("type", "part")


def wiring_lines(wiring: dict[str, Any]) -> list[str]:
    """Draw the wires as ``UPS pin signal ──[parts]── PC pin signal``, then jumpers and parts."""
    lines = []
    for wire in wiring.get("wires", []):
        parts = " ".join(component_text(part) for part in wire.get("components", []))
        link = f"──[{parts}]──" if parts else "──────"
        role = f"  ({wire['role']})" if wire.get("role") else ""
        lines.append(f"{_pin('UPS', wire['ups'], wire.get('ups_signal'))} {link} "
                     f"{_pin('PC', wire['pc'], wire.get('pc_signal')).rstrip()}{role}")
    for jumper in wiring.get("jumpers", []):
        note = f"  ({jumper['note']})" if jumper.get("note") else ""
        lines.append(f"{jumper['side'].upper()} pins {'-'.join(jumper['pins'])} joined together{note}")
    for part in wiring.get("components", []):
        pins = " and ".join(part.get("between", []))
        lines.append(f"{component_text(part)} between {part.get('side', '').upper()} pins {pins}")
    for label in wiring.get("pin_labels", []):
        lines.append(f"{label['side'].upper()} pin {label['pin']}: {label['label']}")
    for group in wiring.get("unconnected", []):
        lines.append(f"{group['side'].upper()} pins {', '.join(group['pins'])}: not connected")
    shield = wiring.get("shield")
    if shield:
        ends = ", ".join(f"{side.upper()} {where}" for side, where in shield.items() if side != "note")
        lines.append(f"shield: {ends}" + (f" ({shield['note']})" if shield.get("note") else ""))
    for adapter in wiring.get("adapters", []):
        pins = ", ".join(f"{a}→{b}" for a, b in adapter.get("pins", []))
        lines.append(f"adapter {adapter.get('title', '')}: {pins}")
    return lines or ["(no wiring documented)"]


def compact_wiring(wiring: dict[str, Any]) -> list[str]:
    """The wires and jumpers in short lines (``UPS 2 POWER-FAIL ── PC 8 CTS``) for narrow columns."""
    lines = []
    for wire in wiring.get("wires", []):
        parts = ", ".join(component_text(part) for part in wire.get("components", []))
        link = f"─[{parts}]─" if parts else "──"
        lines.append(f"UPS {wire['ups']} {wire.get('ups_signal') or ''} {link} PC {wire['pc']} "
                     f"{wire.get('pc_signal') or ''}".replace("  ", " ").strip())
    for jumper in wiring.get("jumpers", []):
        lines.append(f"{jumper['side'].upper()} {'-'.join(jumper['pins'])} joined")
    return lines or ["(no wiring documented)"]


def pc_pins_wired(cable: Cable) -> set[str]:
    """The PC-side pins the cable's wires and jumpers use."""
    wiring = cable.wiring
    pins = {str(wire["pc"]) for wire in wiring.get("wires", [])}
    pins |= {pin for jumper in wiring.get("jumpers", []) if jumper.get("side") == "pc" for pin in jumper["pins"]}
    return pins


def telling_apart(cables: Sequence[Cable]) -> list[str]:
    """For each cable, what a person can check to tell it from the others: the part number printed
    on it, and the PC-side pins only it uses (a multimeter or a look into the connector shows them)."""
    clues = []
    for cable in cables:
        others = set().union(*(pc_pins_wired(other) for other in cables if other is not cable))
        own = sorted(pc_pins_wired(cable) - others, key=lambda pin: (len(pin), pin))
        parts = [f"labelled {', '.join(cable.part_numbers)}" if cable.part_numbers else "no part number known"]
        if own:
            parts.append(f"only it uses PC pin{'s' if len(own) > 1 else ''} {', '.join(own)}")
        clues.append(f"{cable.title}: {'; '.join(parts)}")
    return clues


def cable_column(cable: Cable) -> list[str]:
    """One cable as a column: title, id, part numbers, then its wires."""
    head = [cable.title, f"({cable.id})"]
    if cable.part_numbers:
        head.append("part no. " + ", ".join(cable.part_numbers))
    return head + [""] + compact_wiring(cable.wiring)


def side_by_side(columns: Sequence[list[str]], width: int) -> list[str]:
    """Columns of text next to each other within ``width`` characters, each line wrapped in its
    column; one below the other when the columns would be narrower than MIN_COLUMN_WIDTH."""
    count = len(columns)
    column_width = (width - COLUMN_GAP * (count - 1)) // max(count, 1)
    if count <= 1 or column_width < MIN_COLUMN_WIDTH:
        stacked: list[str] = []
        for index, column in enumerate(columns):
            stacked += ([""] if index else []) + [wrapped for line in column
                                                  for wrapped in _wrap(line, max(width, MIN_COLUMN_WIDTH))]
        return stacked
    wrapped_columns = [[part for line in column for part in _wrap(line, column_width)] for column in columns]
    height = max(len(column) for column in wrapped_columns)
    rows = []
    for row in range(height):
        cells = [(column[row] if row < len(column) else "").ljust(column_width) for column in wrapped_columns]
        rows.append((" " * COLUMN_GAP).join(cells).rstrip())
    return rows


def _wrap(line: str, width: int) -> list[str]:
    return textwrap.wrap(line, width, subsequent_indent="  ", break_on_hyphens=False) or [""]
