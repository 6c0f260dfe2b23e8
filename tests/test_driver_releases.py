"""nuthelper/data/driver-releases.json: every driver NUT builds, its first release with a source,
and for drivers newer than Debian 12's NUT what they are for and what works meanwhile."""

from __future__ import annotations

import json

from nuthelper.knowledge import drivers
from nuthelper.resolve import resolve
from nuthelper.resources import data_path

DATA = json.loads(data_path("driver-releases.json").read_text(encoding="utf-8"))


def test_every_record_has_a_source_and_newer_drivers_say_what_they_are_for():
    installed = drivers.installed_drivers() or set()
    for record in DATA["drivers"]:
        assert record["source"], record["driver"]
        if record["driver"] in installed or record.get("first_release") and \
                drivers._release_tuple(record["first_release"]) <= (2, 8, 0):
            continue  # in Debian 12's NUT, or not built by its packages
        assert record.get("purpose") and record.get("purpose_source"), record["driver"]
        for entry in record.get("meanwhile", []):
            assert entry["driver"] and entry["when"] and entry["source"], record["driver"]


def test_every_installed_driver_is_known_to_the_release_table():
    known = {record["driver"] for record in DATA["drivers"]}
    names = {drivers.program_name(name) for name in known} | known
    missing = sorted((drivers.installed_drivers() or set()) - names - {"clone", "clone-outlet", "apcsmart-old"})
    assert not missing, f"installed drivers the release table does not know: {missing}"


def test_a_driver_newer_than_the_installed_nut_names_its_release_and_what_works_meanwhile():
    assert drivers.installed_release() == "2.8.0", "CI runs Debian 12's NUT"
    note = drivers.missing_driver_note("apc_modbus", "/lib/nut")
    assert "NUT 2.8.1 and later" in note and "installed NUT is 2.8.0" in note and "meanwhile: usbhid-ups" in note
    assert "apt install nut-snmp" in drivers.missing_driver_note("snmp-ups", "/nowhere"), "an older driver names its package"
    answer = resolve("APC Smart-UPS SMT1500", port="/dev/ttyS0")
    assert answer.driver == "apc_modbus"
    assert any("comes with NUT 2.8.1" in warning for warning in answer.warnings)
