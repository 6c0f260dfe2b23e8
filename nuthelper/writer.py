"""Safe changes to configuration files on a live system or in an installer's target root.

- Paths: every path can be put under ``root`` (an installer's target system). Files are reached
  only through directory descriptors opened from the root down (see :mod:`nuthelper.tree`), so
  no symbolic link, even one swapped in while nut-helper runs, leads a write outside the root.
- Merge: :func:`plan_merge` works out what adding or replacing one ups.conf section does
  ("added", "replaced", "unchanged" or "conflict") and the unified diff, without touching
  anything. A malformed existing file is never rewritten: the error names the line. Asked to
  (``same_port``), a section that already drives the same UPS (see :mod:`nuthelper.sameups`)
  is the one replaced.
- Write: :func:`commit` changes a set of files as one change. Every new version is written to
  a temporary file (created exclusively under a random name) and fsynced, and the previous
  version of each file is staged as its backup, before anything is renamed; a failure up to
  then changes nothing. Then the files are renamed into place (put back if a later rename
  fails), then the backups (``FILE.nut-helper.bak``, one per file), then the directories are
  fsynced. A failed write never replaces an existing backup.
- Ownership (:func:`decide_attributes`): an existing file keeps its owner, group and mode; a new
  file is root:nut 0640 (the nut group of the system written to: the target's etc/group under
  a root; a missing group is refused, never replaced by root). Files holding secrets end at
  0640 root:nut or tighter, and every backup is never more open than the file it backs up.
- Lock: changes take an exclusive ``flock`` on each file's directory, waited for up to
  ``lock_timeout`` seconds, so two runs cannot interleave; a run that cannot get it fails with
  :class:`Busy` and changes nothing. :func:`merge_section` holds the lock from reading the file
  to renaming the new one, so no concurrent update is lost.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace as dataclass_replace
from pathlib import Path

from nuthelper.confsyntax import validate_section_name
from nuthelper.errors import InvalidInput
from nuthelper.sameups import same_ups_sections
from nuthelper.tree import (LOCK_TIMEOUT, Attributes, Busy, CannotWrite, Directory, Tree, os_error,
                            target_path)
from nuthelper.upsconf import UpsConf

__all__ = ["BACKUP_SUFFIX", "LOCK_TIMEOUT", "Attributes", "Busy", "CannotWrite", "FileWrite", "MergePlan",
           "backup_path", "commit", "decide_attributes", "locked", "merge_section", "plan_merge",
           "read_existing", "target_path", "unified_diff", "write_atomic"]

BACKUP_SUFFIX = ".nut-helper.bak"
NUT_GROUP = "nut"
NUT_USER = "nut"
SECRET_MODE = 0o640


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
    replaced_sections: tuple[str, ...] = ()   # other sections that drive the same UPS, replaced

    @property
    def changes(self) -> bool:
        """True when writing the plan would change the file."""
        return self.status in ("added", "replaced")


def backup_path(path: str | os.PathLike) -> Path:
    """Where the previous version of ``path`` is kept."""
    return Path(f"{path}{BACKUP_SUFFIX}")


def read_existing(path: str | os.PathLike, tree: Tree | None = None) -> str | None:
    """The text of ``path`` (read through ``tree``), or None if it does not exist."""
    if tree is not None:
        return tree.read(Path(path))
    with Tree() as own:
        return own.read(Path(path))


# --- planning -------------------------------------------------------------------------------

def unified_diff(old: str, new: str, filename: str) -> str:
    """A unified diff from ``old`` to ``new`` that marks a missing final line end."""
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=f"{filename} (current)", tofile=f"{filename} (new)")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def plan_merge(existing_text: str | None, section_name: str, section_text: str,
               replace: bool, filename: str = "ups.conf",
               same_port: Callable[[str, str], bool] | None = None,
               parsed: UpsConf | None = None) -> MergePlan:
    """What adding section ``section_name`` (rendered as ``section_text``) to a file does.

    ``same_port`` (see :mod:`nuthelper.sameups`): sections that drive the same UPS as the new
    one are replaced by it ("conflict" until ``replace``); without it only a section of the
    same name is. ``parsed``: ``existing_text`` already parsed (it is changed here), so that a
    caller parses the file once. Raises ParseError when the existing text is malformed and
    InvalidInput when it defines a section twice: such a file is never rewritten.
    """
    if existing_text is None:
        new = UpsConf.parse("", filename)
        new.add_section(section_name, section_text)
        return MergePlan("added", section_name, None, new.render(),
                         unified_diff("", new.render(), filename))
    if parsed is None:
        conf = UpsConf.parse(existing_text, filename)
    else:
        conf = parsed
        conf.raise_first_error()
    duplicates = conf.duplicate_sections()
    if duplicates:
        name, lines = next(iter(duplicates.items()))
        raise InvalidInput(f"{filename} line {lines[1]}: section [{name}] is defined more than "
                           f"once (lines {', '.join(map(str, lines))}); merge or rename the "
                           "copies first")
    current = conf.get(section_name)
    wanted = UpsConf.parse(section_text, f"section [{section_name}]").sections[0]
    same = same_ups_sections(conf, wanted, same_port) if same_port else []
    others = [section for section in same if section.name.lower() != section_name.lower()]
    if others:
        return _replacing_others(conf, existing_text, current, others, section_name, section_text,
                                 replace, filename, same_named_is_same_ups=len(same) > len(others))
    if current is None:
        conf.add_section(section_name, section_text)
        return MergePlan("added", section_name, existing_text, conf.render(),
                         unified_diff(existing_text, conf.render(), filename))
    conf.replace_section(section_name, section_text)
    new_text = conf.render()
    same_meaning = current.meaning() == wanted.meaning()
    if new_text == existing_text or (same_meaning and not replace):
        return MergePlan("unchanged", section_name, existing_text, existing_text, "")
    status = "replaced" if replace else "conflict"
    return MergePlan(status, section_name, existing_text, new_text,
                     unified_diff(existing_text, new_text, filename))


def _replacing_others(conf: UpsConf, existing_text: str, current, others: list, section_name: str,
                      section_text: str, replace: bool, filename: str,
                      same_named_is_same_ups: bool) -> MergePlan:
    """The plan when other sections drive the UPS: the new section takes the place of the first."""
    if current is not None and not same_named_is_same_ups:
        raise InvalidInput(f"{filename} line {others[0].header_line}: section [{others[0].name}] already "
                           f"drives this UPS (port {others[0].value('port')}) and section [{current.name}] "
                           f"(line {current.header_line}) is another UPS; to set this UPS up again give "
                           f"--name {others[0].name}, or choose a name no section has")
    if current is None:
        first, *rest = others
        body = section_text if section_text.endswith("\n") else section_text + "\n"
        conf = UpsConf.parse(existing_text[:first.start] + body + existing_text[first.end:], filename)
    else:
        rest = others
        conf.replace_section(section_name, section_text)
    for extra in rest:
        conf.remove_section(extra.name)
    new_text = conf.render()
    return MergePlan("replaced" if replace else "conflict", section_name, existing_text, new_text,
                     unified_diff(existing_text, new_text, filename),
                     replaced_sections=tuple(section.name for section in others))


# --- ownership ------------------------------------------------------------------------------

def missing_group(tree: Tree, name: str) -> CannotWrite:
    """The error for a system without group ``name``: say what to do, never fall back to root."""
    if tree.root is not None:
        return CannotWrite(f"{tree.root}/etc/group has no group '{name}', so upsd could not read the files "
                           "nut-helper would write there; install NUT in the target system first (its packages "
                           f"create the nut user and group) or add the group ('groupadd --root {tree.root} "
                           f"--system {name}'), then run again; nothing was written")
    return CannotWrite(f"this system has no group '{name}', so upsd could not read the files nut-helper "
                       "would write; install NUT first (apt install nut-server creates the nut user and "
                       f"group) or add the group ('groupadd --system {name}'), then run again; nothing was "
                       "written")


def _group(tree: Tree, name: str) -> int:
    if name == "root":
        return 0
    gid = tree.group_id(name)
    if gid is None:
        raise missing_group(tree, name)
    return gid


def nut_can_read(info: os.stat_result, tree: Tree) -> bool:
    """True when NUT's daemons (user and group nut of ``tree``) can read the file ``info`` describes."""
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid == tree.user_id(NUT_USER):
        return bool(mode & 0o400)
    if info.st_gid == tree.group_id(NUT_GROUP):
        return bool(mode & 0o040)
    return bool(mode & 0o004)


def describe(attributes: Attributes, tree: Tree) -> str:
    """``0640 root:nut``, with the names of ``tree``'s own accounts."""
    return f"{attributes.mode:04o} {tree.user_name(attributes.uid)}:{tree.group_name(attributes.gid)}"


def decide_attributes(info: os.stat_result | None, tree: Tree, *, mode_if_new: int = 0o640,
                      group_if_new: str = NUT_GROUP, private: bool = False,
                      read_by_nut: bool = False) -> tuple[Attributes, str]:
    """The owner, group and mode a file ends with, and a note when an existing file's change.

    New: root:``group_if_new`` ``mode_if_new`` (as whoever runs when not root). Existing: kept,
    except that ``private`` files (secrets) end at root:nut with at most 0640 and at least
    0440 (NUT must read them), and ``read_by_nut`` files that NUT could not read get group nut
    and group read. A missing nut group is refused (:func:`missing_group`).
    """
    as_root = os.geteuid() == 0
    if info is None:
        mode = mode_if_new & SECRET_MODE if private else mode_if_new
        return (Attributes(0, _group(tree, group_if_new), mode) if as_root else Attributes(-1, -1, mode)), ""
    old = Attributes(info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode))
    if private:
        mode = old.mode & SECRET_MODE | 0o440
        new = Attributes(0, _group(tree, NUT_GROUP), mode) if as_root else dataclass_replace(old, mode=mode)
        reason = "it holds passwords"
    elif read_by_nut and as_root and not nut_can_read(info, tree):
        new = Attributes(old.uid, _group(tree, NUT_GROUP), old.mode | 0o040)
        reason = "NUT (group nut) could not read it"
    else:
        return old, ""
    if new == old:
        return old, ""
    return new, f"owner and mode {describe(old, tree)} -> {describe(new, tree)} ({reason})"


def backup_attributes(old: os.stat_result, final: Attributes) -> Attributes:
    """A backup of ``old`` beside a file that ends as ``final``: never more open than it."""
    return Attributes(final.uid if final.uid != -1 else old.st_uid, final.gid if final.gid != -1 else old.st_gid,
                      stat.S_IMODE(old.st_mode) & final.mode)


def backup_too_open(backup: os.stat_result, final: Attributes) -> bool:
    """True when an existing backup is more open than the file it backs up ends."""
    wanted = backup_attributes(backup, final)
    return (backup.st_uid, backup.st_gid, stat.S_IMODE(backup.st_mode)) != (wanted.uid, wanted.gid, wanted.mode)


# --- committing a set of changes ------------------------------------------------------------

@dataclass(frozen=True)
class FileWrite:
    """One file of a change: a new version (``text``), a removal, or (neither) new attributes only."""

    path: Path
    text: str | None
    attributes: Attributes | None          # what the file ends with (None for a removal)
    remove: bool = False
    backup: bool = True
    create_parent: bool = False            # make the directory (0755) when it is missing

    @property
    def replaces_content(self) -> bool:
        return self.text is not None or self.remove


class _Staged:
    """One file of :func:`commit`: prepared (nothing visible changed), applied, undone or finished."""

    def __init__(self, write: FileWrite) -> None:
        self.write = write
        self.name = write.path.name
        self.backup_name = backup_path(self.name).name
        self.directory: Directory | None = None
        self.old: Attributes | None = None
        self.temp: str | None = None       # the new content, until renamed into place
        self.saved: str | None = None      # the previous content: the backup-to-be, and the way back

    def check(self, tree: Tree) -> None:
        """Refuse what would make the change fail, before anything is written (even a temporary file)."""
        write = self.write
        directory = tree.directory(write.path.parent)
        if directory is None:
            if write.create_parent:
                return                         # a new directory: nothing in it to examine
            raise CannotWrite(f"directory {write.path.parent} does not exist; install NUT in the target "
                              "system or create it first")
        self.directory = directory
        info = directory.lstat(self.name)
        if info is None and write.text is None:
            raise CannotWrite(f"{write.path} disappeared while nut-helper ran; run again")
        try:
            backup = directory.lstat(self.backup_name)
        except CannotWrite as error:
            raise CannotWrite(f"the backup's place: {error.message}") from None
        if info is not None and write.replaces_content:
            self._refuse_unreplaceable(self.name)
            if write.backup and backup is not None:
                self._refuse_unreplaceable(self.backup_name)

    def prepare(self, tree: Tree) -> None:
        """Write the new version and stage the previous one under temporary names; nothing visible changes."""
        write = self.write
        if self.directory is None:
            self.directory = tree.directory(write.path.parent, create=True)
        directory = self.directory
        directory.remove_stale_temps(self.name)
        info = directory.lstat(self.name)
        if info is not None:
            self.old = Attributes(info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode))
        if write.text is not None:
            self.temp = directory.create_temp(self.name, write.text.encode("utf-8", "surrogateescape"),
                                              write.attributes)
        if info is not None and write.replaces_content:
            self.saved = self._stage_previous(info)

    def _refuse_unreplaceable(self, name: str) -> None:
        flag = self.directory.unreplaceable(name)
        if flag:
            path = self.directory.entry(name)
            raise CannotWrite(f"{path} is {flag} ('chattr +{flag[0]}'), so it cannot be replaced; if it "
                              f"should change, remove the flag ('chattr -{flag[0]} {path}') and run again")

    def _stage_previous(self, info: os.stat_result) -> str:
        """The current content under a temporary name: a hard link, or a copy when it must be tighter."""
        wanted = backup_attributes(info, self.write.attributes or self.old)
        if wanted == self.old:
            linked = self.directory.link_temp(self.name)
            if linked is not None:
                return linked
        data = self.directory.read_bytes(self.name)
        if data is None:
            raise CannotWrite(f"{self.write.path} disappeared while nut-helper ran; run again")
        return self.directory.create_temp(self.name, data, wanted)

    def apply(self) -> None:
        if self.write.text is not None:
            self.directory.rename(self.temp, self.name)
            self.temp = None
        elif self.write.remove:
            self.directory.unlink(self.name)
        else:
            self.directory.set_attributes(self.name, self.write.attributes)

    def undo(self) -> bool:
        """Put the previous version back; False when that failed."""
        try:
            if self.write.replaces_content:
                if self.saved is not None:
                    self.directory.rename(self.saved, self.name)
                    self.saved = None
                else:
                    self.directory.unlink(self.name)
            else:
                self.directory.set_attributes(self.name, self.old)
        except (OSError, CannotWrite):
            return False
        return True

    def finish(self) -> Path | None:
        """Keep the previous version as the backup and tighten an older backup; the backup's path."""
        kept = None
        if self.saved is not None:
            if self.write.backup:
                try:
                    self.directory.rename(self.saved, self.backup_name)
                except OSError as error:
                    failure = os_error("keep the previous version as", self.directory.entry(self.backup_name),
                                       error).message
                    raise CannotWrite(f"{self.write.path} was written, but {failure}; the previous version "
                                      f"is in {self.directory.entry(self.saved)}") from None
                kept = self.directory.entry(self.backup_name)
            else:
                self.directory.remove(self.saved)
            self.saved = None
        if not self.write.remove and kept is None:
            backup = self.directory.lstat(self.backup_name)
            final = self.write.attributes or self.old
            if backup is not None and backup_too_open(backup, final):
                try:
                    self.directory.set_attributes(self.backup_name, backup_attributes(backup, final))
                except OSError as error:
                    raise CannotWrite(f"{self.write.path} was written, but "
                                      f"{os_error('tighten', self.directory.entry(self.backup_name), error).message}"
                                      ) from None
        return kept

    def discard(self) -> None:
        for name in (self.temp, self.saved):
            if name is not None and self.directory is not None:
                self.directory.remove(name)
        self.temp = self.saved = None


def commit(writes: list[FileWrite], tree: Tree) -> list[Path | None]:
    """Make every change of ``writes`` as one change; return each file's backup (None if none).

    The caller holds the locks of the directories (:meth:`Tree.lock`). A failure before the
    first rename changes nothing; a failed rename puts back the files renamed before it.
    """
    staged = [_Staged(write) for write in writes]
    try:
        for item in staged:
            item.check(tree)
        for item in staged:
            item.prepare(tree)
    except CannotWrite as error:
        _discard(staged, tree)
        raise CannotWrite(f"{error.message}; nothing was changed") from None
    except BaseException:
        _discard(staged, tree)
        raise
    for index, item in enumerate(staged):
        try:
            item.apply()
        except (OSError, CannotWrite) as error:
            stuck = [str(done.write.path) for done in reversed(staged[:index]) if not done.undo()]
            message = error.message if isinstance(error, CannotWrite) else \
                os_error("replace", item.write.path, error).message
            for other in staged:
                other.discard()
            if stuck:
                raise CannotWrite(f"{message}; could not put back {', '.join(stuck)} (they hold the new "
                                  "version; every other file is unchanged)") from None
            tree.remove_created()
            changed = "the files replaced before it were put back: " if index else ""
            raise CannotWrite(f"{message}; {changed}nothing was changed") from None
    tree.keep_created()
    kept: list[Path | None] = []
    problems = []
    for item in staged:                 # every file is in place: finish each even if one fails
        try:
            kept.append(item.finish())
        except CannotWrite as error:
            kept.append(None)
            problems.append(error.message)
    for directory in {id(item.directory): item.directory for item in staged}.values():
        directory.fsync()
    if problems:
        raise CannotWrite("; ".join(problems))
    return kept


def _discard(staged: list[_Staged], tree: Tree) -> None:
    for item in staged:
        item.discard()
    tree.remove_created()


# --- one file -------------------------------------------------------------------------------

def _open_directory(tree: Tree, path: Path) -> Directory:
    directory = tree.directory(path.parent)
    if directory is None:
        raise CannotWrite(f"directory {path.parent} does not exist; install NUT in the target system or "
                          "create it first")
    return directory


@contextlib.contextmanager
def locked(path: str | os.PathLike, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock on the directory of ``path`` (re-entrant within a process)."""
    with Tree() as tree:
        _open_directory(tree, Path(path))
        tree.lock([Path(path)], timeout)
        yield


def write_atomic(path: str | os.PathLike, text: str, *, mode_if_new: int = 0o640,
                 group_if_new: str = NUT_GROUP, backup: bool = True,
                 root: str | os.PathLike | None = None, private: bool = False,
                 lock_timeout: float = LOCK_TIMEOUT) -> Path | None:
    """Replace ``path`` with ``text`` atomically; return the backup's path (None if none made).

    The existing file's owner, group and mode are kept; ``private`` (files holding secrets):
    see :func:`decide_attributes`. ``path`` is already placed under ``root`` (see
    :func:`target_path`); the file is reached from ``root`` down.
    """
    path = Path(path)
    with Tree(root) as tree:
        _open_directory(tree, path)
        tree.lock([path], lock_timeout)
        attributes, _ = decide_attributes(tree.stat(path), tree, mode_if_new=mode_if_new,
                                          group_if_new=group_if_new, private=private)
        return commit([FileWrite(path, text, attributes, backup=backup)], tree)[0]


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
    with Tree(root) as tree:
        target = tree.place(path)
        _open_directory(tree, target)
        tree.lock([target], lock_timeout)
        plan = plan_merge(tree.read(target), section_name, section_text, replace, str(target))
        plan = dataclass_replace(plan, path=target)
        if dry_run or not plan.changes:
            return plan
        attributes, _ = decide_attributes(tree.stat(target), tree)
        kept = commit([FileWrite(target, plan.new_text, attributes, backup=backup)], tree)[0]
        return dataclass_replace(plan, written=True, backup=kept)
