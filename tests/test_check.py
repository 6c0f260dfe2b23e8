"""`nut-helper check`: findings with severity and line numbers, judged with the real drivers' -L
listings, the shipped genericups table, and the nut account; exit code 4 on errors."""

from __future__ import annotations

import grp
import json
import os
from pathlib import Path

import pytest

from nuthelper.check import core_keys, driver_listing
from nuthelper.upsconf import UpsConf
from support.cli import nut_helper
from support.nut import upscode2_workaround

BAD = """maxretry = 3
[gen]
  driver = genericups
  port = {regular}
  bogus = 1
[gen2]
  driver = genericups
  upstype = 99
  port = {missing}
  nolock
[GEN]
  driver = nosuchdriver
  port = auto
[usb.ups_1]
  driver = usbhid-ups
  port = auto
  vendorid = 051d
  pollfreq = 30
  desc = "x # y"
[qx]
  driver = nutdrv_qx
  port = auto
  upstype = 5
  ignorelb
  override.battery.charge.low = 20
[bad name]
"""


def findings(config: Path, *extra: str) -> tuple[int, list[tuple[int | None, str, str]]]:
    done = nut_helper("check", "--config", str(config), "--json", *extra)
    report = json.loads(done.stdout)
    return done.returncode, [(f["line"], f["severity"], f["code"]) for f in report["findings"]]


def test_every_kind_of_problem_is_found_on_its_line(tmp_path):
    regular = tmp_path / "not-a-device"
    regular.write_text("")
    config = tmp_path / "ups.conf"
    config.write_text(BAD.format(regular=regular, missing=tmp_path / "ttyGONE"))
    code, found = findings(config)
    assert code == 4
    assert found == [
        (2, "error", "upstype-missing"),
        (4, "error", "port-not-device"),
        (5, "error", "unknown-option"),
        (8, "error", "upstype-range"),
        (9, "error", "port-missing"),
        (11, "error", "duplicate-section"),
        (12, "error", "unknown-driver"),
        (19, "error", "parse"),
        (19, "error", "parse"),            # NUT reads the rest after the '#', 'y"', as a flag
        (23, "error", "unknown-option"),   # nutdrv_qx has no upstype
        (26, "error", "parse"),
    ]


def test_human_output_names_file_line_and_section(tmp_path):
    config = tmp_path / "ups.conf"
    config.write_text("[a]\n  driver = genericups\n  port = auto\n  upstype = 5\n  cable = 940-0095A\n")
    done = nut_helper("check", "--config", str(config))
    assert done.returncode == 4
    loose, bad = done.stdout.splitlines()
    assert loose.startswith(f"{config}:4: [a] warning: If the cable is unplugged from the computer")
    assert bad.startswith(f"{config}:5: [a] error: genericups does not accept the setting 'cable'")
    assert "1 error(s), 1 other finding(s)" in done.stderr


def test_clean_file_exits_0(tmp_path):
    config = tmp_path / "ups.conf"
    config.write_text("maxretry = 3\n[office]\n  driver = usbhid-ups\n  port = auto\n  desc = \"Office\"\n"
                      "  default.battery.charge.low = 20\n  nolock\n")
    code, found = findings(config)
    assert (code, found) == (0, [])


def test_unnamed_driver_and_flag_given_as_setting(tmp_path, nut_setup):
    config = tmp_path / "ups.conf"
    text = "[a]\n  port = auto\n[b]\n  driver = usbhid-ups\n  port = auto\n  pollonly = no\n  offdelay\n"
    config.write_text(text)
    code, found = findings(config)
    assert code == 4 and found == [(1, "error", "no-driver"), (6, "warning", "flag-with-value"),
                                   (7, "warning", "value-as-flag")]
    done = nut_helper("check", "--config", str(config))
    assert "'pollonly = no' switches it on whatever the value" in done.stdout
    # NUT's drivers store a listed name with or without a value: the real usbhid-ups refuses neither.
    nut_setup.write_ups_conf(text)
    reading = nut_setup.reading("usbhid-ups", "b")
    assert "is not a valid" not in reading.run.output, reading.run.output
    assert reading.section == UpsConf.parse(text, strict=False).get("b").reading()


def test_port_the_nut_user_cannot_open(tmp_path, serial_pty):
    device = serial_pty.device
    config = tmp_path / "ups.conf"
    config.write_text(f"[q]\n  driver = nutdrv_qx\n  port = {serial_pty.port}\n")
    os.chown(device, 0, 0)
    os.chmod(device, 0o600)
    code, found = findings(config)
    assert (code, found) == (4, [(3, "error", "port-access")])
    os.chown(device, 0, grp.getgrnam("nut").gr_gid)
    os.chmod(device, 0o660)
    assert findings(config) == (0, [])


def test_accounts_and_files_come_from_root(tmp_path):
    root = tmp_path / "target"
    (root / "etc" / "nut").mkdir(parents=True)
    (root / "etc" / "nut" / "ups.conf").write_text("[q]\n  driver = nutdrv_qx\n  port = /dev/ttyS0\n")
    code, found = findings(Path("/etc/nut/ups.conf"), "--root", str(root))
    # no /dev/ttyS0 under the target root: the device may well exist when the target runs
    assert (code, found) == (0, [(3, "warning", "port-missing")])


def test_missing_file_is_a_one_line_error(tmp_path):
    done = nut_helper("check", "--config", str(tmp_path / "nope.conf"))
    assert done.returncode == 3 and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("key", core_keys()["values"])
def test_core_key_data_matches_the_installed_drivers(tmp_path, nut_setup, key):
    # Every documented core setting is accepted by a real driver exactly when the data says so.
    listing = driver_listing("genericups")
    rejected = key in core_keys()["not_in_driver_core"].get(listing.nut_version, [])
    value = "genericups" if key == "driver" else str(tmp_path / "gone") if key == "port" else "1"
    lines = {"driver": "", "port": ""}.get(key, f"  {key} = {value}\n")
    nut_setup.write_ups_conf(f"[t]\n  driver = genericups\n  port = {tmp_path / 'gone'}\n  upstype = 5\n" + lines)
    said = nut_setup.run_driver("genericups", "t").output
    assert (f"'{key}' is not a valid" in said) == rejected, said


def test_driver_finding_points_at_the_setting_that_counts(tmp_path):
    """NUT uses the last 'driver' of a section; the finding names that line, not the first."""
    conf = tmp_path / "etc" / "nut" / "ups.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[one]\n\tdriver = genericups\n\tport = auto\n\tupstype = 5\n\tdriver = nosuchdriver\n")
    done = nut_helper("check", "--root", str(tmp_path), "--json")
    assert done.returncode == 4
    findings = [f for f in json.loads(done.stdout)["findings"] if f["code"] == "unknown-driver"]
    assert [(f["line"], f["section"]) for f in findings] == [(5, "one")]


@pytest.mark.parametrize("extra, flagged_line", [("", 1), ("  debug_min = 1\n", 4), ("  debug_min = 3\n", None),
                                                 ("  debug_min = 5\n", None)])
def test_upscode2_section_without_the_defect_workaround(tmp_path, extra, flagged_line):
    config = tmp_path / "ups.conf"
    config.write_text(f"[compaq]\n  driver = upscode2\n  port = auto\n{extra}")
    code, found = findings(config)
    expected = [(flagged_line, "error", "driver-defect")] if upscode2_workaround() and flagged_line else []
    assert (code, found) == (4 if expected else 0, expected)
    if expected:
        assert "#1455" in nut_helper("check", "--config", str(config)).stdout


@pytest.mark.parametrize("settings, severity, status", [
    ("  upstype = 5\n", "warning", "OB LB"),                 # CP=DTR OL=CTS LB=-DCD: shutdown
    ("  upstype = 5\n  LB = DCD\n", "info", "OB"),           # the override lines count: false alarm
    ("  upstype = 3\n  OL = -CTS\n", "warning", "OL"),       # unnoticed
])
def test_genericups_cable_loss_finding_follows_the_written_signals(tmp_path, settings, severity, status):
    config = tmp_path / "ups.conf"
    config.write_text(f"[g]\n  driver = genericups\n  port = auto\n{settings}")
    done = nut_helper("check", "--config", str(config), "--json")
    assert done.returncode == 0, done.stdout
    (finding,) = json.loads(done.stdout)["findings"]
    assert (finding["code"], finding["severity"], finding["line"]) == ("cable-loss", severity, 4)
    assert f"genericups reports {status}:" in finding["message"]
