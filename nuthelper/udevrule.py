"""A udev rule giving the nut group access to exactly one serial port.

The rule is keyed on what stays the same across reboots and re-plugging: a USB adapter's
vendor, product and serial number (from udev, or from its /dev/serial/by-id name), an
onboard port's kernel name (ttyS0 is always the same UART). It is never keyed on the kernel
name of a USB adapter (ttyUSB0 goes to whichever adapter is found first).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from nuthelper.errors import InvalidInput
from nuthelper.filechange import FileChange
from nuthelper.patterns import lazy
from nuthelper.render import render_template
from nuthelper.tree import Tree

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

RULES_DIR = "/etc/udev/rules.d"
ONBOARD_NAMES = lazy(r"^tty(S|AMA|AMC|O|SC|MFD|HS|mxc|THS|PS)\d+$")
BY_ID_USB = lazy(r"^usb-(?P<serial>.+)-if(?P<interface>[0-9A-Fa-f]{2})(?:-port\d+)?$")
_UDEV_VALUE = lazy(r'^[^"\\\n\r*?\[\]|]+$')


@dataclass(frozen=True)
class PortIdentity:
    """The udev match keys that select one serial port, and what they mean in words."""

    keys: tuple[tuple[str, str], ...]
    description: str
    warning: str | None = None

    def match_text(self) -> list[str]:
        return [f'{key}=="{value}"' for key, value in self.keys]


def rule_path(name: str) -> str:
    """Where the rule for UPS section ``name`` lives (before --root is applied)."""
    return f"{RULES_DIR}/90-nut-helper-{name}.rules"


def _checked(value: str, what: str) -> str:
    if not _UDEV_VALUE.match(value):
        raise InvalidInput(f"the {what} {value!r} cannot be written into a udev rule; "
                           "name the port by another path (e.g. /dev/serial/by-path/...)")
    return value


def _usb_identity(usb: Any, interface: str | None) -> PortIdentity:
    keys = [("SUBSYSTEM", "tty"), ("ATTRS{idVendor}", _checked(usb.vendorid, "USB vendor id")),
            ("ATTRS{idProduct}", _checked(usb.productid, "USB product id"))]
    words = f"the USB adapter {usb.vendorid}:{usb.productid}"
    warning = None
    if usb.serial:
        keys.append(("ATTRS{serial}", _checked(usb.serial, "USB serial number")))
        words += f" with serial number {usb.serial}"
    else:
        warning = (f"the USB adapter {usb.vendorid}:{usb.productid} has no serial number, so the udev rule "
                   "matches every adapter of this type")
    if interface:
        keys.append(("ENV{ID_USB_INTERFACE_NUM}", interface))
        words += f", interface {interface}"
    return PortIdentity(tuple(keys), words, warning)


def _find(port: str, ports: list[Any]) -> Any | None:
    real = os.path.realpath(port)
    for candidate in ports:
        names = {candidate.device, candidate.by_id, candidate.by_path} - {None}
        if port in names or real in {os.path.realpath(name) for name in names}:
            return candidate
    return None


def identify_port(port: str, ports: list[Any] | None = None) -> PortIdentity | None:
    """The stable udev identity of ``port``, or None when it cannot be told apart safely.

    ``ports``: the serial ports udev knows (default: :func:`nuthelper.probe.udev.list_serial_ports`).
    """
    if ports is None:
        from nuthelper.probe.udev import list_serial_ports
        try:
            ports = list_serial_ports(with_locks=False)
        except Exception:  # no udev database (a container, an installer): fall back to the name
            ports = []
    found = _find(port, ports)
    if found is not None:
        if found.usb is not None:
            by_id = BY_ID_USB.match(os.path.basename(found.by_id or ""))
            return _usb_identity(found.usb, by_id.group("interface") if by_id else None)
        return PortIdentity((("SUBSYSTEM", "tty"), ("KERNEL", found.kernel_name)),
                            f"the onboard serial port {found.kernel_name}")
    name = os.path.basename(port)
    by_id = BY_ID_USB.match(name) if port.startswith("/dev/serial/by-id/") else None
    if by_id:
        serial = _checked(by_id.group("serial"), "USB serial name")
        return PortIdentity((("SUBSYSTEM", "tty"), ("ENV{ID_SERIAL}", serial),
                             ("ENV{ID_USB_INTERFACE_NUM}", by_id.group("interface"))),
                            f"the USB adapter {serial}, interface {by_id.group('interface')} (from its by-id name)")
    if port.startswith("/dev/") and ONBOARD_NAMES.match(name):
        return PortIdentity((("SUBSYSTEM", "tty"), ("KERNEL", name)), f"the onboard serial port {name}")
    return None


def render_rule(name: str, identity: PortIdentity) -> str:
    """The rule file's text for UPS section ``name``."""
    return render_template("udev-serial.rules.j2", name=name, description=identity.description,
                           keys=identity.match_text())


def plan_udev_rule(name: str, port: str, tree: Tree, ports: list[Any] | None = None) -> FileChange:
    """The rule file for UPS ``name`` on ``port`` in ``tree``: added, replaced (another port) or unchanged.

    Status "skipped" (with a note) when the port cannot be identified by stable attributes.
    """
    path = tree.place(rule_path(name))
    identity = identify_port(port, ports)
    what = f"udev rule: group nut may open {port}"
    if identity is None:
        return FileChange(path, "skipped", None, "", what,
                          note=f"{port} is not a serial port udev knows by stable attributes; no udev rule "
                               "written (give a /dev/serial/by-id/... path, or make sure group nut may open it)")
    text = render_rule(name, identity)
    old = tree.read(path)
    note = identity.warning or ""
    status = "added" if old is None else "unchanged" if old == text else "replaced"
    return FileChange(path, status, old, text if status != "unchanged" else old, what, note=note,
                      mode_if_new=0o644, group_if_new="root", create_parent=True, read_by_nut=False)


def plan_rule_removals(names: tuple[str, ...], tree: Tree) -> list[FileChange]:
    """The rule files of sections that were replaced (the same UPS under another name), to be removed."""
    removals = []
    for name in names:
        path = tree.place(rule_path(name))
        old = tree.read(path)
        if old is not None:
            removals.append(FileChange(path, "removed", old, "", f"udev rule of the replaced section [{name}]",
                                       read_by_nut=False))
    return removals
