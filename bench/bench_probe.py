#!/usr/bin/env python3
"""Benchmark: probe eight simulated serial UPS ports (Q1, APC smart, silent), then nut-scanner -E on the same.

Run as root from the repository (needs socat and Debian's nut-client):  python3 bench/bench_probe.py
nut-scanner -E takes a comma-separated list only when it starts with /dev/tty, so the pty pairs are
linked as /dev/ttyNHBENCH0..7 (removed afterwards).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from nuthelper.probe.serialprobe import probe_ports, ProbeSettings  # noqa: E402
from support.ptys import SimPort  # noqa: E402

MODES = ["q1", "apc", "silent", "q1", "apc", "silent", "q1", "apc"]
TARGET_TOTAL, TARGET_SILENT, TARGET_RATIO = 2.0, 1.5, 5.0


def main() -> int:
    if os.geteuid() != 0:
        print("run as root: the ports are linked under /dev for nut-scanner", file=sys.stderr)
        return 2
    workdir = Path("/dev")
    sims = [SimPort(workdir, f"ttyNHBENCH{index}", mode) for index, mode in enumerate(MODES)]
    try:
        paths = [sim.path for sim in sims]
        started = time.monotonic()
        results = probe_ports(paths, ProbeSettings())
        ours = time.monotonic() - started
        print(f"nut-helper probe: {len(paths)} ports in {ours:.2f} s (target <= {TARGET_TOTAL} s)")
        silent_worst = 0.0
        for mode, result in zip(MODES, results):
            print(f"  {result.port:22} {mode:7} -> {result.driver or '-':10} {result.seconds:.2f} s")
            if mode == "silent":
                silent_worst = max(silent_worst, result.seconds)
        print(f"  slowest silent port given up after {silent_worst:.2f} s (target <= {TARGET_SILENT} s)")
        found = sum(1 for r in results if r.found)

        scanner = shutil.which("nut-scanner")
        if scanner is None:
            print("nut-scanner not installed (apt-get install nut-client): no comparison")
            return 0
        started = time.monotonic()
        done = subprocess.run([scanner, "-q", "-N", "-E", ",".join(paths)], capture_output=True, text=True)
        theirs = time.monotonic() - started
        their_found = done.stdout.count("driver =")
        print(f"nut-scanner -E:   {len(paths)} ports in {theirs:.2f} s, {their_found} devices found "
              f"(protocols: SHUT, XCP, Q1)")
        print(f"nut-helper found {found} devices (protocols: Q1, APC smart, SHUT, XCP)")
        ratio = theirs / ours
        print(f"speed-up: {ratio:.1f}x (target >= {TARGET_RATIO}x)")
        met = ours <= TARGET_TOTAL and silent_worst <= TARGET_SILENT and ratio >= TARGET_RATIO
        print("targets met" if met else "targets NOT met")
        return 0 if met else 1
    finally:
        for sim in sims:
            sim.stop()
            for leftover in (sim.path, str(sim.pair.far_end), str(sim.received_log)):
                if os.path.lexists(leftover):
                    os.unlink(leftover)


if __name__ == "__main__":
    sys.exit(main())
