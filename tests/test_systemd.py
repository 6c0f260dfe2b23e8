"""The shipped systemd units pass systemd-analyze verify, and are ordered before NUT."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nuthelper.udevrule import rule_path

SYSTEMD_DIR = Path(__file__).resolve().parent.parent / "systemd"
UNITS = sorted(SYSTEMD_DIR.glob("*.service"))
NUT_HELPER = Path(sys.executable).parent / "nut-helper"


def test_units_exist():
    assert {unit.name for unit in UNITS} >= {"nut-helper-firstboot.service", "nut-helper-detect@.service"}


@pytest.mark.parametrize("unit", UNITS, ids=[unit.name for unit in UNITS])
def test_systemd_analyze_verify(tmp_path, unit):
    # The units name /usr/bin/nut-helper; point them at this environment's script for the check.
    text = unit.read_text().replace("/usr/bin/nut-helper", str(NUT_HELPER))
    name = unit.name.replace("@.service", "@ttyUSB0.service")
    copy = tmp_path / name
    copy.write_text(text)
    if "@." in unit.name:
        shutil.copy(copy, tmp_path / unit.name)
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Unknown" not in done.stderr and "not executable" not in done.stderr, done.stderr


def unit_sections(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return parser


def test_firstboot_is_ordered_before_nut_and_runs_once():
    unit = unit_sections(SYSTEMD_DIR / "nut-helper-firstboot.service")
    before = unit["Unit"]["Before"].split()
    assert {"nut-driver-enumerator.service", "nut-server.service"} <= set(before)
    assert unit["Unit"]["ConditionPathExists"].startswith("!")
    assert unit["Service"]["Type"] == "oneshot"
    assert "--port auto --write --if-unconfigured" in unit["Service"]["ExecStart"]


HOTPLUG_RULE = SYSTEMD_DIR / "90-nut-helper.rules"


def test_udev_rule_starts_the_detect_template():
    rule = HOTPLUG_RULE.read_text()
    assert 'ENV{SYSTEMD_WANTS}+="nut-helper-detect@%k.service"' in rule
    assert 'ACTION=="add"' in rule and 'SUBSYSTEM=="usb"' in rule


def test_no_sections_rule_can_mask_the_hotplug_rule():
    # udev reads one file per name, /etc/udev/rules.d before /lib/udev/rules.d: a section's rule named
    # like the installed hotplug rule (90-nut-helper-usb.rules for a UPS named "usb") would hide it.
    prefix, suffix = Path(rule_path("NAME")).name.split("NAME")
    name = HOTPLUG_RULE.name
    assert not (name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix + suffix))
