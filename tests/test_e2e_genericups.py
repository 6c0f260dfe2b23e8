"""End to end: the genericups section nut-helper writes for the Tripp-Lite 73-0844 cable (upstype 5)
runs in Debian's real genericups driver on a pty whose modem lines the LD_PRELOAD shim supplies,
published by the real upsd; ups.status follows the lines as type 5 defines them."""

from __future__ import annotations

import pytest

from nuthelper.knowledge.genericups import load_table
from support.cli import nut_helper
from support.nut import LiveNut, NutSetup, free_port
from support.target import target_root


def expected_status(inputs: set[str]) -> set[str]:
    """ups.status for the given high input lines, from the shipped type 5 definition."""
    signals = load_table().get(5).signals

    def active(name: str) -> bool:
        signal = signals.get(name)
        return signal is not None and all((line in inputs) == high for line, high in signal)

    return {"OL" if active("OL") else "OB", *(["LB"] if active("LB") else [])}


@pytest.mark.parametrize("inputs", [("CTS", "DCD"), ("DCD",), (), ("CTS",)])
def test_expected_status_table_is_type_5(inputs):
    # The genericups manual's type 5: on line while CTS is high, low battery while DCD is low.
    wanted = {("CTS", "DCD"): {"OL"}, ("DCD",): {"OB"}, (): {"OB", "LB"}, ("CTS",): {"OL", "LB"}}
    assert expected_status(set(inputs)) == wanted[inputs]


def test_written_tripp_lite_section_follows_the_lines(tmp_path, serial_pty, modem_lines):
    root = target_root(tmp_path / "root")
    confdir = root / "etc" / "nut"
    upsd_port = free_port()
    done = nut_helper("setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844",
                      "--port", str(serial_pty.port), "--name", "tripp", "--write", "--standalone",
                      "--upsd-port", str(upsd_port), "--root", str(root))
    assert done.returncode == 0, done.stderr
    assert "upstype = 5" in (confdir / "ups.conf").read_text()
    modem_lines.set_inputs("CTS", "DCD")
    with LiveNut(NutSetup(confdir, tmp_path / "state"), upsd_port, "tripp", "genericups", modem_lines) as nut:
        for inputs in [("CTS", "DCD"), ("DCD",), (), ("CTS",), ("CTS", "DCD")]:
            modem_lines.set_inputs(*inputs)
            wanted = expected_status(set(inputs))
            nut.wait_for("ups.status", lambda value, wanted=wanted: set(value.split()) == wanted)
        assert "DTR" in modem_lines.outputs()   # type 5 powers the cable from DTR
