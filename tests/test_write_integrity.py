"""What `setup --write` does when the target fights back: a directory swapped for a symbolic link
while it runs, a full file system, an immutable file, a rename that fails half-way through a set
of files. No file outside --root is ever written, and a set of files is one change: all or nothing."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import random
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from nuthelper.cli import main
from support.cli import nut_helper
from support.target import target_root

TRIPP = ["setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844", "--name", "tripp"]
USERS = "[admin]\n\tpassword = hunter2\n\tactions = SET\n"
UPSMON = "# site upsmon.conf\nMINSUPPLIES 1\nSHUTDOWNCMD \"/sbin/shutdown -h +0\"\n"


def files(directory: Path) -> dict[str, tuple]:
    """Every file under ``directory``: bytes, mode, owner, group and modification time."""
    found = {}
    for path in sorted(directory.rglob("*")):
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode):
            found[str(path.relative_to(directory))] = (path.read_bytes(), stat.S_IMODE(info.st_mode),
                                                       info.st_uid, info.st_gid, info.st_mtime_ns)
    return found


def existing_standalone(confdir: Path) -> None:
    """A configured machine: every standalone file exists and each one will change."""
    (confdir / "ups.conf").write_text("# site ups.conf\nmaxretry = 3\n")
    (confdir / "nut.conf").write_text("MODE=none\n")
    (confdir / "upsd.conf").write_text("MAXAGE 15\n")
    (confdir / "upsd.users").write_text(USERS)
    (confdir / "upsmon.conf").write_text(UPSMON)
    for name in ("upsd.users", "upsmon.conf"):
        (confdir / name).chmod(0o640)


# --- a directory swapped for a symbolic link while setup --write runs ------------------------

def _swap_forever(directories: list[tuple[Path, Path]], stop: threading.Event, swaps: list[int]) -> None:
    """Swap each directory for a link to a directory outside the root and back, again and again,
    leaving the real directory in place most of the time (so that most runs get through)."""
    rng = random.Random(9)
    while not stop.is_set():
        for inside, outside in directories:
            aside = inside.with_name(inside.name + ".real")
            os.rename(inside, aside)
            try:
                os.symlink(outside, inside)
                swaps[0] += 1
                time.sleep(rng.uniform(0, 0.0005))
            except FileExistsError:
                pass                 # the writer made the directory anew meanwhile (inside the root)
            finally:
                if os.path.islink(inside):
                    os.unlink(inside)
                elif os.path.exists(inside):
                    shutil.rmtree(inside)
                os.rename(aside, inside)
            time.sleep(rng.uniform(0, 0.004))


def test_a_directory_swapped_for_a_link_never_gets_a_file_written_outside_root(tmp_path, monkeypatch):
    root = target_root(tmp_path / "root")
    (root / "etc" / "udev" / "rules.d").mkdir(parents=True)
    outside = tmp_path / "outside"
    (outside / "nut").mkdir(parents=True)
    (outside / "udev" / "rules.d").mkdir(parents=True)
    stop, swaps = threading.Event(), [0]
    swapper = threading.Thread(target=_swap_forever, args=(
        [(root / "etc" / "nut", outside / "nut"), (root / "etc" / "udev", outside / "udev")], stop, swaps))
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)          # let the swapper run between any two steps of the writer
    codes = []
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    errors = io.StringIO()
    monkeypatch.setattr(sys, "stderr", errors)
    swapper.start()
    try:
        for run in range(200):
            codes.append(main([*TRIPP, "--port", f"/dev/ttyS{run % 2}", "--write", "--replace", "--standalone",
                               "--upsd-port", str(3000 + run), "--root", str(root)]))
    finally:
        stop.set()
        swapper.join(10)
        sys.setswitchinterval(old_interval)
    written_outside = [str(path) for path in outside.rglob("*") if not path.is_dir()]
    assert written_outside == [], f"{len(written_outside)} files written outside --root"
    assert swaps[0] > 50, "the race never happened"
    internal = [line for line in errors.getvalue().splitlines() if "internal error" in line]
    assert set(codes) <= {0, 2} and not internal, internal  # a refusal at worst, never an internal error
    assert codes.count(0) >= 20 and codes.count(2) >= 1, codes
    assert "tripp" in (root / "etc" / "nut" / "ups.conf").read_text()


# --- a full file system ---------------------------------------------------------------------

@contextlib.contextmanager
def small_tmpfs(directory: Path, size: str = "256k") -> Iterator[Path]:
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(directory)], check=True)
    try:
        yield directory
    finally:
        subprocess.run(["umount", str(directory)], check=False)


def fill_leaving(directory: Path, free_blocks: int) -> None:
    """Fill the file system of ``directory`` so that exactly ``free_blocks`` blocks are left."""
    info = os.statvfs(directory)
    with open(directory / ".filler", "wb") as filler:
        filler.write(b"\0" * ((info.f_bavail - free_blocks) * info.f_frsize))
    assert os.statvfs(directory).f_bavail == free_blocks


def test_a_full_file_system_half_way_through_changes_nothing(tmp_path):
    root = target_root(tmp_path / "root")
    confdir = root / "etc" / "nut"
    with small_tmpfs(confdir):
        existing_standalone(confdir)
        fill_leaving(confdir, 2)        # room for two new versions of the five files
        before = files(confdir)
        done = nut_helper(*TRIPP, "--port", "/dev/ttyS0", "--write", "--standalone", "--no-udev-rule",
                          "--root", str(root))
        assert files(confdir) == before, done.stderr
        assert done.returncode == 2, done.stderr
        assert "no space left on the device" in done.stderr and "nothing was changed" in done.stderr
        assert [path.name for path in confdir.iterdir() if path.name.endswith(".tmp")] == []
        (confdir / ".filler").unlink()
        done = nut_helper(*TRIPP, "--port", "/dev/ttyS0", "--write", "--standalone", "--no-udev-rule",
                          "--root", str(root))
        assert done.returncode == 0, done.stderr
        assert "MONITOR tripp@localhost" in (confdir / "upsmon.conf").read_text()


# --- an immutable file ----------------------------------------------------------------------

@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    subprocess.run(["chattr", "+i", str(path)], check=True, capture_output=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=False)


@contextlib.contextmanager
def confdir_with_inode_flags(root: Path) -> Iterator[Path]:
    """etc/nut on a file system with chattr +i: the test's own, else a tmpfs (Linux 6.0 and later)."""
    confdir = root / "etc" / "nut"
    probe = confdir / ".probe"
    probe.write_text("")
    flags = subprocess.run(["chattr", "+i", str(probe)], capture_output=True)
    subprocess.run(["chattr", "-i", str(probe)], capture_output=True)
    probe.unlink()
    if flags.returncode == 0:
        yield confdir
    else:
        with small_tmpfs(confdir, "1m"):
            yield confdir


def test_an_immutable_file_fails_cleanly_and_keeps_the_existing_backup(tmp_path):
    root = target_root(tmp_path / "root")
    with confdir_with_inode_flags(root) as confdir:
        conf = confdir / "ups.conf"
        conf.write_text("# site ups.conf\nmaxretry = 3\n")
        (confdir / "ups.conf.nut-helper.bak").write_text("# the version before\n")
        before = files(confdir)
        with immutable(conf):
            done = nut_helper(*TRIPP, "--port", "/dev/ttyS0", "--write", "--no-udev-rule", "--root", str(root))
        assert files(confdir) == before, done.stderr       # the backup too: the write failed
        assert done.returncode == 2, done.stderr
        assert "is immutable" in done.stderr and "chattr -i" in done.stderr and "nothing was changed" in done.stderr


def test_an_immutable_last_file_of_a_standalone_set_changes_nothing(tmp_path):
    root = target_root(tmp_path / "root")
    with confdir_with_inode_flags(root) as confdir:
        existing_standalone(confdir)
        before = files(confdir)
        with immutable(confdir / "upsmon.conf"):
            done = nut_helper(*TRIPP, "--port", "/dev/ttyS0", "--write", "--standalone", "--root", str(root))
        assert files(confdir) == before, done.stderr
        assert done.returncode == 2, done.stderr
        assert "upsmon.conf is immutable" in done.stderr and "nothing was changed" in done.stderr
        assert not (root / "etc" / "udev").exists()        # the rule's new directory is not left behind


# --- a rename that fails after others succeeded ---------------------------------------------

def test_a_rename_failing_half_way_puts_back_the_files_renamed_before_it(tmp_path, monkeypatch):
    """The one stand-in here: no real device fails a rename on cue, so the fourth rename is made to
    fail with EIO (the Directory.rename of the running code, everything else real)."""
    from nuthelper.tree import Directory

    root = target_root(tmp_path / "root")
    confdir = root / "etc" / "nut"
    existing_standalone(confdir)
    before = files(confdir)
    real_rename, calls = Directory.rename, []

    def failing_rename(self, source, target):
        calls.append(target)
        if len(calls) == 4:
            raise OSError(errno.EIO, "Input/output error")
        return real_rename(self, source, target)

    monkeypatch.setattr(Directory, "rename", failing_rename)
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    code = main([*TRIPP, "--port", "/dev/ttyS0", "--write", "--standalone", "--no-udev-rule", "--root", str(root)])
    assert code == 2, stderr.getvalue()
    assert "input/output error" in stderr.getvalue() and "were put back: nothing was changed" in stderr.getvalue()
    assert calls[:4] == ["ups.conf", "nut.conf", "upsd.conf", "upsd.users"]
    assert files(confdir) == before          # the very same files again (hard links renamed back)
