"""The real-world resolution score: `python bench/realworld.py` (from the repository, with nut-helper installed).

Runs the resolver on every case of tests/data/realworld-cases.json and prints the score per
connection, then every wrong answer and refusal, then the overall score (see tests/support/realworld.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.realworld import judge, load_cases, report  # noqa: E402


def main() -> int:
    print(report([judge(case) for case in load_cases()]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
