"""Run probe_ports in a fresh process (so LD_PRELOAD applies) on a genericups table of the test's own.

Usage: run_probe.py GENERICUPS_JSON PORT...   -> JSON list of results on stdout
The table has the format of nuthelper/data/genericups.json.
"""

import json
import sys
from pathlib import Path

from nuthelper.knowledge.genericups import load_table
from nuthelper.probe.serialprobe import ProbeSettings, probe_ports


def main() -> None:
    settings = ProbeSettings(table=load_table(Path(sys.argv[1])))
    results = probe_ports(sys.argv[2:], settings)
    json.dump([r.to_dict() for r in results], sys.stdout)


if __name__ == "__main__":
    main()
