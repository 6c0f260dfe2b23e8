"""Resolution: realistic queries for every documented cable give the right driver and options."""

from __future__ import annotations

import pytest

from nuthelper.errors import Ambiguous, InvalidInput, NotFound
from nuthelper.knowledge.cables import load_cables
from nuthelper.resolve import NotMonitoringCable, resolve
from support.nut import upscode2_workaround

UPSCODE2 = upscode2_workaround()  # the settings the installed NUT's upscode2 needs (none from 2.8.1)

# (model as a person types it, --cable, --port) -> (driver, options, flags, port)
CASES = [
    (("Tripp Lite Internet Office 700", "73-0844", "/dev/ttyS0"), ("genericups", {"upstype": "5"}, [], "/dev/ttyS0")),
    (("tripp-lite internet office 700", "black 73-0844 cable", "/dev/ttyS1"), ("genericups", {"upstype": "5"}, [], "/dev/ttyS1")),
    (("TRIPPLITE  omni 450", "73 0844", "/dev/ttyUSB0"), ("genericups", {"upstype": "5"}, [], "/dev/ttyUSB0")),
    (("APC Smart-UPS 1500", "940-0024C", "/dev/ttyS0"), ("apcsmart", None, [], "/dev/ttyS0")),
    (("apc smart ups 1000", "940-0024E", "/dev/ttyS0"), ("apcsmart", None, [], "/dev/ttyS0")),
    (("Powerware 3115", "LanSafe", "/dev/ttyS0"), ("genericups", {"upstype": "11"}, [], "/dev/ttyS0")),
    (("powerware 5119", "lansafe", "/dev/ttyS0"), ("genericups", {"upstype": "15"}, [], "/dev/ttyS0")),
    (("Eaton Powerware 9110", "LanSafe", "/dev/ttyS0"), ("upscode2", UPSCODE2, [], "/dev/ttyS0")),
    (("Powerware 9305", "LanSafe", "/dev/ttyS0"), ("upscode2", UPSCODE2, [], "/dev/ttyS0")),
    (("Compaq T1500h", None, "/dev/ttyS0"), ("upscode2", UPSCODE2, ["use_pre_lf"], "/dev/ttyS0")),
    (("HP R3000j", None, "/dev/ttyS0"), ("upscode2", UPSCODE2, [], "/dev/ttyS0")),
    (("hp compaq t700", None, "/dev/ttyS0"), ("upscode2", UPSCODE2, [], "/dev/ttyS0")),
    (("MGE Ellipse MAX 1100", "66049", "/dev/ttyS0"), ("mge-shut", None, [], "/dev/ttyS0")),
    (("Eaton Ellipse MAX 850", "DB9-RJ45", "/dev/ttyS0"), ("mge-shut", None, [], "/dev/ttyS0")),
    (("eaton ellipse max 850", "USB-RJ45", None), ("usbhid-ups", None, [], "auto")),
    (("MGE Ellipse MAX 600", "usb rj45", "auto"), ("usbhid-ups", None, [], "auto")),
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[" | ".join(filter(None, case[0])) for case in CASES])
def test_realistic_queries(query, expected):
    model, cable, port = query
    driver, options, flags, wanted_port = expected
    recommendation = resolve(model, cable, port)
    assert recommendation.driver == driver
    if options is not None:
        assert recommendation.choice.options == options
    assert recommendation.choice.flags == flags
    assert recommendation.port == wanted_port
    assert recommendation.cable is not None
    assert recommendation.reasons, "a recommendation always says why"


def test_every_cable_resolves_or_explains():
    """Each documented cable, asked for by its first part number or title, gives an answer or a clear refusal."""
    knowledge = load_cables()
    for cable in knowledge.cables:
        name = (cable.part_numbers or [cable.title])[0]
        model = next(iter(cable.fits.get("models", [])), f"{cable.vendor.name} UPS")
        port = "auto" if cable.kind == "usb" else "/dev/ttyS0"
        try:
            recommendation = resolve(f"{cable.vendor.name} {model}", name, port)
        except NotMonitoringCable as refusal:
            assert cable.kind == "management-console"
            assert "snmp-ups" in refusal.message
        except Ambiguous as ambiguity:
            assert ambiguity.details.get("decided_by"), f"{cable.id}: ambiguity must say which flag decides"
        except NotFound as missing:
            assert not cable.drivers, f"{cable.id}: {missing.message}"
            assert cable.notes[0] in missing.message, "a cable with no driver says why"
        else:
            assert recommendation.cable.id in (cable.id, getattr(cable.same_wiring_as, "id", None))
            assert recommendation.driver


def test_nmc_cable_is_not_a_monitoring_cable():
    with pytest.raises(NotMonitoringCable) as refusal:
        resolve("MGE Pulsar", "NMC DB9-RJ45", "/dev/ttyS0")
    assert "66102" in refusal.value.message or "Management Card" in refusal.value.message
    drivers = {entry["driver"] for entry in refusal.value.details["use_instead"]}
    assert {"snmp-ups", "netxml-ups"} <= drivers


def test_belkin_omniguard_is_unconfirmed_with_candidates():
    recommendation = resolve("Belkin F6C150-RKM-2U", None, "/dev/ttyS0")
    assert recommendation.choice.confirmed is False
    assert recommendation.choice.confidence == "inferred"
    assert recommendation.alternatives, "candidates are listed"
    assert any("nconfirmed" in warning for warning in recommendation.warnings)


def test_pattern_model_fits_belkin_cable():
    recommendation = resolve("belkin omniguard f6c230-rkm-2u", None, "/dev/ttyS0")
    assert "belkin" in recommendation.cable.id


def test_lansafe_without_model_number_asks_for_it():
    with pytest.raises(Ambiguous) as ambiguity:
        resolve("Powerware LanSafe UPS", "LanSafe", "/dev/ttyS0")
    assert "--model" in ambiguity.value.message
    assert ambiguity.value.details["decided_by"] == ["--model"]


def test_two_cables_fit_and_port_decides():
    with pytest.raises(Ambiguous) as ambiguity:
        resolve("Eaton Ellipse MAX 1100", None, None)
    assert "--port auto" in ambiguity.value.message
    assert ambiguity.value.details["decided_by"] == ["--port"]
    assert resolve("Eaton Ellipse MAX 1100", None, "auto").driver == "usbhid-ups"


def test_a_data_cable_outranks_signal_cables_that_name_the_model_too():
    """The 940-0024C and the simple-signalling cables all name "Smart-UPS": the unit speaks its
    smart protocol over the cable it ships with; the signal cables are the alternatives."""
    recommendation = resolve("APC Smart-UPS", None, "/dev/ttyS0")
    assert recommendation.driver == "apcsmart"
    assert ("genericups", {"upstype": "2"}) in [(alt.driver, alt.options) for alt in recommendation.alternatives]
    assert any(warning.startswith("What decides is the cable") and "940-0020B" in warning
               for warning in recommendation.warnings)
    with pytest.raises(Ambiguous):  # only signal cables name it: which one is the user's to say
        resolve("APC Back-UPS", None, "/dev/ttyS0")


def test_unknown_model_names_closest():
    recommendation = resolve("Compaq T1550h", None, "/dev/ttyS0")
    assert recommendation.choice.confidence == "vendor-default"
    assert any("T1500h" in warning for warning in recommendation.warnings)


@pytest.mark.parametrize("model", ["", "   ", "line\nbreak", "tab\there"])
def test_bad_model_text_is_invalid(model):
    with pytest.raises(InvalidInput):
        resolve(model, "73-0844", "/dev/ttyS0")


def test_serial_cable_needs_a_port():
    with pytest.raises(InvalidInput, match="--port"):
        resolve("Tripp Lite SmartPro", "73-0844", None)


def test_usb_cable_refuses_serial_port():
    with pytest.raises(InvalidInput, match="port = auto"):
        resolve("Eaton Ellipse MAX 850", "USB-RJ45", "/dev/ttyS0")


def test_vendor_mismatch_warns_and_lowers_confidence():
    recommendation = resolve("CyberPower CP1500", "73-0844", "/dev/ttyS0")
    assert recommendation.choice.confidence == "inferred"
    assert any("documented for Tripp Lite" in warning for warning in recommendation.warnings)


def test_unknown_cable_names_closest():
    with pytest.raises(NotFound, match="73-0844"):
        resolve("Tripp Lite X", "73-0845", "/dev/ttyS0")


# NUT's hardware list decides where no documented cable does (issue: HCL-driven setup).

def test_cable_named_only_by_the_hardware_list():
    recommendation = resolve("APC Back-UPS", "940-0023A", "/dev/ttyS0")
    assert (recommendation.driver, recommendation.choice.options) == ("genericups", {"upstype": "9"})
    assert recommendation.choice.confidence == "hcl"
    assert recommendation.to_dict()["cable"] == {"id": None, "title": "940-0023A (named by NUT's hardware list)"}


def test_documented_cable_from_apc_txt_gives_type_1():
    recommendation = resolve("APC Back-UPS", "940-0095A", "/dev/ttyS0")
    assert recommendation.choice.options == {"upstype": "1"}


def test_usb_model_from_the_hardware_list_gets_port_auto():
    recommendation = resolve("tripplite omni900lcd")
    assert (recommendation.driver, recommendation.port) == ("usbhid-ups", "auto")
    assert any("hardware list" in reason for reason in recommendation.reasons)


def test_serial_and_usb_variants_the_port_decides():
    with pytest.raises(Ambiguous) as ambiguity:
        resolve("Belkin Universal UPS F6C1100-UNV")
    assert ambiguity.value.details["decided_by"] == ["--port"]
    assert resolve("Belkin Universal UPS F6C1100-UNV", port="auto").driver == "usbhid-ups"
    assert resolve("Belkin Universal UPS F6C1100-UNV", port="/dev/ttyS0").driver == "belkinunv"


def test_rows_of_other_devices_nut_drives_are_read_too():
    """NUT's list names solar controllers ("scd") and transfer switches ("ats") beside UPSes: their
    rows answer like a UPS's (IVT's one row, "SCD series", is the vendor's serial default)."""
    assert resolve("IVT SCD", port="/dev/ttyS0").driver == "ivtscd"
    recommendation = resolve("IVT Solar Controller Device", port="/dev/ttyS0")
    assert (recommendation.driver, recommendation.choice.confidence) == ("ivtscd", "vendor-default")


def test_usb_port_is_not_served_by_a_serial_only_cable():
    with pytest.raises(Ambiguous):
        resolve("MGE Ellipse Office 600")
    assert resolve("MGE Ellipse Office 600", port="auto").driver == "usbhid-ups"
    assert resolve("MGE Ellipse Office 600", port="/dev/ttyS0").driver == "mge-shut"


def test_deprecated_driver_replaced_by_installed_successor():
    recommendation = resolve("Best Power Patriot Pro II", port="/dev/ttyS0")
    assert recommendation.driver == "nutdrv_qx"
    assert any("blazer_ser" in reason for reason in recommendation.reasons)


def test_missing_driver_is_reported(tmp_path):
    (tmp_path / "genericups").write_text("#!/bin/sh\n")
    (tmp_path / "genericups").chmod(0o755)
    recommendation = resolve("Compaq T1500h", port="/dev/ttyS0", driver_path=str(tmp_path))
    assert any("upscode2 is not installed" in warning and "nut-server" in warning for warning in recommendation.warnings)
