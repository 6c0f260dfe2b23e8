"""Shared output helpers for the subcommands."""

from __future__ import annotations

import json
import sys
from typing import Any


def print_json(data: Any) -> None:
    """Print one JSON document on stdout (stable key order, UTF-8 kept readable)."""
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def note(message: str) -> None:
    """A human-facing progress or information line, kept off stdout."""
    print(message, file=sys.stderr)
