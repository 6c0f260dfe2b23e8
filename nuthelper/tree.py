"""Reaching files of the running system or of an installer's target root, through directory descriptors.

A :class:`Tree` opens each directory once, from the root down, one component at a time; under
``--root`` every component is opened with ``O_DIRECTORY|O_NOFOLLOW``, so a symbolic link on the
way is refused and a directory swapped for a link after it was opened changes nothing: every
later read, create, rename, link, chmod and lock goes through the descriptor (``dir_fd``), never
through a path lookup that could leave the root. Files themselves are opened with
``O_NOFOLLOW``; temporary files are created with ``O_CREAT|O_EXCL|O_NOFOLLOW`` under random
names. On the running system (no root) the directory itself may be reached through links,
but once open it is used the same way.

Locks: :meth:`Tree.lock` takes an exclusive ``flock`` on a directory (re-entrant within a
process) and holds it until the tree is closed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import grp
import os
import pwd
import secrets
import stat
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nuthelper.errors import InvalidInput

LOCK_TIMEOUT = 10.0
TEMP_MARK = ".nut-helper-"
_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
# FS_IOC_GETFLAGS = _IOR('f', 1, long) and the inode flags that make a file unreplaceable
_FS_IOC_GETFLAGS = 0x80000000 | (struct.calcsize("l") << 16) | (ord("f") << 8) | 1
_FS_IMMUTABLE, _FS_APPEND = 0x10, 0x20


class CannotWrite(InvalidInput):
    """The target cannot be read or changed as it stands; nothing was changed."""


class Busy(CannotWrite):
    """Another run holds the lock on the target directory."""


@dataclass(frozen=True)
class Attributes:
    """The owner, group and mode a file ends with (-1: as created, for a run that is not root)."""

    uid: int
    gid: int
    mode: int


def os_error(action: str, path: Path, error: OSError) -> CannotWrite:
    """A one-line error for a failed file operation, with what to do about it."""
    hints = {
        errno.EROFS: "the file system is read-only; remount it read-write or choose another --root",
        errno.EACCES: "permission denied; run as root",
        errno.EPERM: "operation not permitted (immutable file or directory?); check 'lsattr' and run as root",
        errno.ENOSPC: "no space left on the device; free some space",
        errno.EDQUOT: "disk quota exceeded; free some space",
        errno.EISDIR: "a directory is in the way; move it away",
        errno.EIO: "input/output error; check the disk",
    }
    hint = hints.get(error.errno, error.strerror or str(error))
    return CannotWrite(f"cannot {action} {path}: {hint}")


def regular_file_check(path: Path, info: os.stat_result) -> None:
    """Refuse anything but a regular file at ``path`` (``info`` from lstat)."""
    if stat.S_ISDIR(info.st_mode):
        raise CannotWrite(f"{path} is a directory, not a file; move it away or give the file's path")
    if stat.S_ISLNK(info.st_mode):
        raise CannotWrite(f"{path} is a symbolic link; nut-helper replaces files atomically and will not "
                          "replace a link: give the real file's path")
    if not stat.S_ISREG(info.st_mode):
        raise CannotWrite(f"{path} is not a regular file; move it away or give another path")


class Directory:
    """One open directory; every operation on its entries goes through its descriptor."""

    def __init__(self, fd: int, path: Path) -> None:
        self.fd = fd
        self.path = path
        info = os.fstat(fd)
        self.key = (info.st_dev, info.st_ino)

    def entry(self, name: str) -> Path:
        return self.path / name

    def lstat(self, name: str) -> os.stat_result | None:
        """lstat of a regular file ``name``, None if absent; anything else is refused."""
        try:
            info = os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise CannotWrite(f"cannot examine {self.entry(name)}: {error.strerror}") from None
        regular_file_check(self.entry(name), info)
        return info

    @contextlib.contextmanager
    def open_file(self, name: str) -> Iterator[int | None]:
        """A read-only descriptor of regular file ``name`` (never through a link), None if absent."""
        try:
            fd = os.open(name, _FILE_FLAGS, dir_fd=self.fd)
        except FileNotFoundError:
            yield None
            return
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise CannotWrite(f"{self.entry(name)} is a symbolic link; nut-helper replaces files "
                                  "atomically and will not replace a link: give the real file's path") from None
            if error.errno == errno.EACCES:
                raise CannotWrite(f"cannot read {self.entry(name)}: {error.strerror}; check its "
                                  "permissions") from None
            raise os_error("open", self.entry(name), error) from None
        try:
            regular_file_check(self.entry(name), os.fstat(fd))
            yield fd
        finally:
            os.close(fd)

    def read_bytes(self, name: str) -> bytes | None:
        """The content of ``name``, or None if it does not exist."""
        with self.open_file(name) as fd:
            if fd is None:
                return None
            chunks = []
            try:
                while chunk := os.read(fd, 1 << 16):
                    chunks.append(chunk)
            except OSError as error:
                raise CannotWrite(f"cannot read {self.entry(name)}: {error.strerror}; check its "
                                  "permissions") from None
            return b"".join(chunks)

    def unreplaceable(self, name: str) -> str | None:
        """'immutable' or 'append-only' when ``name`` carries that inode flag (chattr +i / +a)."""
        with self.open_file(name) as fd:
            if fd is None:
                return None
            try:
                flags = struct.unpack("i", fcntl.ioctl(fd, _FS_IOC_GETFLAGS, bytes(8))[:4])[0]
            except OSError:
                return None          # the file system has no such flags
        if flags & _FS_IMMUTABLE:
            return "immutable"
        return "append-only" if flags & _FS_APPEND else None

    def create_temp(self, name: str, data: bytes, attributes: Attributes | None) -> str:
        """A new fsynced temporary file beside ``name`` holding ``data``; returns its name.

        Created exclusively (never through a planted file or link). ``attributes`` None: the
        mode 0640 less the umask, owned by whoever runs.
        """
        for _ in range(10):
            temp = f".{name}{TEMP_MARK}{secrets.token_hex(8)}.tmp"
            try:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                             0o600 if attributes else 0o640, dir_fd=self.fd)
                break
            except FileExistsError:
                continue
            except OSError as error:
                raise os_error("write to the directory of", self.entry(name), error) from None
        else:
            raise CannotWrite(f"cannot make a temporary file beside {self.entry(name)}; remove the "
                              f"'.{name}{TEMP_MARK}*' files there")
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if attributes is not None:
                os.fchown(fd, attributes.uid, attributes.gid)
                os.fchmod(fd, attributes.mode)
            os.fsync(fd)
        except OSError as error:
            os.close(fd)
            self.remove(temp)
            raise os_error("write", self.entry(name), error) from None
        os.close(fd)
        return temp

    def link_temp(self, name: str) -> str | None:
        """A new hard link to ``name`` under a temporary name, or None when links are not possible."""
        temp = f".{name}{TEMP_MARK}{secrets.token_hex(8)}.tmp"
        try:
            os.link(name, temp, src_dir_fd=self.fd, dst_dir_fd=self.fd, follow_symlinks=False)
        except OSError as error:
            if error.errno in (errno.EPERM, errno.EMLINK, errno.EOPNOTSUPP, errno.ENOTSUP):
                return None
            raise os_error("keep the previous version of", self.entry(name), error) from None
        return temp

    def set_attributes(self, name: str, attributes: Attributes) -> None:
        """chown and chmod regular file ``name`` through a descriptor (never through a link).

        OSError from the change itself is left to the caller (it may have to undo other changes).
        """
        with self.open_file(name) as fd:
            if fd is None:
                raise CannotWrite(f"{self.entry(name)} disappeared while nut-helper ran; run again")
            os.fchown(fd, attributes.uid, attributes.gid)
            os.fchmod(fd, attributes.mode)

    def rename(self, source: str, target: str) -> None:
        os.rename(source, target, src_dir_fd=self.fd, dst_dir_fd=self.fd)

    def link(self, source: str, target: str) -> None:
        os.link(source, target, src_dir_fd=self.fd, dst_dir_fd=self.fd, follow_symlinks=False)

    def unlink(self, name: str) -> None:
        os.unlink(name, dir_fd=self.fd)

    def remove(self, name: str) -> None:
        """Remove ``name`` if it is there; a failure is ignored (cleaning up)."""
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=self.fd)

    def remove_stale_temps(self, name: str) -> None:
        """Remove temporary files an interrupted earlier run left beside ``name`` (lock held)."""
        prefix = f".{name}{TEMP_MARK}"
        with contextlib.suppress(OSError):
            for entry in os.listdir(self.fd):
                if entry.startswith(prefix) and entry.endswith(".tmp"):
                    self.remove(entry)

    def fsync(self) -> None:
        try:
            os.fsync(self.fd)
        except OSError as error:
            raise os_error("sync the directory", self.path, error) from None


_held_locks: dict[tuple[int, int], int] = {}     # directory (dev, ino) -> depth: re-entrant per process


class Tree:
    """The files of one system: the running one (``root`` None) or an installer's target root."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root) if root is not None else None
        self._root_fd: int | None = None
        self._directories: dict[Path, Directory] = {}
        self._created: list[tuple[int, str, Path]] = []   # (parent fd, name, path) of directories made
        self._locks = contextlib.ExitStack()
        self._account_files: dict[str, dict[str, list[str]]] = {}

    def __enter__(self) -> Tree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._locks.close()
        for directory in self._directories.values():
            os.close(directory.fd)
        self._directories.clear()
        self.keep_created()
        if self._root_fd is not None:
            os.close(self._root_fd)
            self._root_fd = None

    # paths

    def place(self, path: str | os.PathLike) -> Path:
        """``path`` as seen in this system (under the root, by name: the walk refuses links)."""
        return join_under(path, self.root)

    # directories

    def directory(self, path: Path, *, create: bool = False) -> Directory | None:
        """The open directory ``path`` (a placed path), None if it does not exist and not ``create``."""
        path = Path(path)
        if path in self._directories:
            return self._directories[path]
        if self.root is None:               # the running system: links on the way are the admin's own
            reached = Path(path.anchor or ".")
            parts, follow = path.parts[1:] if path.anchor else path.parts, True
            fd = os.open(reached, _DIRECTORY_FLAGS)
        else:
            try:
                parts = path.relative_to(self.root).parts
            except ValueError:
                raise CannotWrite(f"{path} is not inside --root {self.root}") from None
            if ".." in parts:
                raise CannotWrite(f"{path} contains '..'; give a plain absolute path inside --root")
            reached, follow = self.root, False
            fd = os.dup(self._open_root())
        try:
            for part in parts:
                reached = reached / part
                child = self._open_child(fd, part, reached, follow, create)
                os.close(fd)
                fd = -1
                if child is None:
                    return None
                fd = child
        except BaseException:
            if fd >= 0:
                os.close(fd)
            raise
        directory = Directory(fd, path)
        self._directories[path] = directory
        return directory

    def _open_root(self) -> int:
        if self._root_fd is None:
            check_root(self.root)
            self._root_fd = os.open(self.root, _DIRECTORY_FLAGS)
        return self._root_fd

    def _open_child(self, fd: int, name: str, reached: Path, follow: bool, create: bool) -> int | None:
        flags = _DIRECTORY_FLAGS | (0 if follow else os.O_NOFOLLOW)
        for _ in range(3):
            try:
                return os.open(name, flags, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    return None
                try:
                    os.mkdir(name, 0o755, dir_fd=fd)
                    self._created.append((os.dup(fd), name, reached))
                except FileExistsError:
                    continue                     # made meanwhile by someone else: open it
                except OSError as error:
                    raise os_error("create the directory", reached, error) from None
            except OSError as error:
                if error.errno in (errno.ELOOP, errno.ENOTDIR):
                    try:
                        is_link = stat.S_ISLNK(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode)
                    except OSError:
                        is_link = False
                    if is_link:
                        raise CannotWrite(f"{reached} is a symbolic link; nut-helper follows no links on the "
                                          "way to a file under --root (one could lead outside --root): make "
                                          "it a real directory or give the path it points to") from None
                    raise CannotWrite(f"{reached} is not a directory; fix the path") from None
                raise os_error("open the directory", reached, error) from None
        raise CannotWrite(f"{reached} keeps changing while nut-helper runs; run again")

    def remove_created(self) -> None:
        """Remove the directories this tree made (they are empty after a failed change)."""
        for parent, name, path in reversed(self._created):
            with contextlib.suppress(OSError):
                os.rmdir(name, dir_fd=parent)
            os.close(parent)
            if path in self._directories:
                os.close(self._directories.pop(path).fd)
        self._created.clear()

    def keep_created(self) -> None:
        """Keep the directories made so far (the change they were made for succeeded)."""
        for parent, _, _ in self._created:
            with contextlib.suppress(OSError):
                os.fsync(parent)
            os.close(parent)
        self._created.clear()

    # files

    def stat(self, path: Path) -> os.stat_result | None:
        """lstat of the regular file ``path``, None if it (or its directory) does not exist."""
        directory = self.directory(path.parent)
        return directory.lstat(path.name) if directory else None

    def read(self, path: Path) -> str | None:
        """The text of ``path``, or None if it does not exist. Bytes that are not UTF-8 are kept."""
        directory = self.directory(path.parent)
        if directory is None:
            return None
        data = directory.read_bytes(path.name)
        return None if data is None else data.decode("utf-8", "surrogateescape")

    # locking

    def lock(self, paths: list[Path], timeout: float = LOCK_TIMEOUT) -> None:
        """Lock the directory of each path that exists (in a fixed order: no deadlock), until closed."""
        found = {directory.key: directory for directory in
                 (self.directory(path.parent) for path in paths) if directory is not None}
        for key in sorted(found):
            self._locks.enter_context(_locked(found[key], timeout))

    # accounts

    def group_id(self, name: str) -> int | None:
        """The gid of group ``name`` in this system (the target's etc/group under a root)."""
        if self.root is None:
            try:
                return grp.getgrnam(name).gr_gid
            except KeyError:
                return None
        fields = self._account("group").get(name)
        return int(fields[2]) if fields and fields[2].isdigit() else None

    def user_id(self, name: str) -> int | None:
        """The uid of user ``name`` in this system (the target's etc/passwd under a root)."""
        if self.root is None:
            try:
                return pwd.getpwnam(name).pw_uid
            except KeyError:
                return None
        fields = self._account("passwd").get(name)
        return int(fields[2]) if fields and fields[2].isdigit() else None

    def group_name(self, gid: int) -> str:
        if self.root is None:
            try:
                return grp.getgrgid(gid).gr_name
            except KeyError:
                return str(gid)
        return next((name for name, fields in self._account("group").items() if fields[2] == str(gid)), str(gid))

    def user_name(self, uid: int) -> str:
        if self.root is None:
            try:
                return pwd.getpwuid(uid).pw_name
            except KeyError:
                return str(uid)
        return next((name for name, fields in self._account("passwd").items() if fields[2] == str(uid)), str(uid))

    def _account(self, file: str) -> dict[str, list[str]]:
        """The target's etc/group or etc/passwd: name -> its fields (first entry of a name wins)."""
        if file not in self._account_files:
            try:
                text = self.read(self.place(f"/etc/{file}")) or ""
            except CannotWrite:
                text = ""
            entries: dict[str, list[str]] = {}
            for line in text.splitlines():
                fields = line.split(":")
                if len(fields) >= 3:
                    entries.setdefault(fields[0], fields)
            self._account_files[file] = entries
        return self._account_files[file]


@contextlib.contextmanager
def _locked(directory: Directory, timeout: float) -> Iterator[None]:
    """Hold the exclusive lock on ``directory`` (re-entrant within a process)."""
    if _held_locks.get(directory.key):
        _held_locks[directory.key] += 1
        try:
            yield
        finally:
            _held_locks[directory.key] -= 1
        return
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(directory.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise Busy(f"another nut-helper run is changing files in {directory.path} (waited "
                           f"{timeout:g} s for its lock); let it finish and run again") from None
            time.sleep(0.02)
    _held_locks[directory.key] = 1
    try:
        yield
    finally:
        del _held_locks[directory.key]
        fcntl.flock(directory.fd, fcntl.LOCK_UN)


def check_root(root: str | os.PathLike) -> Path:
    """``root`` as a path, refused unless it is an existing directory."""
    root_path = Path(root)
    if not root_path.exists():
        raise InvalidInput(f"--root {root_path} does not exist; create the target system's "
                           "root directory first or fix the path")
    if not root_path.is_dir():
        raise InvalidInput(f"--root {root_path} is not a directory; give the target system's "
                           "root directory")
    return root_path


def join_under(path: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """``path`` placed under ``root`` by its name alone (no link is looked at; see :class:`Tree`)."""
    path = Path(path)
    if root is None:
        return path
    root_path = check_root(root)
    if ".." in path.parts:
        raise InvalidInput(f"{path} contains '..'; give a plain absolute path inside --root")
    return root_path / path.relative_to(path.anchor) if path.is_absolute() else root_path / path


def target_path(path: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """``path`` as seen in the system at ``root`` (the running system when None), refused when a
    symbolic link on the way to it leads outside ``root`` (for reading; writing goes through a Tree)."""
    joined = join_under(path, root)
    if root is None:
        return joined
    try:
        real_root = os.path.realpath(root)
        real_parent = os.path.realpath(joined.parent)
    except OSError as error:
        raise InvalidInput(f"cannot follow the path {joined.parent}: {error.strerror}; run again") from None
    if os.path.commonpath([real_root, real_parent]) != real_root:
        raise InvalidInput(f"{joined.parent} leads outside --root {root} through a "
                           "symbolic link; fix the link in the target system")
    return joined
