"""The snippets of docs/installer-guide.md, which the tests run as the guide shows them.

A snippet is the fenced block right after a ``<!-- snippet: NAME -->`` line."""

from __future__ import annotations

import re
from pathlib import Path

GUIDE = Path(__file__).resolve().parent.parent.parent / "docs" / "installer-guide.md"


def snippets() -> dict[str, str]:
    """Every snippet of the guide by name."""
    found = re.findall(r"^<!-- snippet: ([\w-]+) -->\n```[^\n]*\n(.*?)^```$", GUIDE.read_text(), flags=re.M | re.S)
    names = [name for name, _ in found]
    assert len(names) == len(set(names)), f"a snippet name is used twice in {GUIDE}: {names}"
    return dict(found)


def snippet(name: str) -> str:
    """The text of snippet ``name`` (KeyError when the guide has none of that name)."""
    return snippets()[name]

