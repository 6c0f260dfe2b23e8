"""Run probe_ports in a fresh process (so LD_PRELOAD applies) with a given genericups table.

Usage: run_probe.py TYPES_JSON NAMED_TYPE|- PORT...   -> JSON list of results on stdout
"""

import json
import sys

from nuthelper.probe.contact import types_from_dicts
from nuthelper.probe.serialprobe import ProbeSettings, probe_ports


def main() -> None:
    types = types_from_dicts(json.load(open(sys.argv[1])))
    named = None if sys.argv[2] == "-" else int(sys.argv[2])
    settings = ProbeSettings(contact_types=types, named_type=named)
    results = probe_ports(sys.argv[3:], settings)
    json.dump([r.to_dict() for r in results], sys.stdout)


if __name__ == "__main__":
    main()
