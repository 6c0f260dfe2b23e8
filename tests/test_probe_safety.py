"""The probe never raises a line that a candidate genericups type reads as 'shut down'.

Every DTR/RTS change is recorded by the LD_PRELOAD shim (tests/support/modemlines.c) while the
probe runs against a Q1 simulator; the modem input lines it reports are set per case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.shim import ModemLines

HERE = Path(__file__).resolve().parent
TYPES_FILE = HERE / "data" / "genericups-types.json"
RUNNER = HERE / "support" / "run_probe.py"
TYPES = json.loads(TYPES_FILE.read_text())


def run_probe(modem_lines: ModemLines, inputs: str, ports: list[str], named: int | None = None,
              types_file: Path = TYPES_FILE) -> tuple[list[dict], list[tuple[str, set[str]]]]:
    """Probe under the shim with ``inputs`` high; return the results and every (device, raised lines) set."""
    modem_lines.set_inputs(*inputs.split())
    done = subprocess.run([sys.executable, str(RUNNER), str(types_file), "-" if named is None else str(named),
                           *ports], capture_output=True, text=True, env={**os.environ, **modem_lines.env()},
                          timeout=60, check=True)
    return json.loads(done.stdout), [(event.path, event.raised) for event in modem_lines.events("SET")]


def normal_state(kind: dict, reading: set[str]) -> bool:
    """Test oracle, written independently of the prober: does the type read 'on line, battery fine'?"""
    def level(signal, default):
        if not signal:
            return default
        return all((line in reading) == high for line, high in signal)
    return level(kind["ol"], True) and not level(kind["lb"], False)


def shutdown_lines(kind: dict) -> set[str]:
    if kind["sd"] is None:
        return {"DTR", "RTS"}
    return {line for line, high in kind["sd"] if high}


@pytest.mark.parametrize("lines", ["", "CTS", "DCD", "CTS DCD", "CTS DCD DSR RNG", "DSR RNG"])
def test_no_shutdown_assertion_for_any_candidate_type(modem_lines, sim_bench, lines):
    port = sim_bench.add("ttyq1", "q1")
    results, states = run_probe(modem_lines, lines, [port.path])
    (result,) = results
    reading = set(lines.split())
    candidates = [t for t in TYPES if normal_state(t, reading)]
    assert result["contact_types"] == [t["number"] for t in candidates]
    forbidden = set().union(*(shutdown_lines(t) for t in candidates)) if candidates else set()
    assert states, "the shim recorded no line change at all"
    assert all(device == port.device for device, _ in states)
    for _, raised in states:
        assert not raised & forbidden, (lines, raised, forbidden)
    assert result["driver"] == "nutdrv_qx"  # the Q1 unit still answered


def test_named_type_may_get_its_cable_power_but_never_its_shutdown_line(modem_lines, sim_bench):
    port = sim_bench.add("ttyq1", "q1")
    # upstype 7: cable power RTS, on line CTS, low battery -DCD, shutdown DTR
    results, states = run_probe(modem_lines, "CTS DCD", [port.path], named=7)
    (result,) = results
    assert any("RTS" in raised for _, raised in states), "cable power (RTS) was never raised"
    assert not any("DTR" in raised for _, raised in states), "DTR is type 7's shutdown line"
    assert result["named_type_status"] == {"on_line": True, "low_battery": False}
    assert result["lines_raised"] == ["RTS"]


def test_lines_are_raised_when_no_candidate_uses_them_for_shutdown(modem_lines, sim_bench, tmp_path):
    """Shows the audit can fail: with a table whose only type shuts down by BREAK, DTR is raised."""
    table = tmp_path / "types.json"
    table.write_text(json.dumps([{"number": 99, "cp": [["DTR", True]], "ol": [["CTS", True]],
                                  "lb": [["DCD", False]], "sd": [["ST", True]]}]))
    port = sim_bench.add("ttyq1", "q1")
    results, states = run_probe(modem_lines, "CTS DCD", [port.path], types_file=table)
    assert results[0]["contact_types"] == [99]
    assert any("DTR" in raised for _, raised in states)
    assert results[0]["lines_raised"] == ["DTR"]
