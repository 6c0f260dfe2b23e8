"""One setup written as one change: the section merged into ups.conf, and with ``standalone`` the
rest of a standalone NUT setup and the udev rule, planned under the lock of their directories,
the section of the same UPS replaced (:mod:`nuthelper.sameups`), all written as one change
(:func:`nuthelper.writer.commit`) or, for a dry run or a conflict, nothing at all.
:func:`remove_setup` undoes one: the section, the MONITOR lines that watch it and its udev rule.

This is the library entry point installers, the Ansible modules and ``nut-helper setup --write``
share: ``write_setup(recommendation, section, WriteOptions(...))`` and
``remove_setup(name, WriteOptions(...))``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from nuthelper.confsyntax import validate_section_name
from nuthelper.errors import EXIT_CONFLICT, InvalidInput
from nuthelper.nutfiles import DEFAULT_CONFIG, DEFAULT_UPSD_PORT
from nuthelper.filechange import FileChange, apply_changes, settle
from nuthelper.tree import Tree

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

USB_PORT = "auto"


@dataclass
class WriteOptions:
    """Where and how to write a setup (the ``setup --write`` flags)."""

    root: str | None = None            # a target system's root; files are written under it
    config: str | None = None          # the ups.conf to change (default /etc/nut/ups.conf)
    replace: bool = False              # replace the section of that name, or the one driving the same UPS
    dry_run: bool = False              # plan and diff, write nothing
    standalone: bool = False           # also nut.conf, upsd.conf, upsd.users, upsmon.conf
    upsd_port: int = DEFAULT_UPSD_PORT
    if_unconfigured: bool = False      # do nothing when ups.conf already defines a UPS
    lock_timeout: float = 10.0
    udev_rule: bool = True             # install the rule that lets group nut open the serial port


def config_path(options: WriteOptions, tree: Tree) -> Path:
    """The ups.conf to change, placed under the root."""
    return tree.place(options.config or DEFAULT_CONFIG)


def skip_if_configured(options: WriteOptions, tree: Tree) -> dict[str, Any] | None:
    """For ``--if-unconfigured``: the "skipped" result when ups.conf already defines a UPS, else None."""
    path = config_path(options, tree)
    return _skipped(path, _ExistingConf.read(path, tree), options.dry_run)


class _ExistingConf:
    """The ups.conf as found: its text (None when there is none) and that text parsed, once."""

    def __init__(self, text: str | None, conf: Any) -> None:
        self.text, self.conf = text, conf

    @classmethod
    def read(cls, path: Path, tree: Tree) -> _ExistingConf:
        from nuthelper.upsconf import UpsConf

        text = tree.read(path)
        return cls(text, UpsConf.parse(text, str(path), strict=False) if text is not None else None)


def _skipped(path: Path, existing: _ExistingConf, dry_run: bool) -> dict[str, Any] | None:
    sections = existing.conf.sections if existing.conf is not None else []
    if not sections:
        return None
    return {"status": "skipped", "path": str(path), "backup": None, "diff": "", "dry_run": dry_run,
            "files": [], "reason": f"{path} already defines [{sections[0].name}]"
                                  f"{f' and {len(sections) - 1} more' if len(sections) > 1 else ''}"}


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


def _ups_conf_change(path: Path, existing: _ExistingConf, name: str, text: str, replace_section: bool,
                     tree: Tree):
    """The change to ups.conf, and the plan (which names the sections of the same UPS it replaces)."""
    from nuthelper.sameups import other_usb_sections, same_device, same_path
    from nuthelper.upsconf import UpsConf
    from nuthelper.writer import plan_merge

    others = []
    if existing.conf is not None:   # before the merge changes the parsed file
        others = other_usb_sections(existing.conf, UpsConf.parse(text).sections[0])
    plan = plan_merge(existing.text, name, text, replace_section, str(path),
                      same_port=same_device if tree.root is None else same_path, parsed=existing.conf)
    notes = []
    if plan.replaced_sections:
        replaced = ", ".join(f"[{other}]" for other in plan.replaced_sections)
        notes.append(f"{replaced} already drives this UPS (the same port) and is replaced by [{name}]"
                     + ("" if replace_section else "; pass --replace to replace it"))
    elif plan.status == "conflict":
        notes.append("a section of this name exists with other settings; pass --replace to replace it")
    if others and plan.status == "added":
        names = ", ".join(f"[{other.name}]" for other in others)
        notes.append(f"{names} also uses port auto and no USB match setting says it is the same UPS, so it is "
                     f"kept as another one; if it is this UPS, run again with --name {others[0].name} "
                     "--replace")
    change = FileChange(path, plan.status, plan.old_text, plan.new_text, f"ups.conf: section [{name}]",
                        note="; ".join(notes))
    return change, plan


def _wants_udev_rule(options: WriteOptions, recommendation: Any) -> bool:
    port = recommendation.choice.port
    return bool(port) and port != USB_PORT and port.startswith("/") and options.udev_rule


def plan_changes(options: WriteOptions, recommendation: Any, section: Any, tree: Tree,
                 existing: _ExistingConf) -> list[FileChange]:
    """Every file change ``setup --write`` makes, settled (owner and mode decided); nothing written.

    ``existing``: the ups.conf as read (and parsed) under the lock."""
    from nuthelper.standalone import plan_monitor_retarget, plan_standalone
    from nuthelper.udevrule import plan_rule_removals, plan_udev_rule

    path = config_path(options, tree)
    main, plan = _ups_conf_change(path, existing, section.name, section.text, options.replace, tree)
    changes = [main]
    replaced = plan.replaced_sections
    if options.standalone:
        changes += plan_standalone(path.parent, section.name, upsd_port=options.upsd_port, replace=options.replace,
                                   replaced=replaced, tree=tree)
    else:
        retarget = plan_monitor_retarget(path.parent / "upsmon.conf", replaced, section.name, tree)
        changes += [retarget] if retarget else []
    if _wants_udev_rule(options, recommendation):
        changes.append(plan_udev_rule(section.name, recommendation.choice.port, tree))
    changes += plan_rule_removals(replaced, tree)
    if any(change.status == "conflict" for change in changes):
        return changes
    return settle(changes, tree)


def write_setup(recommendation: Any, section: Any, options: WriteOptions) -> tuple[int, dict[str, Any]]:
    """Plan and (unless a dry run or a conflict) write every file; the exit code and a JSON-able result."""
    from nuthelper.udevrule import rule_path

    check_port_path(recommendation.choice.port)
    with Tree(options.root) as tree:
        path = config_path(options, tree)
        if tree.directory(path.parent) is None:
            raise InvalidInput(f"directory {path.parent} does not exist; install NUT in the target system or "
                               "create it first")
        rule = [tree.place(rule_path(section.name))] if _wants_udev_rule(options, recommendation) else []
        tree.lock([path, *rule], options.lock_timeout)
        existing = _ExistingConf.read(path, tree)
        if options.if_unconfigured:
            skipped = _skipped(path, existing, options.dry_run)
            if skipped:
                return 0, skipped
        changes = plan_changes(options, recommendation, section, tree, existing)
        conflict = any(change.status == "conflict" for change in changes)
        if not conflict and not options.dry_run:
            changes = apply_changes(changes, tree)
    main = changes[0]
    result = {"status": main.status, "path": str(main.path), "backup": str(main.backup) if main.backup else None,
              "diff": main.diff, "dry_run": options.dry_run, "written": any(change.written for change in changes),
              "files": [change.to_dict() for change in changes]}
    if conflict:
        conflicts = [change for change in changes if change.status == "conflict"]
        result["status"] = "conflict"
        result["files"] = [dict(entry, written=False) for entry in result["files"]]
        result["message"] = "; ".join(f"{change.path}: {change.note}" for change in conflicts) + \
            " (nothing was written)"
        return EXIT_CONFLICT, result
    return 0, result


def plan_removal(options: WriteOptions, name: str, tree: Tree) -> list[FileChange]:
    """The changes that remove UPS section ``name``: ups.conf without it, upsmon.conf without the
    MONITOR lines that watch it here, its udev rule removed; settled, nothing written.

    The ups.conf change comes first, "unchanged" when the file has no such section. Raises
    ParseError for a malformed ups.conf and InvalidInput when it defines the section twice.
    """
    from nuthelper.standalone import plan_monitor_removal
    from nuthelper.udevrule import plan_rule_removals
    from nuthelper.upsconf import UpsConf

    path = config_path(options, tree)
    old = tree.read(path)
    conf = UpsConf.parse(old or "", str(path))
    found = conf.get(name)
    what = f"ups.conf: section [{name}] removed"
    if found is None:
        main = FileChange(path, "unchanged", old, old or "", what, note=f"{path} has no section [{name}]")
    else:
        conf.remove_section(name)
        main = FileChange(path, "updated", old, conf.render(), what)
    names = list(dict.fromkeys([name, *([found.name] if found else [])]))
    others = [plan_monitor_removal(path.parent / "upsmon.conf", name, tree), *plan_rule_removals(tuple(names), tree)]
    changes = [change for change in [main, *others] if change is not None]
    settled = iter(settle([change for change in changes if change.changes], tree))   # untouched files stay as they are
    return [next(settled) if change.changes else change for change in changes]


def remove_setup(name: str, options: WriteOptions) -> tuple[int, dict[str, Any]]:
    """Remove UPS section ``name`` (and what watches or serves it) as one change, or for a dry run
    plan it only; the exit code and a result shaped like :func:`write_setup`'s, with status
    "removed" (something was, or would be, removed) or "unchanged" (nothing of it was there)."""
    from nuthelper.udevrule import rule_path

    validate_section_name(name)
    with Tree(options.root) as tree:
        path = config_path(options, tree)
        if tree.directory(path.parent) is None:
            raise InvalidInput(f"directory {path.parent} does not exist; install NUT in the target system or "
                               "create it first")
        tree.lock([path, tree.place(rule_path(name))], options.lock_timeout)
        changes = plan_removal(options, name, tree)
        if not options.dry_run and any(change.changes for change in changes):
            changes = apply_changes(changes, tree)
    main = changes[0]
    return 0, {"status": "removed" if any(change.changes for change in changes) else "unchanged",
               "path": str(main.path), "backup": str(main.backup) if main.backup else None, "diff": main.diff,
               "dry_run": options.dry_run, "written": any(change.written for change in changes),
               "files": [change.to_dict() for change in changes]}


def setup_report(recommendation: Any, section: Any, result: dict[str, Any]) -> dict[str, Any]:
    """The JSON object of a written setup (``setup --write --json``): the section, the recommendation
    and the write's result."""
    return {"name": section.name, "desc": section.desc, **recommendation.to_dict(), "text": section.text,
            "write": result}
