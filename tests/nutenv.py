"""Reusable test environment: a serial pty with emulated modem lines, and a private NUT setup.

Three pieces, usable alone or together (pytest fixtures wrapping them are in conftest.py):

* :func:`build_modemline_shim` compiles ``tests/shim/modemlines.c`` with gcc into an
  LD_PRELOAD library that gives a pseudo-terminal the RS-232 modem-control lines a real UART
  has (a pty answers TIOCMGET/TIOCMSET with ENOTTY).
* :class:`SerialPty` runs ``socat`` to make a pty pair: ``port`` is what a NUT driver opens,
  ``far_end`` is the other side where a simulator may talk.
* :class:`ModemLines` is one set of emulated lines: ``set_inputs("CTS", "DCD")`` changes what
  the program reads, ``outputs()`` and ``events()`` tell what it asserted (and breaks sent).
* :class:`NutSetup` is a throw-away NUT_CONFPATH/NUT_STATEPATH directory with ``run_driver``
  for one-shot driver runs (``-d 1`` dump, ``-k`` shutdown) under the shim.

Example::

    lines = ModemLines(tmp_path, shim)
    nut = NutSetup(tmp_path / "nut")
    nut.write_ups_conf("[gen]\\n  driver = genericups\\n  port = %s\\n  upstype = 5\\n" % pty.port)
    lines.set_inputs("CTS", "DCD")
    assert nut.run_driver("genericups", "gen", lines=lines).status() == {"OL"}
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DRIVER_DIR = Path("/lib/nut")
SHIM_SOURCE = Path(__file__).resolve().parent / "shim" / "modemlines.c"


def build_modemline_shim(build_dir: Path) -> Path:
    """Compile the modem-line shim into ``build_dir``; returns the ``.so`` path."""
    build_dir.mkdir(parents=True, exist_ok=True)
    library = build_dir / "modemlines.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", str(library),
                    str(SHIM_SOURCE), "-ldl"], check=True, capture_output=True, text=True)
    return library


class ModemLines:
    """Files through which a test and a shimmed program share the modem lines."""

    def __init__(self, directory: Path, shim: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.shim = shim
        self.inputs_file = directory / "lines.in"
        self.outputs_file = directory / "lines.out"
        self.log_file = directory / "lines.log"
        self.set_inputs()
        self.clear_events()

    def set_inputs(self, *lines: str) -> None:
        """Assert exactly these PC input lines (CTS, DCD, DSR, RNG); none means all low."""
        self.inputs_file.write_text(" ".join(lines) + "\n", encoding="ascii")

    def outputs(self) -> set[str]:
        """The output lines (DTR, RTS) the program asserts now."""
        if not self.outputs_file.exists():
            return set()
        return set(self.outputs_file.read_text(encoding="ascii").split())

    def events(self) -> list[str]:
        """Every output change (``SET DTR RTS``) and break (``BREAK``) since the last clear."""
        return self.log_file.read_text(encoding="ascii").splitlines()

    def clear_events(self) -> None:
        self.log_file.write_text("", encoding="ascii")

    def env(self) -> dict[str, str]:
        """Environment variables that load the shim on these files."""
        preload = " ".join(filter(None, [str(self.shim), os.environ.get("LD_PRELOAD", "")]))
        return {"LD_PRELOAD": preload, "MODEMLINES_IN": str(self.inputs_file),
                "MODEMLINES_OUT": str(self.outputs_file), "MODEMLINES_LOG": str(self.log_file)}


class SerialPty:
    """A socat pty pair; use as a context manager (or call start/stop)."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.port = directory / "ttyUPS"
        self.far_end = directory / "ttySIM"
        self._process: subprocess.Popen | None = None

    def start(self) -> SerialPty:
        if shutil.which("socat") is None:
            raise RuntimeError("socat is not installed (tests/run.sh installs it)")
        self._process = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={self.port}", f"pty,raw,echo=0,link={self.far_end}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not (self.port.exists() and self.far_end.exists()):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("socat did not create the pty pair")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            self._process.wait(timeout=10)
        self._process = None

    def __enter__(self) -> SerialPty:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@dataclass
class DriverRun:
    """The result of one driver run."""

    returncode: int
    output: str

    def value(self, variable: str) -> str | None:
        """A variable from the ``-d 1`` dump (``ups.status`` → ``"LB OB"``)."""
        found = re.search(rf"^{re.escape(variable)}: (.*)$", self.output, flags=re.M)
        return found.group(1).strip() if found else None

    def status(self) -> set[str]:
        """``ups.status`` as a set of words (the driver's word order is not part of NUT's contract)."""
        return set((self.value("ups.status") or "").split())


class NutSetup:
    """A private NUT configuration and state directory."""

    def __init__(self, directory: Path) -> None:
        self.confdir = directory / "etc"
        self.statedir = directory / "state"
        self.confdir.mkdir(parents=True, exist_ok=True)
        self.statedir.mkdir(parents=True, exist_ok=True)
        self.statedir.chmod(0o770)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(NUT_CONFPATH=str(self.confdir), NUT_STATEPATH=str(self.statedir),
                   NUT_ALTPIDPATH=str(self.statedir))
        return env

    def write_ups_conf(self, text: str) -> Path:
        path = self.confdir / "ups.conf"
        path.write_text(text, encoding="utf-8")
        path.chmod(0o640)
        return path

    def run_driver(self, driver: str, section: str, *extra: str, lines: ModemLines | None = None,
                   timeout: float = 30) -> DriverRun:
        """Run ``/lib/nut/DRIVER -a SECTION -u root`` with ``extra`` arguments (default ``-d 1``)."""
        env = self.env()
        if lines is not None:
            env.update(lines.env())
        command = [str(DRIVER_DIR / driver), "-a", section, "-u", "root", *(extra or ("-d", "1"))]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
        return DriverRun(done.returncode, done.stdout + done.stderr)
