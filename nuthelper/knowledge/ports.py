"""Serial or USB: which hardware-list rows fit the port the user gave.

The extra cell of a row usually says how the UPS is connected ("USB", "Serial cable",
"serial port", "USB (protocol 2010)"); when it does not, the driver decides
(``nuthelper/data/driver-ports.json``).
"""

from __future__ import annotations

import re

from nuthelper.knowledge.drivers import connection_kind as driver_connection
from nuthelper.knowledge.hcl import HclEntry
from nuthelper.patterns import lazy

_USB = lazy(r"\busb\b", re.I)
_SERIAL = lazy(r"\bserial\b|\bcable\b|/dev/tty[sS]", re.I)
_NETWORK = lazy(r"\bsnmp\b|\bnetwork\b|\bxml\b|\bweb\b", re.I)


def connection_kind(entry: HclEntry) -> str:
    """"usb", "serial", "network", or "any" (the row does not decide) for a hardware-list row.

    A row whose extra cell says USB but whose drivers only speak over serial lines (gamatronic on a
    CDC-ACM port, nutdrv_qx with port=/dev/ttyUSB0) is a serial connection through a USB bridge.
    """
    text = entry.extra
    said = {kind for kind, pattern in (("usb", _USB), ("serial", _SERIAL), ("network", _NETWORK))
            if pattern.search(text)}
    kinds = {driver_connection(choice.driver) for choice in entry.drivers} - {None}
    if said == {"usb"} and (kinds == {"serial"} or any((choice.port or "").startswith("/dev/tty")
                                                        for choice in entry.drivers)):
        return "serial"  # a USB port that is a serial device (/dev/ttyUSB*, /dev/ttyACM*): a serial driver reads it
    if len(said) == 1:
        return said.pop()
    if len(kinds) == 1:
        return kinds.pop()
    return "any"


def port_kind(port: str | None) -> str | None:
    """What a ups.conf port value asks for: "serial" for a device path, "usb" for ``auto``, None when not given."""
    if port is None:
        return None
    if port == "auto":
        return "usb"
    if port.startswith("/dev/"):
        return "usb" if re.match(r"/dev/(bus/)?usb", port) else "serial"
    return "network"


def entries_for_port(entries: list[HclEntry], port: str | None) -> list[HclEntry]:
    """The rows that fit ``port``: "/dev/tty*" keeps serial rows, "auto" USB rows, None keeps all.

    Rows whose connection cannot be told (kind "any") fit every port.
    """
    wanted = port_kind(port)
    if wanted is None:
        return list(entries)
    return [entry for entry in entries if connection_kind(entry) in (wanted, "any")]
