"""Who holds a serial port: UUCP lock files, flock() locks and processes with the device open.

Everything here is read without opening the port, because opening a real UART raises DTR and RTS.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

LOCK_DIRS = ("/run/lock", "/var/lock")
NUT_DRIVER_DIRS = ("/lib/nut", "/usr/lib/nut", "/usr/libexec/nut")
NUT_PID_DIRS = ("/run/nut", "/var/run/nut", "/var/state/ups")


@dataclass
class Holder:
    """A process that has the port open or locked."""

    pid: int
    command: str
    nut_driver: bool
    how: str  # "lock file", "flock", "open"


@dataclass
class LockState:
    """Summary of everything that holds a port; ``held`` is False when nothing does."""

    holders: list[Holder] = field(default_factory=list)
    stale_lock_files: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return bool(self.holders)

    def describe(self) -> str:
        """One human line, e.g. 'held by a running NUT driver nutdrv_qx (pid 812, open)'."""
        parts = []
        for holder in self.holders:
            kind = "a running NUT driver" if holder.nut_driver else "process"
            parts.append(f"{kind} {holder.command} (pid {holder.pid}, {holder.how})")
        return "held by " + "; ".join(parts) if parts else "free"

    def to_dict(self) -> dict:
        return {"held": self.held, "holders": [asdict(h) for h in self.holders],
                "stale_lock_files": self.stale_lock_files, "summary": self.describe()}


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


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def _is_nut_driver(pid: int) -> bool:
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        exe = ""
    if any(exe.startswith(directory + "/") for directory in NUT_DRIVER_DIRS):
        return True
    command = _command(pid)
    return bool(command) and any(os.path.exists(os.path.join(d, command)) for d in NUT_DRIVER_DIRS)


def _read_lock_pid(path: Path) -> int | None:
    """PID stored in a UUCP lock file: ASCII (HDB style) or a 4-byte binary integer."""
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


def lock_file_names(device: str) -> list[str]:
    """Lock file names a program may use for this port: by the name given and by the real node."""
    names = [os.path.basename(device), os.path.basename(os.path.realpath(device))]
    return [f"LCK..{name}" for name in dict.fromkeys(names) if name]


def _lock_files(device: str, lock_dirs: tuple[str, ...]) -> tuple[list[Holder], list[str]]:
    holders: list[Holder] = []
    stale: list[str] = []
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
                holders.append(Holder(pid, _command(pid), _is_nut_driver(pid), "lock file " + str(path)))
            else:
                stale.append(str(path))
    return holders, stale


def _identity(device: str) -> tuple[int, int, int] | None:
    """(st_dev, st_ino, st_rdev) of the node, or None when it cannot be read."""
    try:
        st = os.stat(device)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_rdev


def _flock_holders(targets: dict[tuple[int, int, int], list[Holder]]) -> None:
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
            by_lock_key[key].append(Holder(pid, _command(pid), _is_nut_driver(pid), fields[1].lower()))


def _open_holders(targets: dict[tuple[int, int, int], list[Holder]], nut_only: bool) -> None:
    """Processes with a device node open (needs root to see other users' processes), one /proc pass."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        pid = int(entry.name)
        is_driver = _is_nut_driver(pid)
        if nut_only and not is_driver:
            continue
        try:
            fds = os.scandir(f"/proc/{pid}/fd")
        except OSError:
            continue
        found: set[tuple[int, int, int]] = set()
        with fds:
            for fd in fds:
                try:
                    st = os.stat(fd.path)
                except OSError:
                    continue
                key = (st.st_dev, st.st_ino, st.st_rdev)
                if key in targets and key not in found:
                    found.add(key)
                    targets[key].append(Holder(pid, _command(pid), is_driver, "open"))


def lock_states(devices: list[str], lock_dirs: tuple[str, ...] = LOCK_DIRS,
                all_openers: bool = False) -> list[LockState]:
    """Everything that holds each of ``devices`` (live lock files, flock locks, NUT drivers having it
    open), in the same order; /proc is read once for all of them.

    ``all_openers`` also reports non-NUT processes that merely have a port open.
    """
    identities = [_identity(device) for device in devices]
    targets: dict[tuple[int, int, int], list[Holder]] = {key: [] for key in identities if key is not None}
    if targets:
        _flock_holders(targets)
        _open_holders(targets, nut_only=not all_openers)
    states = []
    for device, key in zip(devices, identities):
        holders, stale = _lock_files(device, lock_dirs)
        holders += targets.get(key, []) if key is not None else []
        unique: dict[tuple[int, str], Holder] = {}
        for holder in holders:
            unique.setdefault((holder.pid, holder.how), holder)
        states.append(LockState(list(unique.values()), stale))
    return states


def lock_state(device: str, lock_dirs: tuple[str, ...] = LOCK_DIRS, all_openers: bool = False) -> LockState:
    """Everything that holds ``device`` (see lock_states)."""
    return lock_states([device], lock_dirs, all_openers)[0]


class PortLockFile:
    """Our own UUCP lock file for the duration of a probe (skipped when the lock dir is not writable).

    ``node`` is the port's real device node (symlinks already resolved): the lock is named after the
    kernel name, LCK..ttyUSB0, the way other UUCP-style programs name it.
    """

    def __init__(self, node: str, lock_dir: str = LOCK_DIRS[0]) -> None:
        self.path = Path(lock_dir) / f"LCK..{os.path.basename(node)}"
        self.created = False

    def __enter__(self) -> "PortLockFile":
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
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
