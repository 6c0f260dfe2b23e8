"""Shared pytest fixtures: serial pty with emulated modem lines, private NUT directories.

See tests/nutenv.py for the classes these wrap and how to use them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from nutenv import ModemLines, NutSetup, SerialPty, build_modemline_shim


@pytest.fixture(scope="session")
def modemline_shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The LD_PRELOAD modem-line shim, compiled once per test session."""
    return build_modemline_shim(tmp_path_factory.mktemp("shim"))


@pytest.fixture
def serial_pty(tmp_path: Path) -> Iterator[SerialPty]:
    """A socat pty pair; ``serial_pty.port`` is the device a driver opens."""
    with SerialPty(tmp_path / "pty") as pty:
        yield pty


@pytest.fixture
def modem_lines(tmp_path: Path, modemline_shim: Path) -> ModemLines:
    """Emulated modem lines for one test (all inputs low at first)."""
    return ModemLines(tmp_path / "lines", modemline_shim)


@pytest.fixture
def nut_setup(tmp_path: Path) -> NutSetup:
    """A throw-away NUT_CONFPATH / NUT_STATEPATH directory."""
    return NutSetup(tmp_path / "nut")
