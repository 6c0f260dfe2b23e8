"""End to end: `setup --write --standalone` for a Megatec Q1 UPS on a socat pty, then Debian's real
nutdrv_qx and upsd started from exactly the files nut-helper wrote, read back with upsc."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nutenv import SerialPty
from nutserver import LiveNut, free_port

SIMULATOR = Path(__file__).resolve().parent / "sim" / "ups_sim.py"
MODEL = "Best Power Patriot Pro II"   # a Q1 (Megatec) unit in the cable knowledge and NUT's list


def nut_helper(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nuthelper", *args], capture_output=True, text=True, timeout=60)


def test_standalone_setup_runs_real_nut_and_follows_the_simulator(tmp_path):
    root = tmp_path / "root"
    (root / "etc" / "nut").mkdir(parents=True)
    state = tmp_path / "q1.state"
    state.write_text("OL\n")
    upsd_port = free_port()
    with SerialPty(tmp_path / "pty") as pty:
        simulator = subprocess.Popen([sys.executable, str(SIMULATOR), "q1", str(pty.far_end)],
                                     env=dict(os.environ, SIM_Q1_STATE=str(state)))
        try:
            done = nut_helper("setup", "--model", MODEL, "--port", str(pty.port), "--name", "q1ups", "--write",
                              "--standalone", "--upsd-port", str(upsd_port), "--root", str(root))
            assert done.returncode == 0, done.stderr
            confdir = root / "etc" / "nut"
            assert {p.name for p in confdir.iterdir()} == {"ups.conf", "nut.conf", "upsd.conf", "upsd.users",
                                                           "upsmon.conf"}
            assert "driver = nutdrv_qx" in (confdir / "ups.conf").read_text()
            password = (confdir / "upsd.users").read_text().split("password = ")[1].split()[0]
            assert password not in done.stdout + done.stderr   # the secret is never shown
            with LiveNut(confdir, tmp_path / "state", "q1ups", "nutdrv_qx", upsd_port) as nut:
                assert nut.wait_for("input.voltage", "215.0") == "215.0"
                assert nut.value("device.model") == "SIMMODEL"
                state.write_text("OB\n")
                nut.wait_for("ups.status", lambda value: set(value.split()) == {"OB"})
                state.write_text("LB\n")
                nut.wait_for("ups.status", lambda value: set(value.split()) == {"OB", "LB"})
                state.write_text("OL\n")
                nut.wait_for("ups.status", lambda value: set(value.split()) == {"OL"})
        finally:
            simulator.terminate()
            simulator.wait(timeout=10)
