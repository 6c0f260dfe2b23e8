"""Debian's real NUT driver and upsd, started from a configuration directory nut-helper wrote.

:class:`LiveNut` runs ``/lib/nut/DRIVER -a NAME -u root -F`` and ``/lib/nut/upsd -u root -F``
with NUT_CONFPATH pointing at the written ``etc/nut`` and a private state directory, and
reads values back with ``upsc`` (anonymous, on loopback). Use it as a context manager.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

DRIVER_DIR = Path("/lib/nut")
UPSD = DRIVER_DIR / "upsd"
UPSC = "upsc"


def free_port() -> int:
    """A TCP port free on the loopback address right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveNut:
    """One driver and upsd, both in the foreground, as children of the test."""

    def __init__(self, confdir: Path, statedir: Path, ups: str, driver: str, port: int,
                 extra_env: dict[str, str] | None = None) -> None:
        self.confdir, self.statedir, self.ups, self.driver, self.port = confdir, statedir, ups, driver, port
        self.statedir.mkdir(parents=True, exist_ok=True)
        self.statedir.chmod(0o770)
        self.extra_env = extra_env or {}
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(NUT_CONFPATH=str(self.confdir), NUT_STATEPATH=str(self.statedir),
                   NUT_ALTPIDPATH=str(self.statedir))
        return env

    def _start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = self.statedir / f"{name}.log"
        self.logs.append(log)
        with open(log, "wb") as handle:
            self.processes.append(subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT))

    def start(self, driver: bool = True) -> LiveNut:
        """Start the driver (unless ``driver`` is False: upsd alone still lists ups.conf) and upsd."""
        if not driver:
            self._start("upsd", [str(UPSD), "-u", "root", "-F"], self.env())
            return self
        self._start("driver", [str(DRIVER_DIR / self.driver), "-a", self.ups, "-u", "root", "-F"],
                    {**self.env(), **self.extra_env})
        socket_path = self.statedir / f"{self.driver}-{self.ups}"
        self._wait(socket_path.exists, f"the driver's socket {socket_path}")
        self._start("upsd", [str(UPSD), "-u", "root", "-F"], self.env())
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def __enter__(self) -> LiveNut:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def output(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')}" for log in self.logs if log.exists())

    def _wait(self, predicate, what: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            dead = [process for process in self.processes if process.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}\n{self.output()}")
            time.sleep(0.1)

    def upsc(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([UPSC, *args], capture_output=True, text=True, timeout=10)

    def value(self, variable: str) -> str | None:
        done = self.upsc(f"{self.ups}@127.0.0.1:{self.port}", variable)
        return done.stdout.strip() if done.returncode == 0 else None

    def wait_for(self, variable: str, wanted, timeout: float = 15.0) -> str:
        """Wait until ``variable`` satisfies ``wanted`` (a value, or a predicate); return it."""
        check = wanted if callable(wanted) else (lambda value: value == wanted)
        seen: list[str | None] = []

        def ready() -> bool:
            seen.append(self.value(variable))
            return seen[-1] is not None and check(seen[-1])

        try:
            self._wait(ready, f"{variable} == {wanted!r} (last seen {seen[-1:]})", timeout)
        except AssertionError as error:
            raise AssertionError(f"{error}; last value {seen[-1] if seen else None!r}") from None
        return seen[-1]
