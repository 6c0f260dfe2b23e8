"""End to end: `setup --write --standalone` for a Megatec Q1 UPS on a socat pty, then Debian's real
nutdrv_qx and upsd started from exactly the files nut-helper wrote, read back with upsc."""

from __future__ import annotations

from support.cli import nut_helper
from support.nut import LiveNut, NutSetup, free_port
from support.target import target_root

MODEL = "Best Power Patriot Pro II"   # a Q1 (Megatec) unit in the cable knowledge and NUT's list


def test_standalone_setup_runs_real_nut_and_follows_the_simulator(tmp_path, sim_bench):
    root = target_root(tmp_path / "root")
    state = tmp_path / "q1.state"
    state.write_text("OL\n")
    upsd_port = free_port()
    q1 = sim_bench.add("ttyq1", "q1", env={"SIM_Q1_STATE": str(state)})
    done = nut_helper("setup", "--model", MODEL, "--port", q1.path, "--name", "q1ups", "--write",
                      "--standalone", "--upsd-port", str(upsd_port), "--root", str(root))
    assert done.returncode == 0, done.stderr
    confdir = root / "etc" / "nut"
    assert {p.name for p in confdir.iterdir()} == {"ups.conf", "nut.conf", "upsd.conf", "upsd.users",
                                                   "upsmon.conf"}
    assert "driver = nutdrv_qx" in (confdir / "ups.conf").read_text()
    password = (confdir / "upsd.users").read_text().split("password = ")[1].split()[0]
    assert password not in done.stdout + done.stderr   # the secret is never shown
    with LiveNut(NutSetup(confdir, tmp_path / "state"), upsd_port, "q1ups", "nutdrv_qx") as nut:
        assert nut.wait_for("input.voltage", "215.0") == "215.0"
        assert nut.value("device.model") == "SIMMODEL"
        state.write_text("OB\n")
        nut.wait_for("ups.status", lambda value: set(value.split()) == {"OB"})
        state.write_text("LB\n")
        nut.wait_for("ups.status", lambda value: set(value.split()) == {"OB", "LB"})
        state.write_text("OL\n")
        nut.wait_for("ups.status", lambda value: set(value.split()) == {"OL"})
