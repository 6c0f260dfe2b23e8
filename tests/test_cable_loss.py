"""A loose contact-closure cable: what nut-helper predicts genericups reports, checked with Debian's
real genericups on a pty whose modem lines the LD_PRELOAD shim supplies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nuthelper.knowledge.cables import load_cables
from nuthelper.knowledge.derive import derive_signals
from nuthelper.knowledge.disconnect import CableLoss, cable_losses, loss_warnings
from nuthelper.knowledge.genericups import written_signals
from support.cli import nut_helper

EXAMPLE_WIRING = Path(__file__).resolve().parent.parent / "docs" / "examples" / "home-made-relay-cable.json"
WIRED_CABLES = [cable for cable in load_cables().cables if cable.kind == "contact-closure" and cable.wiring]


def section(port: str, options: dict[str, str]) -> str:
    lines = "".join(f"\t{key} = {value}\n" for key, value in options.items())
    return f"[loose]\n\tdriver = genericups\n\tport = {port}\n{lines}"


def driver_status(nut_setup, modem_lines, lines_on) -> set[str]:
    modem_lines.set_inputs(*lines_on)
    run = nut_setup.run_driver("genericups", "loose", lines=modem_lines)
    assert run.returncode == 0, run.output
    return run.status()


def test_73_0844_off_the_computer_shuts_down_and_off_the_ups_goes_unnoticed(serial_pty, modem_lines, nut_setup):
    done = nut_helper("setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844",
                      "--port", serial_pty.port, "--name", "loose", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    computer, ups = data["cable_loss"]
    assert (computer["case"], computer["lines_on"], computer["status"], computer["verdict"]) == \
        ("computer", [], ["OB", "LB"], "shutdown")
    # The diagram: PC pin 4 (DTR, the cable power) feeds 10 kΩ pull-ups to pins 8 (CTS) and 1 (DCD).
    assert (ups["case"], ups["lines_on"], ups["status"], ups["verdict"]) == ("ups", ["CTS", "DCD"], ["OL"], "unnoticed")
    assert sum("NUT issue #111" in warning for warning in data["warnings"]) == 2
    assert "# WARNING: If the cable is unplugged from the computer" in data["text"]
    nut_setup.write_ups_conf(data["text"])
    for case in (computer, ups):
        assert driver_status(nut_setup, modem_lines, case["lines_on"]) == set(case["status"]), case


@pytest.mark.parametrize("cable", WIRED_CABLES, ids=[cable.id for cable in WIRED_CABLES])
def test_every_documented_contact_cable_loose_reads_as_predicted(cable, serial_pty, modem_lines, nut_setup):
    derivation = derive_signals(cable.wiring)
    nut_setup.write_ups_conf(section(serial_pty.port, {"upstype": str(derivation.upstype), **derivation.overrides}))
    losses = derivation.cable_losses()
    assert [loss.case for loss in losses] == ["computer", "ups"]
    for loss in losses:
        assert driver_status(nut_setup, modem_lines, loss.lines_on) == set(loss.status), loss


def setup_cases(cable) -> list[tuple[str, dict]]:
    """(model, rule options) for each documented genericups setting of the cable, the model one it applies to."""
    cases = []
    for rule in cable.drivers:
        if rule.driver == "genericups":
            model = rule.models[0] if rule.models else cable.fits["models"][0]
            if all(model != known for known, _ in cases):
                cases.append((model, rule.options))
    return cases


SETUP_CASES = [(cable, model, options) for cable in WIRED_CABLES for model, options in setup_cases(cable)]


@pytest.mark.parametrize(("cable", "model", "options"), SETUP_CASES,
                         ids=[f"{cable.id}-{model}" for cable, model, _ in SETUP_CASES])
def test_cables_show_and_setup_give_the_reading_the_real_driver_gives(cable, model, options, serial_pty,
                                                                      modem_lines, nut_setup):
    done = nut_helper("setup", "--cable", cable.id, "--model", model, "--port", serial_pty.port, "--name", "loose",
                      "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["options"] == options
    page = nut_helper("cables", "show", cable.id).stdout
    for case in data["cable_loss"]:
        assert f"  - {case['consequence']}" in page, (case, page)
    nut_setup.write_ups_conf(data["text"])
    for case in data["cable_loss"]:
        assert driver_status(nut_setup, modem_lines, case["lines_on"]) == set(case["status"]), case
    shown = json.loads(nut_helper("cables", "show", cable.id, "--json").stdout)["cable_loss"]
    assert [entry["cases"] for entry in shown if entry["options"] == options][0] == data["cable_loss"]


def test_home_made_wiring_gets_both_cases(tmp_path):
    done = nut_helper("setup", "--wiring", str(EXAMPLE_WIRING), "--port", "/dev/ttyS0", "--json")
    assert done.returncode == 0, done.stderr
    cases = {loss["case"]: loss for loss in json.loads(done.stdout)["cable_loss"]}
    assert set(cases) == {"computer", "ups"}
    # The example's 4.7 kΩ resistors pull PC pins 1 (DCD) and 8 (CTS) up from pin 7 (RTS), the cable power.
    assert cases["ups"]["lines_on"] == ["CTS", "DCD"]


def test_smart_protocol_answers_have_no_cable_loss_judgement():
    done = nut_helper("setup", "--model", "Eaton Ellipse MAX 850", "--cable", "DB9-RJ45", "--port", "/dev/ttyS0",
                      "--json")
    data = json.loads(done.stdout)
    assert data["driver"] == "mge-shut" and data["cable_loss"] == []
    assert not any("#111" in warning for warning in data["warnings"])


def test_upstype_shows_the_computer_case():
    data = json.loads(nut_helper("upstype", "5", "--json").stdout)["type"]
    assert [(loss["case"], loss["status"], loss["verdict"]) for loss in data["cable_loss"]] == \
        [("computer", ["OB", "LB"], "shutdown")]
    assert "loose cable: If the cable is unplugged from the computer" in nut_helper("upstype", "5").stdout


def test_equal_outcomes_are_said_once():
    same = [CableLoss("computer", (), ("OL",), "unnoticed"), CableLoss("ups", ("CTS",), ("OL",), "unnoticed")]
    (warning,) = loss_warnings(same)
    assert warning.startswith("If the cable is unplugged from the computer or from the UPS, genericups reports OL")
    differ = [CableLoss("computer", (), ("OB", "LB"), "shutdown"), CableLoss("ups", ("CTS",), ("OL",), "unnoticed")]
    assert [w.split(",")[0] for w in loss_warnings(differ)] == \
        ["If the cable is unplugged from the computer (or the port has no cable)", "If the cable is unplugged from the UPS or cut"]


@pytest.mark.parametrize("options", [{"upstype": "5", "LB": "DCD"}, {"upstype": "3", "OL": "-CTS"},
                                     {"upstype": "2", "OL": "-DCD", "LB": "-CTS"}])
def test_override_lines_are_part_of_the_prediction(options, serial_pty, modem_lines, nut_setup):
    nut_setup.write_ups_conf(section(serial_pty.port, options))
    (computer,) = cable_losses(written_signals(options))
    assert driver_status(nut_setup, modem_lines, ()) == set(computer.status), computer
