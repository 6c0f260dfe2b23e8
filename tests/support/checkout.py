"""This checkout as a user gets it: a clean copy to build or install from, the README's two top
commands and its first example."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent.parent
NOT_COPIED = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".pybuild", "build", "dist"}


def copy_checkout(destination: Path) -> Path:
    """The checkout without its venv, git data and build leftovers (a build in the copy leaves the
    checkout clean)."""
    shutil.copytree(CHECKOUT, destination, symlinks=True,
                    ignore=lambda _, names: [name for name in names
                                             if name in NOT_COPIED or name.endswith(".egg-info")])
    return destination


def readme_example() -> tuple[list[str], str]:
    """The README's first shown example: the command after '$ ' and the output shown under it."""
    readme = (CHECKOUT / "README.md").read_text()
    block = next(block for block in re.findall(r"^```[^\n]*\n(.*?)^```", readme, flags=re.M | re.S)
                 if block.startswith("$ nut-helper "))
    command, _, output = block.partition("\n")
    return shlex.split(command[2:]), output


def readme_commands() -> list[str]:
    """The README's two top commands, as written: its first two indented code blocks (install and
    run the main job; run the tests)."""
    readme = (CHECKOUT / "README.md").read_text()
    blocks = re.findall(r"(?:^|\n)\n((?: {4}.*\n)+)", readme)
    return ["\n".join(line[4:] for line in block.splitlines()) for block in blocks[:2]]
