"""Locate the data files shipped with nut-helper.

In a wheel, the top-level ``cables.json`` and ``templates/`` are copied into
``nuthelper/shipped/``; in a source checkout they are read from the repository root.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _shipped(name: str) -> Path:
    packaged = resources.files("nuthelper") / "shipped" / name
    if packaged.is_file() or packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / name


def cables_path() -> Path:
    """The built-in cable knowledge base."""
    return _shipped("cables.json")


def cables_schema_path() -> Path:
    """The JSON Schema of cables.json and of knowledge packs."""
    packaged = resources.files("nuthelper") / "shipped" / "cables.schema.json"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "docs" / "cables.schema.json"


def templates_dir() -> Path:
    """The Jinja2 templates that produce every configuration text."""
    return _shipped("templates")


def data_path(name: str) -> Path:
    """A data file kept inside the package (``nuthelper/data/NAME``)."""
    return Path(str(resources.files("nuthelper") / "data" / name))
