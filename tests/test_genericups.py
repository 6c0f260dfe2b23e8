"""The genericups data file agrees with Debian's real genericups driver; matching, parsing, CLI."""

from __future__ import annotations

import gzip
import itertools
import json
import re
from pathlib import Path

import pytest

from nuthelper.errors import InvalidInput, NotFound
from nuthelper.knowledge.genericups import (BREAK_SIGNAL, INPUT_LINES, SIGNAL_NAMES, UNKNOWN_SIGNAL, SignalSet,
                                            format_signal, identical_groups, load_table, parse_match,
                                            parse_signal, types_matching)
from support.cli import nut_helper
from support.nut import genericups_types

TABLE = load_table()
INPUT_COMBINATIONS = [combo for size in range(len(INPUT_LINES) + 1)
                      for combo in itertools.combinations(INPUT_LINES, size)]


def test_data_lists_exactly_the_real_drivers_types():
    real = genericups_types()
    assert sorted(real) == list(range(24))
    assert sorted(TABLE.types) == sorted(real)
    for number, label in real.items():
        assert TABLE.get(number).driver_label == label
        assert TABLE.get(number).models


def genericups_section(port, upstype: int, overrides: str = "") -> str:
    return f"[gen]\n\tdriver = genericups\n\tport = {port}\n\tupstype = {upstype}\n{overrides}"


def expected_status(signals: SignalSet, asserted: set[str]) -> set[str]:
    """What genericups must report for these input lines, read from the data file alone."""
    def present(name: str) -> bool:
        signal = signals.get(name)
        if signal is None:
            return name == "OL"
        return all((line in asserted) == active_high for line, active_high in signal)
    status = {"OL" if present("OL") else "OB"}
    status |= {name for name in ("LB", "RB", "BYPASS") if present(name)}
    return status


@pytest.mark.parametrize("number", sorted(TABLE.types))
def test_real_driver_behaves_as_the_data_says(number, serial_pty, modem_lines, nut_setup):
    signals = TABLE.get(number).signals
    nut_setup.write_ups_conf(genericups_section(serial_pty.port, number))

    for asserted in INPUT_COMBINATIONS:
        modem_lines.set_inputs(*asserted)
        run = nut_setup.run_driver("genericups", "gen", lines=modem_lines)
        assert run.returncode == 0, run.output
        assert run.status() == expected_status(signals, set(asserted)), f"inputs {asserted}"
        assert set(signals.status(frozenset(asserted))) == run.status(), f"nut-helper's decoding, inputs {asserted}"
    cable_power = {line for line, high in signals.cp or () if high}
    first = modem_lines.events()[0]
    assert (first.kind, first.path, first.raised) == ("SET", serial_pty.device, cable_power)

    modem_lines.clear_events()
    shutdown = nut_setup.run_driver("genericups", "gen", "-k", lines=modem_lines)
    events = modem_lines.events()
    if signals.sd == UNKNOWN_SIGNAL:
        assert shutdown.returncode != 0 and "No shutdown command" in shutdown.output
    elif signals.sd == BREAK_SIGNAL:
        assert shutdown.returncode == 0 and events[-1].kind == "BREAK"
    else:
        assert shutdown.returncode == 0, shutdown.output
        assert (events[-1].kind, events[-1].raised) == ("SET", {line for line, high in signals.sd or () if high})


MANUAL_PAGE = Path("/usr/share/man/man8/genericups.8.gz")  # Debian's nut-server


def manual_signals() -> dict[int, str]:
    """Each type's signal line as Debian's genericups(8) prints it, roff escapes removed."""
    assert MANUAL_PAGE.is_file(), f"{MANUAL_PAGE} is missing: nut-server installs it (tests/run.sh)"
    text = gzip.decompress(MANUAL_PAGE.read_bytes()).decode("utf-8").replace("\\-", "-")
    return {int(number): signals for number, signals in
            re.findall(r"^(\d+) = [^\n]*\n(?:[^\n\[]*\n)*?(\[CP=[^\n]*)$", text, flags=re.M)}


def test_every_difference_between_the_manual_page_and_the_driver_is_recorded_with_its_source():
    manual = manual_signals()
    assert sorted(manual) == sorted(TABLE.types)
    for number, text in manual.items():
        ups_type = TABLE.get(number)
        stated = parse_match(text)
        differing = {name: stated.text(name) for name in stated.differing(ups_type.signals)}
        recorded = {item.signal: item.manual for item in ups_type.manual_disagreements}
        assert differing == recorded, (number, text)
        for item in ups_type.manual_disagreements:
            assert item.driver_source.startswith(f"drivers/genericups.h, type {number}:")
            assert "genericups(8)" in item.manual_source


def test_upstype_3_says_where_manual_and_driver_disagree():
    done = nut_helper("upstype", "3")
    assert done.returncode == 0
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("  manual differs:")]
    assert "gives OL=CTS" in line and "use OL=-CTS" in line and '"online: CTS off"' in line
    assert "drivers/genericups.h" in line
    data = json.loads(nut_helper("upstype", "3", "--json").stdout)["type"]
    assert [(item["signal"], item["manual"]) for item in data["manual_disagreements"]] == [("OL", "CTS")]
    assert data["signals"]["OL"] == "-CTS"


def test_identical_groups_include_the_documented_triple():
    assert [7, 10, 22] in identical_groups()
    for group in identical_groups():
        first = TABLE.get(group[0]).signals
        assert all(TABLE.get(other).signals.agrees_with(first) for other in group)


def test_identical_groups_are_exactly_the_types_with_equal_behaviour():
    grouped = {number for group in identical_groups() for number in group}
    for left, right in itertools.combinations(sorted(TABLE.types), 2):
        same = TABLE.get(left).signals.agrees_with(TABLE.get(right).signals)
        in_one_group = any(left in group and right in group for group in identical_groups())
        assert same == in_one_group, (left, right)
    assert grouped


def test_full_match_finds_type_5_only():
    assert types_matching(parse_match("CP=DTR OL=CTS LB=-DCD SD=DTR+RTS")) == [5]


def test_partial_match_compares_only_the_given_signals():
    found = types_matching(parse_match("OL=-CTS LB=DCD"))
    assert found == [number for number, ups_type in TABLE.types.items()
                     if ups_type.signals.text("OL") == "-CTS" and ups_type.signals.text("LB") == "DCD"]
    assert {0, 2, 3, 12, 20} <= set(found)


def test_output_order_and_negated_outputs_compare_by_behaviour():
    assert types_matching(parse_match("SD=RTS+DTR CP=RTS OL=CTS")) == [21]
    assert parse_match("SD=-RTS").agrees_with(parse_match("SD=none"))
    assert 4 in types_matching(parse_match("CP=RTS SD=none RB=none"))


def test_match_syntax_accepts_manual_brackets_and_aliases():
    parsed = parse_match("[CP=DTR] [OL=-RI], [LB = CD]")
    assert parsed.format() == "CP=DTR OL=-RNG LB=DCD"
    assert parsed.given == frozenset({"CP", "OL", "LB"})


@pytest.mark.parametrize("text", ["", "OL", "CP=CTS", "OL=DTR", "SD=ST+RTS", "CP=ST", "XX=DTR",
                                  "OL=CTS OL=DCD", "LB=DCD+DCD", "OL=CTS junk"])
def test_bad_match_strings_are_rejected(text):
    with pytest.raises(InvalidInput):
        parse_match(text)


def test_every_type_round_trips_through_the_match_syntax():
    for ups_type in TABLE.types.values():
        text = ups_type.signals.format(brief=False)
        assert parse_match(text) == ups_type.signals
        for name in SIGNAL_NAMES:
            assert parse_signal(name, format_signal(ups_type.signals.get(name))) == ups_type.signals.get(name)


def test_unknown_type_number_is_not_found():
    with pytest.raises(NotFound):
        TABLE.get(24)


def test_cli_shows_one_type_with_its_twins():
    done = nut_helper("upstype", "10")
    assert done.returncode == 0
    assert "CP=RTS OL=CTS LB=-DCD SD=DTR" in done.stdout
    assert "identical to types 7, 22" in done.stdout


def test_cli_lists_all_types_and_groups():
    done = nut_helper("upstype")
    assert done.returncode == 0
    assert len(re.findall(r"^\s+\d+\s+CP=", done.stdout, flags=re.M)) == 24
    assert "7 = 10 = 22" in done.stdout


def test_cli_match_json():
    done = nut_helper("upstype", "--match", "CP=RTS OL=CTS LB=-DCD SD=DTR", "--json")
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert [entry["number"] for entry in data["types"]] == [7, 10, 22]
    assert data["identical_groups"] == [[7, 10, 22]]
    assert data["query"] == {"CP": "RTS", "OL": "CTS", "LB": "-DCD", "SD": "DTR"}


def test_cli_match_without_result_names_the_closest_type():
    done = nut_helper("upstype", "--match", "CP=DTR OL=CTS LB=-DCD SD=RTS+DTR RB=-DSR")
    assert done.returncode == 3
    assert "closest is type 5" in done.stderr and "RB = -DSR" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("args", "code"), [(["upstype", "99"], 3), (["upstype", "--match", "OL=DTR"], 2),
                                            (["upstype", "5", "--match", "OL=CTS"], 2)])
def test_cli_errors(args, code):
    done = nut_helper(*args)
    assert done.returncode == code
    assert len(done.stderr.strip().splitlines()) == 1
