"""Port discovery (udev), safe serial probing and automatic port selection.

Public API:
    list_serial_ports(), list_usb_upses()      -- nuthelper.probe.udev
    lock_state(device), lock_states(devices)    -- nuthelper.probe.locks
    probe_ports(paths, ProbeSettings(...))      -- nuthelper.probe.serialprobe
    auto_port(timeout=..., ports=...)           -- nuthelper.probe.auto
Heavy modules (pyudev, pyserial) are imported only when these are called.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_EXPORTS = {
    "auto_port": "nuthelper.probe.auto", "AutoPortResult": "nuthelper.probe.auto",
    "probe_ports": "nuthelper.probe.serialprobe", "ProbeSettings": "nuthelper.probe.serialprobe",
    "ProbeResult": "nuthelper.probe.serialprobe",
    "list_serial_ports": "nuthelper.probe.udev", "list_usb_upses": "nuthelper.probe.udev",
    "lock_state": "nuthelper.probe.locks", "lock_states": "nuthelper.probe.locks",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
