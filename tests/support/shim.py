"""The LD_PRELOAD modem-line shim (``modemlines.c``) and the files a test shares with it.

A pseudo-terminal answers the TIOCM* ioctls with ENOTTY; under the shim it has the RS-232 lines of a
real UART. :class:`ModemLines` sets the input lines a program reads and reports what it did: the
output lines it asserts, and every line change, break and watched open as a :class:`LineEvent`.

Example::

    lines = ModemLines(tmp_path / "lines", build_shim(tmp_path / "shim"))
    lines.set_inputs("CTS", "DCD")
    subprocess.run([...], env={**os.environ, **lines.env()})
    assert lines.outputs() == {"DTR"}
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

SHIM_SOURCE = Path(__file__).resolve().parent / "modemlines.c"


def build_shim(build_dir: Path) -> Path:
    """Compile the shim with gcc into ``build_dir``; returns the ``.so`` path."""
    build_dir.mkdir(parents=True, exist_ok=True)
    library = build_dir / "modemlines.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", str(library), str(SHIM_SOURCE),
                    "-ldl"], check=True, capture_output=True, text=True)
    return library


@dataclass(frozen=True)
class LineEvent:
    """One line of the shim's log."""

    kind: str                              # "SET", "BREAK" or "OPEN"
    path: str                              # the device (SET, BREAK) or the path opened (OPEN)
    raised: frozenset[str] = frozenset()   # SET: the output lines high after the change

    @classmethod
    def parse(cls, line: str) -> LineEvent:
        kind, rest = line.split(" ", 1)
        if kind != "SET":
            return cls(kind, rest)
        device, *levels = rest.rsplit(" ", 2)
        return cls(kind, device, frozenset(name for name, level in (lev.split("=") for lev in levels)
                                           if level == "1"))


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
        """The output lines (DTR, RTS) the program asserted at its last change."""
        if not self.outputs_file.exists():
            return set()
        return set(self.outputs_file.read_text(encoding="ascii").split())

    def events(self, kind: str | None = None) -> list[LineEvent]:
        """Every event (of ``kind``, if given) since the last clear, oldest first."""
        events = [LineEvent.parse(line) for line in self.log_file.read_text(encoding="utf-8").splitlines()]
        return [event for event in events if kind is None or event.kind == kind]

    def clear_events(self) -> None:
        self.log_file.write_text("", encoding="ascii")

    def env(self, watch: str | None = None) -> dict[str, str]:
        """Environment variables that load the shim on these files; opens of paths containing
        ``watch`` are logged too."""
        preload = " ".join(filter(None, [str(self.shim), os.environ.get("LD_PRELOAD", "")]))
        env = {"LD_PRELOAD": preload, "MODEMLINES_IN": str(self.inputs_file),
               "MODEMLINES_OUT": str(self.outputs_file), "MODEMLINES_LOG": str(self.log_file)}
        if watch:
            env["MODEMLINES_WATCH"] = watch
        return env
