"""socat pseudo-terminal pairs, alone or with a simulated UPS (``ups_sim.py``) on the far end."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from support.processes import stop_processes, wait_until

SIMULATOR = Path(__file__).resolve().parent / "ups_sim.py"


class PtyPair:
    """A socat pty pair: ``port`` is the device a program opens, ``far_end`` the UPS's side.

    Use as a context manager (or call start/stop)."""

    def __init__(self, directory: Path, name: str = "ttyUPS") -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.port = directory / name
        self.far_end = directory / f"{name}.ups"
        self.socat: subprocess.Popen | None = None

    @property
    def device(self) -> str:
        """The /dev/pts node behind ``port``."""
        return os.path.realpath(self.port)

    def start(self) -> PtyPair:
        if shutil.which("socat") is None:
            raise RuntimeError("socat is not installed (tests/run.sh installs it)")
        self.socat = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={self.port}", f"pty,raw,echo=0,link={self.far_end}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: self.port.exists() and self.far_end.exists(), f"socat ptys {self.port}",
                       timeout=10, interval=0.01, watched=[self.socat])
        except TimeoutError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.socat is not None:
            stop_processes([self.socat])
        self.socat = None

    def __enter__(self) -> PtyPair:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class SimPort:
    """A started pty pair whose far end the simulator plays in ``mode`` (see ups_sim.py); ``env``
    adds variables for the simulator (SIM_Q1_STATE)."""

    def __init__(self, directory: Path, name: str, mode: str, env: dict[str, str] | None = None) -> None:
        self.pair = PtyPair(directory, name).start()
        self.received_log = directory / f"{name}.received"
        self.sim = subprocess.Popen(
            [sys.executable, str(SIMULATOR), mode, str(self.pair.far_end), str(self.received_log)],
            env={**os.environ, "SIM_VANISH_PID": str(self.pair.socat.pid), **(env or {})})
        sim_pts = os.path.realpath(self.pair.far_end)
        try:
            wait_until(lambda: self._sim_has_open(sim_pts), f"simulator on {name}", timeout=5, interval=0.01,
                       watched=[self.sim])
        except TimeoutError:
            self.stop()
            raise

    def _sim_has_open(self, pts: str) -> bool:
        try:
            return any(os.readlink(f"/proc/{self.sim.pid}/fd/{fd}") == pts
                       for fd in os.listdir(f"/proc/{self.sim.pid}/fd"))
        except OSError:
            return False

    @property
    def path(self) -> str:
        """The link a program opens (as a string, the way ports are named in results)."""
        return str(self.pair.port)

    @property
    def device(self) -> str:
        return self.pair.device

    def received(self) -> bytes:
        """Every byte the simulator has read."""
        if not self.received_log.exists():
            return b""
        return b"".join(bytes.fromhex(line) for line in self.received_log.read_text().split())

    def stop(self) -> None:
        stop_processes([self.sim], timeout=5)
        self.pair.stop()


class SimBench:
    """Simulated ports in one world-readable scratch directory (so other users may reach them)."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="nuthelper-probe-"))
        self.directory.chmod(0o755)
        self.ports: list[SimPort] = []

    def add(self, name: str, mode: str, env: dict[str, str] | None = None) -> SimPort:
        port = SimPort(self.directory, name, mode, env)
        self.ports.append(port)
        return port

    def close(self) -> None:
        for port in self.ports:
            port.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
