"""How lookup, setup and check grow with the hardware list and with the sections of ups.conf.

Usage: python3 bench/bench_scale.py [--runs N]     (nut-helper installed for this interpreter)

The hardware list is NUT's driver.list at 1x, 2x, 4x and 8x its rows (each row copied with a
numbered model name, given with --hcl), with the hardware-list cache warm; ups.conf has 1, 10, 50
and 200 sections (a genericups, a usbhid-ups and an apcsmart section in turn). Each figure is a
median of N runs (default 15) and is printed as a ratio to the command's own smallest case,
measured in the same run, the sizes of a command taking turns (bench/timing.py). Target: lookup at
8x rows stays <= 2.5x its 1x time.
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
ROW_FACTORS = (1, 2, 4, 8)
SECTION_COUNTS = (1, 10, 50, 200)
LOOKUP_TARGET = 2.5
SECTIONS = ("\tdriver = genericups\n\tport = /dev/ttyS{n}\n\tupstype = 5\n",
            "\tdriver = usbhid-ups\n\tport = auto\n\tserial = SN{n}\n",
            "\tdriver = apcsmart\n\tport = /dev/ttyUSB{n}\n")


def scaled_list(text: str, factor: int) -> str:
    """The list with each row copied ``factor`` times, copy k's model column ending in " Kk"."""
    lines = text.splitlines()
    rows = [line for line in lines if line.startswith('"')]
    copies = []
    for k in range(2, factor + 1):
        for row in rows:
            fields = row.split("\t")
            fields[3] = fields[3][:-1] + f' K{k}"'
            copies.append("\t".join(fields))
    return "\n".join(lines + copies) + "\n"


def ups_conf(sections: int) -> str:
    return "".join(f"[ups{n}]\n" + SECTIONS[n % len(SECTIONS)].format(n=n) for n in range(sections))


def growth(title: str, labels: list[str], commands: list[list[str]], runs: int, env: dict[str, str]) -> float:
    """Time the sizes of one command in turns and print one line per size; returns the largest
    size's ratio to the smallest."""
    medians = interleaved_medians(list(zip(labels, commands, [None] * len(commands))), runs, env)
    figures = [medians[label] * 1000 for label in labels]
    print(title)
    for label, figure in zip(labels, figures):
        print(f"  {label:>14} {figure:8.1f} ms  {figure / figures[0]:5.2f}x")
    return figures[-1] / figures[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    exe = installed_program("nut-helper", "pip install .")
    scratch = Path(tempfile.mkdtemp(prefix="nut-helper-scale-"))
    env = dict(os.environ, NUT_HELPER_CACHE_DIR=str(scratch / "cache"))
    try:
        text = SYSTEM_LIST.read_text(encoding="utf-8", errors="replace")
        lists = []
        for factor in ROW_FACTORS:
            path = scratch / f"driver-{factor}x.list"
            path.write_text(scaled_list(text, factor), encoding="utf-8")
            lists.append(path)
        three = scratch / "three.conf"
        three.write_text(ups_conf(3))
        base = interleaved_medians([("pass", [sys.executable, "-c", "pass"], None)], runs, env)["pass"] * 1000
        print(f"median of {runs} runs, sizes in turns; python3 -c pass: {base:.1f} ms; hardware-list cache warm")
        rows = [f"{factor}x rows" for factor in ROW_FACTORS]
        commands = {
            "lookup 'Back-UPS ES 700'": lambda hcl: [exe, "lookup", "Back-UPS ES 700", "--hcl", str(hcl)],
            "setup (the list decides)": lambda hcl: [exe, "setup", "--model", "APC Back-UPS ES 700", "--port",
                                                     "/dev/hidraw0", "--hcl", str(hcl)],
            "check, 3 sections": lambda hcl: [exe, "check", "--config", str(three), "--hcl", str(hcl)],
        }
        ratios = {title: growth(f"{title}, by rows of the hardware list", rows,
                                [command(hcl) for hcl in lists], runs, env)
                  for title, command in commands.items()}
        sections = [f"{count} sections" for count in SECTION_COUNTS]
        confs = []
        for count in SECTION_COUNTS:
            conf = scratch / f"ups-{count}.conf"
            conf.write_text(ups_conf(count))
            confs.append(conf)
        growth("check, by sections of ups.conf", sections,
               [[exe, "check", "--config", str(conf)] for conf in confs], runs, env)
        growth("setup --write --dry-run, by sections of ups.conf", sections,
               [[exe, "setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844", "--port",
                 "/dev/ttyS0", "--write", "--dry-run", "--config", str(conf)] for conf in confs], runs, env)
        lookup = ratios["lookup 'Back-UPS ES 700'"]
        met = lookup <= LOOKUP_TARGET
        print(f"lookup at 8x rows: {lookup:.2f}x its 1x time (target <= {LOOKUP_TARGET}x): "
              f"{'met' if met else 'MISSED'}")
        return 0 if met else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
