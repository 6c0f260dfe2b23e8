"""Waiting for and stopping the child processes a test starts."""

from __future__ import annotations

import signal
import subprocess
import time
from typing import Callable, Iterable


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 15.0, interval: float = 0.05,
               watched: Iterable[subprocess.Popen] = (), details: Callable[[], str] = str) -> None:
    """Poll ``predicate`` until true; raise TimeoutError naming ``what`` on timeout or when a watched
    process has died (``details()`` is appended to the message)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        dead = [process.args for process in watched if process.poll() is not None]
        if dead or time.monotonic() > deadline:
            reason = f"{dead[0]!r} exited" if dead else "timed out"
            raise TimeoutError(f"{reason} waiting for {what}\n{details()}".rstrip())
        time.sleep(interval)


def stop_processes(processes: Iterable[subprocess.Popen], timeout: float = 10.0) -> None:
    """SIGTERM every process still running (in the order given), then reap them all, killing laggards."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
