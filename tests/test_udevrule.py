"""The udev rule `setup --write` installs for a serial port, under umockdev's simulated devices:
keyed on the FTDI adapter's stable USB identity (never on ttyUSB0), or on KERNEL for an onboard
port; and the rule's keys select exactly that device among every tty udev knows."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from nuthelper.probe.udev import SerialPort, UsbInfo
from nuthelper.probe.locks import LockState
from nuthelper.udevrule import identify_port, render_rule
from support.cli import nut_helper
from support.umockdev import run_under_umockdev, umockdev_prefix
from support.target import target_root

DATA = Path(__file__).resolve().parent / "data"
MACHINE = DATA / "probe-devices.umockdev"
BY_ID = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1234-if00-port0"

# Evaluates a rule's match keys against every tty device the way udev does: KERNEL/SUBSYSTEM/ENV on
# the device itself, every ATTRS{} on one and the same device or parent.
MATCHER = r'''
import json, re, sys, pyudev
keys = re.findall(r'([A-Z]+(?:\{[^}]+\})?)=="([^"]*)"', open(sys.argv[1]).read().splitlines()[-1])
matched = []
for device in pyudev.Context().list_devices(subsystem="tty"):
    own = all((device.sys_name == value) if key == "KERNEL" else (device.subsystem == value) if key == "SUBSYSTEM"
              else device.properties.get(key[4:-1]) == value for key, value in keys if not key.startswith("ATTRS"))
    attrs = [(key[6:-1], value) for key, value in keys if key.startswith("ATTRS")]
    chain = [device, *device.ancestors]
    def attr(node, name):
        try:
            raw = node.attributes.get(name)
        except Exception:
            return None
        return raw.decode().strip() if isinstance(raw, bytes) else raw
    parent_ok = not attrs or any(all(attr(node, name) == value for name, value in attrs) for node in chain)
    if own and parent_ok:
        matched.append(device.sys_name)
print(json.dumps(matched))
'''


def write_rule(root: Path, port: str) -> Path:
    target_root(root)
    done = nut_helper("setup", "--model", "Best Power Patriot Pro II", "--port", port, "--name", "q1", "--write",
                      "--root", str(root), prefix=umockdev_prefix(MACHINE))
    assert done.returncode == 0, done.stderr
    return root / "etc" / "udev" / "rules.d" / "90-nut-helper-q1.rules"


def matches(rule: Path) -> list[str]:
    done = run_under_umockdev(MACHINE, sys.executable, "-c", MATCHER, str(rule))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("port", ["/dev/ttyUSB0", BY_ID])
def test_usb_adapter_rule_uses_vendor_product_serial_never_the_kernel_name(tmp_path, port):
    rule = write_rule(tmp_path, port)
    text = rule.read_text()
    assert 'ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001", ATTRS{serial}=="A10K1234"' in text or \
        'ENV{ID_SERIAL}=="FTDI_FT232R_USB_UART_A10K1234"' in text
    assert "ttyUSB0" not in text.splitlines()[-1]
    assert text.splitlines()[-1].endswith('GROUP="nut", MODE="0660"')
    assert matches(rule) == ["ttyUSB0"]


def test_onboard_port_rule_uses_kernel_name(tmp_path):
    rule = write_rule(tmp_path, "/dev/ttyS0")
    assert rule.read_text().splitlines()[-1] == 'SUBSYSTEM=="tty", KERNEL=="ttyS0", GROUP="nut", MODE="0660"'
    assert matches(rule) == ["ttyS0"]


def test_adapter_without_serial_number_matches_its_type_with_a_warning():
    usb = UsbInfo("1a86", "7523", "QinHeng", "CH340", None, "1", "4", "/sys/x")
    port = SerialPort("/dev/ttyUSB3", "ttyUSB3", None, None, "none", "ch341", usb, LockState(), None)
    identity = identify_port("/dev/ttyUSB3", [port])
    assert identity.keys == (("SUBSYSTEM", "tty"), ("ATTRS{idVendor}", "1a86"), ("ATTRS{idProduct}", "7523"))
    assert "no serial number" in identity.warning
    assert "ttyUSB3" not in render_rule("x", identity).splitlines()[-1]


def test_usb_kernel_name_unknown_to_udev_gives_no_rule():
    assert identify_port("/dev/ttyUSB7", []) is None


def test_rule_values_that_udev_would_misread_are_refused():
    from nuthelper.errors import InvalidInput
    with pytest.raises(InvalidInput, match="udev rule"):
        identify_port('/dev/serial/by-id/usb-Bad"Name-if00', [])
