"""One planned change to one configuration file, and applying a set of them safely.

Planning never touches the system; :func:`apply_changes` writes every changed file with
:func:`nuthelper.writer.write_atomic` (temporary file, fsync, rename, backup) while holding
the lock of each file's directory, and only when no change is a conflict.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nuthelper.writer import LOCK_TIMEOUT, CannotWrite, backup_path, locked, unified_diff, write_atomic

CHANGING = ("added", "replaced", "updated")
REDACTED = "<secret: not shown>"


@dataclass(frozen=True)
class FileChange:
    """What writing one file does.

    ``status``: "added" (new file or new section), "updated" (lines added to an existing file),
    "replaced" (a section replaced), "unchanged", "conflict" (needs --replace) or "skipped".
    ``secret``: the file holds passwords; its diff is shown with them redacted.
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
    written: bool = False
    backup: Path | None = None
    note: str = ""

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


def apply_changes(changes: list[FileChange], *, root: str | os.PathLike | None,
                  lock_timeout: float = LOCK_TIMEOUT) -> list[FileChange]:
    """Write every changing file; return the changes with ``written`` and ``backup`` set.

    The caller plans under the same locks (see :func:`locks_for`), so nothing can change
    between reading and writing.
    """
    preflight(changes)
    done = []
    for change in changes:
        if not change.changes:
            done.append(change)
            continue
        if change.create_parent:
            try:
                change.path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            except OSError as error:
                raise CannotWrite(f"cannot create {change.path.parent}: {error.strerror}") from None
        kept = write_atomic(change.path, change.new_text, root=root, private=change.secret,
                            mode_if_new=change.mode_if_new, group_if_new=change.group_if_new,
                            lock_timeout=lock_timeout)
        done.append(replace(change, written=True, backup=kept))
    return done


def preflight(changes: list[FileChange]) -> None:
    """Refuse before writing anything what would make a later file fail after an earlier one was
    written: a directory that cannot be written, or a backup's place taken by something else."""
    for change in changes:
        if not change.changes:
            continue
        directory = change.path.parent
        while change.create_parent and not directory.exists() and directory != directory.parent:
            directory = directory.parent
        if not os.access(directory, os.W_OK):
            hint = "the file system is read-only" if _read_only(directory) else "permission denied"
            raise CannotWrite(f"cannot write to {directory}: {hint}; nothing was written")
        backup = backup_path(change.path)
        if change.old_text is not None and (os.path.islink(backup) or
                                            (os.path.lexists(backup) and not os.path.isfile(backup))):
            raise CannotWrite(f"{backup} (the backup's place) is not a regular file; move it away, nothing "
                              "was written")


def _read_only(directory: Path) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        return False


@contextlib.contextmanager
def locks_for(paths: list[Path], lock_timeout: float = LOCK_TIMEOUT):
    """Hold the lock of each distinct directory among ``paths`` (in a fixed order: no deadlock)."""
    directories = sorted({os.path.realpath(path.parent): path for path in paths}.items())
    with contextlib.ExitStack() as stack:
        for _, path in directories:
            stack.enter_context(locked(path, lock_timeout))
        yield
