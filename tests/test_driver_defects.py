"""Known driver defects (nuthelper/data/driver-defects.json) are worked around for the NUT release
that is installed, explained, and proved end to end with Debian's real upscode2 and upsd."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from nuthelper.knowledge.defects import installed_release, workarounds
from nuthelper.resolve import resolve
from support.cli import nut_helper
from support.nut import LiveNut, NutSetup, free_port, nut_release, upscode2_workaround
from support.target import target_root


def fake_driver_dir(tmp_path: Path, banner: str) -> str:
    """A driver directory whose upscode2 prints ``banner`` for -V (only the banner is read)."""
    directory = tmp_path / f"drivers-{abs(hash(banner))}"
    directory.mkdir()
    program = directory / "upscode2"
    program.write_text(f"#!/bin/sh\necho '{banner}'\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return str(directory)


def test_the_installed_release_is_read_from_the_driver_banner():
    assert installed_release("upscode2") == ".".join(map(str, nut_release()))


@pytest.mark.parametrize("release, affected", [("2.8.0", True), ("2.7.4", True), ("2.8.1", False), ("2.8.3", False)])
def test_the_workaround_follows_the_release(tmp_path, release, affected):
    drivers = fake_driver_dir(tmp_path, f"Network UPS Tools - UPScode II UPS driver 0.90 ({release})")
    settings, reasons, warnings = workarounds("upscode2", drivers)
    assert settings == ({"debug_min": "3"} if affected else {})
    assert bool(reasons) == affected and bool(warnings) == affected
    if affected:
        assert f"installed NUT is {release}" in reasons[0] and "#1455" in reasons[0]
        assert "upgrade NUT to 2.8.1" in warnings[0]


def test_without_nut_installed_only_a_warning_names_the_workaround(tmp_path):
    settings, reasons, warnings = workarounds("upscode2", str(tmp_path / "no-drivers"))
    assert (settings, reasons) == ({}, [])
    assert "older than 2.8.1, add 'debug_min = 3'" in warnings[0]


def test_other_drivers_have_no_workaround():
    assert workarounds("genericups") == ({}, [], [])


def test_resolve_adds_the_workaround_with_its_reason():
    recommendation = resolve("Compaq T1500h", None, "/dev/ttyS0")
    assert recommendation.choice.options == upscode2_workaround()
    assert recommendation.choice.flags == ["use_pre_lf"]
    assert any("#1455" in reason for reason in recommendation.reasons) == bool(upscode2_workaround())


def test_setup_json_and_text_show_the_workaround():
    done = nut_helper("setup", "--model", "Compaq T1500h", "--port", "/dev/ttyS0", "--json")
    data = json.loads(done.stdout)
    assert data["options"] == upscode2_workaround()
    if upscode2_workaround():
        assert any("debug_min = 3 works around a defect" in warning for warning in data["warnings"])
        assert "\tdebug_min = 3\n" in data["text"]
        assert "debug_min=3 works around a defect of the" in " ".join(data["text"].replace("#", "").split())


def test_written_upscode2_setup_serves_the_simulated_unit_through_upsd(tmp_path, sim_bench):
    unit = sim_bench.add("ttyuc2", "upscode2-prelf")
    root = target_root(tmp_path / "root")
    done = nut_helper("setup", "--model", "Compaq T1500h", "--port", unit.path, "--name", "t1500h",
                      "--write", "--root", str(root))
    assert done.returncode == 0, done.stderr
    nut = NutSetup(root / "etc" / "nut", tmp_path / "state")
    port = free_port()
    nut.write_conf("upsd.conf", f"LISTEN 127.0.0.1 {port}\n")
    nut.write_conf("upsd.users", "")
    with LiveNut(nut, port, "t1500h", "upscode2") as live:
        assert live.wait_for("ups.model", "SIMCODE 1500") == "SIMCODE 1500"
        assert live.value("ups.status") == "OL"
        assert live.value("input.voltage") == "229.00"


def test_a_driver_program_others_could_change_is_not_asked_its_release(tmp_path):
    drivers = fake_driver_dir(tmp_path, "Network UPS Tools - UPScode II UPS driver 0.90 (2.7.4)")
    marker = tmp_path / "ran"
    program = Path(drivers) / "upscode2"
    program.write_text(f"#!/bin/sh\ntouch {marker}\necho 'Network UPS Tools - x (2.7.4)'\n")
    program.chmod(0o777)
    assert installed_release("upscode2", drivers) is None
    assert workarounds("upscode2", drivers)[0] == {} and not marker.exists()
