"""Safe changes to configuration files on a live system or in an installer's target root.

- Paths: every path can be put under ``root`` (an installer's target system); the root must
  already exist, and a path may not leave it through ``..`` or a symbolic link.
- Merge: :func:`plan_merge` works out what adding or replacing one ups.conf section does
  ("added", "replaced", "unchanged" or "conflict") and the unified diff, without touching
  anything. A malformed existing file is never rewritten: the error names the line.
- Write: :func:`write_atomic` writes a temporary file in the same directory, fsyncs it,
  renames it over the target and fsyncs the directory, so the file is always either the whole
  old or the whole new text. The existing file's owner, group and mode are kept; a new file
  is root:nut 0640 (root:root 0640 when there is no nut group). The previous version is kept
  as ``FILE.nut-helper.bak`` (one backup, replaced by each write).
- Lock: changes take an exclusive ``flock`` on the file's directory, waited for up to
  ``lock_timeout`` seconds, so two runs cannot interleave; a run that cannot get it fails with
  :class:`Busy` and changes nothing. :func:`merge_section` holds the lock from reading the file
  to renaming the new one, so no concurrent update is lost.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import fcntl
import grp
import os
import shutil
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace as dataclass_replace
from pathlib import Path

from nuthelper.confsyntax import validate_section_name
from nuthelper.errors import InvalidInput
from nuthelper.upsconf import UpsConf

BACKUP_SUFFIX = ".nut-helper.bak"
LOCK_TIMEOUT = 10.0
_TEMP_MARK = ".nut-helper-"


class CannotWrite(InvalidInput):
    """The target cannot be read or changed as it stands; nothing was changed."""


class Busy(CannotWrite):
    """Another run holds the lock on the target directory."""


@dataclass(frozen=True)
class MergePlan:
    """What merging one section into a file does; ``new_text`` is what would be written."""

    status: str                   # "added" | "replaced" | "unchanged" | "conflict"
    section: str
    old_text: str | None          # None: the file does not exist yet
    new_text: str                 # for "conflict": the text --replace would write
    diff: str                     # unified diff old -> new ("" when unchanged)
    path: Path | None = None
    written: bool = False
    backup: Path | None = None

    @property
    def changes(self) -> bool:
        """True when writing the plan would change the file."""
        return self.status in ("added", "replaced")


# --- paths ----------------------------------------------------------------------------------

def target_path(path: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """``path`` as seen in the system at ``root`` (the running system when None)."""
    path = Path(path)
    if root is None:
        return path
    root_path = Path(root)
    if not root_path.exists():
        raise InvalidInput(f"--root {root_path} does not exist; create the target system's "
                           "root directory first or fix the path")
    if not root_path.is_dir():
        raise InvalidInput(f"--root {root_path} is not a directory; give the target system's "
                           "root directory")
    if ".." in path.parts:
        raise InvalidInput(f"{path} contains '..'; give a plain absolute path inside --root")
    joined = root_path / path.relative_to(path.anchor) if path.is_absolute() else root_path / path
    real_root = os.path.realpath(root_path)
    real_parent = os.path.realpath(joined.parent)
    if os.path.commonpath([real_root, real_parent]) != real_root:
        raise InvalidInput(f"{joined.parent} leads outside --root {root_path} through a "
                           "symbolic link; fix the link in the target system")
    return joined


def backup_path(path: str | os.PathLike) -> Path:
    """Where the previous version of ``path`` is kept."""
    return Path(f"{path}{BACKUP_SUFFIX}")


# --- reading --------------------------------------------------------------------------------

def _regular_file_stat(path: Path) -> os.stat_result | None:
    """lstat of ``path`` if it is a regular file, None if absent; refuse anything else."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise CannotWrite(f"{path}: a parent of it is not a directory; fix the path") from None
    except OSError as error:
        raise CannotWrite(f"cannot examine {path}: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise CannotWrite(f"{path} is a directory, not a file; move it away or give the "
                          "file's path")
    if stat.S_ISLNK(info.st_mode):
        raise CannotWrite(f"{path} is a symbolic link; nut-helper replaces files atomically and "
                          "will not replace a link: give the real file's path")
    if not stat.S_ISREG(info.st_mode):
        raise CannotWrite(f"{path} is not a regular file; move it away or give another path")
    return info


def read_existing(path: str | os.PathLike) -> str | None:
    """The text of ``path``, or None if it does not exist. Bytes that are not UTF-8 are kept."""
    path = Path(path)
    if _regular_file_stat(path) is None:
        return None
    try:
        return path.read_bytes().decode("utf-8", "surrogateescape")
    except OSError as error:
        raise CannotWrite(f"cannot read {path}: {error.strerror}; check its permissions") from None


# --- planning -------------------------------------------------------------------------------

def unified_diff(old: str, new: str, filename: str) -> str:
    """A unified diff from ``old`` to ``new`` that marks a missing final line end."""
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=f"{filename} (current)", tofile=f"{filename} (new)")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def plan_merge(existing_text: str | None, section_name: str, section_text: str,
               replace: bool, filename: str = "ups.conf") -> MergePlan:
    """What adding section ``section_name`` (rendered as ``section_text``) to a file does.

    Raises ParseError when the existing text is malformed and InvalidInput when it defines a
    section twice: such a file is never rewritten.
    """
    if existing_text is None:
        new = UpsConf.parse("", filename)
        new.add_section(section_name, section_text)
        return MergePlan("added", section_name, None, new.render(),
                         unified_diff("", new.render(), filename))
    conf = UpsConf.parse(existing_text, filename)
    duplicates = conf.duplicate_sections()
    if duplicates:
        name, lines = next(iter(duplicates.items()))
        raise InvalidInput(f"{filename} line {lines[1]}: section [{name}] is defined more than "
                           f"once (lines {', '.join(map(str, lines))}); merge or rename the "
                           "copies first")
    current = conf.get(section_name)
    if current is None:
        conf.add_section(section_name, section_text)
        return MergePlan("added", section_name, existing_text, conf.render(),
                         unified_diff(existing_text, conf.render(), filename))
    wanted = UpsConf.parse(section_text, f"section [{section_name}]")
    conf.replace_section(section_name, section_text)
    new_text = conf.render()
    same_meaning = current.meaning() == wanted.sections[0].meaning()
    if new_text == existing_text or (same_meaning and not replace):
        return MergePlan("unchanged", section_name, existing_text, existing_text, "")
    status = "replaced" if replace else "conflict"
    return MergePlan(status, section_name, existing_text, new_text,
                     unified_diff(existing_text, new_text, filename))


# --- locking --------------------------------------------------------------------------------

_held_locks: dict[str, list[int]] = {}     # directory -> [fd, depth]: re-entrant per process


@contextlib.contextmanager
def locked(path: str | os.PathLike, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock on the directory of ``path`` (re-entrant within a process)."""
    directory = os.path.realpath(Path(path).parent)
    held = _held_locks.get(directory)
    if held:
        held[1] += 1
        try:
            yield
        finally:
            held[1] -= 1
        return
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise CannotWrite(f"directory {directory} does not exist; create it (installing NUT "
                          "does) or fix the path") from None
    except OSError as error:
        raise CannotWrite(f"cannot open directory {directory}: {error.strerror}") from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Busy(f"another nut-helper run is changing files in {directory} (waited "
                               f"{timeout:g} s for its lock); let it finish and run again") from None
                time.sleep(0.02)
        _held_locks[directory] = [fd, 1]
        try:
            yield
        finally:
            del _held_locks[directory]
    finally:
        os.close(fd)


# --- writing --------------------------------------------------------------------------------

def _group_id(name: str, root: str | os.PathLike | None) -> int | None:
    """The gid of group ``name`` in the system at ``root`` (its /etc/group), or None."""
    if root is None:
        try:
            return grp.getgrnam(name).gr_gid
        except KeyError:
            return None
    try:
        lines = (Path(root) / "etc" / "group").read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split(":")
        if len(fields) >= 3 and fields[0] == name and fields[2].isdigit():
            return int(fields[2])
    return None


def _os_error(action: str, path: Path, error: OSError) -> CannotWrite:
    """A one-line error for a failed file operation, with what to do about it."""
    hints = {
        errno.EROFS: "the file system is read-only; remount it read-write or choose another "
                     "--root",
        errno.EACCES: "permission denied; run as root",
        errno.EPERM: "operation not permitted (immutable file or directory?); check "
                     "'lsattr' and run as root",
        errno.ENOSPC: "no space left on the device; free some space",
        errno.EDQUOT: "disk quota exceeded; free some space",
        errno.EISDIR: "a directory is in the way; move it away",
    }
    hint = hints.get(error.errno, error.strerror or str(error))
    return CannotWrite(f"cannot {action} {path}: {hint}")


def _remove_stale_temps(path: Path) -> None:
    """Remove temporary files an interrupted earlier run left beside ``path`` (lock held)."""
    prefix = f".{path.name}{_TEMP_MARK}"
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _write_temp(path: Path, data: bytes, uid: int, gid: int, mode: int) -> Path:
    """Write ``data`` to a new fsynced temporary file beside ``path`` with the given owner/mode."""
    temp = path.parent / f".{path.name}{_TEMP_MARK}{os.getpid()}-{time.monotonic_ns()}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as error:
        raise _os_error("write to the directory of", path, error) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchown(handle.fileno(), uid, gid)
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(error, OSError):
            raise _os_error("write", path, error) from None
        raise
    return temp


def _keep_backup(path: Path, info: os.stat_result) -> Path:
    """Make ``path``'s current content its one backup (a hard link, else a copy)."""
    backup = backup_path(path)
    _regular_file_stat(backup)          # refuse a directory or link in the backup's place
    staging = path.parent / f".{path.name}{_TEMP_MARK}backup.tmp"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(staging)
    try:
        try:
            os.link(path, staging)
        except OSError:
            shutil.copy2(path, staging)
            os.chown(staging, info.st_uid, info.st_gid)
        if os.path.exists(backup) and os.path.samefile(staging, backup):
            os.unlink(staging)      # already the backup (an earlier run was interrupted)
        else:
            os.replace(staging, backup)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(staging)
        raise _os_error("keep a backup as", backup, error) from None
    return backup


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: str | os.PathLike, text: str, *, mode_if_new: int = 0o640,
                 group_if_new: str = "nut", backup: bool = True,
                 root: str | os.PathLike | None = None, private: bool = False,
                 lock_timeout: float = LOCK_TIMEOUT) -> Path | None:
    """Replace ``path`` with ``text`` atomically; return the backup's path (None if none made).

    ``private`` (files holding secrets): the new file is never readable by others, even when
    the existing one was.

    ``root`` is only used to look the new file's group up in the target system's /etc/group;
    pass a path already placed under it (see :func:`target_path`).
    """
    path = Path(path)
    data = text.encode("utf-8", "surrogateescape")
    with locked(path, lock_timeout):
        info = _regular_file_stat(path)
        _remove_stale_temps(path)
        if info is not None:
            uid, gid, mode = info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)
        else:
            is_root = os.geteuid() == 0
            group = _group_id(group_if_new, root)
            uid = 0 if is_root else -1
            gid = group if group is not None else (0 if is_root else -1)
            mode = mode_if_new
        if private:
            mode &= ~0o007
        temp = _write_temp(path, data, uid, gid, mode)
        try:
            kept = _keep_backup(path, info) if backup and info is not None else None
            os.replace(temp, path)
        except OSError as error:
            raise _os_error("replace", path, error) from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        try:
            _fsync_directory(path.parent)
        except OSError as error:
            raise _os_error("sync the directory of", path, error) from None
    return kept


def merge_section(path: str | os.PathLike, section_name: str, section_text: str, *,
                  replace: bool = False, dry_run: bool = False,
                  root: str | os.PathLike | None = None, backup: bool = True,
                  lock_timeout: float = LOCK_TIMEOUT) -> MergePlan:
    """Add or replace one section of the ups.conf at ``path`` (under ``root``) safely.

    Returns the plan with ``written`` and ``backup`` filled in. Nothing is written for a dry
    run, for "unchanged" (the file, its times and its backup stay untouched) or for
    "conflict" (the section exists with other settings and ``replace`` is False): show
    ``plan.diff`` and ask for --replace.
    """
    validate_section_name(section_name)
    target = target_path(path, root)
    if not target.parent.is_dir():
        raise CannotWrite(f"directory {target.parent} does not exist; install NUT in the "
                          "target system or create it first")
    with locked(target, lock_timeout):
        existing = read_existing(target)
        plan = plan_merge(existing, section_name, section_text, replace, str(target))
        plan = dataclass_replace(plan, path=target)
        if dry_run or not plan.changes:
            return plan
        kept = write_atomic(target, plan.new_text, backup=backup, root=root,
                            lock_timeout=lock_timeout)
        return dataclass_replace(plan, written=True, backup=kept)
