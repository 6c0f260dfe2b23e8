"""Checks of what a person passes to the resolver: the model, cable and port texts, and what a
port says about the connection."""

from __future__ import annotations

import re

from nuthelper.errors import InvalidInput
from nuthelper.patterns import lazy

USB_PORT = "auto"
MAX_TEXT = 200
"""The longest --model, --cable or --port accepted: far beyond any real name (docs/user-guide.md)."""

_HOST = lazy(r"^(?:[a-z][a-z0-9+.-]*://)?[A-Za-z0-9._:\[\]-]+(?::\d+)?(?:/\S*)?$")


_USB_NODE = lazy(r"^/dev/(bus/usb/|usb/|hidraw|uhid|ugen|hiddev)")
"""Device nodes of USB devices themselves (Linux and the BSDs): NUT's USB drivers ignore the port."""
_WINDOWS_PORT = lazy(r"^(?:\\\\\.\\)?com([1-9][0-9]?)$", re.I)
"""A Windows serial port name (COM1, \\\\.\\COM10): no device on Linux."""


class SerialPortNeeded(InvalidInput):
    """``--port auto`` was given for a serial connection: probing must find the device."""


def check_line(value: str, flag: str) -> str:
    """A one-line text flag, stripped; line breaks and control characters are refused."""
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{flag} is {len(value)} characters long; no UPS, cable or port name is longer than "
                           f"{MAX_TEXT}: give the name as printed on the unit")
    value = value.strip()
    if any(char in value for char in "\r\n\t") or any(ord(char) < 0x20 for char in value):
        raise InvalidInput(f"{flag} contains a line break or control character: give it on one line")
    return value


def check_port(port: str | None, what: str) -> str:
    """A serial device path for ``what``: given, absolute, and not something that is no device."""
    import os
    import stat

    if port is None:
        raise InvalidInput(f"{what} is a serial connection: pass --port with the serial device it is plugged into, "
                           "e.g. --port /dev/ttyS0 or a /dev/serial/by-id/... path")
    if port == USB_PORT:
        raise SerialPortNeeded(f"--port auto finds USB devices, but {what} is a serial connection: "
                               "pass the serial device, e.g. --port /dev/ttyS0")
    if not port.startswith("/"):
        raise InvalidInput(f"--port '{port}' is not a device path: give an absolute path such as /dev/ttyS0")
    try:
        mode = os.stat(port).st_mode
    except OSError:
        return port  # not on this machine (yet): a configuration for another system is fine
    if not stat.S_ISCHR(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "a regular file" if stat.S_ISREG(mode) else "not a device"
        raise InvalidInput(f"--port {port} is {kind}, not a serial device: give the device the cable is plugged into")
    return port


def connection_of(port: str | None) -> str | None:
    """The connection a port asks for: "usb" for ``auto`` or a USB device node, "serial" for
    another /dev path, "network" for a host name, address or URL; None when no port is given."""
    if port is None:
        return None
    if port == USB_PORT or _USB_NODE.match(port):
        return "usb"
    if port.startswith("/"):
        return "serial"
    windows = _WINDOWS_PORT.match(port)
    if windows:
        number = int(windows.group(1))
        raise InvalidInput(f"--port {port} is a Windows port name: on Linux give the serial device instead "
                           f"({'the first built-in port, COM1, is /dev/ttyS0' if number == 1 else f'a built-in COM{number} is usually /dev/ttyS{number - 1}'}; "
                           "a USB-to-serial adapter is /dev/ttyUSB0, or its /dev/serial/by-id/ name)")
    if _HOST.match(port):
        return "network"
    raise InvalidInput(f"--port '{port}' is neither a device path (/dev/ttyS0), 'auto' (USB) nor a network "
                       "address (192.0.2.10, ups.example.net): give one of these")
