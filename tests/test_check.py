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
from support.target import target_root
from support.cli import nut_helper
from support.nut import LiveNut, free_port, upscode2_workaround

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


# --- never run a program the file names (issue 9, §1) ---------------------------------------

def marker_script(directory: Path, name: str, marker: Path, mode: int = 0o755) -> Path:
    """A program that leaves ``marker`` behind when it is run, and prints a driver-like banner."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / name
    script.write_text(f"#!/bin/sh\necho \"$0 $*\" >> {marker}\necho 'Network UPS Tools - x 1.0 (2.8.0)'\n")
    script.chmod(mode)
    return script


def test_check_never_runs_a_program_the_file_names(tmp_path):
    marker = tmp_path / "ran"
    script = marker_script(tmp_path / "bin", "x.sh", marker)
    climb = "../" * 8 + str(script).lstrip("/")          # from /lib/nut up to / and down again
    config = tmp_path / "ups.conf"
    config.write_text(f"[a]\n  driver = {script}\n  port = auto\n[b]\n  driver = {climb}\n  port = auto\n")
    code, found = findings(config)
    assert (code, found) == (4, [(2, "error", "bad-driver-name"), (5, "error", "bad-driver-name")])
    assert not marker.exists(), marker.read_text()
    assert "not a NUT driver name" in nut_helper("check", "--config", str(config)).stdout


def test_a_driver_name_longer_than_a_file_name_is_a_finding(tmp_path):
    config = tmp_path / "ups.conf"
    config.write_text(f"[a]\n  driver = {'d' * 300}\n  port = auto\n")
    done = nut_helper("check", "--config", str(config), "--json")
    assert done.returncode == 4, done.stderr
    (finding,) = json.loads(done.stdout)["findings"]
    assert finding["code"] == "bad-driver-name" and "(300 characters)" in finding["message"]
    assert len(finding["message"]) < 300


@pytest.mark.parametrize("make_unsafe, why", [
    (lambda program: program.chmod(0o775), "can be changed by its group or others"),
    (lambda program: os.chown(program, 65534, 65534), "is not owned by root"),
    (lambda program: program.parent.chmod(0o777), "its directory"),
])
def test_driver_programs_others_could_change_are_never_run(tmp_path, make_unsafe, why):
    marker = tmp_path / "ran"
    program = marker_script(tmp_path / "drivers", "usbhid-ups", marker)
    make_unsafe(program)
    config = tmp_path / "ups.conf"
    config.write_text("[a]\n  driver = usbhid-ups\n  port = auto\n")
    done = nut_helper("check", "--config", str(config), "--driver-path", str(program.parent), "--json")
    (finding,) = json.loads(done.stdout)["findings"]
    assert (finding["code"], finding["severity"]) == ("options-not-checked", "warning")
    assert why in finding["message"] and "not run" in finding["message"]
    assert not marker.exists()


def test_a_safe_driver_program_is_run(tmp_path):
    """The same program, root's and unwritable by others, is run for its listing."""
    marker = tmp_path / "ran"
    program = marker_script(tmp_path / "drivers", "usbhid-ups", marker)
    config = tmp_path / "ups.conf"
    config.write_text("[a]\n  driver = usbhid-ups\n  port = auto\n")
    nut_helper("check", "--config", str(config), "--driver-path", str(program.parent))
    runs = [line.split() for line in marker.read_text().splitlines()]
    assert runs[0] == [str(program), "-L"] and all(run[1:] in (["-L"], ["-V"]) for run in runs)


def test_hcl_names_the_hardware_list_whose_drivers_count(tmp_path):
    """--hcl: with no drivers installed, a driver the given list does not name is an error, one it names is not."""
    listing = tmp_path / "driver.list"
    listing.write_text('"Example"\t"ups"\t"2"\t"Box 600"\t"USB"\t"blazer_usb"\n')
    config = tmp_path / "ups.conf"
    config.write_text("[a]\n  driver = usbhid-ups\n  port = auto\n[b]\n  driver = blazer_usb\n  port = auto\n")
    nowhere = tmp_path / "no-drivers"
    done = nut_helper("check", "--config", str(config), "--driver-path", str(nowhere), "--hcl", str(listing), "--json")
    unknown = [f["section"] for f in json.loads(done.stdout)["findings"] if f["code"] == "unknown-driver"]
    assert unknown == ["a"], done.stdout
    done = nut_helper("check", "--config", str(config), "--driver-path", str(nowhere), "--json")
    assert not [f for f in json.loads(done.stdout)["findings"] if f["code"] == "unknown-driver"], done.stdout


# --- check tells the truth about real files (issue 9, §5) -----------------------------------

def test_a_typo_in_the_driver_gets_a_did_you_mean(tmp_path):
    config = tmp_path / "ups.conf"
    config.write_text("[a]\n  driver = blazer-ser\n  port = /dev/null\n")
    done = nut_helper("check", "--config", str(config))
    assert done.returncode == 4 and "did you mean 'blazer_ser'?" in done.stdout


def test_undecodable_bytes_are_shown_as_bytes(tmp_path):
    config = tmp_path / "ups.conf"
    config.write_bytes(b"[a]\n  driver = usbhid-ups\n  port = auto\n  desc = \"caf\xfe\"\n")
    done = nut_helper("check", "--config", str(config))
    assert done.returncode == 4 and "0xfe" in done.stdout and "udcfe" not in done.stdout


def test_upstype_0x05_is_read_by_genericups_as_type_0(tmp_path, serial_pty, modem_lines, nut_setup):
    from nuthelper.knowledge.genericups import load_table

    text = f"[g]\n  driver = genericups\n  port = {serial_pty.port}\n  upstype = 0x05\n"
    nut_setup.write_ups_conf(text)
    run = nut_setup.run_driver("genericups", "g", lines=modem_lines)
    assert f"{run.value('ups.mfr')} {run.value('ups.model')}" == load_table().types[0].driver_label
    config = tmp_path / "ups.conf"
    config.write_text(text)
    done = nut_helper("check", "--config", str(config))
    assert done.returncode == 4 and "genericups reads upstype '0x05' as 0" in done.stdout


def test_a_bad_genericups_override_is_a_finding_not_an_exit(tmp_path):
    config = tmp_path / "ups.conf"
    config.write_text("[g]\n  driver = genericups\n  port = auto\n  upstype = 5\n  CP = DT\n")
    code, found = findings(config)
    assert (code, found) == (4, [(5, "error", "genericups-signal")])


def test_the_second_driver_on_a_serial_port_cannot_have_it(tmp_path, sim_bench, nut_setup):
    q1 = sim_bench.add("ttyq1", "q1")
    text = f"[one]\n  driver = nutdrv_qx\n  port = {q1.path}\n[two]\n  driver = blazer_ser\n  port = {q1.path}\n"
    config = tmp_path / "ups.conf"
    config.write_text(text)
    code, found = findings(config)
    assert code == 4 and [f for f in found if f[2] == "shared-port"] == [(6, "error", "shared-port")]
    nut_setup.write_ups_conf(text)
    nut_setup.write_conf("upsd.conf", f"LISTEN 127.0.0.1 {free_port()}\n")
    nut_setup.write_conf("upsd.users", "")
    with LiveNut(nut_setup, free_port(), "one", "nutdrv_qx"):
        said = nut_setup.run_driver("blazer_ser", "two", "-d", "1", timeout=30).output
    assert "is locked by another process" in said, said


def fake_target_nut(root: Path, release: str) -> Path:
    """A target system's NUT: a usbhid-ups whose -L listing has a setting of its own, and driver.list."""
    drivers = root / "lib" / "nut"
    drivers.mkdir(parents=True)
    program = drivers / "usbhid-ups"
    program.write_text(f"#!/bin/sh\necho 'Network UPS Tools - Generic HID driver 0.53 ({release})'\n"
                       "echo 'VALUE only_in_the_target \"a setting this build has\"'\n")
    program.chmod(0o755)
    listing = root / "usr" / "share" / "nut" / "driver.list"
    listing.parent.mkdir(parents=True)
    listing.write_text(f"# Network UPS Tools - {release} - Hardware Compatibility List\n")
    return drivers


def test_under_root_the_targets_drivers_and_release_are_used_and_named(tmp_path):
    root = tmp_path / "target"
    (root / "etc" / "nut").mkdir(parents=True)
    (root / "etc" / "nut" / "ups.conf").write_text("[a]\n  driver = usbhid-ups\n  port = auto\n"
                                                   "  only_in_the_target = 1\n")
    on_host = nut_helper("check", "--root", str(root), "--json")
    assert [f["code"] for f in json.loads(on_host.stdout)["findings"]] == ["unknown-option"]
    assert "the target has none" in json.loads(on_host.stdout)["nut"]["drivers"]
    drivers = fake_target_nut(root, "2.8.3")
    done = nut_helper("check", "--root", str(root), "--json")
    report = json.loads(done.stdout)
    assert (done.returncode, report["findings"]) == (0, [])
    assert report["nut"] == {"drivers": f"{drivers} (the target's)", "driver_path": str(drivers), "release": "2.8.3",
                             "release_source": str(root / "usr" / "share" / "nut" / "driver.list")}
    text = nut_helper("check", "--root", str(root))
    assert f"judged with the drivers in {drivers} (the target's) and NUT 2.8.3 (from {root}" in text.stderr


def test_check_accepts_what_setup_just_wrote_into_a_root(tmp_path):
    root = target_root(tmp_path / "target")
    done = nut_helper("setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844", "--port",
                      "/dev/ttyS0", "--name", "tripp", "--write", "--root", str(root))
    assert done.returncode == 0, done.stderr
    code, found = findings(Path("/etc/nut/ups.conf"), "--root", str(root))
    assert code == 0 and "port-missing" in [f[2] for f in found], found


def test_a_retired_driver_is_named_with_its_successor(tmp_path):
    """fentonups and cpsups left NUT long ago (UPGRADING.adoc); an old ups.conf naming them is told what replaced them."""
    conf = tmp_path / "ups.conf"
    conf.write_text("[old]\n\tdriver = fentonups\n\tport = /dev/ttyS0\n[older]\n\tdriver = cpsups\n\tport = /dev/ttyS1\n")
    done = nut_helper("check", "--config", str(conf), "--json")
    retired = {f["section"]: f["message"] for f in json.loads(done.stdout)["findings"] if f["code"] == "retired-driver"}
    assert "driver = nutdrv_qx" in retired["old"] and "2.2.0" in retired["old"]
    assert "driver = powerpanel" in retired["older"] and "2.4.0" in retired["older"]
    assert done.returncode != 0
