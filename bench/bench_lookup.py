#!/usr/bin/env python3
"""Benchmark ``nut-helper lookup``: cold start against ``python3 -c pass``, and warm queries per second.

Usage: python3 bench/bench_lookup.py [--runs N] [--seconds S] [--hcl FILE]

Cold start: median wall time of N runs of ``nut-helper lookup QUERY`` (the console script next to
this interpreter, or ``python -m nuthelper``) and of ``python -c pass`` with the same interpreter,
interleaved in the same run; the ratio's target is 1.5 or less. The run also times the floor that
loading the shipped data with importlib.resources sets. Warm: one process searches the
model names of the whole hardware list, one query per row, for S seconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_RATIO = 1.5


def _command() -> list[str]:
    script = Path(sys.executable).with_name("nut-helper")
    return [str(script)] if script.exists() else [sys.executable, "-m", "nuthelper"]


def _time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def cold_start(runs: int, query: str, hcl: str | None) -> tuple[float, float, float]:
    """Medians of the lookup, of the bare interpreter, and of the importlib.resources floor."""
    lookup = _command() + ["lookup", query] + (["--hcl", hcl] if hcl else [])
    baseline = [sys.executable, "-c", "pass"]
    floor = [sys.executable, "-c", "import importlib.resources"]  # how the shipped data must be loaded
    _time(lookup), _time(baseline), _time(floor)          # warm the page cache
    lookups, baselines, floors = [], [], []
    for _ in range(runs):
        lookups.append(_time(lookup))
        baselines.append(_time(baseline))
        floors.append(_time(floor))
    return statistics.median(lookups), statistics.median(baselines), statistics.median(floors)


def warm_queries(seconds: float, hcl: str | None) -> tuple[int, float, float, float]:
    from nuthelper.knowledge.hcl import load_hcl
    from nuthelper.knowledge.search import FOUND, build_index

    start = time.perf_counter()
    index = build_index(load_hcl(hcl))
    build = time.perf_counter() - start
    queries = [f"{d.entry.manufacturer} {d.entry.model}" for d in index.docs if d.kind == "hcl"]
    done = found = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        query = queries[done % len(queries)]
        matches = index.search(query, limit=5)
        found += bool(matches and matches[0].score >= FOUND)
        done += 1
    elapsed = time.perf_counter() - start
    return done, done / elapsed, build, found / done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--query", default="tripplite omni 900 lcd")
    parser.add_argument("--hcl", default=None, help="hardware list to use (default: what nut-helper finds)")
    args = parser.parse_args()

    lookup, baseline, floor = cold_start(args.runs, args.query, args.hcl)
    ratio = lookup / baseline
    print(f"cold start, median of {args.runs}: nut-helper lookup {lookup * 1000:.1f} ms, "
          f"python -c pass {baseline * 1000:.1f} ms, ratio {ratio:.2f} (target <= {TARGET_RATIO}: "
          f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}); floor: python -c 'import importlib.resources' "
          f"{floor * 1000:.1f} ms, {floor / baseline:.2f}x")
    done, rate, build, hit_rate = warm_queries(args.seconds, args.hcl)
    print(f"warm: index built in {build * 1000:.1f} ms; {done} queries (every row's 'manufacturer model') "
          f"at {rate:.0f} queries/s; {hit_rate:.1%} found an answer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
