"""End to end: ``nut-helper setup --port auto`` with one Megatec Q1 UPS behind an FTDI USB-serial
adapter names the port by its stable /dev/serial/by-id link, and NUT's real nutdrv_qx reads the UPS
through exactly that configuration.

tests/byid_scenario.py runs under ``umockdev-wrapper``: a umockdev testbed holds the adapter
(0403:6001, serial AB0QX7ZK, tty ttyUSB0, whose node is a pty) and a silent onboard ttyS0; the
script adds the by-id link udev would make (``../../ttyUSB0`` in the testbed's /dev/serial/by-id)
and plays the UPS on the pty master. Both nut-helper runs (in the scenario's process) and the
unmodified /lib/nut/nutdrv_qx (its child, same preload and UMOCKDEV_DIR) see /dev through the
testbed, so the driver opens the by-id path as written in ups.conf, which resolves to the pty.
No path is rewritten. The by-id path does not exist outside the testbed (asserted below), so the
reading can only have come through the testbed's link.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nuthelper.upsconf import UpsConf
from support.nut import DRIVER_DIR, NutSetup

SCENARIO = Path(__file__).resolve().parent / "byid_scenario.py"
BY_ID = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_AB0QX7ZK-if00-port0"
SECTION = "byidups"
INPUT_VOLTAGE = "226.4"  # not the shared simulator's 215.0: the reading must come from this scenario's UPS
UDEV_RULE = ('SUBSYSTEM=="tty", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001", ATTRS{serial}=="AB0QX7ZK", '
             'ENV{ID_USB_INTERFACE_NUM}=="00", GROUP="nut", MODE="0660"')


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The scenario's report (see tests/byid_scenario.py), run once for this module."""
    workdir = tmp_path_factory.mktemp("byid")
    done = subprocess.run(["umockdev-wrapper", sys.executable, str(SCENARIO), str(workdir), INPUT_VOLTAGE],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    report["workdir"] = workdir
    return report


def driver_values(output: str) -> dict[str, str]:
    """The ``name: value`` lines of a driver's ``-d 1`` dump."""
    return dict(re.findall(r"^([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+): (.*)$", output, flags=re.M))


def test_the_by_id_link_exists_only_inside_the_testbed(scenario):
    assert scenario["by_id_link"] == BY_ID
    assert scenario["link_resolves"] is True
    assert not os.path.lexists(BY_ID)


def test_setup_port_auto_configures_the_adapter_by_its_by_id_name(scenario):
    auto = scenario["auto"]
    assert auto["exit_code"] == 0, auto["json"]
    result = auto["json"]
    assert (result["driver"], result["port"]) == ("nutdrv_qx", BY_ID)
    assert result["confidence"] == "probed", "the unit answered the probe"
    assert f"\tport = {BY_ID}\n" in result["text"]
    assert "\tdriver = nutdrv_qx\n" in result["text"]
    assert "Q1" in scenario["auto_commands"]  # the probe really talked to the UPS on the adapter


def test_setup_write_puts_the_by_id_port_in_ups_conf_that_nut_accepts(scenario):
    assert scenario["write"]["exit_code"] == 0, scenario["write"]["json"]
    conf = UpsConf.parse(scenario["ups_conf"], strict=True)
    assert [section.name for section in conf.sections] == [SECTION]
    section = conf.sections[0]
    assert (section.value("driver"), section.value("port")) == ("nutdrv_qx", BY_ID)
    root = scenario["workdir"] / "root"
    plan = NutSetup(root / "etc" / "nut", root / "state").upsdrvctl_test_start()
    assert plan.returncode == 0 and not plan.rejections(), plan.output
    assert plan.exec_lines() == [f"{DRIVER_DIR / 'nutdrv_qx'} -a {SECTION}"], plan.output


def test_setup_write_keys_the_udev_rule_on_the_adapter_not_on_ttyUSB0(scenario):
    rules = scenario["udev_rules"]
    assert list(rules) == [f"90-nut-helper-{SECTION}.rules"]
    text = rules[f"90-nut-helper-{SECTION}.rules"]
    rule_lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert rule_lines == [UDEV_RULE]
    assert "ttyUSB0" not in text
    written = {entry["path"]: entry["status"] for entry in scenario["write"]["json"]["write"]["files"]}
    assert sorted(written.values()) == ["added", "added"]


def test_nut_driver_reads_the_ups_through_the_by_id_port(scenario):
    driver = scenario["driver"]
    assert driver["exit_code"] == 0, driver["stdout"] + driver["stderr"]
    values = driver_values(driver["stdout"])
    assert values["driver.parameter.port"] == BY_ID
    assert values["input.voltage"] == INPUT_VOLTAGE
    assert values["ups.status"] == "OL"
    assert (values["device.mfr"], values["device.model"]) == ("SIMVENDOR", "SIMMODEL")
    assert "Q1" in scenario["driver_commands"]  # the driver polled the UPS on the adapter's pty
