"""The probe never raises a line that a candidate genericups type reads as 'shut down'.

Every DTR/RTS change is recorded by the LD_PRELOAD shim (tests/probe_support/modem_shim.c) while the
probe runs against a Q1 simulator; the modem input lines it reports are set per case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from probe_support.ptys import SimBench, build_shim

HERE = Path(__file__).resolve().parent
TYPES_FILE = HERE / "data" / "genericups-types.json"
RUNNER = HERE / "probe_support" / "run_probe.py"
TYPES = json.loads(TYPES_FILE.read_text())


@pytest.fixture(scope="module")
def shim(tmp_path_factory) -> Path:
    return build_shim(tmp_path_factory.mktemp("shim"))


@pytest.fixture
def bench():
    sims = SimBench()
    yield sims
    sims.close()


def run_probe(shim: Path, workdir: Path, lines: str, ports: list[str], named: int | None = None,
              types_file: Path = TYPES_FILE) -> tuple[list[dict], list[tuple[str, int, int]]]:
    """Probe with the shim; return the results and every (device, DTR, RTS) state set."""
    (workdir / "lines.in").write_text(lines)
    log = workdir / "shim.log"
    env = dict(os.environ, LD_PRELOAD=str(shim), PROBE_SHIM_LOG=str(log),
               PROBE_SHIM_LINES=str(workdir / "lines.in"))
    done = subprocess.run([sys.executable, str(RUNNER), str(types_file), "-" if named is None else str(named),
                           *ports], capture_output=True, text=True, env=env, timeout=60, check=True)
    states = []
    for line in (log.read_text().splitlines() if log.exists() else []):
        _, device, dtr, rts = line.split()
        states.append((device, int(dtr.split("=")[1]), int(rts.split("=")[1])))
    return json.loads(done.stdout), states


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
def test_no_shutdown_assertion_for_any_candidate_type(shim, bench, tmp_path, lines):
    port = bench.add("ttyq1", "q1")
    results, states = run_probe(shim, tmp_path, lines, [port.path])
    (result,) = results
    reading = set(lines.split())
    candidates = [t for t in TYPES if normal_state(t, reading)]
    assert result["contact_types"] == [t["number"] for t in candidates]
    forbidden = set().union(*(shutdown_lines(t) for t in candidates)) if candidates else set()
    assert states, "the shim recorded no line change at all"
    assert all(device == port.device for device, _, _ in states)
    for _, dtr, rts in states:
        raised = {name for name, level in (("DTR", dtr), ("RTS", rts)) if level}
        assert not raised & forbidden, (lines, raised, forbidden)
    assert result["driver"] == "nutdrv_qx"  # the Q1 unit still answered


def test_named_type_may_get_its_cable_power_but_never_its_shutdown_line(shim, bench, tmp_path):
    port = bench.add("ttyq1", "q1")
    # upstype 7: cable power RTS, on line CTS, low battery -DCD, shutdown DTR
    results, states = run_probe(shim, tmp_path, "CTS DCD", [port.path], named=7)
    (result,) = results
    assert any(rts for _, _, rts in states), "cable power (RTS) was never raised"
    assert not any(dtr for _, dtr, _ in states), "DTR is type 7's shutdown line"
    assert result["named_type_status"] == {"on_line": True, "low_battery": False}
    assert result["lines_raised"] == ["RTS"]


def test_lines_are_raised_when_no_candidate_uses_them_for_shutdown(shim, bench, tmp_path):
    """Shows the audit can fail: with a table whose only type shuts down by BREAK, DTR is raised."""
    table = tmp_path / "types.json"
    table.write_text(json.dumps([{"number": 99, "cp": [["DTR", True]], "ol": [["CTS", True]],
                                  "lb": [["DCD", False]], "sd": [["ST", True]]}]))
    port = bench.add("ttyq1", "q1")
    results, states = run_probe(shim, tmp_path, "CTS DCD", [port.path], types_file=table)
    assert results[0]["contact_types"] == [99]
    assert any(dtr for _, dtr, _ in states)
    assert results[0]["lines_raised"] == ["DTR"]
