"""``nut-helper guide``: the guided setup for a person at a terminal (questions, diff, write, verify)."""

from __future__ import annotations

import argparse
import sys

from nuthelper.cli.knowledge_args import add_knowledge_arguments
from nuthelper.cli.verify import seconds_type
from nuthelper.errors import InvalidInput

HELP = "guided setup at a terminal: find the UPS, ask the model (and cable), show the diff, write, then verify"
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from nuthelper.verify import DEFAULT_SECONDS

    parser.add_argument("--config", metavar="PATH", help="the ups.conf to change (default /etc/nut/ups.conf, "
                        "under --root)")
    parser.add_argument("--standalone", action="store_true",
                        help="also write nut.conf, upsd.conf, upsd.users and upsmon.conf for a standalone machine")
    parser.add_argument("--seconds", metavar="N", type=seconds_type, default=DEFAULT_SECONDS,
                        help=f"how long verify may wait for the UPS (default {DEFAULT_SECONDS:g})")
    parser.add_argument("--driver-path", metavar="DIR", help="where NUT's drivers are (default /lib/nut, "
                        "/usr/lib/nut)")
    add_knowledge_arguments(parser, writes=True)


def run(args: argparse.Namespace) -> int:
    from nuthelper.guide import Guide, GuideOptions, Quit, Terminal

    if not sys.stdin.isatty():
        raise InvalidInput("guide asks its questions at a terminal, and stdin is not one; in scripts use "
                           "'nut-helper setup --model ... --port ... --write', then 'nut-helper verify'")
    guide = Guide(Terminal(), GuideOptions(root=args.root, config=args.config, packs=args.cables,
                                           driver_path=args.driver_path, seconds=args.seconds,
                                           standalone=args.standalone))
    try:
        return guide.run()
    except (KeyboardInterrupt, Quit) as stop:
        how = "interrupted" if isinstance(stop, KeyboardInterrupt) else "ended"
        kept = (f"the configuration was written; check it with 'nut-helper verify {guide.section.name}'"
                if guide.written else "nothing was written")
        print(f"\nnut-helper: {how}: {kept}", file=sys.stderr)
        return EXIT_INTERRUPTED
