"""Shared pytest fixtures: socat pty pairs, simulated UPSes, emulated modem lines, private NUT directories,
a booted target system with a simulated UPS.

The classes these wrap live in tests/support/ (ptys.py, shim.py, nut.py, live_target.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from support.nut import NutSetup
from support.ptys import PtyPair, SimBench
from support.shim import ModemLines, build_shim


@pytest.fixture(scope="session")
def modemline_shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The LD_PRELOAD modem-line shim, compiled once per test session."""
    return build_shim(tmp_path_factory.mktemp("shim"))


@pytest.fixture
def modem_lines(tmp_path: Path, modemline_shim: Path) -> ModemLines:
    """Emulated modem lines for one test (all inputs low at first)."""
    return ModemLines(tmp_path / "lines", modemline_shim)


@pytest.fixture
def serial_pty(tmp_path: Path) -> Iterator[PtyPair]:
    """A socat pty pair; ``serial_pty.port`` is the device a driver opens."""
    with PtyPair(tmp_path / "pty") as pty:
        yield pty


@pytest.fixture
def sim_bench() -> Iterator[SimBench]:
    """Simulated UPSes on socat pty pairs: ``sim_bench.add("ttyq1", "q1")``."""
    bench = SimBench()
    yield bench
    bench.close()


@pytest.fixture
def nut_setup(tmp_path: Path) -> NutSetup:
    """A throw-away NUT_CONFPATH / NUT_STATEPATH pair."""
    return NutSetup.in_directory(tmp_path / "nut")


@pytest.fixture
def live_q1_target(tmp_path: Path, sim_bench: SimBench):
    """A booted Debian 12 target root with its own NUT and a simulated Q1 UPS (on line) at its
    /dev/ttyS0: yields (target, binds)."""
    from support.live_target import booted_with_ups

    state = tmp_path / "q1.state"
    state.write_text("OL\n")
    q1 = sim_bench.add("ttyq1", "q1", env={"SIM_Q1_STATE": str(state)})
    with booted_with_ups(tmp_path / "target", q1.device) as live:
        yield live
