"""nuthelper.sameups: which existing section is the UPS a new section is written for (issue 9, item 6)."""

from __future__ import annotations

import pytest

from nuthelper.sameups import same_device, same_ups
from nuthelper.upsconf import UpsConf


def section(*settings: str):
    return UpsConf.parse("[x]\n" + "".join(f"\t{line}\n" for line in settings)).sections[0]


@pytest.mark.parametrize(("existing", "new", "same"), [
    (["driver = nutdrv_qx", "port = /dev/ttyS0"], ["driver = genericups", "port = /dev/ttyS0"], True),
    (["driver = nutdrv_qx", "port = /dev/./ttyS0"], ["driver = nutdrv_qx", "port = /dev/ttyS0"], True),
    (["driver = nutdrv_qx", "port = /dev/ttyS1"], ["driver = nutdrv_qx", "port = /dev/ttyS0"], False),
    # USB: only the match settings tell UPSes on 'auto' apart
    (["driver = usbhid-ups", "port = auto"], ["driver = usbhid-ups", "port = auto"], False),
    (["driver = usbhid-ups", "port = auto", "vendorid = 0764", "productid = 0501"],
     ["driver = nutdrv_qx", "port = auto", "vendorid = 0764", "productid = 0501"], True),
    (["driver = usbhid-ups", "port = auto", "vendorid = 051D"], ["driver = usbhid-ups", "port = auto",
                                                                   "vendorid = 051d"], True),
    (["driver = usbhid-ups", "port = auto", "vendorid = 0764", "serial = A1"],
     ["driver = usbhid-ups", "port = auto", "vendorid = 0764", "serial = B2"], False),
    (["driver = usbhid-ups", "port = auto", "vendorid = 0764", "serial = A1"],
     ["driver = usbhid-ups", "port = auto", "vendorid = 0764"], False),
    (["driver = usbhid-ups", "port = auto", "vendorid = 0764"], ["driver = nutdrv_qx", "port = /dev/ttyS0",
                                                                  "vendorid = 0764"], False),
    (["driver = dummy-ups"], ["driver = nutdrv_qx", "port = /dev/ttyS0"], False),
])
def test_same_ups(existing, new, same):
    assert same_ups(section(*existing), section(*new)) is same


def test_same_device_on_the_running_system_follows_links(tmp_path):
    device = tmp_path / "ttyUSB0"
    device.write_text("")
    link = tmp_path / "by-id-link"
    link.symlink_to(device)
    assert same_device(str(link), str(device)) and not same_device(str(link), str(tmp_path / "other"))
