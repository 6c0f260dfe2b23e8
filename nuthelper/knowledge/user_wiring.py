"""Home-made cables: a user's wiring file (docs/wiring-format.md) and its derivation."""

from __future__ import annotations

import json
from pathlib import Path

from nuthelper.errors import InvalidInput
from nuthelper.knowledge import serial_pins
from nuthelper.knowledge.derive import Derivation, derive_signals
from nuthelper.knowledge.genericups import SignalSet, parse_match
from nuthelper.knowledge.wiring import validate_wiring

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FORMAT = 1
TOP_LEVEL_KEYS = frozenset({"format", "title", "connectors", "documented", "notes", "wiring"})


def load_user_wiring(path: str | Path) -> dict[str, Any]:
    """Read and check a wiring file; returns the whole file as a dict (its ``wiring`` checked).

    Errors are one line naming the file and the field.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such wiring file; check the path") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path}: cannot read the wiring file ({error})") from None
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{path}: not valid JSON at line {error.lineno}, column {error.colno}: "
                           f"{error.msg}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: a wiring file is a JSON object with a \"wiring\" field "
                           "(see docs/wiring-format.md)")
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise InvalidInput(f"{path}: unknown field {unknown[0]!r}; the fields are "
                           f"{', '.join(sorted(TOP_LEVEL_KEYS))}")
    if data.get("format", FORMAT) != FORMAT:
        raise InvalidInput(f"{path}: format {data['format']!r} is not supported; write \"format\": {FORMAT}")
    if "wiring" not in data:
        raise InvalidInput(f"{path}: no \"wiring\" field; describe the wires there (see docs/wiring-format.md)")
    validate_wiring(data["wiring"], where=f"{path}: wiring")
    _pc_connector(data, path)
    _documented(data, path)
    return data


def _pc_connector(data: dict[str, Any], path: Path) -> str | None:
    pc = data.get("connectors", {}).get("pc") if isinstance(data.get("connectors"), dict) else None
    if pc is None:
        return None
    kind = pc.get("type") if isinstance(pc, dict) else None
    if kind not in serial_pins.connectors():
        raise InvalidInput(f"{path}: connectors.pc.type: {kind!r} is not a serial connector nut-helper knows; "
                           f"use {' or '.join(serial_pins.connectors())}")
    return kind


def _documented(data: dict[str, Any], path: Path) -> SignalSet | None:
    documented = data.get("documented")
    if documented is None:
        return None
    if not isinstance(documented, dict):
        raise InvalidInput(f"{path}: documented: must be an object such as {{\"signals\": \"CP=DTR OL=CTS\"}}")
    upstype = documented.get("upstype")
    if upstype is not None and (isinstance(upstype, bool) or not isinstance(upstype, int)):
        raise InvalidInput(f"{path}: documented.upstype: {upstype!r} is not a type number such as 5")
    if documented.get("signals") is None:
        return None
    try:
        return parse_match(str(documented["signals"]))
    except InvalidInput as error:
        raise InvalidInput(f"{path}: documented.signals: {error.message}") from None


def derive_from_file(path: str | Path) -> Derivation:
    """Load a user's wiring file and derive its genericups signals and upstype (or overrides)."""
    path = Path(path)
    data = load_user_wiring(path)
    return derive_signals(data["wiring"], pc_connector=_pc_connector(data, path),
                          claimed=_documented(data, path))
