"""How the resolver weighs evidence that points two ways, and the facts it learnt with sources
(nuthelper/data/model-families.json): a gateway that decides the driver whatever the UPS, a
series' Q* USB rows answering for its serial port, tied rows and unconfirmed cable drivers that
ask the unit, vendor SKU and serial defaults. Over USB the attached unit's ID checks every answer,
so these tests pass ``attached=[]`` (no unit plugged in) to see the model's answer alone."""

from __future__ import annotations

import pytest

from nuthelper.errors import Ambiguous, InvalidInput
from nuthelper.knowledge.hcl import parse_driver_list
from nuthelper.resolve import SerialPortNeeded, resolve
from nuthelper.resolve.families import default_families
from nuthelper.resolve.modelname import understand


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


@pytest.mark.parametrize("model", ["Sweex INTELLIGENT UPS 1000VA P220", "Salicru SPS ONE 1100VA"])
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


@pytest.mark.parametrize("model", ["Eaton ENV800HA", "ENV1000H"])
def test_eaton_env_sku_is_the_e_series_nv_whose_usb_port_speaks_q1(model):
    """"E Series NV UPS 400-2000 VA" is blazer_usb in NUT's list; Eaton sells them as ENV + rating:
    not the usbhid-ups most Eaton USB units use."""
    recommendation = resolve(model, port="auto", attached=[])
    assert (recommendation.driver, recommendation.choice.confidence) == ("nutdrv_qx", "series")


def test_hid_in_the_name_outweighs_the_series_q1_rows_over_usb():
    """PowerWalker's VI ... RT rows are Megatec Q* (blazer_usb); a unit sold as "VI 1500 RT HID" says
    it is a HID power device. The Q* driver stays the alternative; on serial the word says nothing."""
    recommendation = resolve("PowerWalker VI 1500 RT HID", port="auto", attached=[])
    assert recommendation.driver == "usbhid-ups"
    assert "nutdrv_qx" in [alternative.driver for alternative in recommendation.alternatives]
    assert any(reason.startswith("The name says HID") for reason in recommendation.reasons)
    assert resolve("PowerWalker VI 1500 RT", port="auto", attached=[]).driver == "nutdrv_qx"
    assert resolve("PowerWalker VI 1500 RT HID", port="/dev/ttyS0").driver == "nutdrv_qx"


def test_a_bracketed_sku_of_a_narrower_family_leads():
    """"Smart-UPS 750 (SMT750RMI2UC)": the SKU places it in the SMT family, whose RJ45 serial port
    speaks Microlink/Modbus, not the old Smart-UPS' smart protocol; Microlink's own driver is named."""
    recommendation = resolve("APC Smart-UPS 750 (SMT750RMI2UC)", port="/dev/ttyS0")
    assert recommendation.driver == "apc_modbus"
    assert recommendation.understood.family.id == "apc-smart-ups-smt"
    assert {"apcmicrolink", "apcsmart"} <= {alternative.driver for alternative in recommendation.alternatives}
    assert resolve("APC Smart-UPS 750", port="/dev/ttyS0").driver == "apcsmart"


def test_apc_bz_units_of_brazil_are_microsol_apc_with_solis_for_older_ones():
    recommendation = resolve("APC Back-UPS BZ2200BI", port="/dev/ttyS0")
    assert (recommendation.driver, recommendation.choice.confidence) == ("microsol-apc", "series")
    assert "solis" in [alternative.driver for alternative in recommendation.alternatives]


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
    recommendation = resolve("PowerWalker VI 1100 CW", port="auto", attached=[])
    assert any("different drivers" in warning and "USB ID" in warning for warning in recommendation.warnings)
    assert not any("More than one driver" in warning for warning in recommendation.warnings)  # said once


def test_a_brand_named_keeps_its_own_protocol():
    """Powerware is an Eaton name, but its serial units speak XCP, not the SHUT of Eaton's and MGE's."""
    powerware = resolve("Powerware Netpro 3000", port="/dev/ttyS0")
    assert (powerware.driver, powerware.choice.confidence) == ("bcmxcp", "vendor-default")
    assert "upscode2" in [alternative.driver for alternative in powerware.alternatives]
    assert any("Powerware's default for serial" in reason for reason in powerware.reasons)
    assert resolve("Eaton Netpro 3000", port="/dev/ttyS0").driver == "mge-shut"
    assert resolve("Powerware Netpro 3000", port="auto", attached=[]).driver == "usbhid-ups"


@pytest.mark.parametrize(("model", "port"), [("Zorblax ZX07ES", "/dev/ttyS0"), ("qwertyco ups", "auto"),
                                            ("Syndome Claire", "/dev/ttyUSB0")])  # a maker NUT lists: a UPS
def test_an_unknown_unrated_unit_is_inferred_with_a_warning(model, port):
    """A model code or the word UPS, but no rating: what small vendors use, saying it may be no mains UPS."""
    recommendation = resolve(model, port=port, attached=[])
    assert (recommendation.driver, recommendation.choice.confidence) == ("nutdrv_qx", "inferred")
    assert any("no rating" in warning and "DC or DIN-rail" in warning for warning in recommendation.warnings)


def test_a_product_line_word_before_the_series_is_no_part_of_it():
    """NUT's list writes "Line-Interactive VI 850 LCD" where the box says "VI 850 LCD": a unit typed
    without the word meets the rows that share its suffix."""
    families = default_families()
    assert understand("Line-Interactive VI 850 LCD", "powerwalker", families).series == ("vi",)
    assert understand("Online VFI 2000RT LCD", "powerwalker", families).series == ("vfi",)
    assert understand("Laser Online 3000VA", None, families).series == ("laser", "online")  # not before it
    assert understand("Online 3000VA", None, families).series == ("online",)  # nothing after it
    lcd = resolve("PowerWalker VI 1200 LCD", port="auto", attached=[])
    assert (lcd.driver, lcd.choice.confidence) == ("nutdrv_qx", "series")
    assert resolve("PowerWalker VI 1500 SHL", port="auto", attached=[]).driver == "usbhid-ups"


@pytest.mark.parametrize(("port", "driver"), [("auto", "usbhid-ups"), ("/dev/ttyS0", "bcmxcp")])
def test_a_brand_word_is_kept_where_the_rows_write_it(port, driver):
    """"Powerware" names Eaton, and Eaton's rows write "Powerware 9130": that row, whose "bcmxcp or
    usbhid-ups" gives each port the driver that speaks over it."""
    recommendation = resolve("Eaton Powerware 9130", port=port, attached=[])
    assert (recommendation.driver, recommendation.choice.confidence) == (driver, "hcl")


def test_a_longer_exact_name_wins_over_the_part_of_it_another_row_names():
    """"T750" alone is a row for older units; "T750 G2" is a row of its own."""
    recommendation = resolve("HP T750 G2", port="auto", attached=[])
    assert recommendation.driver == "usbhid-ups"
    assert "bcmxcp_usb" not in [alternative.driver for alternative in recommendation.alternatives]


REVISIONS = '''\
"Acme"	"ups"	"3"	"Guard 900"	"older models, USB port"	"bcmxcp_usb"
"Acme"	"ups"	"3"	"Guard 900 G2"	"USB port"	"usbhid-ups"
"Acme"	"ups"	"3"	"Guard 900 G2"	"Serial port"	"bcmxcp"
"Acme"	"ups"	"3"	"Guard 900 INTL"	"USB"	"usbhid-ups"
'''


def test_a_row_for_older_units_competes_with_the_model_s_other_revisions():
    hcl = parse_driver_list(REVISIONS, "test list")
    recommendation = resolve("Acme Guard 900", port="auto", hcl=hcl, attached=[])
    assert (recommendation.driver, recommendation.choice.confidence) == ("usbhid-ups", "hcl")
    assert [alternative.driver for alternative in recommendation.alternatives] == ["bcmxcp_usb"]
    warning = next(warning for warning in recommendation.warnings if "More than one driver" in warning)
    assert "older models" in warning and "Guard 900 G2" in warning and "bcmxcp ," not in warning
    assert resolve("Acme Guard 900", port="/dev/ttyS0", hcl=hcl).driver == "bcmxcp"


def test_a_unit_whose_usb_port_is_a_serial_converter_asks_for_its_tty():
    """huawei-ups2000 reads the UPS2000's USB port as /dev/ttyUSB0: --port auto is no port for it,
    and what small vendors' USB units use (Megatec Q*) says nothing of a Modbus unit."""
    with pytest.raises(SerialPortNeeded, match="/dev/ttyUSB0"):
        resolve("Huawei UPS2000-A-2KTTS", port="auto", attached=[])
    assert resolve("Huawei UPS2000-A-2KTTS", port="/dev/ttyUSB0").driver == "huawei-ups2000"


def test_a_generic_word_and_a_number_name_no_family_without_a_vendor():
    """"UPS2000VA" is how any maker may write a 2000 VA unit, not Huawei's UPS2000 family (whose
    Modbus driver would be wrong for a Q* unit); "UPS2000-G" is that family."""
    recommendation = resolve("Vultech UPS2000VA-PRO", port="auto", attached=[])
    assert (recommendation.driver, recommendation.choice.confidence) == ("nutdrv_qx", "inferred")
    assert resolve("UPS2000-G-3KRTS", port="/dev/ttyUSB0").driver == "huawei-ups2000"


def test_q_units_listed_on_serial_only_are_still_inferred_q_over_usb():
    recommendation = resolve("Santak Castle C3K", port="auto", attached=[])
    assert (recommendation.driver, recommendation.choice.confidence) == ("nutdrv_qx", "inferred")


@pytest.mark.parametrize(("port", "device"), [("com1", "/dev/ttyS0"), ("COM4", "/dev/ttyS3"), ("\\\\.\\COM12", "/dev/ttyS11")])
def test_a_windows_port_name_is_no_host_name(port, device):
    """"COM1" copied from a Windows setup is a serial port, not a network card called com1."""
    with pytest.raises(InvalidInput, match=f"Windows port name.*{device}.*/dev/ttyUSB0"):
        resolve("Powercom Vanguard VGD-2000", port=port)
    assert resolve("Powercom Vanguard VGD-2000", port="comms.example.net").choice.port == "comms.example.net"


def test_ratings_written_with_a_decimal_are_whole_volt_amperes():
    families = default_families()
    assert understand("9SX 1.5kVA", "eaton", families).capacity == 1500
    assert understand("9SX 1,5 kVA", "eaton", families).capacity == 1500
    assert understand("Galaxy 3.0 kVA", "apc", families).capacity == 3000
    assert understand("Solis 1.5", "microsol", families).series == ("solis",)   # NUT's row: "Solis 1.5", "1500VA"
    assert understand("UB40.241", "puls", families).unit is None, "a part number is no rating"
    answer = resolve("Microsol Solis 1500 VA", port="/dev/ttyS0", attached=[])
    assert (answer.driver, answer.choice.confidence) == ("solis", "hcl")


def test_letters_written_with_the_capacity_after_a_series_are_a_model_code():
    families = default_families()
    coded = understand("NetUPS SE XYZ1000b", "exide", families)
    assert (coded.series, coded.capacity) == (("netups", "se"), 1000)
    assert understand("PowerPal P600E", "fenton", families).series == ("powerpal", "p")  # one letter: a sub-series
    assert understand("Zorb ZX1500LCD", "zorb", families).series == ("zorb",)
    assert understand("ZX1500LCD", "zorb", families).series == ("zx",)  # alone, the letters are the series
    recommendation = resolve("Exide NetUPS SE XYZ3000b", port="/dev/ttyS0")
    assert (recommendation.driver, recommendation.choice.confidence) == ("upscode2", "series")


def test_sms_units_on_serial_speak_sms_s_own_protocol():
    recommendation = resolve("SMS Net 4+ 1400", port="/dev/ttyS0")
    assert (recommendation.driver, recommendation.choice.confidence) == ("sms_ser", "vendor-default")
    assert "nutdrv_qx" in [alternative.driver for alternative in recommendation.alternatives]
    assert any("2.8.1" in warning for warning in recommendation.warnings)


@pytest.mark.parametrize(("model", "driver"), [("SNR-UPS-LID-800", "nutdrv_qx"), ("APC-SMT1500", "usbhid-ups")])
def test_a_vendor_joined_to_the_model_by_a_hyphen(model, driver):
    recommendation = resolve(model, port="auto", attached=[])
    assert (recommendation.driver, recommendation.choice.confidence) == (driver, "hcl")
    assert any("joined to the model by a hyphen" in reason for reason in recommendation.reasons)
    assert resolve("Back-UPS ES 700", port="auto", attached=[]).vendor.id == "apc"  # a series, not "Back" + "UPS ES"


SUBLINES = '''\
"Acme"	"ups"	"5"	"Guard X"	""	"mge-shut or mge-utalk"
"Acme"	"ups"	"5"	"Guard"	""	"mge-utalk"
'''


def test_a_suffix_is_the_sub_line_a_row_names_and_a_row_s_second_driver_an_alternative():
    """"Guard 1000X" is of the "Guard X" line, not of the plain "Guard"; that row's "mge-shut or
    mge-utalk" makes mge-utalk the alternative, and says what decides."""
    recommendation = resolve("Acme Guard 1000X", port="/dev/ttyS0", hcl=parse_driver_list(SUBLINES, "test list"))
    assert (recommendation.driver, recommendation.choice.confidence) == ("mge-shut", "series")
    assert [alternative.driver for alternative in recommendation.alternatives] == ["mge-utalk"]
    assert any("More than one driver is plausible" in warning and "--probe" in warning
               for warning in recommendation.warnings)
    assert resolve("Acme Guard 1000", port="/dev/ttyS0", hcl=parse_driver_list(SUBLINES, "test list")).driver == "mge-utalk"


@pytest.mark.parametrize("model", ["Eaton 3105", "Eaton 3105 USB", "PW3105"])
def test_powerware_models_the_list_writes_with_pw(model):
    """NUT's list writes "PW3105"; people write the number without the letters, or after Eaton's name."""
    assert resolve(model, port="auto", attached=[]).driver == "bcmxcp_usb"
