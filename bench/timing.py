"""What the benchmarks share: finding a program installed beside this interpreter, and timing
commands in turns so that a slow spell of a shared machine weighs on all of them alike."""

from __future__ import annotations

import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def installed_program(name: str, install_hint: str) -> str:
    """``name`` from this interpreter's bin directory, else from PATH; exits saying how to install it."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        sys.exit(f"{name} is not installed for this interpreter: run `{install_hint}` first")
    return found


def interleaved_medians(commands: Sequence[tuple[str, list[str], Callable[[], None] | None]], runs: int,
                        env: dict[str, str]) -> dict[str, float]:
    """Each named command's median wall time in seconds over ``runs`` rounds, after one warm-up
    round (page cache, caches of the program's own); each round runs every command once, in an
    order shuffled anew (seeded), its ``before`` hook (or None) first."""
    shuffler = random.Random(12)
    times: dict[str, list[float]] = {name: [] for name, _, _ in commands}
    for round_number in range(runs + 1):
        for name, command, before in shuffler.sample(list(commands), len(commands)):
            if before is not None:
                before()
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
            if round_number:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}
