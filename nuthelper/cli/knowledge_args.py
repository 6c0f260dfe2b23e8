"""Flags shared by the subcommands that read the cable knowledge (built-in plus packs)."""

from __future__ import annotations

import argparse

from nuthelper.cli.output import note
from nuthelper.cli.values import path
from nuthelper.knowledge.cables import CableBase


def add_knowledge_arguments(parser: argparse.ArgumentParser, *, writes: bool = False) -> None:
    """``--cables`` and ``--root``; ``writes`` for the commands whose files go under ``--root`` too."""
    parser.add_argument("--cables", metavar="FILE", action="append", default=[], type=path,
                        help="also read this knowledge pack (cables.json format); repeatable")
    where = ("target system root: files are read and written under DIR, packs read from DIR/etc/nut-helper/cables.d"
             if writes else "also read the knowledge packs in DIR/etc/nut-helper/cables.d")
    parser.add_argument("--root", metavar="DIR", type=path, help=where)


def add_cache_argument(parser: argparse.ArgumentParser) -> None:
    """``--no-cache``: parse NUT's hardware list again instead of reading the cache of the last parse."""
    parser.add_argument("--no-cache", action="store_true",
                        help="parse NUT's hardware list instead of reading (or writing) the cache of its last parse")


def apply_cache_flags(args: argparse.Namespace) -> None:
    """``--no-cache`` turns the hardware-list cache off; a run for a target system (``--root``)
    reads it but never writes it."""
    from nuthelper.knowledge import hclcache

    if getattr(args, "no_cache", False):
        hclcache.disable()
    elif getattr(args, "root", None):
        hclcache.read_only()


def knowledge_from(args: argparse.Namespace) -> CableBase:
    """The built-in cables plus the packs the flags and the system name; conflicts go to stderr."""
    from nuthelper.knowledge.packs import load_knowledge

    knowledge = load_knowledge(args.root, args.cables)
    for conflict in knowledge.conflicts:
        note(f"nut-helper: warning: {conflict}")
    return knowledge
