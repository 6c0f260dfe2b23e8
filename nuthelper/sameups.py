"""Which sections of an existing ups.conf describe the UPS a new section is written for.

Setting up the UPS on a port again (say with another model) must replace the section that
already uses that port, not add a second driver for the same device.

- A UPS on a port (serial, ``/dev/...``): a section is the same UPS when its ``port`` names
  the same device: the same path, or on the running system two paths that lead to the same
  device node (``/dev/serial/by-id/...`` and ``/dev/ttyUSB0``).
- A USB UPS (``port = auto``): several USB UPSes can share ``auto`` and NUT tells them apart by
  the USB match settings (``vendorid``, ``productid``, ``serial``, ``vendor``, ``product``,
  ``bus``, ``device``, ``busport``). A section is the same UPS only when the match settings say
  so: both give some, and they give the same ones with the same values (compared without case,
  as NUT does). Without match settings nothing tells two ``auto`` sections apart, so they are
  taken for two UPSes (and the caller says so, see :func:`other_usb_sections`).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from nuthelper.upsconf import Section, UpsConf

USB_PORT = "auto"
USB_MATCH_KEYS = ("vendorid", "productid", "serial", "vendor", "product", "bus", "device", "busport")


def same_path(first: str, second: str) -> bool:
    """True when two port paths are one device, as written (for a target system's paths)."""
    return os.path.normpath(first) == os.path.normpath(second)


def same_device(first: str, second: str) -> bool:
    """True when two port paths are one device on the running system (links followed)."""
    if same_path(first, second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _usb_identity(section: Section) -> dict[str, str]:
    return {key: value.lower() for key in USB_MATCH_KEYS if (value := section.value(key)) is not None}


def same_ups(existing: Section, new: Section, same_port: Callable[[str, str], bool] = same_path) -> bool:
    """True when ``existing`` drives the UPS ``new`` is written for (see the module's rules)."""
    port, their_port = new.value("port"), existing.value("port")
    if not port or not their_port:
        return False
    if port.lower() == USB_PORT or their_port.lower() == USB_PORT:
        if port.lower() != their_port.lower():
            return False
        identity = _usb_identity(new)
        return bool(identity) and identity == _usb_identity(existing)
    return same_port(port, their_port)


def same_ups_sections(conf: UpsConf, new: Section,
                      same_port: Callable[[str, str], bool] = same_path) -> list[Section]:
    """The sections of ``conf`` that drive the UPS ``new`` is written for, in file order."""
    return [section for section in conf.sections if same_ups(section, new, same_port)]


def other_usb_sections(conf: UpsConf, new: Section) -> list[Section]:
    """Other ``port = auto`` sections of ``conf`` that :func:`same_ups` calls another UPS."""
    if (new.value("port") or "").lower() != USB_PORT:
        return []
    return [section for section in conf.sections
            if (section.value("port") or "").lower() == USB_PORT and section.name.lower() != new.name.lower()
            and not same_ups(section, new)]
