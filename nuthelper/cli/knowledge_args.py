"""Flags shared by the subcommands that read the cable knowledge (built-in plus packs)."""

from __future__ import annotations

import argparse

from nuthelper.cli.output import note
from nuthelper.cli.values import path
from nuthelper.knowledge.cables import CableBase


def add_knowledge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cables", metavar="FILE", action="append", default=[], type=path,
                        help="also read this knowledge pack (cables.json format); repeatable")
    parser.add_argument("--root", metavar="DIR", type=path, help="target system root: packs are read from "
                        "DIR/etc/nut-helper/cables.d (and files are written under DIR)")


def knowledge_from(args: argparse.Namespace) -> CableBase:
    """The built-in cables plus the packs the flags and the system name; conflicts go to stderr."""
    from nuthelper.knowledge.packs import load_knowledge

    knowledge = load_knowledge(args.root, args.cables)
    for conflict in knowledge.conflicts:
        note(f"nut-helper: warning: {conflict}")
    return knowledge
