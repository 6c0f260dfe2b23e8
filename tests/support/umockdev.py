"""Running programs on a simulated machine: umockdev-run with a recorded device tree."""

from __future__ import annotations

import subprocess
from pathlib import Path


def umockdev_prefix(devices: Path) -> list[str]:
    """The command prefix that runs a program under umockdev with the ``devices`` recording."""
    return ["umockdev-run", "-d", str(devices), "--"]


def run_under_umockdev(devices: Path, *command: str) -> subprocess.CompletedProcess:
    """Run ``command`` under umockdev, output captured as text."""
    return subprocess.run([*umockdev_prefix(devices), *command], capture_output=True, text=True, timeout=120)
