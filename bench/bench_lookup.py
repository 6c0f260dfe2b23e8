#!/usr/bin/env python3
"""Benchmark the search behind ``nut-helper lookup``, warm: queries per second over every row.

Usage: python3 bench/bench_lookup.py [--seconds S] [--hcl FILE]

One process builds the index of the hardware list, then searches the model names of the whole
list, one query per row ("manufacturer model"), for S seconds, and prints how many found an
answer. The cold start of ``lookup`` (its targets, against the floors of the stack) is timed by
bench/bench_startup.py, and its growth with the list by bench/bench_scale.py.
"""

from __future__ import annotations

import argparse
import sys
import time


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
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--hcl", default=None, help="hardware list to use (default: what nut-helper finds)")
    args = parser.parse_args()
    done, rate, build, hit_rate = warm_queries(args.seconds, args.hcl)
    print(f"warm: index built in {build * 1000:.1f} ms; {done} queries (every row's 'manufacturer model') "
          f"at {rate:.0f} queries/s; {hit_rate:.1%} found an answer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
