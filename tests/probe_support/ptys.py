"""socat pseudo-terminal pairs with a simulated UPS on one end, and the modem-line shim."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIMULATOR = HERE.parent / "sim" / "ups_sim.py"
SHIM_SOURCE = HERE / "modem_shim.c"


def build_shim(directory: Path) -> Path:
    """Compile the LD_PRELOAD modem-line shim with gcc."""
    output = directory / "modem_shim.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-Wall", "-o", str(output), str(SHIM_SOURCE), "-ldl"],
                   check=True)
    return output


def _wait_for(predicate, what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.01)


class SimPort:
    """A socat pty pair: ``path`` is the port to probe, the simulator in ``mode`` plays the UPS."""

    def __init__(self, directory: Path, name: str, mode: str) -> None:
        self.path = str(directory / name)
        self.sim_side = str(directory / f"{name}.ups")
        self.received_log = directory / f"{name}.received"
        self.socat = subprocess.Popen(
            ["socat", "pty,raw,echo=0,link=" + self.path, "pty,raw,echo=0,link=" + self.sim_side],
            stderr=subprocess.DEVNULL)
        _wait_for(lambda: os.path.exists(self.path) and os.path.exists(self.sim_side), f"socat ptys for {name}")
        self.sim = subprocess.Popen([sys.executable, str(SIMULATOR), mode, self.sim_side, str(self.received_log)],
                                    env=dict(os.environ, SIM_VANISH_PID=str(self.socat.pid)))
        sim_pts = os.path.realpath(self.sim_side)
        _wait_for(lambda: self._sim_has_open(sim_pts), f"simulator on {name}")

    def _sim_has_open(self, pts: str) -> bool:
        try:
            return any(os.readlink(f"/proc/{self.sim.pid}/fd/{fd}") == pts
                       for fd in os.listdir(f"/proc/{self.sim.pid}/fd"))
        except OSError:
            return False

    @property
    def device(self) -> str:
        return os.path.realpath(self.path)

    def received(self) -> bytes:
        if not self.received_log.exists():
            return b""
        return b"".join(bytes.fromhex(line) for line in self.received_log.read_text().split())

    def stop(self) -> None:
        for process in (self.sim, self.socat):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (self.sim, self.socat):
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class SimBench:
    """A set of simulated ports in one world-readable scratch directory."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="nuthelper-probe-"))
        self.directory.chmod(0o755)
        self.ports: list[SimPort] = []

    def add(self, name: str, mode: str) -> SimPort:
        port = SimPort(self.directory, name, mode)
        self.ports.append(port)
        return port

    def close(self) -> None:
        for port in self.ports:
            port.stop()
        subprocess.run(["rm", "-rf", str(self.directory)], check=False)
