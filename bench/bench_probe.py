#!/usr/bin/env python3
"""Benchmark: probe eight simulated serial UPS ports (Q1, APC smart, silent), beside nut-scanner -E on the same.

Run as root from the repository with nut-helper's interpreter (needs socat, Debian's nut-client and
pyserial):  .venv/bin/python bench/bench_probe.py

Two nut-helper figures are printed: like for like with nut-scanner (the same ports and the same three
protocols nut-scanner's serial scan speaks: SHUT, XCP and Megatec Q1) and with nut-helper's full default
set (which adds APC smart). nut-scanner -E takes a comma-separated list only when it starts with
/dev/tty, so the pty pairs are linked as /dev/ttyNHBENCH0..7 (removed afterwards).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from nuthelper.probe.protocols import DEFAULT_PROTOCOLS  # noqa: E402
from nuthelper.probe.serialprobe import ProbeResult, ProbeSettings, probe_ports  # noqa: E402
from support.ptys import SimPort  # noqa: E402

MODES = ["q1", "apc", "silent", "q1", "apc", "silent", "q1", "apc"]
SCANNER_PROTOCOLS = ("megatec", "shut", "xcp")   # what nut-scanner's serial scan (-E) tries
TARGET_TOTAL, TARGET_SILENT, TARGET_RATIO = 2.0, 1.5, 5.0


def timed_probe(paths: list[str], protocols: tuple[str, ...]) -> tuple[float, list[ProbeResult]]:
    started = time.monotonic()
    results = probe_ports(paths, ProbeSettings(protocols=protocols))
    return time.monotonic() - started, results


def describe(label: str, seconds: float, results: list[ProbeResult]) -> float:
    """Print one nut-helper run port by port; return how long its slowest silent port took."""
    found = sum(1 for result in results if result.found)
    print(f"{label}: {len(results)} ports in {seconds:.2f} s, {found} devices found")
    for mode, result in zip(MODES, results):
        print(f"  {result.port:22} {mode:7} -> {result.driver or '-':10} {result.seconds:.2f} s"
              + (f"  ({result.error})" if result.error else ""))
    return max(result.seconds for mode, result in zip(MODES, results) if mode == "silent")


def main() -> int:
    if os.geteuid() != 0:
        print("run as root: the ports are linked under /dev for nut-scanner", file=sys.stderr)
        return 2
    if importlib.util.find_spec("serial") is None:
        print("pyserial is missing: run this with nut-helper's interpreter (.venv/bin/python)", file=sys.stderr)
        return 2
    scanner = shutil.which("nut-scanner")
    if scanner is None:
        print("nut-scanner is not installed (apt-get install nut-client): nothing to compare with", file=sys.stderr)
        return 2
    sims = [SimPort(Path("/dev"), f"ttyNHBENCH{index}", mode) for index, mode in enumerate(MODES)]
    try:
        paths = [sim.path for sim in sims]
        same_seconds, same_results = timed_probe(paths, SCANNER_PROTOCOLS)
        describe(f"nut-helper probe, nut-scanner's protocols ({', '.join(SCANNER_PROTOCOLS)})",
                 same_seconds, same_results)
        full_seconds, full_results = timed_probe(paths, DEFAULT_PROTOCOLS)
        silent_worst = describe(f"nut-helper probe, full default set ({', '.join(DEFAULT_PROTOCOLS)})",
                                full_seconds, full_results)

        started = time.monotonic()
        done = subprocess.run([scanner, "-q", "-N", "-E", ",".join(paths)], capture_output=True, text=True)
        theirs = time.monotonic() - started
        print(f"nut-scanner -E: {len(paths)} ports in {theirs:.2f} s, {done.stdout.count('driver =')} devices found "
              f"(protocols: SHUT, XCP, Megatec Q1)")

        like_for_like, full = theirs / same_seconds, theirs / full_seconds
        print(f"speed-up like for like (same ports, same three protocols): {like_for_like:.1f}x "
              f"(target >= {TARGET_RATIO}x)")
        print(f"speed-up with nut-helper's full protocol set: {full:.1f}x")
        print(f"full set: {full_seconds:.2f} s for 8 ports (target <= {TARGET_TOTAL} s); slowest silent port "
              f"given up after {silent_worst:.2f} s (target <= {TARGET_SILENT} s)")
        met = full_seconds <= TARGET_TOTAL and silent_worst <= TARGET_SILENT and like_for_like >= TARGET_RATIO
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
