"""``nut-helper setup --write``: merge the rendered section into ups.conf (and, with
``--standalone``, write the rest of a standalone NUT setup), safely and idempotently.

Every file is planned first, under the lock of its directory; nothing is written when any
file is in conflict (exit code 5) or for ``--dry-run``. A section that already drives the same
UPS (see :mod:`nuthelper.sameups`) is the one replaced, with its MONITOR line and udev rule.
The files are then written as one change (:func:`nuthelper.writer.commit`). See
docs/notes-defects-writer.md.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path
from typing import Any

from nuthelper.errors import EXIT_CONFLICT, InvalidInput
from nuthelper.filechange import FileChange, apply_changes, settle
from nuthelper.tree import Tree

DEFAULT_CONFIG = "/etc/nut/ups.conf"
USB_PORT = "auto"


def add_write_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``setup`` that write into a system (``--root`` comes from knowledge_args)."""
    group = parser.add_argument_group("writing the configuration")
    group.add_argument("--write", action="store_true",
                       help=f"merge the section into ups.conf ({DEFAULT_CONFIG} under --root)")
    group.add_argument("--config", metavar="PATH", help=f"the ups.conf to change (default {DEFAULT_CONFIG})")
    group.add_argument("--replace", action="store_true",
                       help="replace the section of the same name, or the one that already drives this UPS "
                            "(the same port), when it has other settings")
    group.add_argument("--dry-run", action="store_true", help="print the unified diff and write nothing")
    group.add_argument("--standalone", action="store_true",
                       help="also write nut.conf, upsd.conf, upsd.users and upsmon.conf for a standalone machine")
    group.add_argument("--upsd-port", type=int, default=3493, metavar="PORT",
                       help="with --standalone, the TCP port upsd listens on (default 3493)")
    group.add_argument("--if-unconfigured", action="store_true",
                       help="do nothing when ups.conf already defines a UPS (for first-boot units)")
    group.add_argument("--lock-timeout", type=float, default=10.0, metavar="SECONDS",
                       help="how long to wait for another nut-helper run to finish (default 10)")
    group.add_argument("--no-udev-rule", action="store_true",
                       help="do not install the udev rule that lets group nut open the serial port")


def config_path(args: argparse.Namespace, tree: Tree) -> Path:
    """The ups.conf to change, placed under --root."""
    return tree.place(args.config or DEFAULT_CONFIG)


def skip_if_configured(args: argparse.Namespace, tree: Tree) -> dict[str, Any] | None:
    """For ``--if-unconfigured``: the "skipped" result when ups.conf already defines a UPS, else None."""
    from nuthelper.upsconf import UpsConf

    path = config_path(args, tree)
    text = tree.read(path)
    sections = UpsConf.parse(text or "", str(path), strict=False).sections
    if not sections:
        return None
    return {"status": "skipped", "path": str(path), "backup": None, "diff": "", "dry_run": args.dry_run,
               "files": [], "reason": f"{path} already defines [{sections[0].name}]"
                                     f"{f' and {len(sections) - 1} more' if len(sections) > 1 else ''}"}


def report_if_configured(args: argparse.Namespace) -> bool:
    """Print the "skipped" result and return True when ``--if-unconfigured`` finds a UPS configured."""
    from nuthelper.cli.output import print_json

    with Tree(args.root) as tree:
        skipped = skip_if_configured(args, tree)
    if skipped is None:
        return False
    if args.json:
        print_json({"write": skipped})
    else:
        print_write_result(skipped)
    return True


def check_port_path(port: str | None) -> None:
    """Refuse a --port that exists but cannot be a device: a regular file or a directory."""
    if not port or port == USB_PORT or not port.startswith("/"):
        return
    try:
        mode = os.stat(port).st_mode
    except FileNotFoundError:
        return  # not plugged in yet, or a device of the target system: fine to configure
    except OSError as error:
        raise InvalidInput(f"--port {port} cannot be examined: {error.strerror}; check the path") from None
    if stat.S_ISDIR(mode):
        raise InvalidInput(f"--port {port} is a directory, not a device; give the serial device, e.g. /dev/ttyS0")
    if stat.S_ISREG(mode):
        raise InvalidInput(f"--port {port} is a regular file, not a device; give the serial device, e.g. "
                           "/dev/ttyS0 or a /dev/serial/by-id/... path")


def _ups_conf_change(path: Path, name: str, text: str, replace_section: bool, tree: Tree):
    """The change to ups.conf, and the plan (which names the sections of the same UPS it replaces)."""
    from nuthelper.sameups import other_usb_sections, same_device, same_path
    from nuthelper.upsconf import UpsConf
    from nuthelper.writer import plan_merge

    existing = tree.read(path)
    plan = plan_merge(existing, name, text, replace_section, str(path),
                      same_port=same_device if tree.root is None else same_path)
    notes = []
    if plan.replaced_sections:
        replaced = ", ".join(f"[{other}]" for other in plan.replaced_sections)
        notes.append(f"{replaced} already drives this UPS (the same port) and is replaced by [{name}]"
                     + ("" if replace_section else "; pass --replace to replace it"))
    elif plan.status == "conflict":
        notes.append("a section of this name exists with other settings; pass --replace to replace it")
    if existing is not None and plan.status == "added":
        new = UpsConf.parse(text).sections[0]
        others = other_usb_sections(UpsConf.parse(existing, str(path)), new)
        if others:
            names = ", ".join(f"[{other.name}]" for other in others)
            notes.append(f"{names} also uses port auto and no USB match setting says it is the same UPS, so it is "
                         f"kept as another one; if it is this UPS, run again with --name {others[0].name} "
                         "--replace")
    change = FileChange(path, plan.status, plan.old_text, plan.new_text, f"ups.conf: section [{name}]",
                        note="; ".join(notes))
    return change, plan


def _wants_udev_rule(args: argparse.Namespace, recommendation: Any) -> bool:
    port = recommendation.choice.port
    return bool(port) and port != USB_PORT and port.startswith("/") and not args.no_udev_rule


def plan_changes(args: argparse.Namespace, recommendation: Any, section: Any, tree: Tree) -> list[FileChange]:
    """Every file change ``setup --write`` makes, settled (owner and mode decided); nothing written."""
    from nuthelper.standalone import plan_monitor_retarget, plan_standalone
    from nuthelper.udevrule import plan_rule_removals, plan_udev_rule

    path = config_path(args, tree)
    main, plan = _ups_conf_change(path, section.name, section.text, args.replace, tree)
    changes = [main]
    replaced = plan.replaced_sections
    if args.standalone:
        changes += plan_standalone(path.parent, section.name, upsd_port=args.upsd_port, replace=args.replace,
                                   replaced=replaced, tree=tree)
    else:
        retarget = plan_monitor_retarget(path.parent / "upsmon.conf", replaced, section.name, tree)
        changes += [retarget] if retarget else []
    if _wants_udev_rule(args, recommendation):
        changes.append(plan_udev_rule(section.name, recommendation.choice.port, tree))
    changes += plan_rule_removals(replaced, tree)
    if any(change.status == "conflict" for change in changes):
        return changes
    return settle(changes, tree)


def write_result(args: argparse.Namespace, recommendation: Any, section: Any) -> tuple[int, dict[str, Any]]:
    """Plan and (unless a dry run or a conflict) write every file; the exit code and a JSON-able result."""
    from nuthelper.udevrule import rule_path

    check_port_path(recommendation.choice.port)
    with Tree(args.root) as tree:
        path = config_path(args, tree)
        if tree.directory(path.parent) is None:
            raise InvalidInput(f"directory {path.parent} does not exist; install NUT in the target system or "
                               "create it first")
        rule = [tree.place(rule_path(section.name))] if _wants_udev_rule(args, recommendation) else []
        tree.lock([path, *rule], args.lock_timeout)
        if args.if_unconfigured:
            skipped = skip_if_configured(args, tree)
            if skipped:
                return 0, skipped
        changes = plan_changes(args, recommendation, section, tree)
        conflict = any(change.status == "conflict" for change in changes)
        if not conflict and not args.dry_run:
            changes = apply_changes(changes, tree)
    main = changes[0]
    result = {"status": main.status, "path": str(main.path), "backup": str(main.backup) if main.backup else None,
              "diff": main.diff, "dry_run": args.dry_run, "written": any(change.written for change in changes),
              "files": [change.to_dict() for change in changes]}
    if conflict:
        conflicts = [change for change in changes if change.status == "conflict"]
        result["status"] = "conflict"
        result["files"] = [dict(entry, written=False) for entry in result["files"]]
        result["message"] = "; ".join(f"{change.path}: {change.note}" for change in conflicts) + \
            " (nothing was written)"
        return EXIT_CONFLICT, result
    return 0, result


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

