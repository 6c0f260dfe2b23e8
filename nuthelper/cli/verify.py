"""``nut-helper verify``: start the real driver on configured sections and say whether each works."""

from __future__ import annotations

import argparse
import sys

HELP = ("prove a ups.conf section on the real UPS: read it through upsd, or run its driver once "
        "(exit 7 when one does not work, 8 when one could not be tried)")


def seconds_type(text: str) -> float:
    """argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"--seconds {text!r} is not a positive number of seconds")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from nuthelper.verify import DEFAULT_SECONDS
    from nuthelper.verify.section import DEFAULT_CONFIG

    parser.add_argument("name", nargs="?", metavar="NAME", help="the section to verify (default: every section)")
    parser.add_argument("--config", metavar="PATH", help=f"the ups.conf to read (default {DEFAULT_CONFIG}, under --root)")
    parser.add_argument("--root", metavar="DIR", help="target system root: read DIR/etc/nut/ups.conf (the driver, "
                        "ports and upsd are still this machine's)")
    parser.add_argument("--seconds", metavar="N", type=seconds_type, default=DEFAULT_SECONDS,
                        help=f"how long the driver may take to read the UPS (default {DEFAULT_SECONDS:g})")
    parser.add_argument("--model", help="the model the section was made for (default: the one its nut-helper "
                        "comment names); needs NAME when ups.conf has several sections")
    parser.add_argument("--driver-path", metavar="DIR", help="where NUT's drivers are (default /lib/nut, "
                        "/usr/lib/nut)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document instead of text (docs/user-guide.md, 'JSON output')")


def run(args: argparse.Namespace) -> int:
    from nuthelper.cli.output import print_json
    from nuthelper.verify import VerifyOptions, verify_config

    report = verify_config(args.config, args.root, [args.name] if args.name else None, args.model,
                           VerifyOptions(seconds=args.seconds, driver_path=args.driver_path))
    if args.json:
        print_json(report.to_dict())
    else:
        for section in report.sections:
            print("\n".join(section.describe()))
        counts = ", ".join(f"{count} {verdict}" for verdict, count in report.counts().items())
        print(f"nut-helper: {report.path}: {len(report.sections)} section(s): {counts}", file=sys.stderr)
    return report.exit_code
