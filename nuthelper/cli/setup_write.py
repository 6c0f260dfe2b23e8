"""``nut-helper setup --write``: the flags, and the human report of :func:`nuthelper.configure.write_setup`.

What is written and how: docs/user-guide.md, "Writing the configuration safely".
"""

from __future__ import annotations

import argparse
import sys

from nuthelper.cli.values import path, seconds, whole_number
from nuthelper.nutfiles import DEFAULT_CONFIG, DEFAULT_UPSD_PORT
from nuthelper.errors import EXIT_ACTIVATION_FAILED, InvalidInput

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


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
    group.add_argument("--activate", action="store_true",
                       help="also run what makes the new configuration live on this machine (udev, the driver, "
                            "upsd, upsmon); with --dry-run, list those commands; not with --root")


def write_options(args: argparse.Namespace):
    """The write flags as the library takes them (a :class:`nuthelper.configure.WriteOptions`)."""
    from nuthelper.configure import WriteOptions

    return WriteOptions(root=args.root, config=args.config, replace=args.replace, dry_run=args.dry_run,
                        standalone=args.standalone, upsd_port=args.upsd_port, if_unconfigured=args.if_unconfigured,
                        lock_timeout=args.lock_timeout, udev_rule=not args.no_udev_rule)


def check_activate(args: argparse.Namespace) -> None:
    """Refuse ``--activate`` where it cannot apply."""
    if not args.activate:
        return
    if args.root:
        raise InvalidInput("--activate makes the configuration live on this machine, so it cannot go with --root: "
                           "the target's services read the new files when it boots")
    if not (args.write or args.dry_run):
        raise InvalidInput("--activate goes with --write (or with --dry-run to list its commands)")


def activate_or_advise(args: argparse.Namespace, name: str, port: str | None,
                       result: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """``--activate``: run (with ``--dry-run``: list) what makes the written setup live; without it,
    the same commands as next steps. The exit code and the fields the JSON output ends with."""
    from nuthelper.activate import activation_report

    if args.root:       # a target system: its services start with the new files when it boots
        return 0, {"next_steps": []}
    ok, fields = activation_report(result, name, port, activate=args.activate, dry_run=args.dry_run)
    return (0 if ok else EXIT_ACTIVATION_FAILED), fields


def print_activation(fields: dict[str, Any]) -> None:
    """Human output of :func:`activate_or_advise`, on stderr."""
    if "next_steps" in fields:
        if fields["next_steps"]:
            print("nut-helper: to make it live, run (or use --activate):", file=sys.stderr)
            for step in fields["next_steps"]:
                print(f"  {step['command']}", file=sys.stderr)
        return
    activation = fields["activation"]
    if not activation["steps"]:
        print("nut-helper: --activate: no file changed, nothing to run", file=sys.stderr)
    for step in activation["steps"]:
        command, status = step["command"], step["status"]
        if status == "planned":
            print(f"nut-helper: would run: {command}", file=sys.stderr)
        elif status == "ok":
            print(f"nut-helper: ran: {command}", file=sys.stderr)
        elif status == "failed-allowed":
            print(f"nut-helper: ran: {command} (exit {step['exit_code']}, as expected when no driver runs it)",
                  file=sys.stderr)
        elif status == "not-run":
            print(f"nut-helper: not run: {command}", file=sys.stderr)
        else:
            exit_status = f"exit {step['exit_code']}" if step["exit_code"] is not None else "did not run"
            print(f"nut-helper: error: {command} failed ({exit_status})", file=sys.stderr)
            for line in step["output"].splitlines():
                print(f"  {line}", file=sys.stderr)
    if activation["status"] == "failed":
        print("nut-helper: error: the configuration is written but not live; fix the cause and run the failed "
              "command and those after it", file=sys.stderr)


def report_if_configured(args: argparse.Namespace) -> bool:
    """Print the "skipped" result and return True when ``--if-unconfigured`` finds a UPS configured."""
    from nuthelper.cli.output import print_json

    from nuthelper.configure import skip_if_configured
    from nuthelper.tree import Tree

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

