"""The real-world resolution score: `python bench/realworld.py` (from the repository, with nut-helper installed).

Runs the resolver on every case of tests/data/realworld-cases.json, then of the held-out set
tests/data/realworld-heldout.json, as setup answers on the case's machine (with the unit whose USB
ID the thread reports on the bus), and prints for each the score per connection, every wrong
answer and refusal, and the overall score; then the score of each from the model alone, as with
no unit attached (see tests/support/realworld.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.realworld import CASES, HELDOUT, judge, load_cases, report  # noqa: E402


def main() -> int:
    for title, path in (("tuned-on set", CASES), ("held-out set", HELDOUT)):
        print(f"== {title}: {path.name}")
        print(report([judge(case) for case in load_cases(path)]))
    for title, path in (("tuned-on set", CASES), ("held-out set", HELDOUT)):
        alone = report([judge(case, with_bus=False) for case in load_cases(path)]).splitlines()[-1]
        print(f"== {title}, from the model alone (no unit on the bus): {alone.removeprefix('all').strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
