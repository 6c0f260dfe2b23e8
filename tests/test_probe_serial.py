"""`nut-helper probe` against simulated UPSes on real socat pseudo-terminals."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from pathlib import Path

from support.cli import nut_helper
from support.ptys import SimBench
from support.shim import ModemLines

SILENT_PORT_LIMIT = 1.5


def probe_json(*args: str, env: dict | None = None, **kwargs) -> tuple[int, dict, str]:
    done = nut_helper("probe", "--json", *args, env=env, **kwargs)
    return done.returncode, json.loads(done.stdout), done.stderr


def by_port(document: dict) -> dict[str, dict]:
    return {result["port"]: result for result in document["results"]}


def shim_env(modem_lines: ModemLines, sim_bench: SimBench) -> dict[str, str]:
    """The environment for a probe under the shim, logging every open of a simulated port."""
    return {**os.environ, **modem_lines.env(watch=str(sim_bench.directory))}


def test_each_protocol_is_recognised_and_a_silent_port_is_given_up_quickly(sim_bench):
    ports = {mode: sim_bench.add(f"tty{mode}", mode) for mode in ("q1", "apc", "shut", "xcp", "silent")}
    code, document, stderr = probe_json(*(p.path for p in ports.values()))
    assert code == 0
    results = by_port(document)
    q1, apc, shut, xcp, silent = (results[ports[m].path] for m in ("q1", "apc", "shut", "xcp", "silent"))
    assert (q1["driver"], q1["baud"], q1["identification"]["model"]) == ("nutdrv_qx", 2400, "SIMMODEL")
    assert q1["readings"]["input.voltage"] == "215.0"
    assert (apc["driver"], apc["identification"]["model"], apc["identification"]["firmware"]) == \
        ("apcsmart", "Smart-UPS 1500", "601.3.I")
    assert shut["driver"] == "mge-shut"
    assert (xcp["driver"], xcp["options"]["baud_rate"], xcp["identification"]["model"]) == \
        ("bcmxcp", "19200", "SIM XCP")
    assert silent["driver"] is None and silent["error"] is None
    assert silent["protocols_tried"] == ["megatec", "apcsmart", "shut", "xcp"]
    assert silent["seconds"] <= SILENT_PORT_LIMIT
    for result in results.values():
        if result["driver"]:
            assert result["options"]["port"] == result["port"]
    # progress goes to stderr, stdout is one clean JSON document
    assert f"{ports['q1'].path}: trying megatec" in stderr


def test_probe_sends_only_the_documented_queries(sim_bench):
    apc = sim_bench.add("ttyapc", "apc")
    q1 = sim_bench.add("ttyq1", "q1")
    probe_json(apc.path, q1.path)
    from nuthelper.probe.protocols import PROTOCOLS
    allowed = b"".join(b"".join(p.requests) for p in PROTOCOLS.values())
    for port in (apc, q1):
        assert port.received(), "the simulator saw no query"
        assert set(port.received()) <= set(allowed)


# APC smart letters that start tests, calibration, power cycling or shutdowns (apcsmart(8) and its
# command table), and the Belkin smart prefix that belkin(8) warns about.
ACTION_BYTES = set(b"ZAUW@SKD^R-E\x0e~")


def test_no_default_protocol_ever_sends_an_action_command():
    from nuthelper.probe.protocols import DEFAULT_PROTOCOLS, PROTOCOLS
    for name in ("megatec", "apcsmart"):  # the text protocols of the default run: every byte counts
        assert name in DEFAULT_PROTOCOLS
        for request in PROTOCOLS[name].requests:
            assert not set(request) & ACTION_BYTES, (name, request)
    # UPScode II's words start with U (APC: simulate a power failure): it only runs when named.
    assert all(set(request) & ACTION_BYTES for request in PROTOCOLS["upscode2"].requests)
    assert "upscode2" not in DEFAULT_PROTOCOLS


def test_bad_ports_give_one_clean_error_each_and_good_ports_still_answer(sim_bench, tmp_path):
    good = sim_bench.add("ttygood", "q1")
    vanishing = sim_bench.add("ttyvanish", "vanish")
    regular = tmp_path / "ttyfile"
    regular.write_text("not a port")
    missing = tmp_path / "ttymissing"
    code, document, _ = probe_json(good.path, vanishing.path, str(regular), str(missing))
    assert code == 0
    results = by_port(document)
    assert results[good.path]["driver"] == "nutdrv_qx"
    assert results[vanishing.path]["driver"] is None
    assert results[vanishing.path]["error"].startswith("port failed during the probe")
    assert results[str(regular)]["error"] == "not a serial port (a regular file)"
    assert results[str(missing)]["error"] == "no such port"
    for result in results.values():
        assert "\n" not in (result["error"] or "")


def test_permission_error_is_per_port(sim_bench):
    good = sim_bench.add("ttyopen", "q1")
    closed = sim_bench.add("ttyclosed", "q1")
    os.chmod(good.device, 0o666)
    os.chmod(closed.device, 0o600)
    code, document, _ = probe_json(good.path, closed.path, user=65534, group=65534, extra_groups=[])
    results = by_port(document)
    assert code == 0
    assert results[good.path]["driver"] == "nutdrv_qx"
    assert results[closed.path]["error"].startswith("permission denied")
    assert closed.received() == b""


def test_a_port_with_a_live_lock_file_is_never_opened(sim_bench, modem_lines):
    locked = sim_bench.add("ttylocked", "q1")
    free = sim_bench.add("ttyfree", "q1")
    keeper = subprocess.Popen(["sleep", "60"])
    lock_file = Path("/run/lock") / f"LCK..{os.path.basename(locked.path)}"
    lock_file.write_text(f"{keeper.pid:10d}\n")
    try:
        code, document, _ = probe_json(locked.path, free.path, env=shim_env(modem_lines, sim_bench))
    finally:
        lock_file.unlink()
        keeper.kill()
        keeper.wait()
    results = by_port(document)
    assert results[locked.path]["skipped"] is True
    assert "sleep" in results[locked.path]["error"] and str(keeper.pid) in results[locked.path]["error"]
    assert results[free.path]["driver"] == "nutdrv_qx"
    opened = [event.path for event in modem_lines.events("OPEN")]
    assert free.path in opened  # the shim does see our opens
    assert not any(path.startswith(locked.path) for path in opened)
    assert locked.received() == b""


def test_a_port_under_flock_is_never_opened(sim_bench, modem_lines):
    locked = sim_bench.add("ttyflocked", "q1")
    holder = os.open(locked.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        _, document, _ = probe_json(locked.path, env=shim_env(modem_lines, sim_bench))
    finally:
        os.close(holder)
    result = by_port(document)[locked.path]
    assert result["skipped"] is True and "flock" in result["error"]
    assert modem_lines.events("OPEN") == []
    assert locked.received() == b""


def test_opt_in_without_ports_needs_yes_when_not_interactive():
    done = nut_helper("probe", stdin=subprocess.DEVNULL)
    if "no free serial port" in done.stderr:
        assert done.returncode == 3
    else:
        assert done.returncode == 2
        assert "pass --yes" in done.stderr and done.stderr.count("\n") <= 2
    assert done.stdout == ""


def test_unknown_protocol_is_a_one_line_usage_error():
    done = nut_helper("probe", "/dev/null", "--protocols", "megatec,bogus")
    assert done.returncode == 2
    assert "unknown protocol bogus" in done.stderr and done.stderr.count("\n") == 1
