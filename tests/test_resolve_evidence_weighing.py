"""How the resolver weighs evidence that points two ways, and the facts it learnt with sources
(nuthelper/data/model-families.json): a gateway that decides the driver whatever the UPS, a
series' Q* USB rows answering for its serial port, tied rows and unconfirmed cable drivers that
ask the unit, vendor SKU and serial defaults. Over USB the attached unit's ID checks every answer,
so these tests pass ``attached=[]`` (no unit plugged in) to see the model's answer alone."""

from __future__ import annotations

import pytest

from nuthelper.errors import Ambiguous, InvalidInput
from nuthelper.resolve import resolve


@pytest.mark.parametrize(("cable", "port"), [("ADAM-6050 Modbus TCP remote I/O", "192.0.2.20"),
                                             ("Modbus RTU remote I/O module on RS-485", "/dev/ttyUSB1")])
def test_a_modbus_remote_io_gateway_decides_generic_modbus(cable, port):
    recommendation = resolve("Acme DC-UPS 24V 10A", cable, port, attached=[])
    assert recommendation.driver == "generic_modbus"
    assert recommendation.port == port
    assert any("generic_modbus(8)" in reason for reason in recommendation.reasons)


def test_a_gateway_is_not_found_on_the_usb_bus():
    with pytest.raises(InvalidInput, match="serial port or the network"):
        resolve("Acme DC-UPS 24V 10A", "Modbus remote I/O", "auto", attached=[])


@pytest.mark.parametrize("model", ["PowerWalker VI 2000 SCL", "Salicru SPS ONE 1100VA"])
def test_q1_usb_rows_of_a_series_answer_for_its_serial_port(model):
    """Not the vendor's "(various) serial" row of a driver the installed NUT lacks."""
    recommendation = resolve(model, port="/dev/ttyS0")
    assert recommendation.driver == "nutdrv_qx"
    assert recommendation.choice.confidence == "series"
    assert any("USB-to-serial bridge" in reason for reason in recommendation.reasons)


def test_serial_rows_tied_on_different_drivers_ask_the_probe():
    with pytest.raises(Ambiguous) as question:
        resolve("Sweex 500", port="/dev/ttyS0")
    assert question.value.details["decided_by"] == ["--probe"]
    drivers = {entry["driver"] for entry in question.value.details["candidates"]}
    assert {"safenet", "genericups"} <= drivers
    assert "--probe" in question.value.message


def test_an_unconfirmed_cable_driver_names_what_the_series_also_uses():
    recommendation = resolve("Compaq T1000h", port="/dev/ttyS0")
    assert recommendation.driver == "upscode2"
    assert "bcmxcp" in [alternative.driver for alternative in recommendation.alternatives]
    assert any("--probe" in warning and "bcmxcp" in warning for warning in recommendation.warnings)


@pytest.mark.parametrize("model", ["OP850", "CyberPower OP650"])
def test_cyberpower_op_sku_is_powerpanel_on_serial(model):
    recommendation = resolve(model, port="/dev/ttyS0")
    assert recommendation.driver == "powerpanel"
    assert recommendation.vendor is not None and recommendation.vendor.id == "cyberpower"
    assert recommendation.choice.confidence == "series"


def test_socomec_online_units_on_serial_are_jbus_with_the_other_lines_named():
    recommendation = resolve("Socomec MASTERYS BC 10kVA", port="/dev/ttyS0")
    assert recommendation.driver == "socomec_jbus"
    assert recommendation.choice.confidence == "vendor-default"
    assert {"nutdrv_qx", "powercom"} <= {alternative.driver for alternative in recommendation.alternatives}


def test_liebert_gxt_serial_names_the_contact_closure_alternative():
    recommendation = resolve("Liebert GXT4", port="/dev/ttyS0")
    assert recommendation.driver == "liebert-esp2"
    assert "liebert" in [alternative.driver for alternative in recommendation.alternatives]
    assert any("contact-closure" in warning for warning in recommendation.warnings)


def test_a_mixed_series_says_what_decides():
    """A sub-line the list does not know, of a series with HID and Q* units."""
    recommendation = resolve("PowerWalker VI 1500 CW", port="auto", attached=[])
    assert any("different drivers" in warning and "USB ID" in warning for warning in recommendation.warnings)


def test_a_brand_named_keeps_its_own_protocol():
    """Powerware is an Eaton name, but its serial units speak XCP, not the SHUT of Eaton's and MGE's."""
    powerware = resolve("Powerware Netpro 3000", port="/dev/ttyS0")
    assert (powerware.driver, powerware.choice.confidence) == ("bcmxcp", "vendor-default")
    assert "upscode2" in [alternative.driver for alternative in powerware.alternatives]
    assert any("Powerware's default for serial" in reason for reason in powerware.reasons)
    assert resolve("Eaton Netpro 3000", port="/dev/ttyS0").driver == "mge-shut"
    assert resolve("Powerware Netpro 3000", port="auto", attached=[]).driver == "usbhid-ups"


@pytest.mark.parametrize(("model", "port"), [("Zorblax ZX07ES", "/dev/ttyS0"), ("qwertyco ups", "auto")])
def test_an_unknown_unrated_unit_is_inferred_with_a_warning(model, port):
    """A model code or the word UPS, but no rating: what small vendors use, saying it may be no mains UPS."""
    recommendation = resolve(model, port=port, attached=[])
    assert (recommendation.driver, recommendation.choice.confidence) == ("nutdrv_qx", "inferred")
    assert any("no rating" in warning and "DC or DIN-rail" in warning for warning in recommendation.warnings)
