"""``nut-helper setup --write``: the flags, and the human report of :func:`nuthelper.configure.write_setup`.

What is written and how: docs/user-guide.md, "Writing the configuration safely".
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nuthelper.cli.values import path, seconds, whole_number
from nuthelper.configure import DEFAULT_CONFIG, DEFAULT_UPSD_PORT, WriteOptions, skip_if_configured
from nuthelper.tree import Tree


def add_write_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``setup`` that write into a system (``--root`` comes from knowledge_args)."""
    group = parser.add_argument_group("writing the configuration")
    group.add_argument("--write", action="store_true",
                       help=f"merge the section into ups.conf ({DEFAULT_CONFIG} under --root)")
    group.add_argument("--config", metavar="PATH", type=path,
                       help=f"the ups.conf to change (default {DEFAULT_CONFIG}, under --root)")
    group.add_argument("--replace", action="store_true",
                       help="replace the section of the same name, or the one that already drives this UPS "
                            "(the same port), when it has other settings")
    group.add_argument("--dry-run", action="store_true", help="print the unified diff and write nothing")
    group.add_argument("--standalone", action="store_true",
                       help="also write nut.conf, upsd.conf, upsd.users and upsmon.conf for a standalone machine")
    group.add_argument("--upsd-port", type=whole_number, default=DEFAULT_UPSD_PORT, metavar="PORT",
                       help="with --standalone, the TCP port upsd listens on (default 3493)")
    group.add_argument("--if-unconfigured", action="store_true",
                       help="do nothing when ups.conf already defines a UPS (for first-boot units)")
    group.add_argument("--lock-timeout", type=seconds, default=10.0, metavar="SECONDS",
                       help="how long to wait for another nut-helper run to finish (default 10)")
    group.add_argument("--no-udev-rule", action="store_true",
                       help="do not install the udev rule that lets group nut open the serial port")


def write_options(args: argparse.Namespace) -> WriteOptions:
    """The write flags as the library takes them."""
    return WriteOptions(root=args.root, config=args.config, replace=args.replace, dry_run=args.dry_run,
                        standalone=args.standalone, upsd_port=args.upsd_port, if_unconfigured=args.if_unconfigured,
                        lock_timeout=args.lock_timeout, udev_rule=not args.no_udev_rule)


def report_if_configured(args: argparse.Namespace) -> bool:
    """Print the "skipped" result and return True when ``--if-unconfigured`` finds a UPS configured."""
    from nuthelper.cli.output import print_json

    with Tree(args.root) as tree:
        skipped = skip_if_configured(write_options(args), tree)
    if skipped is None:
        return False
    if args.json:
        print_json({"write": skipped})
    else:
        print_write_result(skipped)
    return True


def print_write_result(result: dict[str, Any]) -> None:
    """Human output: one status line per file on stderr; the diffs on stdout (dry run or conflict)."""
    if result["status"] == "skipped":
        print(f"nut-helper: skipped: {result['reason']} (--if-unconfigured)", file=sys.stderr)
        return
    show_diffs = result["dry_run"] or result["status"] == "conflict"
    for entry in result["files"]:
        status = entry["status"]
        if show_diffs and status in ("added", "updated", "replaced", "removed"):
            status = f"would be {status}"
        line = f"nut-helper: {entry['path']}: {status} ({entry['what']})"
        if entry["backup"]:
            line += f", previous version kept as {entry['backup']}"
        if entry["note"]:
            line += f"; {entry['note']}"
        print(line, file=sys.stderr)
        if show_diffs and entry["diff"]:
            sys.stdout.write(entry["diff"])
    if result["status"] == "conflict":
        print(f"nut-helper: error: {result['message']}", file=sys.stderr)
    elif result["dry_run"]:
        print("nut-helper: dry run: nothing was written", file=sys.stderr)

