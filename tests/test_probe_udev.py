"""Port and USB UPS discovery through pyudev, under umockdev's simulated sysfs and /dev."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from support.cli import nut_helper
from support.nut import driver_keys
from support.umockdev import run_under_umockdev, umockdev_prefix

DATA = Path(__file__).resolve().parent / "data"
MACHINE = DATA / "probe-devices.umockdev"
TWO_EATONS = DATA / "probe-two-eatons.umockdev"


def ports_json(devices: Path) -> dict:
    done = nut_helper("ports", "--json", prefix=umockdev_prefix(devices))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_serial_ports_with_stable_names_and_adapter_details():
    ports = {p["device"]: p for p in ports_json(MACHINE)["serial_ports"]}
    assert set(ports) == {"/dev/ttyS0", "/dev/ttyUSB0"}  # the UART-less ttyS1 placeholder is left out
    adapter = ports["/dev/ttyUSB0"]
    assert adapter["by_id"] == "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1234-if00-port0"
    assert adapter["by_path"] == "/dev/serial/by-path/pci-0000:00:14.0-usb-0:1:1.0-port0"
    assert adapter["names_from"] == "computed from udev properties"
    assert (adapter["usb"]["vendorid"], adapter["usb"]["productid"], adapter["usb"]["serial"]) == \
        ("0403", "6001", "A10K1234")
    assert adapter["kernel_driver"] == "ftdi_sio"
    assert adapter["lock"]["held"] is False
    onboard = ports["/dev/ttyS0"]
    assert onboard["usb"] is None and onboard["by_id"] is None
    assert onboard["access"]["user"] == "nut" and onboard["access"]["can_open"] in (True, False)


def test_usb_upses_get_driver_and_options_from_the_id_table():
    upses = {(u["usb"]["vendorid"], u["usb"]["productid"]): u for u in ports_json(MACHINE)["usb_upses"]}
    assert set(upses) == {("0463", "ffff"), ("051d", "0002"), ("0665", "5161")}  # not the FTDI, not the hub
    assert upses[("0463", "ffff")]["driver"] == "usbhid-ups"
    assert upses[("051d", "0002")]["options"] == {"port": "auto", "vendorid": "051d", "productid": "0002"}
    assert upses[("0665", "5161")]["driver"] == "nutdrv_qx"
    assert "blazer_usb" in upses[("0665", "5161")]["alternatives"]


def test_identical_units_are_told_apart_by_serial_and_hid_power_devices_are_recognised():
    upses = ports_json(TWO_EATONS)["usb_upses"]
    eatons = [u for u in upses if u["usb"]["vendorid"] == "0463"]
    assert sorted(u["options"]["serial"] for u in eatons) == ["G123A45678", "G999Z00001"]
    others = [(u["usb"]["vendorid"], u["driver"]) for u in upses if u["usb"]["vendorid"] != "0463"]
    assert others == [("1234", "usbhid-ups")]  # power-device usage page; the mouse is not a UPS


def serial_less_eatons(tmp_path: Path, second_bus: str | None = None) -> Path:
    """The two-Eaton machine with the serial numbers erased (and the second unit moved to another bus)."""
    text = TWO_EATONS.read_text().replace("A: serial=G123A45678\n", "").replace("A: serial=G999Z00001\n", "")
    if second_bus:
        text = text.replace("N: bus/usb/001/006\nE: DEVNAME=/dev/bus/usb/001/006\nE: DEVTYPE=usb_device\nE: BUSNUM=001",
                            f"N: bus/usb/{second_bus}/006\nE: DEVNAME=/dev/bus/usb/{second_bus}/006\n"
                            f"E: DEVTYPE=usb_device\nE: BUSNUM={second_bus}")
    devices = tmp_path / "serial-less.umockdev"
    devices.write_text(text)
    return devices


def test_serial_less_identical_units_on_one_bus_get_bus_and_device(tmp_path, nut_setup):
    eatons = [u for u in ports_json(serial_less_eatons(tmp_path))["usb_upses"] if u["usb"]["vendorid"] == "0463"]
    options = sorted((u["options"]["bus"], u["options"]["device"]) for u in eatons)
    assert options == [("001", "003"), ("001", "006")]
    assert all("device number" in u["warnings"][0] for u in eatons)
    # Debian's usbhid-ups takes both settings: the two sections it would run are valid.
    nut_setup.write_ups_conf("".join(
        f"[eaton{n}]\n\tdriver = usbhid-ups\n" + "".join(f'\t{k} = "{v}"\n' for k, v in u["options"].items())
        for n, u in enumerate(eatons)))
    plan = nut_setup.upsdrvctl_test_start()
    assert plan.returncode == 0 and not plan.rejections(), plan.output
    assert len(plan.exec_lines()) == 2, plan.output
    assert {"bus", "device"} <= driver_keys("usbhid-ups")


def test_serial_less_identical_units_on_two_buses_get_the_bus_only(tmp_path):
    eatons = [u for u in ports_json(serial_less_eatons(tmp_path, second_bus="002"))["usb_upses"]
              if u["usb"]["vendorid"] == "0463"]
    assert sorted(u["options"]["bus"] for u in eatons) == ["001", "002"]
    assert not any("device" in u["options"] for u in eatons)


AUTO = ("import json; from nuthelper.probe.auto import auto_port; from nuthelper.errors import NutHelperError\n"
        "try: print(json.dumps(auto_port(probe_serial=False).to_dict()))\n"
        "except NutHelperError as e: print(json.dumps({'error': type(e).__name__, 'message': e.message}))")


def test_auto_port_picks_the_single_usb_ups(tmp_path):
    text = TWO_EATONS.read_text()
    single = tmp_path / "one-eaton.umockdev"
    single.write_text(text.split("P: /devices/pci0000:00/0000:00:14.0/usb1/1-5/1-5:1.0")[0])
    done = run_under_umockdev(single, sys.executable, "-c", AUTO)
    found = json.loads(done.stdout)
    assert (found["driver"], found["port"], found["source"]) == ("usbhid-ups", "auto", "usb")
    assert found["options"] == {"port": "auto", "vendorid": "0463", "productid": "ffff"}


def test_auto_port_lists_several_usb_upses():
    done = run_under_umockdev(TWO_EATONS, sys.executable, "-c", AUTO)
    outcome = json.loads(done.stdout)
    assert outcome["error"] == "Ambiguous"
    assert "serial=G123A45678" in outcome["message"] and "serial=G999Z00001" in outcome["message"]
