"""The probe never raises a line that a candidate genericups type reads as 'shut down'.

The probe runs as `nut-helper probe` on the SHIPPED genericups table, against a Q1 simulator on a pty
whose modem lines the LD_PRELOAD shim (tests/support/modemlines.c) supplies and records: every DTR/RTS
change is checked against an oracle that reads nuthelper/data/genericups.json on its own.

Every type is a candidate for the guard whatever the lines read: a UPS on battery reads "abnormal",
and on battery is when a contact-closure UPS obeys its shutdown input. The lines read only give the
evidence ``contact_types`` (the types that read them as on line with a good battery).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nuthelper.resources import data_path
from support.cli import nut_helper
from support.shim import ModemLines

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "support" / "run_probe.py"
SHIPPED = json.loads(data_path("genericups.json").read_text(encoding="utf-8"))["types"]
INPUTS = ("CTS", "DCD", "DSR", "RNG")
READINGS = [" ".join(combo) for size in range(len(INPUTS) + 1) for combo in itertools.combinations(INPUTS, size)]


def lines(text: str) -> list[tuple[str, bool]] | None:
    """Test oracle's own reading of one signal value: None for '???', [] for 'none'."""
    if text == "???":
        return None
    if text == "none":
        return []
    return [(part.lstrip("-"), not part.startswith("-")) for part in text.split("+")]


def normal_state(signals: dict[str, str], reading: set[str]) -> bool:
    """Does the type read 'on line, battery not low' from these input lines? (OL=none: always on line.)"""
    on_line, low = lines(signals["OL"]), lines(signals["LB"])
    is_on_line = all((line in reading) == high for line, high in on_line) if on_line else True
    is_low = all((line in reading) == high for line, high in low) if low else False
    return is_on_line and not is_low


def shutdown_lines(signals: dict[str, str]) -> set[str]:
    """Output lines the type raises to shut down; both when the shutdown is unknown ('???')."""
    shutdown = lines(signals["SD"])
    if shutdown is None:
        return {"DTR", "RTS"}
    return {line for line, high in shutdown if high and line in ("DTR", "RTS")}


def probe(modem_lines: ModemLines, inputs: str, port, *extra: str) -> tuple[dict, list[set[str]]]:
    """`nut-helper probe --json` under the shim with ``inputs`` high: the result and every set of raised lines."""
    modem_lines.set_inputs(*inputs.split())
    done = nut_helper("probe", "--json", *extra, port.path, env={**os.environ, **modem_lines.env()}, timeout=60)
    assert done.returncode in (0, 3), done.stderr
    (result,) = json.loads(done.stdout)["results"]
    events = modem_lines.events("SET")
    assert events, "the shim recorded no line change at all"
    assert all(event.path == port.device for event in events)
    return result, [set(event.raised) for event in events]


@pytest.mark.parametrize("inputs", READINGS, ids=[reading or "none" for reading in READINGS])
def test_shipped_table_no_shutdown_line_of_any_candidate_type_is_raised(modem_lines, sim_bench, inputs):
    port = sim_bench.add("ttyq1", "q1")
    result, raised_sets = probe(modem_lines, inputs, port)
    reading = set(inputs.split())
    normal = [entry["number"] for entry in SHIPPED if normal_state(entry["signals"], reading)]
    assert result["contact_types"] == normal
    assert len(normal) < len(SHIPPED)  # the evidence does tell types apart
    forbidden = set().union(*(shutdown_lines(entry["signals"]) for entry in SHIPPED))
    assert forbidden == {"DTR", "RTS"}  # the shipped table has types shutting down with either line
    for raised in raised_sets:
        assert not raised & forbidden, (inputs, raised, forbidden)
    assert "DTR" in result["lines_withheld"]  # megatec asked for its cable power and the guard said no
    assert result["lines_raised"] == []
    assert result["driver"] == "nutdrv_qx"  # the Q1 unit still answered


def test_a_type_reading_on_battery_still_guards_its_shutdown_line(modem_lines, sim_bench):
    """DCD alone reads as a normal state for type 11 only (shutdown by BREAK), but it is also what a
    type 7 UPS on battery shows (CTS off, DCD on): DTR, type 7's shutdown line, stays low."""
    port = sim_bench.add("ttyq1", "q1")
    result, raised_sets = probe(modem_lines, "DCD", port)
    assert result["contact_types"] == [11]
    assert not any("DTR" in raised for raised in raised_sets)


def test_named_type_with_no_input_lines_reads_on_battery_and_low(modem_lines, sim_bench):
    # upstype 7: cable power RTS, on line CTS, low battery -DCD, shutdown DTR
    port = sim_bench.add("ttyq1", "q1")
    result, raised_sets = probe(modem_lines, "", port, "--upstype", "7")
    assert result["named_type_status"] == {"on_line": False, "low_battery": True}
    assert not any("DTR" in raised for raised in raised_sets), "DTR is type 7's shutdown line"


def test_named_type_may_get_its_cable_power_but_never_its_shutdown_line(modem_lines, sim_bench):
    port = sim_bench.add("ttyq1", "q1")
    result, raised_sets = probe(modem_lines, "CTS DCD", port, "--upstype", "7")
    assert any("RTS" in raised for raised in raised_sets), "cable power (RTS) was never raised"
    assert not any("DTR" in raised for raised in raised_sets), "DTR is type 7's shutdown line"
    assert result["named_type_status"] == {"on_line": True, "low_battery": False}
    assert result["lines_raised"] == ["RTS"]
    assert "DTR" in result["lines_withheld"]


def test_named_type_gets_its_cable_power_even_when_other_types_shut_down_with_it(modem_lines, sim_bench):
    # upstype 11: cable power DTR, shutdown by a BREAK on TxD
    port = sim_bench.add("ttyq1", "q1")
    result, raised_sets = probe(modem_lines, "CTS", port, "--upstype", "11")
    assert any("DTR" in raised for raised in raised_sets)
    assert not any("RTS" in raised for raised in raised_sets)
    assert result["lines_raised"] == ["DTR"]


def test_unknown_named_type_is_a_one_line_usage_error(sim_bench):
    port = sim_bench.add("ttyq1", "q1")
    done = nut_helper("probe", "--upstype", "24", port.path)
    assert done.returncode == 2
    assert "upstype" in done.stderr and "24" in done.stderr and done.stderr.count("\n") == 1
    assert port.received() == b""


def test_a_table_of_its_own_shows_the_audit_can_fail(modem_lines, sim_bench, tmp_path):
    """With a table (in the shipped format) whose only type shuts down by BREAK, DTR is raised."""
    table = tmp_path / "genericups.json"
    table.write_text(json.dumps({"nut_version": "test", "types": [
        {"number": 99, "driver_label": "test type", "models": ["test"],
         "signals": {"CP": "DTR", "OL": "CTS", "LB": "-DCD", "RB": "none", "BYPASS": "none", "SD": "ST"}}]}))
    port = sim_bench.add("ttyq1", "q1")
    modem_lines.set_inputs("CTS", "DCD")
    done = subprocess.run([sys.executable, str(RUNNER), str(table), port.path], capture_output=True, text=True,
                          env={**os.environ, **modem_lines.env()}, timeout=60, check=True)
    (result,) = json.loads(done.stdout)
    assert result["contact_types"] == [99]
    assert result["lines_raised"] == ["DTR"]
    assert any("DTR" in event.raised for event in modem_lines.events("SET"))
