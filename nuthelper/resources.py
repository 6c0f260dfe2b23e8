"""Locate the data files shipped with nut-helper.

In a wheel, the top-level ``cables.json``, ``templates/`` and ``docs/cables.schema.json`` are
copied into ``nuthelper/shipped/``; in a source checkout they are read from the repository root.
Paths are found next to the package, as plain strings first (``data_file``, ``shipped_file``:
what the start-up path of every command uses, without importing pathlib or importlib.resources)
and as :class:`pathlib.Path` objects for everything else.
"""

from __future__ import annotations

import os

PACKAGE = os.path.dirname(os.path.abspath(__file__))

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


def shipped_file(name: str, in_checkout: str | None = None) -> str:
    """A file shipped beside the package (``nuthelper/shipped/NAME`` in a wheel, the checkout's own otherwise)."""
    packaged = os.path.join(PACKAGE, "shipped", name)
    if os.path.exists(packaged):
        return packaged
    return os.path.join(os.path.dirname(PACKAGE), in_checkout or name)


def data_file(name: str) -> str:
    """A data file kept inside the package (``nuthelper/data/NAME``)."""
    return os.path.join(PACKAGE, "data", name)


def _path(text: str) -> Path:
    from pathlib import Path

    return Path(text)


def cables_path() -> Path:
    """The built-in cable knowledge base."""
    return _path(shipped_file("cables.json"))


def cables_schema_path() -> Path:
    """The JSON Schema of cables.json and of knowledge packs."""
    return _path(shipped_file("cables.schema.json", "docs/cables.schema.json"))


def templates_directory() -> str:
    """The directory of the Jinja2 templates that produce every configuration text."""
    return shipped_file("templates")



def data_path(name: str) -> Path:
    """A data file kept inside the package, as a Path."""
    return _path(data_file(name))
