"""Who holds a serial port: UUCP lock files, flock() locks and processes with the device open.

Everything here is read without opening the port, because opening a real UART raises DTR and RTS.
A port is free only when nothing holds it and no lock file claims it: a lock file whose process is
gone (stale) is reported, never removed or taken over, because only its owner knows whether it is
safe to drop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

LOCK_DIRS = ("/run/lock", "/var/lock")
NUT_DRIVER_DIRS = ("/lib/nut", "/usr/lib/nut", "/usr/libexec/nut")
PTY_SLAVE_MAJORS = range(136, 144)  # Unix98 pseudo-terminal slaves, /dev/pts/N (Documentation/admin-guide/devices.txt)
PTY_MASTER = os.makedev(5, 2)  # /dev/ptmx: each descriptor of it is the master of one /dev/pts/N


@dataclass
class Holder:
    """A process that has the port open or locked; ``command`` is None when it cannot be read,
    and ``unnamed_because`` then says why."""

    pid: int
    command: str | None
    nut_driver: bool
    how: str  # "lock file PATH", "flock", "posix", "open", or several joined by ", "
    unnamed_because: str | None = None

    def describe(self) -> str:
        if self.command is None:
            return f"process {self.pid} ({self.how}), whose command cannot be read: {self.unnamed_because}"
        kind = "a running NUT driver" if self.nut_driver else "process"
        return f"{kind} {self.command} (pid {self.pid}, {self.how})"

    def to_dict(self) -> dict:
        return {"pid": self.pid, "command": self.command, "nut_driver": self.nut_driver, "how": self.how,
                "unnamed_because": self.unnamed_because}


@dataclass
class StaleLock:
    """A lock file for the port whose process is not running (or which names no process)."""

    path: str
    pid: int | None

    def describe(self) -> str:
        owner = f"of process {self.pid}, which is not running" if self.pid is not None else "naming no process"
        return (f"stale lock file {self.path} {owner}: remove it if no program is using the port, "
                "then probe again")

    def to_dict(self) -> dict:
        return {"path": self.path, "pid": self.pid}


@dataclass
class LockState:
    """Everything that holds or claims a port; ``free`` is True when nothing does."""

    holders: list[Holder] = field(default_factory=list)
    stale_locks: list[StaleLock] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return bool(self.holders)

    @property
    def free(self) -> bool:
        """Nothing holds the port and no lock file, live or stale, claims it."""
        return not self.holders and not self.stale_locks

    def describe(self) -> str:
        """One human line, e.g. 'held by a running NUT driver nutdrv_qx (pid 812, open)'."""
        parts = []
        if self.holders:
            parts.append("held by " + "; ".join(holder.describe() for holder in self.holders))
        parts += [stale.describe() for stale in self.stale_locks]
        return "; ".join(parts) if parts else "free"

    def to_dict(self) -> dict:
        return {"held": self.held, "free": self.free, "holders": [h.to_dict() for h in self.holders],
                "stale_lock_files": [s.to_dict() for s in self.stale_locks], "summary": self.describe()}


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _command(pid: int) -> tuple[str | None, str | None]:
    """(command, None), or (None, why it cannot be read)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip(), None
    except PermissionError:
        return None, f"this user may not read /proc/{pid} (run as root)"
    except FileNotFoundError:
        if _pid_alive(pid):
            return None, (f"/proc/{pid} is hidden from this user (/proc mounted with hidepid, or the process "
                          "runs in another PID namespace); run as root")
        return None, "it exited while the port was being checked"
    except OSError as error:
        return None, f"reading /proc/{pid}/comm failed: {error.strerror}"


def _is_nut_driver(pid: int, command: str | None) -> bool:
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        exe = ""
    if any(exe.startswith(directory + "/") for directory in NUT_DRIVER_DIRS):
        return True
    return bool(command) and any(os.path.exists(os.path.join(d, command)) for d in NUT_DRIVER_DIRS)


def _holder(pid: int, how: str) -> Holder:
    command, why = _command(pid)
    return Holder(pid, command, _is_nut_driver(pid, command), how, why)


def _read_lock_pid(path: Path) -> int | None:
    """PID stored in a UUCP lock file: ASCII (HDB style) or a 4-byte binary integer (Kermit style)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    text = data.decode("ascii", "replace").strip()
    if text.isdigit():
        return int(text)
    if len(data) == 4:
        return int.from_bytes(data, "little")
    return None


def _name_below_dev(node: str) -> str | None:
    """``pts/3`` for /dev/pts/3, None for a node outside /dev."""
    relative = os.path.relpath(node, "/dev")
    return None if relative.startswith("..") else relative


def lock_file_names(device: str) -> list[str]:
    """The lock file names programs use for this port, by the name given and by the real node.

    - ``LCK..ttyS0``: FSSTND / HDB UUCP style, the base name (cu, minicom, NUT's own locking);
    - ``LCK..pts_3``: the path below /dev with ``/`` made ``_`` (gensio/ser2net uucplock.c);
    - ``LCK..pts:3``: the same with ``:`` (liblockdev 1.0, lockdev.c ``_dl_filename_2``);
    - ``LCK.136.003``: SVr4 style, major and minor of the device (ser2net, devlck);
    - ``LK.000.136.003``: liblockdev's, also with the major of the file system holding the node.
    """
    real = os.path.realpath(device)
    names = [os.path.basename(device), os.path.basename(real)]
    below = _name_below_dev(real)
    if below is not None:
        names += [below.replace("/", "_"), below.replace("/", ":")]
    lock_names = [f"LCK..{name}" for name in names if name]
    try:
        st = os.stat(real)
    except OSError:
        return list(dict.fromkeys(lock_names))
    major, minor = os.major(st.st_rdev), os.minor(st.st_rdev)
    lock_names += [f"LCK.{major:03d}.{minor:03d}", f"LK.{os.major(st.st_dev):03d}.{major:03d}.{minor:03d}"]
    return list(dict.fromkeys(lock_names))


def own_lock_name(node: str) -> str:
    """The lock file the probe itself creates for a real node: ``LCK..ttyS0``, ``LCK..pts_3``."""
    below = _name_below_dev(node)
    return "LCK.." + (below.replace("/", "_") if below is not None else os.path.basename(node))


def _lock_files(device: str, lock_dirs: tuple[str, ...]) -> tuple[list[Holder], list[StaleLock]]:
    holders: list[Holder] = []
    stale: list[StaleLock] = []
    seen_dirs = set()
    for directory in lock_dirs:
        real = os.path.realpath(directory)
        if real in seen_dirs or not os.path.isdir(real):
            continue
        seen_dirs.add(real)
        for name in lock_file_names(device):
            path = Path(directory) / name
            if not path.exists():
                continue
            pid = _read_lock_pid(path)
            if pid is not None and _pid_alive(pid):
                holders.append(_holder(pid, f"lock file {path}"))
            else:
                stale.append(StaleLock(str(path), pid))
    return holders, stale


Identity = tuple[int, int, int]


def _identity(device: str) -> Identity | None:
    """(st_dev, st_ino, st_rdev) of the node, or None when it cannot be read."""
    try:
        st = os.stat(device)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_rdev


def _flock_holders(targets: dict[Identity, list[Holder]]) -> None:
    """flock()/POSIX locks on the device nodes, read from /proc/locks, appended to ``targets``."""
    by_lock_key = {(os.major(dev), os.minor(dev), ino): holders for (dev, ino, _), holders in targets.items()}
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return
    for line in lines:
        fields = line.split()
        if len(fields) < 6 or fields[1] == "->":
            continue
        try:
            major, minor, inode = fields[5].split(":")
            key = (int(major, 16), int(minor, 16), int(inode))
            pid = int(fields[4])
        except ValueError:
            continue
        if key in by_lock_key and pid != os.getpid():
            by_lock_key[key].append(_holder(pid, fields[1].lower()))


def _pty_index(rdev: int) -> int | None:
    """N for the device number of /dev/pts/N, else None."""
    major = os.major(rdev)
    return (major - PTY_SLAVE_MAJORS.start) * 256 + os.minor(rdev) if major in PTY_SLAVE_MAJORS else None


def _master_index(pid: int, fd: str) -> int | None:
    """For a pseudo-terminal master descriptor, the N of its /dev/pts/N (the kernel's fdinfo tty-index)."""
    try:
        for line in Path(f"/proc/{pid}/fdinfo/{fd}").read_text().splitlines():
            if line.startswith("tty-index:"):
                return int(line.split(":", 1)[1])
    except (OSError, ValueError):
        pass
    return None


def _open_holders(targets: dict[Identity, list[Holder]]) -> None:
    """Every process with one of the device nodes open, in one pass over /proc (other users' processes
    are only visible to root).

    The program that owns a pseudo-terminal's master side (socat, a terminal emulator, sshd) is the
    pty's far end, as the hardware is a UART's: its own descriptor of the slave is not a holder.
    """
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        pid = int(entry.name)
        try:
            fds = os.scandir(f"/proc/{pid}/fd")
        except OSError:
            continue
        found: set[Identity] = set()
        masters: set[int] = set()
        with fds:
            for fd in fds:
                try:
                    st = os.stat(fd.path)
                except OSError:
                    continue
                key = (st.st_dev, st.st_ino, st.st_rdev)
                if key in targets:
                    found.add(key)
                elif st.st_rdev == PTY_MASTER:
                    index = _master_index(pid, fd.name)
                    if index is not None:
                        masters.add(index)
        for key in found:
            if _pty_index(key[2]) not in masters:
                targets[key].append(_holder(pid, "open"))


def _merged(holders: list[Holder]) -> list[Holder]:
    """One holder per process, its ways of holding the port joined."""
    by_pid: dict[int, Holder] = {}
    for holder in holders:
        known = by_pid.get(holder.pid)
        if known is None:
            by_pid[holder.pid] = holder
        elif holder.how not in known.how.split(", "):
            known.how = f"{known.how}, {holder.how}"
    return list(by_pid.values())


def lock_states(devices: list[str], lock_dirs: tuple[str, ...] = LOCK_DIRS) -> list[LockState]:
    """Everything that holds or claims each of ``devices`` (lock files, flock locks, processes having
    it open), in the same order; /proc is read once for all of them."""
    identities = [_identity(device) for device in devices]
    targets: dict[Identity, list[Holder]] = {key: [] for key in identities if key is not None}
    if targets:
        _flock_holders(targets)
        _open_holders(targets)
    states = []
    for device, key in zip(devices, identities):
        holders, stale = _lock_files(device, lock_dirs)
        holders += targets.get(key, []) if key is not None else []
        states.append(LockState(_merged(holders), stale))
    return states


def lock_state(device: str, lock_dirs: tuple[str, ...] = LOCK_DIRS) -> LockState:
    """Everything that holds ``device`` (see lock_states)."""
    return lock_states([device], lock_dirs)[0]


class PortLocked(Exception):
    """Another program created a lock file for the port after it was checked."""


class PortLockFile:
    """Our own UUCP lock file for the duration of a probe (skipped when the lock dir is not writable).

    ``node`` is the port's real device node (symlinks already resolved). Raises :class:`PortLocked`
    when the lock file exists already: someone else's, never to be reused.
    """

    def __init__(self, node: str, lock_dir: str = LOCK_DIRS[0]) -> None:
        self.path = Path(lock_dir) / own_lock_name(node)
        self.created = False

    def __enter__(self) -> "PortLockFile":
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        except FileExistsError:
            raise PortLocked(f"lock file {self.path} appeared after the port was checked") from None
        except OSError:
            return self
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{os.getpid():10d}\n")
        self.created = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self.created:
            try:
                self.path.unlink()
            except OSError:
                pass
