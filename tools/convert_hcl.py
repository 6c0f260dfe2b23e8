#!/usr/bin/env python3
"""Convert NUT's hardware list (driver.list or driver.list.in) into nut-helper's hcl.json.

Usage: python3 tools/convert_hcl.py [DRIVER_LIST] [--commit-file FILE] [--nut-version V] [-o OUT]

Defaults convert the repository's copy tests/data/nut/driver.list.in (with its SOURCE-COMMIT; origin
in tests/data/nut/README.md) into nuthelper/data/hcl.json. The rows are parsed by nuthelper.knowledge.hcl, so a row the
project cannot read stops the conversion with its line number.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nuthelper.knowledge.hcl import hcl_to_json, parse_driver_list  # noqa: E402

REFERENCE = REPO / "tests" / "data" / "nut"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=str(REFERENCE / "driver.list.in"))
    parser.add_argument("--commit-file", default=None,
                        help="file whose first word is the NUT git commit the list comes from "
                             "(default: SOURCE-COMMIT next to the source, when present)")
    parser.add_argument("--nut-version", default=None, help="NUT version, when the header does not say")
    parser.add_argument("-o", "--output", default=str(REPO / "nuthelper" / "data" / "hcl.json"))
    args = parser.parse_args()

    source = Path(args.source)
    hcl = parse_driver_list(source.read_text(encoding="utf-8"), source.name)
    commit_file = Path(args.commit_file) if args.commit_file else source.parent / "SOURCE-COMMIT"
    origin: dict = {"file": source.name}
    if commit_file.is_file():
        commit, _, date = commit_file.read_text(encoding="utf-8").strip().partition(" ")
        origin.update(commit=commit, commit_date=date.strip() or None)
    if args.nut_version:
        hcl.nut_version = args.nut_version
    document = hcl_to_json(hcl, origin)
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write('{"format": %d,\n "source": %s,\n "entries": [\n' % (
            document["format"], json.dumps(document["source"], ensure_ascii=False)))
        handle.write(",\n".join("  " + json.dumps(row, ensure_ascii=False, separators=(",", ":"))
                                for row in document["entries"]))
        handle.write("\n ]}\n")
    print(f"{args.output}: {len(hcl.entries)} rows from {source} "
          f"(NUT {hcl.nut_version or 'version not in header'}, commit {origin.get('commit', 'unknown')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
