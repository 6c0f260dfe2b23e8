"""``setup --model M --port auto`` reads the USB bus: the attached unit's USB ID chooses between a
series' revisions, confirms the model, or contradicts it. Emulated with umockdev: real VID:PIDs,
real pyudev, the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.cli import nut_helper
from support.umockdev import umockdev_prefix


def recording(tmp_path: Path, vendorid: str, productid: str, manufacturer: str, product: str) -> Path:
    """A umockdev device tree with one USB HID device of that ID on bus 1."""
    text = f"""P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0
E: DEVTYPE=usb_interface
E: DRIVER=usbhid
E: SUBSYSTEM=usb
A: bInterfaceClass=03

P: /devices/pci0000:00/0000:00:14.0/usb1/1-2
N: bus/usb/001/003
E: DEVNAME=/dev/bus/usb/001/003
E: DEVTYPE=usb_device
E: BUSNUM=001
E: DEVNUM=003
E: SUBSYSTEM=usb
A: idVendor={vendorid}
A: idProduct={productid}
A: manufacturer={manufacturer}
A: product={product}
A: serial=S0001
A: busnum=1
A: devnum=3
"""
    path = tmp_path / f"{vendorid}-{productid}.umockdev"
    path.write_text(text)
    return path


def setup_json(devices: Path, model: str, port: str = "auto") -> dict:
    done = nut_helper("setup", "--model", model, "--port", port, "--json", prefix=umockdev_prefix(devices))
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout)


@pytest.mark.parametrize(("ids", "driver"), [(("0463", "ffff", "EATON", "Eaton 5E"), "usbhid-ups"),
                                             (("0665", "5161", "INNO TECH", "USB to Serial"), "nutdrv_qx")])
def test_the_usb_id_chooses_between_revisions(tmp_path, ids, driver):
    answer = setup_json(recording(tmp_path, *ids), "Eaton 5E 850i")
    assert answer["driver"] == driver and answer["confidence"] == "usb-id"
    assert answer["options"]["vendorid"] == ids[0] and answer["options"]["productid"] == ids[1]
    assert any(f"{ids[0]}:{ids[1]}" in reason for reason in answer["reasons"])


def test_two_hardware_revisions_of_one_exact_model(tmp_path):
    older = setup_json(recording(tmp_path, "09ae", "0001", "Tripp Lite", "TRIPP LITE UPS"), "Tripp Lite SMART500RT1U")
    newer = setup_json(recording(tmp_path, "09ae", "3015", "Tripp Lite", "TRIPP LITE UPS"), "Tripp Lite SMART500RT1U")
    assert (older["driver"], newer["driver"]) == ("tripplite_usb", "usbhid-ups")
    assert older["confidence"] == newer["confidence"] == "hcl", "the exact row stays the level; the USB ID picks the row"


@pytest.mark.parametrize("port", ["/dev/usb/hiddev0", "/dev/bus/usb/001/003", "/dev/hidraw0"])
def test_a_usb_device_node_as_the_port_reads_the_bus_as_auto_does(tmp_path, port):
    answer = setup_json(recording(tmp_path, "09ae", "0001", "Tripp Lite", "TRIPP LITE UPS"), "Tripp Lite OMNI750ISO", port)
    assert (answer["driver"], answer["port"], answer["confidence"]) == ("tripplite_usb", "auto", "usb-id")
    assert any(port in reason and "USB device node" in reason for reason in answer["reasons"])


def test_a_unit_that_confirms_the_model(tmp_path):
    answer = setup_json(recording(tmp_path, "051d", "0002", "American Power Conversion", "Back-UPS ES 700"),
                        "APC Back-UPS ES 700")
    assert answer["driver"] == "usbhid-ups" and answer["confidence"] == "usb-id"
    assert not any("contradict" in w or "check the model" in w for w in answer["warnings"])
    assert any("confirms usbhid-ups" in reason for reason in answer["reasons"])


def test_a_unit_that_contradicts_the_model(tmp_path):
    answer = setup_json(recording(tmp_path, "0764", "0501", "CPS", "CP1500 AVR UPS"), "APC Back-UPS ES 700")
    assert answer["driver"] == "usbhid-ups"
    assert any("0764:0501" in w and "check the model you gave" in w for w in answer["warnings"])
    q1 = setup_json(recording(tmp_path, "0665", "5161", "INNO TECH", "USB to Serial"), "APC Back-UPS ES 700")
    assert q1["driver"] == "nutdrv_qx" and q1["confidence"] == "usb-id"
    assert any("0665:5161" in w and "check the model you gave" in w for w in q1["warnings"])
    assert any(alt["driver"] == "usbhid-ups" for alt in q1["alternatives"]), "the model's answer stays as an alternative"


def test_no_unit_attached_answers_from_the_model(tmp_path):
    empty = tmp_path / "empty.umockdev"
    empty.write_text("")
    answer = setup_json(empty, "APC Back-UPS ES 700")
    assert answer["driver"] == "usbhid-ups" and answer["confidence"] == "series"
    assert any("no USB UPS is attached" in reason for reason in answer["reasons"])


@pytest.mark.parametrize(("vendorid", "productid", "model", "driver"),
                         [("0925", "1234", "Digitus DN-170014", "richcomm_usb"),
                          ("0001", "0000", "Kanji 800 VA", "nutdrv_atcl_usb"),
                          ("06da", "0002", "Powerware PW9120", "bcmxcp_usb")])
def test_a_usb_id_several_protocols_share_leaves_the_choice_to_the_model(tmp_path, vendorid, productid, model, driver):
    devices = recording(tmp_path, vendorid, productid, "", "USB UPS")
    answer = setup_json(devices, model)
    assert answer["driver"] == driver and answer["confidence"] != "usb-id", "the ID fits, but does not decide"
    assert answer["options"]["vendorid"] == vendorid and answer["options"]["productid"] == productid
    assert any(f"{vendorid}:{productid}" in reason and "the model decides" in reason for reason in answer["reasons"])
    unknown = setup_json(devices, "Mystery Brand 800")
    assert unknown["driver"] == "nutdrv_qx" and unknown["confidence"] == "usb-id", "without a model, the ID's own driver"
