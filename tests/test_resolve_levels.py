"""Models as people name them: every level of certainty the resolver answers at, the examples of
the resolution issue, and the sections each level produces, checked by Debian's real NUT."""

from __future__ import annotations

from pathlib import Path

import pytest

from nuthelper.errors import Ambiguous, InvalidInput, NotFound
from nuthelper.render import render_section
from nuthelper.resolve import resolve
from nuthelper.resolve.inputs import SerialPortNeeded
from support.nut import CORE_SETTINGS, DRIVER_DIR, driver_keys

# (model as typed, port, cable) -> (driver, options or None, confidence)
LEVELS = [
    # an exact row of NUT's hardware list, however the name is written
    (("Powercom BNT-800AP", "auto", None), ("usbhid-ups", None, "hcl")),          # "BNT-xxxAP"
    (("APC BE850G2", "auto", None), ("usbhid-ups", None, "hcl")),                 # SKU of "Back-UPS ES 850G2"
    (("Mustek PowerMust 1000", "auto", None), ("nutdrv_qx", None, "hcl")),        # "Powermust" + "1000VA USB"
    (("Mustek PowerMust 1000", "/dev/ttyS0", None), ("nutdrv_qx", None, "hcl")),  # "Powermust" + "1000VA Plus"
    (("EATON 5E650iUSB", "auto", None), ("usbhid-ups", None, "hcl")),
    (("Liebert GXT2-6000RT208", "/dev/ttyS0", None), ("liebert-esp2", None, "hcl")),  # named by its driver's manual
    # the series: family knowledge, rows of the same series, of a series named almost alike
    (("APC Back-UPS ES 700", "auto", None), ("usbhid-ups", None, "series")),
    (("apc back-ups es 700g", "auto", None), ("usbhid-ups", None, "series")),
    (("Eaton 5E 850i", "auto", None), ("usbhid-ups", None, "series")),
    (("APC Smart-UPS 1500", "/dev/ttyS0", None), ("apcsmart", {}, "series")),
    (("Riello VST 900", "auto", None), ("riello_usb", None, "series")),
    (("Powerware 9125", "/dev/ttyS0", None), ("bcmxcp", None, "series")),
    # the vendor's default for the connection, and a brand nobody lists
    (("CyberPower ZZ900", "auto", None), ("usbhid-ups", None, "vendor-default")),
    (("Zyxbrand 1000", "auto", None), ("nutdrv_qx", None, "inferred")),
    # network cards
    (("APC Smart-UPS 1500", "192.0.2.10", None), ("snmp-ups", {"mibs": "apcc"}, "series")),
    (("Eaton 9PX 3000", "192.0.2.10", None), ("snmp-ups", None, "series")),
    (("CyberPower RMCARD205", "192.0.2.10", None), ("snmp-ups", {"mibs": "cyberpower"}, "hcl")),
]


def _ids(cases):
    return [" | ".join(str(part) for part in case[0] if part) for case in cases]


@pytest.mark.parametrize(("query", "expected"), LEVELS, ids=_ids(LEVELS))
def test_each_level_answers(query, expected):
    model, port, cable = query
    driver, options, confidence = expected
    recommendation = resolve(model, cable, port, attached=[])
    assert recommendation.driver == driver
    assert recommendation.choice.confidence == confidence
    if options is not None:
        assert recommendation.choice.options == options
    if confidence in ("series", "vendor-default", "inferred"):
        assert any("verify" in warning for warning in recommendation.warnings), "a weak answer says what to check"
    assert any(reason.startswith("Port") for reason in recommendation.reasons), "the port is explained"


@pytest.mark.parametrize(("query", "expected"), LEVELS, ids=_ids(LEVELS))
def test_each_level_renders_what_nut_accepts(tmp_path: Path, nut_setup, query, expected):
    model, port, cable = query
    recommendation = resolve(model, cable, port, attached=[])
    section = render_section(recommendation, name="testups")
    nut_setup.write_ups_conf(section.text)
    driver = recommendation.driver
    assert (DRIVER_DIR / driver).exists(), f"{driver} is not installed (CI installs nut-server, nut-snmp, nut-xml)"
    plan = nut_setup.upsdrvctl_test_start()
    assert plan.returncode == 0, plan.output
    assert plan.exec_lines() == [f"{DRIVER_DIR / driver} -a testups"], plan.output
    assert not plan.rejections(), plan.output
    listed = driver_keys(driver)
    for key in [key for key in recommendation.choice.options if key not in CORE_SETTINGS]:
        assert key in listed, f"{driver} -L does not list {key}"


def test_issue_examples():
    """The answers the resolution issue names as wrong or missing."""
    assert resolve("APC Back-UPS ES 700", port="auto", attached=[]).driver == "usbhid-ups"
    assert resolve("Eaton 5E 850i", port="auto", attached=[]).driver == "usbhid-ups"
    assert resolve("APC Smart-UPS 1500", port="auto", attached=[]).driver == "usbhid-ups"
    assert resolve("Powercom BNT-800AP", port="auto", attached=[]).driver == "usbhid-ups"
    assert resolve("Mustek PowerMust 1000", port="auto", attached=[]).driver == "nutdrv_qx"
    mustek = resolve("Mustek PowerMust 1000", port="/dev/ttyS0")
    assert mustek.driver == "nutdrv_qx" and mustek.cable is None, "no Compaq cable for a Mustek"
    pro = resolve("APC Back-UPS Pro 900")
    assert (pro.driver, pro.port) == ("usbhid-ups", "auto"), "current Back-UPS Pro units are USB"
    usb = resolve("APC Back-UPS ES 700", cable="usb", port="auto", attached=[])
    assert usb.driver == "usbhid-ups" and usb.cable is None, "--cable usb is a connection, not Eaton's USB-RJ45 cable"
    eco = resolve("Eaton Ellipse ECO 650")
    assert (eco.driver, eco.port) == ("usbhid-ups", "auto"), "a USB-only series needs no serial port"
    smart = resolve("APC Smart-UPS 1500", port="/dev/ttyS0")
    assert smart.driver == "apcsmart" and smart.cable.id == "apc-940-0024c-clone"
    assert {alt.driver for alt in smart.alternatives} == {"genericups"}, "the simple-signalling cables are alternatives"
    assert resolve("Eaton 9PX 2000 RT", port="/dev/ttyUSB0").driver == "mge-shut"


def test_two_plausible_drivers_say_what_decides():
    recommendation = resolve("Eaton 5E 850i", port="auto", attached=[])
    assert "nutdrv_qx" in {alt.driver for alt in recommendation.alternatives}
    assert any("what decides" in warning and "0665:5161" in warning for warning in recommendation.warnings)
    revisions = resolve("Tripp Lite SMART500RT1U", port="auto", attached=[])
    assert {revisions.driver, *(alt.driver for alt in revisions.alternatives)} >= {"usbhid-ups", "tripplite_usb"}
    assert any("what decides" in warning for warning in revisions.warnings)


def test_the_port_decides_the_connection():
    assert resolve("MGE Ellipse Office 600", port="auto", attached=[]).driver == "usbhid-ups"
    assert resolve("MGE Ellipse Office 600", port="/dev/ttyS0").driver == "mge-shut"
    assert resolve("Eaton Ellipse MAX 850", port="/dev/hidraw0").port == "auto", "USB device nodes are USB"
    with pytest.raises(Ambiguous) as ambiguity:
        resolve("MGE Ellipse Office 600")
    assert ambiguity.value.details["decided_by"] == ["--port"]


def test_a_port_the_series_lacks_is_not_used():
    recommendation = resolve("Eaton Ellipse ECO 650", port="/dev/ttyS0")
    assert (recommendation.driver, recommendation.port) == ("usbhid-ups", "auto")
    assert any("no serial port" in warning for warning in recommendation.warnings)


def test_a_network_card_needs_its_address():
    with pytest.raises(InvalidInput, match="address as --port"):
        resolve("APC Smart-UPS 1500 with AP9630 Network Management Card")
    card = resolve("APC Smart-UPS 1500 with AP9630 Network Management Card", port="192.0.2.10")
    assert (card.driver, card.choice.options, card.port) == ("snmp-ups", {"mibs": "apcc"}, "192.0.2.10")


def test_vendors_as_people_write_them():
    cases = {"Cyper Power Systems CST135UC2": "cyberpower", "APC1500 2RU SmartUps": "apc",
             "American Power Conservation Back-UPS NS 1350M2": "apc", "BlueWalker VI 650 SH": "powerwalker",
             "SMT750i": "apc", "5PX 1500": "eaton", "www.Tripp-Lite.com SMART1500LCD": "tripplite",
             "CyberPowerSystems.de CP1500EPFCLCD": "cyberpower", "our CyberPower CP1500EPFCLCD": "cyberpower",
             "The Tripp Lite SMART1500LCD": "tripplite", "apc_smartups_1500": "apc", "eaton_5p_1500": "eaton",
             "Tripp-Lite-SMART1050SLT": "tripplite"}
    for model, vendor in cases.items():
        recommendation = resolve(model, port="auto", attached=[])
        assert recommendation.vendor is not None and recommendation.vendor.id == vendor, model
        assert recommendation.driver == "usbhid-ups", model
    mine = resolve("my Back-UPS ES 700", port="auto", attached=[])   # a filler word, then a series alone
    assert (mine.vendor.id, mine.driver) == ("apc", "usbhid-ups")
    web = resolve("www.Tripp-Lite.com SMART1500LCD", port="auto", attached=[])
    assert "The vendor was read from its web address: Tripp Lite." in web.reasons


def test_a_series_several_vendors_sell_needs_the_vendor_only_where_their_answers_differ():
    with pytest.raises(Ambiguous, match=r"APC -> apcsmart; Tripp Lite -> tripplitesu") as question:
        resolve("SU1500", port="/dev/ttyS0", attached=[])
    assert question.value.details["decided_by"] == ["--model"]
    assert {c["name"] for c in question.value.details["candidates"]} >= {"apcsmart", "tripplitesu"}
    same = resolve("SMC1500", port="auto", attached=[])
    assert same.driver == "usbhid-ups" and same.vendor is None and same.query == "SMC1500"
    assert any("may be a unit of APC or Tripp Lite" in warning for warning in same.warnings)
    assert resolve("APC SU1500", port="/dev/ttyS0", attached=[]).driver == "apcsmart", "the vendor given decides"
    listed = resolve("ECO Network 2000", port="/dev/ttyS0", attached=[])  # Meta System's row, not Tripp Lite's ECO
    assert (listed.driver, listed.choice.confidence) == ("metasys", "hcl")
    assert "'ECO Network 2000' names no vendor; NUT's hardware list names it for Meta System only." in listed.reasons


def test_a_name_without_its_vendor_that_only_the_newer_list_names_is_that_row():
    must = resolve("EP2000Pro", port="/dev/ttyS0", attached=[])   # Must's row, newer than the installed list
    assert (must.driver, must.choice.confidence) == ("must_ep2000pro", "hcl")
    two_e = resolve("PS1000L", port="/dev/ttyS0", attached=[])    # 2E's row, though Opti-UPS sells a PS series
    assert (two_e.driver, two_e.choice.confidence) == ("nutdrv_qx", "hcl")
    assert resolve("Opti-UPS PS1000L", port="/dev/ttyS0", attached=[]).driver == "optiups", "the vendor given decides"


def test_a_brand_another_maker_sells_under_is_that_makers_row():
    trust = resolve("Trust 625", port="/dev/ttyS0", attached=[])   # Powercom's row "Trust 425/625"
    assert (trust.vendor.id, trust.driver, trust.choice.confidence) == ("powercom", "powercom", "hcl")
    assert any("names the model with the brand it is sold under: Powercom" in reason for reason in trust.reasons)
    own = resolve("Trust UPS 1000 Management PW-4105", port="/dev/ttyS0", attached=[])
    assert own.vendor.id == "trust", "a model the brand's own rows name stays the brand's"


def test_a_first_or_last_word_ups_names_nothing():
    for model, port, driver in (("HP T750 G2 UPS", "auto", "usbhid-ups"), ("Sweex 1000 UPS", "auto", "richcomm_usb"),
                                ("ASEM PB1300", "/dev/ttyS0", "asem"),   # NUT's row: "PB1300 UPS"
                                ("UPS 1200VA Management PW-4120M", "/dev/ttyS0", "nutdrv_qx"),   # Trust's row, no vendor
                                ("Tecnoware ERA PLUS 1100", "auto", "nutdrv_qx")):   # the row: "UPS ERA PLUS 1100"
        answer = resolve(model, port=port, attached=[])
        assert (answer.driver, answer.choice.confidence) == (driver, "hcl"), model


def test_a_serial_device_the_list_writes_is_where_such_units_usually_are_not_a_rule():
    given = resolve("nJoy Keen 600", port="/dev/ttyUSB1", attached=[])  # the row: "nutdrv_qx port=/dev/ttyUSB0"
    assert (given.driver, given.port) == ("nutdrv_qx", "/dev/ttyUSB1")
    assert any(reason.startswith("Port /dev/ttyUSB1, as given: NUT's hardware list writes port = /dev/ttyUSB0")
               for reason in given.reasons)
    assert resolve("nJoy Keen 600", port="auto", attached=[]).port == "auto"


def test_a_misspelt_vendor_before_its_own_series():
    """A first word spelt like a vendor, before a series only that vendor's rows use, is that vendor;
    a name unlike any vendor's before the same series is not."""
    from nuthelper.knowledge.names import one_edit_apart

    for typed, vendor in {"Eatn 5E 850i": "eaton", "APX Back-UPS ES 700": "apc"}.items():
        recommendation = resolve(typed, port="auto", attached=[])
        assert recommendation.vendor is not None and recommendation.vendor.id == vendor, typed
        assert recommendation.driver == "usbhid-ups", typed
        assert any("a name spelt close to it" in reason for reason in recommendation.reasons), typed
    stranger = resolve("Xyzzy 5E 850i", port="auto", attached=[])
    assert stranger.vendor is None or stranger.vendor.id != "eaton"
    misspelt, right = (resolve(name, port="auto", attached=[]) for name in ("Powrwalker VI 650 SH",
                                                                            "PowerWalker VI 650 SH"))
    assert (misspelt.display_model, misspelt.driver) == (right.display_model, right.driver)
    assert one_edit_apart("apx", "apc") and one_edit_apart("eatn", "eaton") and one_edit_apart("etaon", "eaton")
    assert not one_edit_apart("xyzzy", "eaton") and not one_edit_apart("apc", "apc")


def test_the_newer_bundled_list_is_used_and_said():
    from nuthelper.knowledge.hcl import SYSTEM_HCL, default_hcl

    assert default_hcl().source == str(SYSTEM_HCL), "CI runs with Debian's NUT 2.8.0 and its older list"
    older = {row.model for row in default_hcl().entries if row.manufacturer == "Ippon"}
    assert "Smart Power Pro II Euro 1200/1600/2200" not in older
    recommendation = resolve("Ippon Smart Power Pro II Euro 2200", port="auto", attached=[])
    assert recommendation.driver == "usbhid-ups" and recommendation.choice.confidence == "hcl"
    assert any("newer hardware list" in reason for reason in recommendation.reasons)


def test_the_attached_unit_decides():
    from nuthelper.probe.udev import UsbInfo, UsbUps

    def ups(vendorid, productid, driver):
        usb = UsbInfo(vendorid, productid, "V", "P", None, "001", "002", "/sys/bus/usb/devices/1-1")
        return UsbUps(usb, driver, {"port": "auto", "vendorid": vendorid, "productid": productid}, [],
                      f"USB ID {vendorid}:{productid} is handled by {driver}")

    q1 = resolve("Eaton 5E 850i", port="auto", attached=[ups("0665", "5161", "nutdrv_qx")])
    assert (q1.driver, q1.choice.confidence) == ("nutdrv_qx", "usb-id")
    assert q1.choice.options == {"vendorid": "0665", "productid": "5161"}
    hid = resolve("Eaton 5E 850i", port="auto", attached=[ups("0463", "ffff", "usbhid-ups")])
    assert (hid.driver, hid.choice.confidence) == ("usbhid-ups", "usb-id")
    assert not any("USB ID confirms" in warning for warning in hid.warnings)
    other = resolve("APC Back-UPS ES 700", port="auto", attached=[ups("0764", "0501", "usbhid-ups")])
    assert any("not one of APC" in warning for warning in other.warnings), "a contradicting unit is named"


def test_unknown_names_still_refused_with_candidates():
    with pytest.raises(NotFound) as missing:
        resolve("Nonexistent Brand Thing", port="auto", attached=[])
    assert "closest known" in missing.value.message
    with pytest.raises(Ambiguous) as cable_decides:
        resolve("APC Back-UPS 650", port="/dev/ttyS0")
    assert cable_decides.value.details["decided_by"] == ["--cable"]


def test_an_undocumented_cable_leaves_the_answer_to_the_model():
    recommendation = resolve("APC Back-UPS CS 500", cable="AP9827", port="auto", attached=[])
    assert recommendation.driver == "usbhid-ups"
    assert "in neither the cable knowledge base" in recommendation.warnings[0]
    with pytest.raises(NotFound, match="--wiring"):
        resolve("APC Back-UPS 650", cable="Z-9999-cable", port="/dev/ttyS0")
    with pytest.raises(NotFound, match="73-0844"):
        resolve("Tripp Lite X", "73-0845", "/dev/ttyS0")
    # spelt like data cables only (another revision of the smart cable): the protocol decides, not the wiring
    revision = resolve("Smart-UPS RT 10000 XL", cable="940-0024B", port="/dev/ttyS0")
    assert revision.driver == "apcsmart"
    assert any("spelt like the documented 940-0024C clone" in warning for warning in revision.warnings)


@pytest.mark.parametrize(("args", "kind"), [
    (("MGE Ellipse Office 600",), "driver"),                                   # the port decides
    (("APC Back-UPS 650", None, "/dev/ttyS0"), "driver"),                      # the cable decides
    (("Keor 800", None, "auto"), "driver"),                                    # the USB ID decides
    (("APC Back-UPS ES 700", "serial", "/dev/ttyS0"), "driver"),               # known over USB only
    (("Nonexistent Brand Thing", None, "auto"), "model"),                      # closest names
    (("Eaton Ellipse MAX 1100", "DB9", "/dev/ttyS0"), "cable"),               # several cables match
])
def test_every_question_offers_candidates_of_one_shape(args, kind):
    with pytest.raises((Ambiguous, NotFound, InvalidInput)) as question:
        resolve(*args, attached=[])
    candidates = question.value.details.get("candidates")
    assert candidates, question.value.message
    assert all(entry["kind"] == kind and isinstance(entry["name"], str) and entry["name"] for entry in candidates)


def test_a_part_number_a_row_writes_after_its_series_is_a_name_of_the_row():
    from nuthelper.knowledge.hcl import HclEntry
    from nuthelper.resolve.hclmatch import row_names

    def names(model):
        return row_names(HclEntry("Belkin", "ups", 2, model, (model,), "", (), "usbhid-ups", "", 1))

    assert "F6C1200-UNV" in names("Universal UPS F6C1200-UNV")
    assert "T750" not in names("T750 G2") and "PRV700" not in names("PRV700 Pro"), "a suffix follows: not alone"
    serial = resolve("Belkin F6C1200-UNV", port="/dev/ttyS0", attached=[])   # the row is USB only
    assert (serial.driver, serial.choice.confidence) == ("belkinunv", "series"), "its series' serial rows decide"


def test_a_row_that_writes_another_name_of_its_vendor_names_the_model_without_it():
    for model, port, driver in (("Eaton 9130", "auto", "usbhid-ups"), ("Eaton 9130", "/dev/ttyS0", "bcmxcp")):
        answer = resolve(model, port=port, attached=[])     # Eaton's row: "Powerware 9130", bcmxcp or usbhid-ups
        assert (answer.driver, answer.choice.confidence) == (driver, "hcl"), (model, port)


def test_a_listed_model_on_another_connection_is_not_called_unlisted():
    serial = resolve("Liebert PowerSure PSA 500", port="/dev/ttyS0", attached=[])   # NUT lists it on USB only
    assert not any("is not in NUT's hardware list" in warning for warning in serial.warnings), serial.warnings
    assert any("USB only" in reason and "does not fit the serial port" in reason for reason in serial.reasons)
    mistyped = resolve("Liebert PowerSure PSA 5000", port="/dev/ttyS0", attached=[])
    assert any("is not in NUT's hardware list; it is spelt like Liebert PowerSure PSA 500" in warning
               for warning in mistyped.warnings), mistyped.warnings


def test_a_long_bare_number_is_an_article_number_not_a_rating():
    from nuthelper.resolve.families import default_families
    from nuthelper.resolve.modelname import understand

    name = understand("10121076 Basic VI 1500 STL", "powerwalker", default_families())
    assert (name.series, name.capacity, name.suffix) == (("basic", "vi"), 1500, ("stl",))
    walker = resolve("PowerWalker 10121076 Basic VI 1500 STL", port="auto", attached=[])   # the row: "Basic VI 1000 SB"
    assert (walker.driver, walker.choice.confidence) == ("usbhid-ups", "series")
    for model in ("Ippon Na+ TA 1000", "Ippon 2049878"):   # the row: "2049878 UPS Ippon Na+ TA 1000 (white)"
        answer = resolve(model, port="/dev/ttyS0", attached=[])
        assert (answer.driver, answer.choice.confidence) == ("nutdrv_qx", "hcl"), model
    assert understand("Galaxy 7000 250000 VA", "eaton", default_families()).capacity == 250000, "six digits rate"


def test_what_a_vendors_serial_units_speak_does_not_make_its_usb_model_a_serial_unit():
    # ETA's only rows are serial (genericups, etapro): a USB model it does not list is inferred as a
    # brand's USB unit, not called "known only as a serial unit"
    usb = resolve("ETA-1600 SINUS", port="auto", attached=[])
    assert (usb.driver, usb.choice.confidence) == ("nutdrv_qx", "inferred")
    assert "usbhid-ups" in [choice.driver for choice in usb.alternatives]
    assert "no USB unit of ETA" in usb.choice.because, usb.choice.because
    with pytest.raises(SerialPortNeeded, match="known only as a serial unit"):   # a listed model still is one
        resolve("ETA mini+UPS PRO", port="auto", attached=[])
