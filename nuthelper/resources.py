"""Locate the data files shipped with nut-helper.

In a wheel, the top-level ``cables.json``, ``templates/`` and ``docs/cables.schema.json`` are
copied into ``nuthelper/shipped/``; in a source checkout they are read from the repository root.
Paths are found next to the package (no importlib.resources: it costs more start-up time than
every command but ``--version`` takes in all).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str, in_checkout: str | None = None) -> Path:
    packaged = PACKAGE / "shipped" / name
    if packaged.exists():
        return packaged
    return PACKAGE.parent / (in_checkout or name)


def cables_path() -> Path:
    """The built-in cable knowledge base."""
    return _shipped("cables.json")


def cables_schema_path() -> Path:
    """The JSON Schema of cables.json and of knowledge packs."""
    return _shipped("cables.schema.json", "docs/cables.schema.json")


def templates_dir() -> Path:
    """The Jinja2 templates that produce every configuration text."""
    return _shipped("templates")


def data_path(name: str) -> Path:
    """A data file kept inside the package (``nuthelper/data/NAME``)."""
    return PACKAGE / "data" / name
