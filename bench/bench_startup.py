"""Start-up time of nut-helper commands as ratios to a bare interpreter, measured in the same run.

Usage: python3 bench/bench_startup.py [--runs N]     (nut-helper installed for this interpreter)

Each command is run N times (default 25) after one warm-up, the commands taking turns in an order
shuffled each round (bench/timing.py); the median wall time is divided by the median of
``python3 -c pass``. Beside each figure stands its target and the floor nothing on this stack can
go below: ``import re``, a minimal argparse + json script, and ``import argparse, json, jinja2``. The hardware-list cache lives in a private directory
(NUT_HELPER_CACHE_DIR) that the warm runs share; the "first run after driver.list changed" rows
get a fresh copy of the list for every run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from timing import installed_program, interleaved_medians

SYSTEM_LIST = Path("/usr/share/nut/driver.list")
MINIMAL_CLI = "import argparse, json, sys; p = argparse.ArgumentParser(); p.add_argument('x'); json.dumps(vars(p.parse_args(['a'])))"
CHECK_CONF = """[tripp]
\tdriver = genericups
\tport = /dev/ttyS0
\tupstype = 5
[eaton]
\tdriver = usbhid-ups
\tport = auto
[apc]
\tdriver = apcsmart
\tport = /dev/ttyS1
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25)
    runs = parser.parse_args().runs
    exe = installed_program("nut-helper", "pip install .")
    scratch = Path(tempfile.mkdtemp(prefix="nut-helper-bench-"))
    env = dict(os.environ, NUT_HELPER_CACHE_DIR=str(scratch / "cache"))
    conf = scratch / "ups.conf"
    conf.write_text(CHECK_CONF)
    changed = scratch / "driver.list"

    def change_the_list() -> None:  # a new inode and mtime: the cache no longer fits
        changed.unlink(missing_ok=True)
        shutil.copyfile(SYSTEM_LIST, changed)

    python = sys.executable
    rows = [  # name, command, target, floor, runs before each
        ("python3 -c pass", [python, "-c", "pass"], None, None, None),
        ("floor: import re", [python, "-c", "import re"], None, None, None),
        ("floor: argparse + json script", [python, "-c", MINIMAL_CLI], None, None, None),
        ("floor: import argparse, json, jinja2", [python, "-c", "import argparse, json, jinja2"], None, None, None),
        ("--version", [exe, "--version"], 2.0, "floor: import re", None),
        ("cables list", [exe, "cables", "list"], 2.75, "floor: argparse + json script", None),
        ("lookup QUERY (cache warm)", [exe, "lookup", "Back-UPS ES 700"], 3.5, "floor: argparse + json script", None),
        ("lookup QUERY (list changed)", [exe, "lookup", "Back-UPS ES 700", "--hcl", str(changed)], 6.0, None,
         change_the_list),
        ("setup (a cable decides)", [exe, "setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844",
                                     "--port", "/dev/ttyS0"], 7.5, "floor: import argparse, json, jinja2", None),
        ("setup (the list decides)", [exe, "setup", "--model", "APC Back-UPS ES 700", "--port", "/dev/hidraw0"], 8.0,
         "floor: import argparse, json, jinja2", None),
        ("check, 3 sections", [exe, "check", "--config", str(conf)], 7.0, None, None),
        ("setup --port auto (no target)", [exe, "setup", "--model", "APC Back-UPS ES 700", "--port", "auto"], None,
         None, None),
    ]
    change_the_list()
    medians = interleaved_medians([(name, command, before) for name, command, _, _, before in rows], runs, env)
    base = medians["python3 -c pass"]
    print(f"start-up, median of {runs} runs, as a ratio to `python3 -c pass` ({base * 1000:.1f} ms)")
    missed = 0
    for name, _, target, floor, _ in rows:
        ratio = medians[name] / base
        line = f"  {name:<38} {medians[name] * 1000:7.1f} ms  {ratio:5.2f}x"
        if target is not None:
            met = ratio <= target
            missed += not met
            line += f"  target <= {target}x: {'met' if met else 'MISSED'}"
        if floor is not None:
            line += f"  (floor {floor.split(': ')[1]}: {medians[floor] / base:.2f}x)"
        print(line)
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"{missed} target(s) missed")


if __name__ == "__main__":
    main()
