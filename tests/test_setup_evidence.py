"""setup from evidence outside the knowledge base: a home-made wiring file, and --port auto."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nuthelper.evidence import from_auto_port
from nuthelper.knowledge.cables import load_cables
from nuthelper.probe.auto import auto_port
from nuthelper.render import render_section
from support.cli import nut_helper
from support.nut import NutSetup, driver_keys
from support.umockdev import umockdev_prefix

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "home-made-relay-cable.json"
UMOCKDEV_MACHINE = ROOT / "tests" / "data" / "probe-devices.umockdev"


def test_wiring_file_gives_upstype_and_overrides_nut_accepts(tmp_path):
    port = "/dev/ttyNH-no-such-tty"  # a device of the machine it is written for, absent here
    done = nut_helper("setup", "--wiring", str(EXAMPLE), "--port", port, "--name", "relay", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["driver"] == "genericups"
    assert data["options"] == {"upstype": "2", "OL": "-DCD", "LB": "-CTS"}
    assert data["confidence"] == "inferred"
    assert any("CP=RTS OL=-DCD LB=-CTS" in reason for reason in data["reasons"])
    assert data["text"].index("upstype = 2") < data["text"].index("OL = -DCD") < data["text"].index("LB = -CTS")

    nut = NutSetup.in_directory(tmp_path)
    nut.write_ups_conf(data["text"])
    plan = nut.upsdrvctl_test_start()
    assert plan.returncode == 0 and plan.exec_lines() == ["/lib/nut/genericups -a relay"], plan.output
    assert {"upstype", "OL", "LB"} <= driver_keys("genericups")
    started = nut.run_driver("genericups", "relay")
    assert not started.rejections(), started.output
    assert "Unable to open" in started.output or "No such file" in started.output, started.output


def test_broken_wiring_file_is_one_line_naming_the_file(tmp_path):
    broken = tmp_path / "mine.json"
    broken.write_text('{"wiring": {"wires": [{"ups": "1"}]}}')
    done = nut_helper("setup", "--wiring", str(broken), "--port", "/dev/ttyS0")
    assert done.returncode == 2
    assert str(broken) in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_cables_show_derives_type_5_for_73_0844():
    data = json.loads(nut_helper("cables", "show", "73-0844", "--json").stdout)
    assert data["derived"]["signal_text"] == "CP=DTR OL=CTS LB=-DCD SD=DTR+RTS"
    assert data["derived"]["exact_types"] == [5]


def test_every_contact_closure_cable_shows_its_derivation():
    for cable in load_cables().cables:
        if cable.kind != "contact-closure":
            continue
        data = json.loads(nut_helper("cables", "show", cable.id, "--json").stdout)
        assert "derived" in data and data["derived"]["reasons"], cable.id


def test_port_auto_result_drives_real_nutdrv_qx(sim_bench, nut_setup):
    q1 = sim_bench.add("ttyq1", "q1")
    silent = sim_bench.add("ttyquiet", "silent")
    recommendation = from_auto_port(None, lambda: auto_port(ports=[silent.path, q1.path]))
    assert recommendation.choice.confidence == "probed", "the unit answered: not an inference"
    assert (recommendation.driver, recommendation.port) == ("nutdrv_qx", q1.path)
    section = render_section(recommendation, name="found")
    nut_setup.write_ups_conf(section.text)
    dump = nut_setup.run_driver("nutdrv_qx", "found")
    assert "input.voltage: 215.0" in dump.output, dump.output


def test_a_usb_ups_found_alone_is_graded_by_its_usb_id():
    from nuthelper.probe.auto import AutoPortResult

    found = AutoPortResult(port="auto", driver="usbhid-ups", options={"port": "auto", "vendorid": "0463"},
                           source="usb", explanation="USB ID 0463:ffff (Eaton) is handled by usbhid-ups")
    recommendation = from_auto_port(None, lambda: found)
    assert (recommendation.driver, recommendation.choice.confidence) == ("usbhid-ups", "usb-id")
    assert recommendation.choice.options == {"vendorid": "0463"}


def test_port_auto_with_several_usb_upses_lists_them():
    done = nut_helper("setup", "--port", "auto", "--json", prefix=umockdev_prefix(UMOCKDEV_MACHINE))
    assert done.returncode == 3, done.stderr
    error = json.loads(done.stdout)["error"]
    assert "0463" in error["message"] and "051d" in error["message"].lower()


@pytest.mark.parametrize("kind", ["file", "directory"])
def test_port_that_is_no_device_is_refused(tmp_path, kind):
    target = tmp_path / "port"
    target.mkdir() if kind == "directory" else target.write_text("")
    done = nut_helper("setup", "--model", "Tripp Lite X", "--cable", "73-0844", "--port", str(target))
    assert done.returncode == 2 and "not a serial device" in done.stderr


def test_port_auto_for_a_serial_unit_with_no_serial_port_says_both(tmp_path):
    """The model is known only as a serial unit and the machine has no serial port to probe: the
    error names the serial device to pass, and why the probe found nothing."""
    machine = tmp_path / "no-ports.umockdev"
    machine.write_text("P: /devices/platform/serial8250\nE: SUBSYSTEM=platform\nE: DRIVER=serial8250\n")
    done = nut_helper("setup", "--model", "Huawei UPS2000-A-2KTTS", "--port", "auto", prefix=umockdev_prefix(machine))
    assert done.returncode == 2, done.stderr
    assert "known only as a serial unit" in done.stderr and "/dev/ttyUSB0" in done.stderr
    assert "no serial port to probe" in done.stderr and done.stderr.count("\n") == 1
