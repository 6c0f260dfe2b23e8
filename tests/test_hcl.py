"""NUT's hardware list: parsing every row of the real lists, model names, cables in the comment column,
port-dependent variants and installed-driver awareness."""

from __future__ import annotations

import json
import re
import stat
from collections import Counter
from pathlib import Path

import pytest

from nuthelper.errors import InvalidInput
from nuthelper.knowledge import drivers
from nuthelper.knowledge.hcl import (SYSTEM_HCL, DriverChoice, expand_model_names, hcl_to_json, load_hcl,
                                     parse_driver_column, parse_driver_list)
from nuthelper.knowledge.names import VendorIndex, canonical_vendor, normalize, split_vendor
from nuthelper.knowledge.ports import connection_kind, entries_for_port
from nuthelper.knowledge.search import build_index
from nuthelper.resources import data_path

REFERENCE = Path(__file__).resolve().parent / "data" / "nut"  # NUT's own files, origin in its README.md
BUNDLED = data_path("hcl.json")
ROW = re.compile(r'^"[^"]*"\t')


@pytest.fixture(scope="module")
def system_hcl():
    return load_hcl(SYSTEM_HCL)


@pytest.fixture(scope="module")
def bundled_hcl():
    return load_hcl(BUNDLED)


@pytest.fixture(params=["system", "bundled"])
def any_hcl(request, system_hcl, bundled_hcl):
    return system_hcl if request.param == "system" else bundled_hcl


def _driver_words(text: str) -> Counter:
    """The words of a driver column, without the filler the parser drops ("with", "driver=", ", may need")."""
    text = re.sub(r"^driver=", "", text.strip())
    text = text.replace(", may need", " ")
    return Counter(word for word in re.findall(r"\([^)]*\)|[^\s()]+", text) if word not in ("with", "or"))


def test_system_list_every_row_parsed(system_hcl):
    rows = [line for line in Path(SYSTEM_HCL).read_text(encoding="utf-8").splitlines() if ROW.match(line)]
    assert len(system_hcl.entries) == len(rows) > 1000
    assert system_hcl.list_version == 2
    assert system_hcl.nut_version == "2.8.0"


def test_default_is_the_system_copy():
    assert load_hcl().source == str(SYSTEM_HCL)


def test_bundled_snapshot_records_its_origin(bundled_hcl):
    origin = json.loads(BUNDLED.read_text(encoding="utf-8"))["source"]
    commit = (REFERENCE / "SOURCE-COMMIT").read_text(encoding="utf-8").split()[0]
    assert origin["commit"] == bundled_hcl.commit == commit
    assert origin["list_version"] == 2 and origin["file"] == "driver.list.in"


def test_bundled_snapshot_is_what_the_converter_makes_from_the_reference(bundled_hcl):
    reference = parse_driver_list((REFERENCE / "driver.list.in").read_text(encoding="utf-8"), "driver.list.in")
    assert [e.to_json() for e in reference.entries] == [e.to_json() for e in bundled_hcl.entries]
    assert hcl_to_json(reference, {})["entries"] == json.loads(BUNDLED.read_text(encoding="utf-8"))["entries"]


def test_every_driver_column_round_trips(any_hcl):
    """No word of any row's driver column is lost, and the canonical text parses back to the same thing."""
    for entry in any_hcl.entries:
        assert entry.drivers, entry.line
        formatted = " or ".join(choice.format() for choice in entry.drivers)
        assert parse_driver_column(formatted) == entry.drivers, entry.line
        assert _driver_words(formatted) == _driver_words(entry.driver_text), (entry.line, entry.driver_text)


def test_driver_column_forms():
    (generic,) = parse_driver_column("genericups upstype=4")
    assert (generic.driver, generic.options, generic.flags) == ("genericups", {"upstype": "4"}, ())
    (upscode2,) = parse_driver_column("upscode2 use_pre_lf")
    assert upscode2.flags == ("use_pre_lf",) and upscode2.options == {}
    first, second = parse_driver_column("blazer_ser or bestups")
    assert (first.driver, second.driver) == ("blazer_ser", "bestups")
    (snmp,) = parse_driver_column("snmp-ups (experimental)")
    assert snmp.qualifier == "experimental"
    (qx,) = parse_driver_column("driver=nutdrv_qx port=auto vendorid=0001 novendor protocol=hunnox")
    assert (qx.driver, qx.port, qx.options, qx.flags) == ("nutdrv_qx", "auto", {"vendorid": "0001", "protocol": "hunnox"}, ("novendor",))
    (tl,) = parse_driver_column("tripplite_usb, may need upsid=65535")
    assert tl.options == {} and tl.optional_options == {"upsid": "65535"}
    (hid,) = parse_driver_column("usbhid-ups lbrb_log_delay_sec=N onlinedischarge_calibration")
    assert hid.optional_options == {"lbrb_log_delay_sec": "N"} and hid.flags == ("onlinedischarge_calibration",)
    (blazer,) = parse_driver_column("blazer_usb langid_fix=0x0409 runtimecal=240,100,720,50")
    assert blazer.options["runtimecal"] == "240,100,720,50"
    (usbid,) = parse_driver_column("blazer_usb (USB ID 0665:5161)")
    assert usbid.notes == ("USB ID 0665:5161",) and usbid.qualifier is None
    for bad in ("", "Genericups upstype=1", "genericups upstype=", "genericups , oops", "nutdrv_qx or"):
        with pytest.raises(ValueError):
            parse_driver_column(bad)


def test_rows_keep_level_extra_and_trailing_comment(system_hcl):
    rows = {(e.manufacturer, e.model, e.extra): e for e in system_hcl.entries}
    back_ups = rows[("APC", "Back-UPS", "940-0095A/C cables")]
    assert back_ups.support_level == 1
    assert back_ups.drivers == (DriverChoice("genericups", {"upstype": "1"}),)
    commented = [e for e in system_hcl.entries if e.comment]
    assert commented and all(not e.comment.startswith("#") for e in commented)
    assert all(1 <= e.support_level <= 5 for e in system_hcl.entries)


def test_malformed_rows_are_rejected_with_their_line(tmp_path):
    good = '"APC"\t"ups"\t"1"\t"Back-UPS"\t""\t"genericups upstype=1"\n'
    for bad, words in [('"APC" "ups" "1" "Back-UPS" "" "genericups"\n', "not a hardware-list row"),
                       ('"APC"\t"ups"\t"9"\t"Back-UPS"\t""\t"genericups"\n', "support level"),
                       ('"APC"\t"ups"\t"1"\t"Back-UPS"\t""\t"Generic ups"\n', "driver name")]:
        path = tmp_path / "driver.list"
        path.write_text("# version=2\n" + good + bad)
        with pytest.raises(InvalidInput, match=f"driver.list:3: .*{words}"):
            load_hcl(path)
    with pytest.raises(InvalidInput, match="does not exist"):
        load_hcl(tmp_path / "missing.list")
    (tmp_path / "broken.json").write_text('{"format": 99, "entries": []}')
    with pytest.raises(InvalidInput, match="not a nut-helper hcl.json"):
        load_hcl(tmp_path / "broken.json")


@pytest.mark.parametrize("cell, names", [
    ("5119, 5125", ["5119", "5125"]),
    ("R3000 / R3000j", ["R3000", "R3000j"]),
    ("Ellipse MAX USBS 600/850/1100/1500 VA", ["Ellipse MAX USBS 600 VA", "Ellipse MAX USBS 1100 VA"]),
    ("Back-UPS XS 1000M (Back-UPS Pro 1000, Model BX1000M)", ["Back-UPS XS 1000M", "Back-UPS Pro 1000", "BX1000M"]),
    ("Smart-UPS SMT/SMX/SURTD", ["Smart-UPS SMT", "Smart-UPS SMX", "Smart-UPS SURTD"]),
    ("Tower 500W LV / HV", ["Tower 500W LV", "Tower 500W HV"]),
    ("MP110/210", ["MP110", "MP210"]),
    ("Back-UPS BK****M2-CH Series (may need tweaks since 2023)", ["Back-UPS BK****M2-CH Series", "BK****M2-CH"]),
])
def test_compound_model_cells_are_split(cell, names):
    expanded = expand_model_names(cell)
    assert expanded[0] == cell
    assert set(names) <= set(expanded)


def test_cells_that_are_one_name_stay_whole():
    assert expand_model_names("R/T3000") == ["R/T3000"]
    assert "Various" in expand_model_names("Various (XML/HTTP mode)")
    assert all(name.count("(") == name.count(")") for name in expand_model_names("Various (XML/HTTP mode)"))


def test_vendor_aliases():
    assert normalize(" Tripp-Lite ") == "tripplite"
    for alias, vendor in [("MGE", "eaton"), ("mge office protection systems", "eaton"), ("Powerware", "eaton"),
                          ("Tripp-Lite", "tripplite"), ("TRIPPLITE", "tripplite"), ("Compaq", "hp"),
                          ("American Power Conversion", "apc"), ("Cyber Power Systems", "cyberpower"),
                          ("Phoenixtec", "bestpower")]:
        assert canonical_vendor(alias) == vendor, alias
    assert canonical_vendor("Back-UPS") is None
    assert split_vendor("Tripp Lite OMNI900LCD") == ("tripplite", "OMNI900LCD")
    assert split_vendor("american power conversion Back-UPS 500") == ("apc", "Back-UPS 500")
    assert split_vendor("OMNI900LCD") == (None, "OMNI900LCD")


def test_vendor_index_is_generic():
    index = VendorIndex([("acme", "Acme Power", ["ACME Corp."])])
    assert index.canonical("acme-corp") == "acme"
    assert index.add("acmepower", "ACME POWER", ["Roadrunner"]) == "acme"   # known name keeps its id
    assert index.canonical("roadrunner") == "acme"


def test_hcl_manufacturers_map_to_vendors(system_hcl):
    vendors = {e.manufacturer: e.vendor_id for e in system_hcl.entries}
    assert vendors["MGE UPS SYSTEMS"] == vendors["Eaton"] == vendors["Powerware"] == "eaton"
    assert vendors["Compaq"] == vendors["HP"] == "hp"
    assert all(vendors.values())


def test_models_for(any_hcl):
    rows = any_hcl.models_for("APC", "back ups")
    assert {c.options.get("upstype") for e in rows for c in e.drivers} >= {"1", "2", "9"}
    assert any_hcl.models_for(None, "American Power Conversion Back-UPS") == rows
    assert {e.manufacturer for e in any_hcl.models_for("Eaton", "5125")} == {"Powerware"}
    assert any_hcl.models_for("NoSuchVendor", "5125") == []


@pytest.mark.parametrize("part, upstypes", [("940-0095A", {"1"}), ("940-0095C", {"1"}), ("940-0020C", {"2"}),
                                            ("940-0023A", {"9"}), ("940-0119A", {"12"})])
def test_cable_part_numbers_in_the_comment_column(any_hcl, part, upstypes):
    rows = any_hcl.entries_for_cable(part)
    assert rows and {c.options["upstype"] for e in rows for c in e.drivers} == upstypes
    assert all(c.driver == "genericups" for e in rows for c in e.drivers)


def test_cable_part_without_revision_matches_loosely(any_hcl):
    rows = any_hcl.entries_for_cable("940-0020D")    # no row names revision D: the revision-less cell counts
    assert [e.model for e in rows] == ["Masterswitch"]
    assert any_hcl.entries_for_cable("123-4567") == []


def test_port_picks_serial_or_usb_variant(any_hcl):
    rows = any_hcl.models_for("Eaton", "Ellipse MAX 1100")
    assert {connection_kind(e) for e in rows} == {"usb", "serial"}
    assert {e.drivers[0].driver for e in entries_for_port(rows, "/dev/ttyS0")} == {"mge-shut"}
    assert {e.drivers[0].driver for e in entries_for_port(rows, "auto")} == {"usbhid-ups"}
    assert entries_for_port(rows, None) == rows


def test_every_row_gets_a_connection_kind(any_hcl):
    kinds = Counter(connection_kind(e) for e in any_hcl.entries)
    assert kinds["usb"] > 300 and kinds["serial"] > 300 and kinds["network"] > 20


# ---------------------------------------------------------------- installed drivers

def _fake_driver_dir(tmp_path: Path, names: list[str]) -> Path:
    directory = tmp_path / "nut"
    directory.mkdir()
    for name in names:
        program = directory / name
        program.write_text("#!/bin/sh\n")
        program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return directory


def test_installed_drivers_are_found():
    installed = drivers.installed_drivers()
    assert {"genericups", "nutdrv_qx", "usbhid-ups", "blazer_ser"} <= installed
    assert "upsd" not in installed
    assert drivers.is_installed("genericups") and drivers.is_installed("snmp-ups")  # CI installs nut-snmp
    assert not drivers.is_installed("apc_modbus")  # newer than Debian 12's NUT 2.8.0
    assert drivers.is_installed("nutdrv_siemens_sitop")   # the list's spelling of nutdrv_siemens-sitop


def test_deprecated_drivers_give_way_to_nutdrv_qx():
    chosen, reasons = drivers.prefer_installed(parse_driver_column("blazer_ser or bestups"))
    assert chosen.driver == "nutdrv_qx"
    assert "deprecated" in reasons[0] and "blazer_ser" in reasons[0]
    chosen, reasons = drivers.prefer_installed(parse_driver_column("blazer_usb langid_fix=0x0409"))
    assert chosen == DriverChoice("nutdrv_qx", {"langid_fix": "0x0409"})
    chosen, reasons = drivers.prefer_installed(["nutdrv_qx", "blazer_usb"])
    assert chosen.driver == "nutdrv_qx" and reasons == []


def test_missing_driver_names_its_debian_package(tmp_path):
    without_snmp = _fake_driver_dir(tmp_path, ["usbhid-ups", "genericups"])
    chosen, reasons = drivers.prefer_installed(["snmp-ups"], driver_path=without_snmp)
    assert chosen.driver == "snmp-ups"
    assert "not installed" in reasons[0] and "nut-snmp" in reasons[0]
    chosen, reasons = drivers.prefer_installed(["snmp-ups", "netxml-ups", "usbhid-ups"], driver_path=without_snmp)
    assert chosen.driver == "usbhid-ups" and any("nut-snmp" in r for r in reasons)


def test_driver_path_option(tmp_path):
    only_blazer = _fake_driver_dir(tmp_path, ["blazer_ser"])
    chosen, reasons = drivers.prefer_installed(["blazer_ser", "bestups"], driver_path=only_blazer)
    assert chosen.driver == "blazer_ser" and "consider nutdrv_qx" in reasons[0]
    chosen, reasons = drivers.prefer_installed(["bestups"], driver_path=tmp_path / "nowhere")
    assert chosen.driver == "bestups" and "were not found" in reasons[0]


def test_every_driver_the_system_list_names_is_installed_or_explained(system_hcl):
    """A driver missing from /lib/nut is either in another Debian package, deprecated, or spelled differently."""
    packaged = {d for names in json.loads(data_path("driver-packages.json").read_text())["packages"].values() for d in names}
    for name in {c.driver for e in system_hcl.entries for c in e.drivers}:
        if not drivers.is_installed(name):
            assert name in packaged or drivers.replacement_for(name), name


def test_replacement_data_matches_the_manuals():
    data = json.loads(data_path("driver-replacements.json").read_text())
    for record in data["replacements"]:
        assert drivers.is_installed(record["use"]), record
    for name in ("blazer_ser", "blazer_usb", "bestups"):   # each says so in its own manual page
        import gzip
        page = gzip.open(f"/usr/share/man/man8/{name}.8.gz", "rt").read()
        assert "deprecated" in page and "nutdrv_qx" in page


def test_search_index_leaves_the_hardware_lists_vendor_table_alone():
    hcl = load_hcl(data_path("hcl.json"))
    before = hcl.vendors.all_keys()
    build_index(hcl)
    assert hcl.vendors.all_keys() == before


def test_vendor_alias_that_swallows_part_of_the_model():
    """'Eaton Powerware' may name the vendor, but the row is 'Powerware 9125' under Eaton."""
    hcl = load_hcl(data_path("hcl.json"))
    hcl.vendors.add("eaton", "Eaton", ["Eaton Powerware"])
    assert [row.model for row in hcl.models_for(None, "Eaton Powerware 9125")] == ["Powerware 9125"]
