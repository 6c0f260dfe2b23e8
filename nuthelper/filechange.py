"""One planned change to one configuration file, and applying a set of them as one change.

Planning never touches the system. :func:`settle` decides each file's owner and mode (a file
whose permissions or backup must be tightened is "updated", never "unchanged"), and
:func:`apply_changes` writes every changed file with :func:`nuthelper.writer.commit`: all the
temporary files first, then the renames, so a failure before the first rename changes nothing.
The caller holds the lock of each file's directory from planning to writing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from nuthelper.tree import Attributes, Tree
from nuthelper.writer import (FileWrite, backup_attributes, backup_path, backup_too_open, commit,
                              decide_attributes, describe, unified_diff)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CHANGING = ("added", "replaced", "updated", "removed")
REDACTED = "<secret: not shown>"


@dataclass(frozen=True)
class FileChange:
    """What writing one file does.

    ``status``: "added" (new file or new section), "updated" (lines added to an existing file, or
    its permissions fixed), "replaced" (a section replaced), "removed", "unchanged", "conflict"
    (needs --replace) or "skipped". ``secret``: the file holds passwords; its diff is shown with
    them redacted and it ends at 0640 root:nut or tighter. ``read_by_nut``: NUT's daemons must
    be able to read it.
    """

    path: Path
    status: str
    old_text: str | None
    new_text: str
    what: str = ""
    secret: bool = False
    redact: Callable[[str], str] | None = None
    mode_if_new: int = 0o640
    group_if_new: str = "nut"
    create_parent: bool = False     # make the directory (mode 0755) when it is missing
    read_by_nut: bool = True
    written: bool = False
    backup: Path | None = None
    note: str = ""
    attributes: Attributes | None = None    # owner and mode it ends with (see settle)

    @property
    def changes(self) -> bool:
        return self.status in CHANGING

    @property
    def diff(self) -> str:
        """The unified diff of the change, secrets redacted ("" when nothing changes)."""
        if self.status in ("unchanged", "skipped"):
            return ""
        show = self.redact or (lambda text: text)
        return unified_diff(show(self.old_text or ""), show(self.new_text), str(self.path))

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "what": self.what, "status": self.status,
                "written": self.written, "backup": str(self.backup) if self.backup else None,
                "secret": self.secret, "diff": self.diff, "note": self.note or None}


def _joined(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


def settle(changes: list[FileChange], tree: Tree) -> list[FileChange]:
    """Each change with the owner and mode its file ends with, and notes on what that changes.

    Raises CannotWrite when the system has no nut group and a file needs it.
    """
    settled = []
    for change in changes:
        if change.status not in ("added", "replaced", "updated", "unchanged"):
            settled.append(change)
            continue
        info = tree.stat(change.path)
        attributes, note = decide_attributes(info, tree, mode_if_new=change.mode_if_new,
                                             group_if_new=change.group_if_new, private=change.secret,
                                             read_by_nut=change.read_by_nut)
        status = change.status
        if info is not None and status == "unchanged":
            backup = backup_path(change.path)
            backup_info = tree.stat(backup)
            if backup_info is not None and backup_too_open(backup_info, attributes):
                old = Attributes(backup_info.st_uid, backup_info.st_gid, backup_info.st_mode & 0o7777)
                note = _joined(note, f"its backup {backup} was {describe(old, tree)}: now "
                                     f"{describe(backup_attributes(backup_info, attributes), tree)} (a backup is "
                                     "never more open than its file)")
            if note:
                status = "updated"
        settled.append(replace(change, status=status, attributes=attributes, note=_joined(change.note, note)))
    return settled


def apply_changes(changes: list[FileChange], tree: Tree) -> list[FileChange]:
    """Write every changing file of ``changes`` (from :func:`settle`) as one change.

    Returns the changes with ``written`` and ``backup`` set.
    """
    changing = [change for change in changes if change.changes]
    writes = []
    for change in changing:
        if change.status == "removed":
            writes.append(FileWrite(change.path, None, None, remove=True))
        elif change.old_text is not None and change.new_text == change.old_text:
            writes.append(FileWrite(change.path, None, change.attributes))
        else:
            writes.append(FileWrite(change.path, change.new_text, change.attributes,
                                    create_parent=change.create_parent))
    backups = dict(zip((change.path for change in changing), commit(writes, tree)))
    return [replace(change, written=True, backup=backups[change.path]) if change.changes else change
            for change in changes]
