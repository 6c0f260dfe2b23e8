"""Debian's real NUT programs (nut-server, nut-client), run against throw-away directories.

* :class:`NutSetup`: a private NUT_CONFPATH/NUT_STATEPATH pair; ``upsdrvctl -t start`` on it, and
  one-shot driver runs (``-d 1`` dump, ``-k`` shutdown), optionally under the modem-line shim.
* :class:`NutRun`: what one of those runs printed, with the readings and rejections in it.
* :class:`LiveNut`: a driver (optional) and upsd in the foreground on loopback, read back with upsc.
* :func:`driver_listing`, :func:`driver_keys`, :func:`genericups_types`: what the installed drivers
  accept, in their own words.
* :class:`NutReading`: what a real driver read from ups.conf (``NutSetup.reading``), globals and its own
  section, entry by entry, from its debug output.

Example::

    nut = NutSetup.in_directory(tmp_path / "nut")
    nut.write_ups_conf("[gen]\\n  driver = genericups\\n  port = %s\\n  upstype = 5\\n" % pty.port)
    lines.set_inputs("CTS", "DCD")
    assert nut.run_driver("genericups", "gen", lines=lines).status() == {"OL"}
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable

from support.processes import stop_processes, wait_until
from support.shim import ModemLines

DRIVER_DIR = Path("/lib/nut")
UPSD = DRIVER_DIR / "upsd"
UPSDRVCTL = "/sbin/upsdrvctl"
UPSC = "upsc"
CONFIG_REJECTIONS = (
    "is not a valid variable name",
    "unknown UPS type",
    "No upstype set",
    "Parse error",
    "Unbalanced word",
    "discarding invalid character",
)


def free_port() -> int:
    """A TCP port free on the loopback address right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def driver_command(driver: str, section: str, *arguments: str) -> list[str]:
    """``/lib/nut/DRIVER -a SECTION -u root ARGUMENTS...``."""
    return [str(DRIVER_DIR / driver), "-a", section, "-u", "root", *arguments]


@cache
def driver_listing(driver: str) -> dict[str, frozenset[str]]:
    """The names a driver lists with ``-L`` (its own settings, not core ones), by kind: VALUE and FLAG."""
    done = subprocess.run([str(DRIVER_DIR / driver), "-L"], capture_output=True, text=True, timeout=30)
    return {kind: frozenset(re.findall(rf"^{kind} (\S+) ", done.stdout, flags=re.M)) for kind in ("VALUE", "FLAG")}


def driver_keys(driver: str) -> frozenset[str]:
    """Every variable and flag name the driver lists with ``-L``."""
    return frozenset().union(*driver_listing(driver).values())


# Settings the driver core reads for every driver (ups.conf(5)), so no driver lists them with -L.
CORE_SETTINGS = frozenset({"driver", "port", "desc", "debug_min"})


@cache
def nut_release() -> tuple[int, ...]:
    """The installed NUT release, from ``upsdrvctl -V`` ("... controller 2.8.0")."""
    done = subprocess.run([UPSDRVCTL, "-V"], capture_output=True, text=True, timeout=30)
    return tuple(int(part) for part in re.search(r"(\d+(?:\.\d+)+)\s*$", done.stdout.strip()).group(1).split("."))


def upscode2_workaround() -> dict[str, str]:
    """What nut-helper must add to an upscode2 section here: NUT before 2.8.1 reads no reply below
    debug level 3 (NUT #1455), shown by tests/test_probe_upscode2.py."""
    return {"debug_min": "3"} if nut_release() < (2, 8, 1) else {}


@cache
def genericups_types() -> dict[int, str]:
    """The ``N: label`` contact-closure types the real genericups prints with ``-h``."""
    done = subprocess.run([str(DRIVER_DIR / "genericups"), "-h"], capture_output=True, text=True, timeout=30)
    return {int(number): label for number, label in
            re.findall(r"^(\d+): (.+)$", done.stdout + done.stderr, flags=re.M)}


@dataclass
class NutRun:
    """What one run of a NUT program returned and printed (stdout and stderr together)."""

    returncode: int
    output: str

    def value(self, variable: str) -> str | None:
        """A variable from a driver's ``-d 1`` dump (``ups.status`` → ``"LB OB"``)."""
        found = re.search(rf"^{re.escape(variable)}: (.*)$", self.output, flags=re.M)
        return found.group(1).strip() if found else None

    def status(self) -> set[str]:
        """``ups.status`` as a set of words (the driver's word order is not part of NUT's contract)."""
        return set((self.value("ups.status") or "").split())

    def exec_lines(self) -> list[str]:
        """The driver command lines ``upsdrvctl -t start`` would run."""
        return re.findall(r"\] exec:\s+(.+?)\s*$", self.output, flags=re.M)

    def rejections(self) -> list[str]:
        """Lines in which NUT rejects the configuration itself (as opposed to missing hardware)."""
        return [line for line in self.output.splitlines() if any(text in line for text in CONFIG_REJECTIONS)]


_READ_ENTRY = re.compile(r"\[D3\] (do_global_args|main_arg): var='(.*)' val='(.*)'$", flags=re.M)


@dataclass
class NutReading:
    """What one real driver read from ups.conf: the global entries and those of its section, in
    order, as (name, value) with None for a flag; and everything it printed."""

    globals: list[tuple[str, str | None]]
    section: list[tuple[str, str | None]]
    run: NutRun

    @classmethod
    def from_run(cls, run: NutRun) -> NutReading:
        entries: dict[str, list[tuple[str, str | None]]] = {"do_global_args": [], "main_arg": []}
        for where, name, value in _READ_ENTRY.findall(run.output):
            entries[where].append((name, None if value == "<null>" else value))
        return cls(entries["do_global_args"], entries["main_arg"], run)


class NutSetup:
    """A NUT configuration directory and a private state directory."""

    def __init__(self, confdir: Path, statedir: Path) -> None:
        self.confdir, self.statedir = confdir, statedir
        self.confdir.mkdir(parents=True, exist_ok=True)
        self.statedir.mkdir(parents=True, exist_ok=True)
        self.statedir.chmod(0o770)

    @classmethod
    def in_directory(cls, directory: Path) -> NutSetup:
        """A fresh setup with ``etc`` and ``state`` under ``directory``."""
        return cls(directory / "etc", directory / "state")

    def env(self, lines: ModemLines | None = None) -> dict[str, str]:
        """This process's environment pointing NUT here (and loading the shim on ``lines``)."""
        env = dict(os.environ, NUT_CONFPATH=str(self.confdir), NUT_STATEPATH=str(self.statedir),
                   NUT_ALTPIDPATH=str(self.statedir))
        return {**env, **lines.env()} if lines is not None else env

    def write_conf(self, name: str, text: str) -> Path:
        """Write one configuration file (ASCII, mode 0640, as NUT wants it)."""
        path = self.confdir / name
        path.write_text(text, encoding="ascii")
        path.chmod(0o640)
        return path

    def write_ups_conf(self, text: str) -> Path:
        return self.write_conf("ups.conf", text)

    def upsdrvctl_test_start(self) -> NutRun:
        """``upsdrvctl -t start``: NUT's own reading of ups.conf, without starting anything."""
        return self._run([UPSDRVCTL, "-t", "start"], self.env(), 30)

    def run_driver(self, driver: str, section: str, *extra: str, lines: ModemLines | None = None,
                   timeout: float = 60) -> NutRun:
        """Run the driver on the section with ``extra`` arguments (default ``-d 1``: one dump)."""
        return self._run(driver_command(driver, section, *(extra or ("-d", "1"))), self.env(lines), timeout)

    def reading(self, driver: str, section: str, timeout: float = 30) -> NutReading:
        """What the real ``driver`` reads from ups.conf for ``section`` (``-DDD`` before ``-a``, so that
        it logs every entry as it reads it); it stops where it refuses one, at the port, or after one
        dump (``-d 1``)."""
        command = [str(DRIVER_DIR / driver), "-DDD", "-a", section, "-u", "root", "-d", "1"]
        return NutReading.from_run(self._run(command, self.env(), timeout))

    @staticmethod
    def _run(command: list[str], env: dict[str, str], timeout: float) -> NutRun:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
        return NutRun(done.returncode, done.stdout + done.stderr)


class LiveNut:
    """upsd listening on loopback ``port``, after the driver for ``ups`` when one is named; both run in
    the foreground as children of the test. Use as a context manager."""

    def __init__(self, nut: NutSetup, port: int, ups: str | None = None, driver: str | None = None,
                 lines: ModemLines | None = None) -> None:
        self.nut, self.port, self.ups, self.driver, self.lines = nut, port, ups, driver, lines
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def _start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = self.nut.statedir / f"{name}.log"
        self.logs.append(log)
        with open(log, "wb") as handle:
            self.processes.append(subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT))

    def start(self) -> LiveNut:
        if self.driver is not None:
            self._start("driver", driver_command(self.driver, self.ups, "-F"), self.nut.env(self.lines))
            socket_path = self.nut.statedir / f"{self.driver}-{self.ups}"
            self.wait(socket_path.exists, f"the driver's socket {socket_path}")
        self._start("upsd", [str(UPSD), "-u", "root", "-F"], self.nut.env())
        return self

    def stop(self) -> None:
        stop_processes(reversed(self.processes))
        self.processes.clear()

    def __enter__(self) -> LiveNut:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def output(self) -> str:
        """What the driver and upsd have logged."""
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')}" for log in self.logs if log.exists())

    def wait(self, predicate: Callable[[], bool], what: str, timeout: float = 15.0,
             note: Callable[[], str] = str) -> None:
        """Wait for ``predicate``; fail with ``note()`` and the programs' logs if it times out or one of
        them dies."""
        wait_until(predicate, what, timeout, interval=0.1, watched=self.processes,
                   details=lambda: f"{note()}\n{self.output()}")

    def upsc(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([UPSC, *args], capture_output=True, text=True, timeout=10, env=self.nut.env())

    def value(self, variable: str) -> str | None:
        done = self.upsc(f"{self.ups}@127.0.0.1:{self.port}", variable)
        return done.stdout.strip() if done.returncode == 0 else None

    def wait_for(self, variable: str, wanted: str | Callable[[str], bool], timeout: float = 15.0) -> str:
        """Wait until ``variable`` satisfies ``wanted`` (a value, or a predicate); return it."""
        check = wanted if callable(wanted) else (lambda value: value == wanted)
        seen: list[str | None] = [None]

        def ready() -> bool:
            seen.append(self.value(variable))
            return seen[-1] is not None and check(seen[-1])

        self.wait(ready, f"{variable} == {wanted!r}", timeout, note=lambda: f"last value {seen[-1]!r}")
        return seen[-1]

    def listing(self, timeout: float = 15.0) -> dict[str, str]:
        """``upsc -L``: every UPS upsd serves, name → description (waits until upsd answers)."""
        answers: list[subprocess.CompletedProcess] = []

        def answered() -> bool:
            answers.append(self.upsc("-L", f"127.0.0.1:{self.port}"))
            return answers[-1].returncode == 0

        self.wait(answered, "upsc -L to answer", timeout, note=lambda: answers[-1].stderr if answers else "")
        return dict(line.split(": ", 1) for line in answers[-1].stdout.splitlines() if ": " in line)
