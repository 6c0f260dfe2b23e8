"""From wiring to genericups: derived signals, types, overrides; checked on the real driver too."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from nuthelper.errors import InvalidInput
from nuthelper.knowledge.cables import load_cables
from nuthelper.knowledge.derive import derive_signals
from nuthelper.knowledge.genericups import BREAK_SIGNAL, load_table
from nuthelper.knowledge.user_wiring import derive_from_file, load_user_wiring

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "data" / "wirings").glob("*.json"))
HOME_MADE_EXAMPLE = ROOT / "docs" / "examples" / "home-made-relay-cable.json"
DB9_INPUTS = {"1": "DCD", "6": "DSR", "8": "CTS", "9": "RNG"}
DB9_OUTPUTS = {"4": "DTR", "7": "RTS"}


def contact_closure_cables():
    return [cable for cable in load_cables().cables if cable.kind == "contact-closure" and cable.wiring]


def test_tripplite_73_0844_derives_exactly_type_5():
    cable = next(cable for cable in contact_closure_cables() if cable.id == "tripplite-73-0844")
    derivation = derive_signals(cable.wiring)
    assert derivation.signals.format() == "CP=DTR OL=CTS LB=-DCD SD=DTR+RTS"
    assert derivation.exact_types == [5]
    assert derivation.upstype == 5
    assert derivation.overrides == {} and derivation.problems == []
    assert any("PC pin 8 (CTS) is pulled up from DTR through 10 kΩ" in reason and "OL=CTS" in reason
               for reason in derivation.reasons)


@pytest.mark.parametrize("cable", contact_closure_cables(), ids=lambda cable: cable.id)
def test_every_contact_closure_cable_in_the_knowledge_base_derives_its_documented_type(cable):
    derivation = derive_signals(cable.wiring)
    documented = [int(rule.options["upstype"]) for rule in cable.drivers
                  if rule.driver == "genericups" and "upstype" in rule.options]
    assert documented, f"{cable.id} has a contact-closure wiring but no genericups rule"
    for upstype in documented:
        if upstype in derivation.types:
            continue
        # The only accepted exception: the cable's own document gives a line level that the
        # genericups table contradicts, and the knowledge base says so in a warning of the rule
        # (shown in the sections that use it) or of the cable.
        differing = [name for name in derivation.signals.differing(load_table().get(upstype).signals)
                     if name in ("OL", "LB")]
        assert len(differing) == 1, (upstype, derivation.reasons)
        warnings = [*cable.warnings, *(warning for rule in cable.drivers if rule.options.get("upstype") == str(upstype)
                                       for warning in rule.warnings)]
        assert any(f"type {upstype}" in warning for warning in warnings), \
            f"{cable.id}: the wiring gives {differing[0]} unlike type {upstype}, and no warning explains it"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.stem)
def test_each_documented_cable_derives_its_documented_type(path):
    documented = load_user_wiring(path)["documented"]
    derivation = derive_from_file(path)
    assert documented["upstype"] in derivation.types, derivation.reasons
    assert derivation.overrides == {}
    json.dumps(derivation.to_dict())


def test_apc_rs500_document_contradicts_its_own_wiring():
    derivation = derive_from_file(ROOT / "tests" / "data" / "wirings" / "apc-back-ups-rs500.json")
    assert "the document says CP=RTS, but pin 7 (RTS) is not wired" in derivation.problems
    assert "the document says SD=ST, but pin 3 (TxD) is not wired" in derivation.problems
    assert derivation.signals.text("CP") == "DTR"
    assert "SD" not in derivation.signals.given
    assert 20 in derivation.exact_types


def test_fixtures_without_claims_have_no_problems():
    for path in FIXTURES:
        if "signals" not in load_user_wiring(path).get("documented", {}):
            assert derive_from_file(path).problems == [], path.name


def test_home_made_cable_gets_a_base_type_and_overrides():
    derivation = derive_from_file(HOME_MADE_EXAMPLE)
    assert derivation.types == []
    assert derivation.signals.format() == "CP=RTS OL=-DCD LB=-CTS SD=DTR+RTS"
    assert derivation.upstype == derivation.base_type == 2
    assert derivation.override_lines() == ["OL = -DCD", "LB = -CTS"]


def wiring_of(*wires, components=(), pin_labels=()):
    return {"wires": list(wires), "components": list(components), "pin_labels": list(pin_labels)}


def pullup(source: str, target: str) -> dict:
    return {"type": "resistor", "ohms": 10000, "side": "pc", "between": [source, target]}


def test_four_wire_telemetry_derives_type_23():
    wiring = wiring_of(
        {"ups": "1", "pc": "8", "role": "on-battery", "active_level": "low"},
        {"ups": "2", "pc": "1", "role": "low-battery", "active_level": "low"},
        {"ups": "3", "pc": "9", "role": "replace-battery", "active_level": "low"},
        {"ups": "4", "pc": "6", "role": "bypass", "active_level": "low"},
        {"ups": "5", "pc": "5", "role": "ground"},
        components=[pullup("7", pin) for pin in ("8", "1", "9", "6")])
    derivation = derive_signals(wiring)
    assert derivation.signals.format() == "CP=RTS OL=CTS LB=-DCD RB=-RNG BYPASS=-DSR"
    assert derivation.exact_types == [23]


def test_shutdown_by_dropping_cable_power_derives_type_4():
    wiring = wiring_of(
        {"ups": "1", "pc": "8", "role": "on-battery", "active_level": "low"},
        {"ups": "2", "pc": "1", "role": "low-battery", "active_level": "low"},
        {"ups": "3", "pc": "7", "role": "shutdown", "active_level": "low"},
        {"ups": "5", "pc": "5", "role": "ground"},
        components=[pullup("7", "8"), pullup("7", "1")])
    derivation = derive_signals(wiring)
    assert derivation.signals.format() == "CP=RTS OL=CTS LB=-DCD SD=-RTS"
    assert derivation.exact_types[0] == 4
    assert 23 not in derivation.types  # type 23 reads RNG and DSR, which this cable leaves low


def test_missing_level_on_a_pulled_up_line_is_taken_as_active_low():
    wiring = wiring_of({"ups": "1", "pc": "8", "role": "on-battery"}, components=[pullup("4", "8")])
    derivation = derive_signals(wiring)
    assert derivation.signals.text("OL") == "CTS"
    assert any("taken to pull it low" in reason for reason in derivation.reasons)


def test_missing_level_without_pull_up_is_a_problem_and_not_guessed():
    derivation = derive_signals(wiring_of({"ups": "1", "pc": "8", "role": "on-battery"}))
    assert "OL" not in derivation.signals.given
    assert any("polarity cannot be derived" in problem for problem in derivation.problems)


@pytest.mark.parametrize(("wire", "expected"), [
    ({"ups": "1", "pc": "4", "role": "on-battery", "active_level": "low"}, "cannot read"),
    ({"ups": "1", "pc": "8", "role": "shutdown"}, "cannot drive"),
    ({"ups": "1", "pc": "8", "pc_signal": "DTR", "role": "on-battery", "active_level": "low"}, "labelled DTR"),
])
def test_impossible_wiring_is_reported(wire, expected):
    derivation = derive_signals(wiring_of(wire))
    assert any(expected in problem for problem in derivation.problems), derivation.problems


def test_pull_up_source_that_also_drives_shutdown_is_reported():
    wiring = wiring_of({"ups": "1", "pc": "8", "role": "on-battery", "active_level": "low"},
                       {"ups": "2", "pc": "7", "role": "shutdown", "active_level": "high"},
                       components=[pullup("7", "8")])
    derivation = derive_signals(wiring)
    assert any("would shut down as soon as the driver starts" in problem for problem in derivation.problems)


def test_db25_pins_are_recognised_from_the_signal_names():
    wiring = wiring_of({"ups": "1", "pc": "5", "pc_signal": "CTS", "role": "on-battery", "active_level": "low"},
                       {"ups": "2", "pc": "8", "pc_signal": "DCD", "role": "low-battery", "active_level": "low"},
                       components=[pullup("20", "5"), pullup("20", "8")])
    derivation = derive_signals(wiring)
    assert derivation.signals.format() == "CP=DTR OL=CTS LB=-DCD"
    assert derivation.problems == []


# --- user wiring files: clear one-line errors -------------------------------------------------

def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def example_data() -> dict:
    return json.loads(HOME_MADE_EXAMPLE.read_text(encoding="utf-8"))


def broken(change) -> dict:
    data = copy.deepcopy(example_data())
    change(data)
    return data


@pytest.mark.parametrize(("data", "field"), [
    ("{not json", "line 1"),
    ([1, 2], "JSON object"),
    (broken(lambda d: d.update(wirng={})), "'wirng'"),
    (broken(lambda d: d.pop("wiring")), "no \"wiring\""),
    (broken(lambda d: d.update(format=2)), "format 2"),
    (broken(lambda d: d["wiring"]["wires"][0].update(role="onbattery")), "wiring.wires[0].role"),
    (broken(lambda d: d["wiring"]["wires"][1].pop("pc")), "wiring.wires[1]"),
    (broken(lambda d: d["wiring"]["wires"][0].update(active_level="on")), "wiring.wires[0].active_level"),
    (broken(lambda d: d["wiring"]["components"][0].update(between=["7"])), "wiring.components[0].between"),
    (broken(lambda d: d["wiring"].update(wires=[])), "wiring.wires"),
    (broken(lambda d: d["connectors"]["pc"].update(type="DB15")), "connectors.pc.type"),
    (broken(lambda d: d.update(documented={"signals": "OL=DTR"})), "documented.signals"),
])
def test_bad_wiring_files_are_rejected_naming_file_and_field(tmp_path, data, field):
    path = write_json(tmp_path / "cable.json", data)
    with pytest.raises(InvalidInput) as error:
        load_user_wiring(path)
    assert str(path) in error.value.message and field in error.value.message
    assert "\n" not in error.value.message


def test_missing_wiring_file(tmp_path):
    with pytest.raises(InvalidInput, match="no such wiring file"):
        load_user_wiring(tmp_path / "nope.json")


# --- the real genericups driver follows the derived configuration ----------------------------

def ups_side_inputs(wiring: dict, outputs: set[str], on_battery: bool, low_battery: bool) -> set[str]:
    """PC input lines that read high, simulated from the wiring alone (DB9 computer port).

    A status wire carries its active level while the condition holds, else the other level;
    every PC pin wired to the same UPS pin sees it. A line that reads high only through a
    pull-up (active-low contact open) needs the pull-up's source raised by the driver.
    """
    condition = {"on-battery": on_battery, "low-battery": low_battery}
    pulled_from = {part["between"][1]: part["between"][0] for part in wiring.get("components", [])
                   if part["type"] == "resistor" and part["between"][0] in DB9_OUTPUTS}
    pulled_from.update({part["between"][0]: part["between"][1] for part in wiring.get("components", [])
                        if part["type"] == "resistor" and part["between"][1] in DB9_OUTPUTS})
    high: set[str] = set()
    for wire in wiring["wires"]:
        if wire.get("role") not in condition:
            continue
        active = condition[wire["role"]]
        level_high = (wire["active_level"] == "high") == active
        for other in wiring["wires"]:
            pin = str(other["pc"])
            if other["ups"] == wire["ups"] and pin in DB9_INPUTS and level_high:
                source = pulled_from.get(pin)
                if source is None or DB9_OUTPUTS[source] in outputs:
                    high.add(DB9_INPUTS[pin])
    return high


def section_for(derivation, port) -> str:
    lines = ["[cable]", "\tdriver = genericups", f"\tport = {port}", f"\tupstype = {derivation.upstype}"]
    lines += [f"\t{line}" for line in derivation.override_lines()]
    return "\n".join(lines) + "\n"


def wirings_to_run():
    cases = [(path.stem, load_user_wiring(path)["wiring"], derive_from_file(path))
             for path in FIXTURES + [HOME_MADE_EXAMPLE]]
    derived = [(cable.id, cable.wiring, derive_signals(cable.wiring)) for cable in contact_closure_cables()]
    # Cables whose wiring alone fixes on-line and low-battery, and matches a type, can be simulated.
    cases += [case for case in derived if {"OL", "LB"} <= case[2].signals.given and case[2].types]
    return cases


@pytest.mark.parametrize(("name", "wiring", "derivation"), wirings_to_run(), ids=lambda value: value
                         if isinstance(value, str) else "")
def test_real_genericups_follows_the_simulated_cable(name, wiring, derivation, serial_pty, modem_lines, nut_setup):
    nut_setup.write_ups_conf(section_for(derivation, serial_pty.port))
    first = nut_setup.run_driver("genericups", "cable", lines=modem_lines)
    assert first.returncode == 0 and "Fatal" not in first.output and "not a valid" not in first.output, first.output
    outputs = modem_lines.outputs()
    for on_battery in (False, True):
        for low_battery in (False, True):
            modem_lines.set_inputs(*ups_side_inputs(wiring, outputs, on_battery, low_battery))
            run = nut_setup.run_driver("genericups", "cable", lines=modem_lines)
            expected = {"OB" if on_battery else "OL"} | ({"LB"} if low_battery else set())
            assert run.status() == expected, (on_battery, low_battery, run.output)

    shutdown_wires = [wire for wire in wiring["wires"] if wire.get("role") == "shutdown"]
    if not shutdown_wires:
        return
    modem_lines.clear_events()
    shutdown = nut_setup.run_driver("genericups", "cable", "-k", lines=modem_lines)
    assert shutdown.returncode == 0, shutdown.output
    if derivation.signals.sd == BREAK_SIGNAL:
        assert modem_lines.events("BREAK")
    else:
        raised = {DB9_OUTPUTS[str(wire["pc"])] for wire in shutdown_wires if wire.get("active_level", "high") == "high"}
        assert raised <= modem_lines.outputs()


def test_type_5_on_the_real_driver(serial_pty, modem_lines, nut_setup):
    cable = next(cable for cable in contact_closure_cables() if cable.id == "tripplite-73-0844")
    nut_setup.write_ups_conf(section_for(derive_signals(cable.wiring), serial_pty.port))
    for inputs, status in ((("CTS", "DCD"), {"OL"}), (("DCD",), {"OB"}), ((), {"OB", "LB"})):
        modem_lines.set_inputs(*inputs)
        assert nut_setup.run_driver("genericups", "cable", lines=modem_lines).status() == status
    assert modem_lines.outputs() == {"DTR"}
    nut_setup.run_driver("genericups", "cable", "-k", lines=modem_lines)
    assert modem_lines.outputs() == {"DTR", "RTS"}


def test_home_made_overrides_are_accepted_and_followed_by_the_real_driver(serial_pty, modem_lines, nut_setup):
    derivation = derive_from_file(HOME_MADE_EXAMPLE)
    nut_setup.write_ups_conf(section_for(derivation, serial_pty.port))
    modem_lines.set_inputs("CTS")
    run = nut_setup.run_driver("genericups", "cable", lines=modem_lines)
    assert run.returncode == 0 and "no effective difference" not in run.output, run.output
    assert modem_lines.outputs() == {"RTS"}
    for inputs, status in ((("CTS",), {"OL"}), (("DCD", "CTS"), {"OB"}), (("DCD",), {"OB", "LB"}), ((), {"OL", "LB"})):
        modem_lines.set_inputs(*inputs)
        assert nut_setup.run_driver("genericups", "cable", lines=modem_lines).status() == status, inputs
    # Without the overrides, type 2 reads the same lines the other way round: the overrides matter.
    nut_setup.write_ups_conf(section_for(derivation, serial_pty.port).replace("\tOL = -DCD\n", "")
                             .replace("\tLB = -CTS\n", ""))
    modem_lines.set_inputs("CTS")
    assert nut_setup.run_driver("genericups", "cable", lines=modem_lines).status() != {"OL"}
