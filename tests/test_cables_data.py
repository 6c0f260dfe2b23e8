"""The cable knowledge base (cables.json): schema, integrity, transcription, and real NUT drivers.

The transcription tests pin specific wires read from the cable documents and diagrams, so that an
accidental edit of cables.json cannot silently change what a cable is said to connect.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path

import jsonschema
import pytest

from support.nut import DRIVER_DIR, driver_listing, genericups_types

REPO = Path(__file__).resolve().parent.parent
NUT_HCL = Path("/usr/share/nut/driver.list")

# Standard signal names of a DB9 computer (DTE) serial port.
DB9_DTE = {"1": "DCD", "2": "RxD", "3": "TxD", "4": "DTR", "5": "GND", "6": "DSR", "7": "RTS", "8": "CTS", "9": "RI"}
DB9_PC_INPUTS = {"1", "6", "8", "9"}  # status lines genericups can read: DCD, DSR, CTS, RI
DB9_PC_OUTPUTS = {"3", "4", "7"}  # lines the PC drives: TxD (break), DTR, RTS
CONTACT_ROLES = {"on-battery", "low-battery", "shutdown"}


@cache
def knowledge() -> dict:
    return json.loads((REPO / "cables.json").read_text(encoding="utf-8"))


@cache
def schema() -> dict:
    return json.loads((REPO / "docs" / "cables.schema.json").read_text(encoding="utf-8"))


def cables() -> list[dict]:
    return knowledge()["cables"]


def cable(cable_id: str) -> dict:
    return next(c for c in cables() if c["id"] == cable_id)


def wiring(cable_id: str) -> dict:
    """The wiring of a cable, following same_wiring_as."""
    entry = cable(cable_id)
    return cable(entry["same_wiring_as"])["wiring"] if "same_wiring_as" in entry else entry["wiring"]


def pairs(cable_id: str) -> set[tuple[str, str]]:
    return {(w["ups"], w["pc"]) for w in wiring(cable_id)["wires"]}


def wire(cable_id: str, ups: str, pc: str) -> dict:
    return next(w for w in wiring(cable_id)["wires"] if (w["ups"], w["pc"]) == (ups, pc))


def jumpers(cable_id: str, side: str = "pc") -> list[set[str]]:
    return [set(j["pins"]) for j in wiring(cable_id).get("jumpers", []) if j["side"] == side]


def rules(cable_id: str, key: str = "drivers") -> list[dict]:
    return cable(cable_id).get(key, [])


def normalised(text: str) -> str:
    """Case, spaces, hyphens and punctuation ignored, as docs/cables-format.md specifies."""
    return re.sub(r"[^a-z0-9*]", "", text.lower())


def all_rules() -> list[tuple[str, dict]]:
    return [(c["id"], r) for c in cables() for r in c.get("drivers", []) + c.get("use_instead", [])]


# --------------------------------------------------------------------------- schema and integrity


def test_schema_is_a_valid_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(schema())


def test_cables_json_validates_against_the_schema():
    validator = jsonschema.Draft202012Validator(schema())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(knowledge())]
    assert errors == []


@pytest.mark.parametrize(
    "mutation",
    [
        lambda d: d["cables"][0].update(kind="magic"),
        lambda d: d["cables"][0].update(surprise=True),
        lambda d: d["cables"][0]["wiring"]["wires"][0].update(role="teleport"),
        lambda d: d["cables"][0]["connectors"]["ups"].update(gender="both"),
        lambda d: d["cables"][0].update(id="Not An Id"),
        lambda d: d["cables"][0]["drivers"][0].update(confidence="guess"),
        lambda d: d["cables"][0]["drivers"][0].update(confidence="inferred", confirmed=True),
        lambda d: d["cables"][0].update(same_wiring_as="apc-940-0024e-clone"),
    ],
    ids=["kind", "extra-field", "role", "gender", "id-pattern", "confidence", "inferred-confirmed", "wiring-and-same"],
)
def test_schema_rejects_bad_entries(mutation):
    broken = json.loads(json.dumps(knowledge()))
    mutation(broken)
    assert not jsonschema.Draft202012Validator(schema()).is_valid(broken)


def test_ids_are_unique():
    ids = [c["id"] for c in cables()]
    assert len(ids) == len(set(ids))
    vendor_ids = [v["id"] for v in knowledge()["vendors"]]
    assert len(vendor_ids) == len(set(vendor_ids))


def test_every_vendor_reference_resolves_and_every_vendor_is_used():
    vendor_ids = {v["id"] for v in knowledge()["vendors"]}
    used = {c["vendor"] for c in cables()}
    assert used <= vendor_ids
    assert vendor_ids <= used


def test_vendor_names_and_aliases_do_not_collide():
    seen: dict[str, str] = {}
    for vendor in knowledge()["vendors"]:
        for name in [vendor["id"], vendor["name"], *vendor["aliases"]]:
            key = normalised(name)
            assert seen.setdefault(key, vendor["id"]) == vendor["id"], f"{name!r} names two vendors"


def test_same_wiring_as_resolves_to_a_cable_with_its_own_wiring():
    ids = {c["id"] for c in cables()}
    for entry in cables():
        if "same_wiring_as" in entry:
            target = entry["same_wiring_as"]
            assert target in ids and target != entry["id"]
            assert "wiring" in cable(target), "same_wiring_as must point at a cable that has wiring"
            for side in ("ups", "pc"):
                mine, theirs = entry["connectors"][side], cable(target)["connectors"][side]
                assert (mine["type"], mine["gender"]) == (theirs["type"], theirs["gender"])


def test_part_numbers_are_unique_across_cables():
    owner: dict[str, str] = {}
    for entry in cables():
        for number in entry["part_numbers"]:
            assert owner.setdefault(normalised(number), entry["id"]) == entry["id"], number
    for entry in cables():
        for name in entry["other_names"]:
            assert owner.get(normalised(name), entry["id"]) == entry["id"], f"{name!r} is another cable's part number"


def test_management_consoles_have_no_driver_but_say_what_to_use_instead():
    for entry in cables():
        if entry["kind"] == "management-console":
            assert entry["drivers"] == [] and entry["use_instead"]
        else:
            assert "use_instead" not in entry


def test_driver_rule_models_are_models_the_cable_fits():
    for entry in cables():
        fits = entry["fits"]
        known = {normalised(m) for m in fits["models"]} | {normalised(p) for p in fits.get("patterns", [])}
        for rule in entry["drivers"]:
            for model in rule.get("models", []):
                if fits["vendor_wide"] or normalised(model) in known:
                    continue
                assert any(fnmatchcase(normalised(model), normalised(p)) for p in fits.get("patterns", [])), (
                    f"{entry['id']}: rule model {model!r} is not a model the cable fits"
                )


# --------------------------------------------------------------------------- wiring consistency


def db9_pc_cables() -> list[str]:
    return [c["id"] for c in cables() if "wiring" in c and c["connectors"]["pc"]["type"] == "DB9"]


@pytest.mark.parametrize("cable_id", db9_pc_cables())
def test_pc_signal_names_are_the_standard_db9_dte_names(cable_id):
    for w in wiring(cable_id)["wires"]:
        if w["pc"] != "shell":
            assert w["pc_signal"] == DB9_DTE[w["pc"]], (cable_id, w)


@pytest.mark.parametrize("cable_id", [c["id"] for c in cables() if "wiring" in c])
def test_unconnected_pins_are_really_unconnected(cable_id):
    wired = {"ups": set(), "pc": set()}
    for w in wiring(cable_id)["wires"]:
        wired["ups"].add(w["ups"])
        wired["pc"].add(w["pc"])
    for group in wiring(cable_id).get("jumpers", []):
        wired[group["side"]].update(group["pins"])
    for part in wiring(cable_id).get("components", []):
        wired[part["side"]].update(part.get("between", []))
    for label in wiring(cable_id).get("pin_labels", []):
        wired[label["side"]].add(label["pin"])
    for group in wiring(cable_id).get("unconnected", []):
        assert not wired[group["side"]] & set(group["pins"]), (cable_id, group)


@pytest.mark.parametrize(
    "cable_id", [c for c in db9_pc_cables() if cable(c)["kind"] == "contact-closure"]
)
def test_contact_closure_signals_use_lines_in_the_right_direction(cable_id):
    """Status reaches a PC input and shutdown leaves a PC output, or a warning explains otherwise."""
    warnings = " ".join(cable(cable_id).get("warnings", []))
    assert any(w["role"] == "on-battery" for w in wiring(cable_id)["wires"])
    for w in wiring(cable_id)["wires"]:
        wrong_way = (w["role"] in {"on-battery", "low-battery"} and w["pc"] not in DB9_PC_INPUTS | {"2"}) or (
            w["role"] == "shutdown" and w["pc"] not in DB9_PC_OUTPUTS
        )
        if wrong_way:
            assert f"PC pin {w['pc']}" in warnings, (cable_id, w)


@pytest.mark.parametrize("cable_id", [c["id"] for c in cables() if "wiring" in c])
def test_component_nodes_name_real_components(cable_id):
    parts = [p for w in wiring(cable_id)["wires"] for p in w.get("components", [])]
    parts += wiring(cable_id).get("components", [])
    ids = {p["id"] for p in parts if "id" in p}
    for part in parts:
        for node in [*part.get("between", []), *part.get("terminals", {}).values()]:
            if "-" in node:
                assert node.split("-")[0] in ids, (cable_id, node)


# --------------------------------------------------------------------------- transcription, cable by cable


def test_apc_940_0024c_clone_wiring():
    assert pairs("apc-940-0024c-clone") == {("1", "3"), ("2", "2"), ("9", "5")}
    assert jumpers("apc-940-0024c-clone") == [{"1", "4"}, {"7", "8"}]
    assert wire("apc-940-0024c-clone", "9", "5")["role"] == "ground"
    (rule,) = rules("apc-940-0024c-clone")
    assert rule["driver"] == "apcsmart" and rule["options"] == {} and rule["confirmed"]
    assert cable("apc-940-0024c-clone")["connectors"]["ups"]["gender"] == "male"
    assert cable("apc-940-0024c-clone")["connectors"]["pc"]["gender"] == "female"


def test_apc_940_0024e_clone_reuses_the_c_wiring_and_records_the_name_spellings():
    entry = cable("apc-940-0024e-clone")
    assert entry["same_wiring_as"] == "apc-940-0024c-clone" and "wiring" not in entry
    assert entry["source"]["contributor"] == "Jonathan Laventhal"
    assert any("Laventhol" in note for note in entry["notes"])
    assert pairs("apc-940-0024e-clone") == pairs("apc-940-0024c-clone")


def test_apc_mac_clone_wiring_and_ground_pin_warning():
    assert pairs("apc-940-0024c-clone-mac") == {("1", "3"), ("2", "5"), ("5", "4"), ("5", "8")}
    assert wire("apc-940-0024c-clone-mac", "1", "3")["pc_signal"] == "TxD-"
    assert wire("apc-940-0024c-clone-mac", "2", "5")["pc_signal"] == "RxD-"
    assert wire("apc-940-0024c-clone-mac", "5", "8")["role"] == "tie-to-ground"
    assert cable("apc-940-0024c-clone-mac")["connectors"]["pc"]["type"] == "DIN8"
    (warning,) = cable("apc-940-0024c-clone-mac")["warnings"]
    assert "pin 5" in warning and "pin 9" in warning


def test_apc_simple_signalling_cables():
    assert pairs("apc-940-0020b") == {("4", "5"), ("2", "8"), ("1", "4"), ("5", "1")}
    assert jumpers("apc-940-0020b", "ups") == [{"4", "9"}]
    low = wire("apc-940-0020b", "5", "1")
    assert [p["type"] for p in low["components"]] == ["resistor", "transistor"]
    assert low["components"][1]["part"] == "2N3906" and low["active_level"] == "high"
    assert rules("apc-940-0020b")[0]["options"] == {"upstype": "2"}

    assert ("1", "7") in pairs("apc-940-0095a") and ("2", "9") in pairs("apc-940-0095a")
    assert jumpers("apc-940-0095a") == [{"4", "6", "8"}]
    assert wire("apc-940-0095a", "1", "7")["components"] == [{"type": "diode", "part": "1N4148", "conducts": "pc-to-ups"}]
    genericups, apcsmart = rules("apc-940-0095a")
    assert genericups["options"] == {"upstype": "1"} and genericups["confirmed"]
    assert apcsmart["options"] == {"cable": "940-0095B"} and not apcsmart["confirmed"]


def test_apc_940_1000_is_a_straight_extension_without_driver():
    assert pairs("apc-940-1000") == {(str(n), str(n)) for n in range(1, 10)}
    assert cable("apc-940-1000")["extension"] is True and rules("apc-940-1000") == []


def test_apc_back_ups_rs_500_wiring_and_prose_disagreements():
    entry = cable("apc-back-ups-rs-500-serial")
    assert pairs(entry["id"]) == {("1", "8"), ("1", "2"), ("1", "9"), ("2", "1"), ("3", "shell"), ("6", "5"), ("7", "4"), ("7", "6")}
    assert wire(entry["id"], "1", "8")["color"] == "orange/white"
    assert wire(entry["id"], "7", "4")["role"] == "pull-up-source"
    assert not any(w["pc"] in {"3", "7"} for w in entry["wiring"]["wires"])
    assert any("CP=RTS" in w and "pin 7" in w for w in entry["warnings"])
    assert any("SD=ST" in w and "pin 3" in w for w in entry["warnings"])
    assert rules(entry["id"])[0]["options"] == {"upstype": "20"}


def test_belkin_has_only_unconfirmed_candidate_drivers():
    assert pairs("belkin-omniguard-f6c-rkm") == {(str(n), str(n)) for n in range(2, 8)}
    candidates = rules("belkin-omniguard-f6c-rkm")
    assert {r["driver"] for r in candidates} >= {"belkin", "belkinunv", "blazer_ser", "nutdrv_qx"}
    assert all(r["confidence"] == "inferred" and r["confirmed"] is False and r["because"] for r in candidates)
    fits = cable("belkin-omniguard-f6c-rkm")["fits"]
    assert fits["models"] == ["F6C110-RKM-2U", "F6C150-RKM-2U", "F6C230-RKM-2U", "F6C320-RKM-3U"]
    assert fits["patterns"] == ["F6C***-RKM*"]


def test_mge_66049_wiring_and_drivers():
    assert pairs("mge-66049") == {("2", "2"), ("3", "3"), ("5", "5")}
    assert jumpers("mge-66049") == [{"4", "6"}, {"7", "8"}]
    assert wiring("mge-66049")["shield"]["ups"] == "case" and wiring("mge-66049")["shield"]["pc"] == "case"
    assert {r["driver"] for r in rules("mge-66049")} == {"mge-shut", "mge-utalk"}
    assert cable("mge-66049")["fits"]["vendor_wide"] is True


def test_mge_rj45_and_rj12_serial_cables():
    assert pairs("mge-db9-rj45") == {("6", "7"), ("2", "3"), ("3", "2"), ("4", "5")}
    assert jumpers("mge-db9-rj45") == [{"4", "6", "8"}]
    assert pairs("mge-db9-rj12") == {("5", "7"), ("4", "3"), ("2", "2"), ("3", "5")}
    assert jumpers("mge-db9-rj12") == [{"4", "6", "8"}]
    assert cable("mge-db9-rj12")["connectors"]["ups"]["type"] == "RJ12"


def test_nmc_cable_is_a_management_console_with_network_drivers_instead():
    entry = cable("mge-nmc-db9-rj45")
    assert entry["kind"] == "management-console" and entry["drivers"] == []
    assert {r["driver"] for r in entry["use_instead"]} == {"snmp-ups", "netxml-ups"}
    assert pairs(entry["id"]) == {("3", "2"), ("6", "3"), ("4", "5")}
    assert jumpers(entry["id"]) == [{"1", "4", "6"}, {"7", "8"}]


def test_usb_rj45_cable_uses_usbhid_ups_with_automatic_port():
    entry = cable("mge-usb-rj45")
    assert entry["kind"] == "usb"
    assert {(w["ups"], w["pc"], w["color"]) for w in entry["wiring"]["wires"]} == {
        ("7", "2", "white"), ("8", "3", "green"), ("1", "1", "red"), ("4", "4", "black")
    }
    (rule,) = entry["drivers"]
    assert rule["driver"] == "usbhid-ups" and rule["port"] == "auto"


def test_lansafe_coloured_wires_drain_and_adapter():
    colours = {(w["ups"], w["pc"]): w["color"] for w in wiring("powerware-lansafe")["wires"]}
    assert colours == {("6", "8"): "white", ("1", "3"): "brown", ("2", "2"): "red", ("4", "5"): "black", ("5", "1"): "green"}
    assert wiring("powerware-lansafe")["shield"] == {
        "ups": "not connected", "pc": "shell", "note": wiring("powerware-lansafe")["shield"]["note"]
    }
    (adapter,) = wiring("powerware-lansafe")["adapters"]
    assert dict(map(tuple, adapter["pins"])) == {
        "1": "8", "2": "3", "3": "2", "4": "20", "5": "7", "6": "6", "7": "4", "8": "5", "9": "22", "shell": "shell"
    }
    assert (adapter["from"]["type"], adapter["to"]["type"], adapter["to"]["gender"]) == ("DB9", "DB25", "female")


def test_lansafe_driver_rules_per_model_family():
    by_model: dict[str, list[dict]] = {}
    for rule in rules("powerware-lansafe"):
        for model in rule["models"]:
            by_model.setdefault(model, []).append(rule)
    assert [(r["driver"], r["options"]) for r in by_model["3115"]] == [("genericups", {"upstype": "11"})]
    assert [(r["driver"], r["options"]) for r in by_model["5119"]] == [("genericups", {"upstype": "15"})]
    for model in ("9110", "9150", "9305"):
        assert [r["driver"] for r in by_model[model]] == ["upscode2"]
    assert by_model["5105"] and all(not r["confirmed"] and r["confidence"] == "inferred" for r in by_model["5105"])
    assert set(cable("powerware-lansafe")["fits"]["models"]) == {"3115", "5105", "5119", "9110", "9150", "9305"}


def test_powerware_contact_closure_cables_from_powerware_txt():
    assert pairs("powerware-3115-factory") == {("5", "1"), ("2", "2"), ("1", "3"), ("4", "5"), ("6", "8")}
    assert pairs("powerware-3115-factory") == pairs("powerware-lansafe")
    assert pairs("powerware-5119-rm") == {("1", "3"), ("2", "8"), ("4", "4"), ("5", "1")}
    assert rules("powerware-5119-rm")[0]["options"] == {"upstype": "20"}
    assert wiring("powerware-5119-rm")["shield"]["ups"] == wiring("powerware-5119-rm")["shield"]["pc"] == "shell"


def test_sola_330_is_straight_through_with_blazer_ser():
    assert pairs("sola-330") == {(str(n), str(n)) for n in range(1, 10)}
    assert [r["driver"] for r in rules("sola-330")] == ["blazer_ser"]
    assert any("nutdrv_qx" in note for note in cable("sola-330")["notes"])
    assert any("Eaton" in note for note in cable("sola-330")["notes"])


def test_compaq_family_models_and_upscode2_rules():
    entry = cable("compaq-older-ups-family")
    assert pairs(entry["id"]) == {("1", "3"), ("2", "2"), ("4", "5"), ("6", "7")}
    assert jumpers(entry["id"]) == [{"4", "6"}]
    assert len(entry["fits"]["models"]) == 22 and {"R3000", "R3000j"} <= set(entry["fits"]["models"])
    assert {r["driver"] for r in entry["drivers"]} == {"upscode2"}
    (t1500h,) = [r for r in entry["drivers"] if "T1500h" in r["models"]]
    assert t1500h["flags"] == ["use_pre_lf"]
    covered = [m for r in entry["drivers"] for m in r["models"]]
    assert sorted(covered) == sorted(entry["fits"]["models"])
    assert {v["id"]: v for v in knowledge()["vendors"]}["hp"]["aliases"][:3] == ["Compaq", "HP - Compaq", "Hewlett-Packard"]


def test_best_power_cable_and_both_hcl_drivers():
    assert pairs("phoenixtec-best-power-db9") == {("2", "2"), ("1", "3"), ("4", "5")}
    assert cable("phoenixtec-best-power-db9")["connectors"]["ups"]["gender"] == "male"
    assert [r["driver"] for r in rules("phoenixtec-best-power-db9")] == ["blazer_ser", "bestups"]
    assert all("Patriot Pro II" in r["models"] for r in rules("phoenixtec-best-power-db9"))


def test_tripplite_73_0844_matches_the_73_0724_diagram():
    assert wire("tripplite-73-0844", "5", "8")["ups_signal"] == "AC Fail"
    assert wire("tripplite-73-0844", "5", "8")["role"] == "on-battery"
    assert wire("tripplite-73-0844", "6", "1")["role"] == "low-battery"
    assert wire("tripplite-73-0844", "1", "3")["ups_signal"] == "Ground"
    assert wire("tripplite-73-0844", "2", "7")["components"] == [{"type": "diode", "part": "1N4148", "conducts": "pc-to-ups"}]
    assert sorted(tuple(p["between"]) for p in wiring("tripplite-73-0844")["components"]) == [("4", "1"), ("4", "8")]
    assert all(p["ohms"] == 10000 for p in wiring("tripplite-73-0844")["components"])
    assert wiring("tripplite-73-0844")["pin_labels"][0]["role"] == "pull-up-source"
    assert rules("tripplite-73-0844")[0]["options"] == {"upstype": "5"}


def test_victron_and_imv_cables():
    assert pairs("imv-victron-data-cable-1") == {("1", "3"), ("2", "2"), ("5", "5")}
    assert pairs("imv-victron-data-cable-2") == {("2", "3"), ("3", "2"), ("4", "5")}
    assert jumpers("imv-victron-data-cable-1") == jumpers("imv-victron-data-cable-2") == [{"4", "1"}]
    crack = "imv-victron-lite-crack-cable"
    assert pairs(crack) == {("1", "4"), ("7", "1"), ("9", "8"), ("5", "5")}
    assert {tuple(sorted(p["between"])) for p in wiring(crack)["components"]} == {("7", "8"), ("1", "7")}
    assert rules(crack)[0]["options"] == {"upstype": "10"}
    assert pairs("imv-match19-ups-vic23-2") == {("1", "3"), ("2", "2"), ("4", "7"), ("5", "5")}


def test_repotec_wiring_and_swapped_label_warning():
    entry = cable("repotec-rpt-800a-162a")
    assert pairs(entry["id"]) == {("2", "1"), ("6", "3"), ("5", "4"), ("4", "5"), ("7", "5")}
    assert {tuple(p["between"]) for p in entry["wiring"]["components"]} == {("1", "7"), ("4", "8")}
    assert all(p["ohms"] == 5600 for p in entry["wiring"]["components"])
    assert rules(entry["id"])[0]["options"] == {"upstype": "13"}
    assert any("swapped" in w for w in entry["warnings"])


def test_sms_cable_and_its_pin_1_discrepancy():
    entry = cable("sms-upsilon")
    assert pairs(entry["id"]) == {("6", "2"), ("9", "3"), ("5", "4"), ("5", "8"), ("8", "5")}
    assert [r["driver"] for r in entry["drivers"]] == ["blazer_ser"]
    assert any("pin 1" in w for w in entry["warnings"])


# --------------------------------------------------------------------------- against the installed NUT


def installed_drivers() -> set[str]:
    return {p.name for p in DRIVER_DIR.iterdir() if p.is_file()}


@cache
def hcl_lines() -> list[str]:
    return [line for line in NUT_HCL.read_text(encoding="utf-8").splitlines() if line.startswith('"')]


def test_every_driver_named_exists_in_the_installed_nut():
    hcl_text = "\n".join(hcl_lines())
    for cable_id, rule in all_rules():
        assert rule["driver"] in installed_drivers() or re.search(rf"\b{re.escape(rule['driver'])}\b", hcl_text), (
            cable_id, rule["driver"]
        )


@pytest.mark.parametrize(
    "cable_id,rule",
    [(c, r) for c, r in all_rules() if (DRIVER_DIR / r["driver"]).is_file()],
    ids=lambda v: v if isinstance(v, str) else v["driver"],
)
def test_option_and_flag_names_are_accepted_by_the_installed_driver(cable_id, rule):
    settings = driver_listing(rule["driver"])
    assert settings["VALUE"] or settings["FLAG"] or not (rule["options"] or rule["flags"]), "driver listed nothing"
    for key in rule["options"]:
        assert key in settings["VALUE"], (cable_id, rule["driver"], key)
    for flag in rule["flags"]:
        assert flag in settings["FLAG"], (cable_id, rule["driver"], flag)


def test_genericups_types_exist_in_the_installed_driver():
    valid = {str(number) for number in genericups_types()}
    assert {"5", "11"} <= valid
    for cable_id, rule in all_rules():
        if rule["driver"] == "genericups":
            assert rule["options"]["upstype"] in valid, (cable_id, rule["options"])


def test_hcl_rules_are_backed_by_the_installed_hardware_list():
    """A rule that claims the hardware list must find its driver (and upstype/flags) on some HCL row."""
    rows = [re.findall(r'"([^"]*)"', line) for line in hcl_lines()]
    driver_fields = [fields[5] for fields in rows if len(fields) >= 6]
    for cable_id, rule in all_rules():
        if rule["confidence"] != "hcl":
            continue
        wanted = [rule["driver"]] + [f"{k}={v}" for k, v in rule["options"].items() if k == "upstype"] + rule["flags"]
        assert any(all(re.search(rf"(^|[\s\"]){re.escape(w)}($|[\s\"])", field) for w in wanted) for field in driver_fields), (
            cable_id, wanted
        )
