"""Safe writing: atomicity under SIGKILL, locking, ownership, backups and a catalogue of bad inputs."""

from __future__ import annotations

import contextlib
import grp
import multiprocessing
import os
import random
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nuthelper.confsyntax import escape_value
from nuthelper.errors import NutHelperError
from nuthelper.upsconf import UpsConf
from nuthelper.writer import (BACKUP_SUFFIX, CannotWrite, backup_path, locked, merge_section,
                              plan_merge, target_path, write_atomic)

EXISTING = ("# my ups.conf\nmaxretry = 3\n\n# office\n[office]\n\tdriver = usbhid-ups\n"
            "\tport = auto\n\tdesc = \"Office \\\"UPS\\\"\"\n\n# end of file\n")


def section(name: str, port: str = "/dev/ttyS0", desc: str = "Rack UPS") -> str:
    return (f"[{name}]\n\tdriver = nutdrv_qx\n\tport = {escape_value(port)}\n"
            f"\tdesc = {escape_value(desc)}\n")


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root``: type, bytes, mode, owner and (for files) modification time."""
    result = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            info = os.lstat(full)
            content = full.read_bytes() if stat.S_ISREG(info.st_mode) and info.st_mode & 0o444 \
                else None
            result[str(full.relative_to(root))] = (stat.S_IFMT(info.st_mode), content,
                                                   stat.S_IMODE(info.st_mode), info.st_uid,
                                                   info.st_gid,
                                                   None if stat.S_ISDIR(info.st_mode) else info.st_mtime_ns)
    return result


# --- merging --------------------------------------------------------------------------------

def test_plan_statuses() -> None:
    added = plan_merge(None, "rack", section("rack"), replace=False)
    assert added.status == "added" and added.new_text == section("rack") and added.changes
    plan = plan_merge(EXISTING, "rack", section("rack"), replace=False)
    assert plan.status == "added" and plan.new_text == EXISTING + "\n" + section("rack")
    assert plan.diff.startswith("--- ups.conf (current)\n+++ ups.conf (new)\n")
    same = plan_merge(plan.new_text, "rack", section("rack"), replace=False)
    assert same.status == "unchanged" and same.diff == "" and not same.changes
    other = plan_merge(plan.new_text, "RACK", section("RACK", port="/dev/ttyS1"), replace=False)
    assert other.status == "conflict" and "-\tport = /dev/ttyS0\n+\tport = /dev/ttyS1\n" in other.diff
    assert other.new_text != plan.new_text
    replaced = plan_merge(plan.new_text, "rack", section("rack", port="/dev/ttyS1"), replace=True)
    assert replaced.status == "replaced"
    assert replaced.new_text == EXISTING + "\n" + section("rack", port="/dev/ttyS1")
    # the same settings laid out differently: NUT reads the same, so nothing to do
    relaid = plan.new_text.replace("\tdriver = nutdrv_qx", "  driver=nutdrv_qx   # the Q1 driver")
    assert plan_merge(relaid, "rack", section("rack"), replace=False).status == "unchanged"
    assert plan_merge(relaid, "rack", section("rack"), replace=True).status == "replaced"


def test_merge_writes_idempotently_with_backup(tmp_path: Path) -> None:
    conf = tmp_path / "etc/nut/ups.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(EXISTING)
    os.chown(conf, 0, 0)
    os.chmod(conf, 0o604)
    first = merge_section("/etc/nut/ups.conf", "rack", section("rack"), root=tmp_path)
    assert (first.status, first.written, first.backup) == ("added", True, backup_path(conf))
    assert conf.read_text() == EXISTING + "\n" + section("rack")
    assert backup_path(conf).read_text() == EXISTING
    info = os.stat(conf)
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o604, 0, 0)
    before = snapshot(tmp_path)
    time.sleep(0.01)
    again = merge_section("/etc/nut/ups.conf", "rack", section("rack"), root=tmp_path)
    assert (again.status, again.written, again.backup) == ("unchanged", False, None)
    assert snapshot(tmp_path) == before            # not even the mtime changed
    conflict = merge_section("/etc/nut/ups.conf", "rack", section("rack", "/dev/ttyS1"),
                             root=tmp_path)
    assert conflict.status == "conflict" and not conflict.written and "+\tport = /dev/ttyS1" in conflict.diff
    dry = merge_section("/etc/nut/ups.conf", "rack", section("rack", "/dev/ttyS1"), root=tmp_path,
                        replace=True, dry_run=True)
    assert dry.status == "replaced" and not dry.written
    assert snapshot(tmp_path) == before
    done = merge_section("/etc/nut/ups.conf", "rack", section("rack", "/dev/ttyS1"),
                         root=tmp_path, replace=True)
    assert done.written and conf.read_text() == EXISTING + "\n" + section("rack", "/dev/ttyS1")
    assert backup_path(conf).read_text() == EXISTING + "\n" + section("rack")
    assert sorted(p.name for p in conf.parent.iterdir()) == ["ups.conf", "ups.conf" + BACKUP_SUFFIX]


def test_ownership_and_mode_are_kept(tmp_path: Path) -> None:
    conf = tmp_path / "ups.conf"
    conf.write_text(EXISTING)
    os.chown(conf, 1234, 4321)
    os.chmod(conf, 0o640)
    write_atomic(conf, EXISTING + section("x"))
    info = os.stat(conf)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1234, 4321, 0o640)
    old = os.stat(backup_path(conf))
    assert (old.st_uid, old.st_gid, stat.S_IMODE(old.st_mode)) == (1234, 4321, 0o640)
    assert backup_path(conf).read_text() == EXISTING


def test_new_file_is_root_nut_0640(tmp_path: Path) -> None:
    nut_gid = grp.getgrnam("nut").gr_gid          # nut-server (tests/run.sh) creates the group
    new = tmp_path / "host.conf"
    assert write_atomic(new, "x = 1\n") is None
    info = os.stat(new)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, nut_gid, 0o640)
    # in an installer's target, the target system's own nut group counts
    target = tmp_path / "target"
    (target / "etc/nut").mkdir(parents=True)
    (target / "etc/group").write_text("root:x:0:\nnut:x:777:\n")
    merge_section("/etc/nut/ups.conf", "rack", section("rack"), root=target)
    info = os.stat(target / "etc/nut/ups.conf")
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, 777, 0o640)
    # a target without a nut group is refused: root:root 0640 files upsd could not read are never made
    (target / "etc/group").write_text("root:x:0:\n")
    with pytest.raises(CannotWrite, match=r"etc/group has no group 'nut'.*groupadd --root"):
        merge_section("/etc/nut/upsd.conf", "rack", section("rack"), root=target)
    assert not (target / "etc/nut/upsd.conf").exists()


def test_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    conf = tmp_path / "ups.conf"
    conf.write_text(EXISTING)
    stale = tmp_path / ".ups.conf.nut-helper-99-1.tmp"
    stale.write_text("half")
    unrelated = tmp_path / ".other.nut-helper-1.tmp"
    unrelated.write_text("keep")
    write_atomic(conf, EXISTING + section("x"))
    assert not stale.exists() and unrelated.exists()


# --- crash injection ------------------------------------------------------------------------

def _big_conf(tag: str) -> str:
    return f"# version {tag}\n" + "".join(
        "\n" + section(f"{tag}{n}", f"/dev/ttyUSB{n}", f"UPS {tag} {n} " * 8) for n in range(400))


def test_sigkill_at_any_moment_leaves_old_or_new(tmp_path: Path) -> None:
    """200 writers killed at random moments: the file is always one complete version."""
    conf = tmp_path / "ups.conf"
    versions = [_big_conf("a"), _big_conf("b")]
    conf.write_text(versions[0])
    timings = []
    for version in versions * 3:
        started = time.monotonic()
        write_atomic(conf, version)
        timings.append(time.monotonic() - started)
    duration = sorted(timings)[len(timings) // 2]
    bound = 2 * duration       # adapted so that about half the kills land before the rename
    outcomes = {"killed before rename": 0, "killed after rename": 0, "finished": 0}
    rng = random.Random(5)
    for run in range(200):
        current = conf.read_text()
        wanted = versions[1] if current == versions[0] else versions[0]
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:                                       # the writer
            os.close(ready_r)
            os.write(ready_w, b"x")
            try:
                write_atomic(conf, wanted)
            finally:
                os._exit(0)
        os.close(ready_w)
        os.read(ready_r, 1)
        os.close(ready_r)
        time.sleep(rng.uniform(0, bound))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        text = conf.read_text()
        assert text in versions, f"run {run}: the file is neither version"
        assert backup_path(conf).read_text() in versions
        if os.WIFEXITED(status):
            outcomes["finished"] += 1
        else:
            outcomes["killed after rename" if text == wanted else "killed before rename"] += 1
        bound *= 1.05 if text != wanted else 0.95
    # the kills really landed inside the write, not only before or after it
    print(outcomes, f"one write takes {duration * 1000:.1f} ms")
    assert outcomes["killed before rename"] >= 40 and outcomes["finished"] + outcomes[
        "killed after rename"] >= 40, outcomes
    write_atomic(conf, versions[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ups.conf", "ups.conf" + BACKUP_SUFFIX]


# --- concurrency ----------------------------------------------------------------------------

def _add_sections(conf: str, prefix: str, count: int) -> None:
    for number in range(count):
        merge_section(conf, f"{prefix}{number}", section(f"{prefix}{number}"))


def test_two_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    conf = tmp_path / "ups.conf"
    conf.write_text(EXISTING)
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_add_sections, args=(str(conf), prefix, 15))
               for prefix in ("left", "right")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    result = UpsConf.parse(conf.read_text())
    names = {s.name for s in result.sections}
    assert names == {"office"} | {f"{p}{n}" for p in ("left", "right") for n in range(15)}
    assert result.render().startswith(EXISTING)


def _hold_lock(path: str, ready: multiprocessing.Event, release: multiprocessing.Event) -> None:
    with locked(path):
        ready.set()
        release.wait(30)


@contextlib.contextmanager
def lock_held_elsewhere(path: Path) -> Iterator[None]:
    context = multiprocessing.get_context("fork")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(str(path), ready, release))
    holder.start()
    assert ready.wait(10)
    try:
        yield
    finally:
        release.set()
        holder.join(10)


def test_second_writer_waits_for_the_lock(tmp_path: Path) -> None:
    conf = tmp_path / "ups.conf"
    conf.write_text(EXISTING)
    context = multiprocessing.get_context("fork")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(str(conf), ready, release))
    holder.start()
    assert ready.wait(10)
    started = time.monotonic()
    # release the lock after 0.3 s; the writer (timeout 5 s) must wait and then succeed
    releaser = context.Process(target=lambda: (time.sleep(0.3), release.set()))
    releaser.start()
    plan = merge_section(conf, "rack", section("rack"), lock_timeout=5)
    waited = time.monotonic() - started
    releaser.join(5)
    holder.join(5)
    assert plan.written and waited >= 0.25


# --- the catalogue of bad inputs ------------------------------------------------------------

def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@contextlib.contextmanager
def _read_only_dir(directory: Path) -> Iterator[str]:
    """Make ``directory`` unwritable even for root: a read-only tmpfs, else chattr +i."""
    directory.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(directory))
    except (subprocess.CalledProcessError, FileNotFoundError):
        (directory / "ups.conf").write_text(EXISTING)
        subprocess.run(["chattr", "+i", str(directory)], check=True)
        try:
            yield "immutable"
        finally:
            subprocess.run(["chattr", "-i", str(directory)], check=True)
        return
    try:
        (directory / "ups.conf").write_text(EXISTING)
        _mount("-o", "remount,ro", str(directory))
        yield "read-only"
    finally:
        subprocess.run(["umount", str(directory)], check=False)


@contextlib.contextmanager
def _full_dir(directory: Path) -> Iterator[str]:
    directory.mkdir()
    _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(directory))
    try:
        (directory / "ups.conf").write_text(EXISTING)
        with contextlib.suppress(OSError):
            with open(directory / "filler", "wb") as filler:
                filler.write(b"\0" * 200_000)
        yield "no space left"
    finally:
        subprocess.run(["umount", str(directory)], check=False)


def _etc(root: Path, text: str | None = EXISTING) -> Path:
    (root / "etc/nut").mkdir(parents=True)
    if text is not None:
        (root / "etc/nut/ups.conf").write_bytes(text.encode("utf-8", "surrogateescape"))
    return root / "etc/nut/ups.conf"


def _merge(root: Path, name: str = "rack", text: str | None = None, **options) -> Callable:
    return lambda: merge_section("/etc/nut/ups.conf", name, text or section(name), root=root,
                                 **options)


def _case_directory_in_place(root: Path) -> tuple[Callable, str]:
    _etc(root, None)
    (root / "etc/nut/ups.conf").mkdir()
    return _merge(root), "is a directory"


def _case_fifo_in_place(root: Path) -> tuple[Callable, str]:
    _etc(root, None)
    os.mkfifo(root / "etc/nut/ups.conf")
    return _merge(root), "not a regular file"


def _case_symlink_in_place(root: Path) -> tuple[Callable, str]:
    _etc(root, None)
    (root / "etc/nut/real.conf").write_text(EXISTING)
    os.symlink("real.conf", root / "etc/nut/ups.conf")
    return _merge(root), "symbolic link"


def _case_missing_parent(root: Path) -> tuple[Callable, str]:
    (root / "etc").mkdir()
    return _merge(root), "does not exist"


def _case_missing_root(root: Path) -> tuple[Callable, str]:
    return (lambda: merge_section("/etc/nut/ups.conf", "rack", section("rack"),
                                  root=root / "no-such-target")), "--root"


def _case_root_is_a_file(root: Path) -> tuple[Callable, str]:
    (root / "target").write_text("")
    return (lambda: merge_section("/etc/nut/ups.conf", "rack", section("rack"),
                                  root=root / "target")), "not a directory"


def _case_dotdot(root: Path) -> tuple[Callable, str]:
    _etc(root)
    return (lambda: merge_section("/etc/nut/../../x.conf", "rack", section("rack"),
                                  root=root)), "'..'"


def _case_symlink_out_of_root(root: Path) -> tuple[Callable, str]:
    (root / "etc").mkdir()
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir()
    os.symlink(outside, root / "etc/nut")
    return _merge(root), "outside --root"


def _bad_existing(text: str, message: str) -> Callable[[Path], tuple[Callable, str]]:
    def case(root: Path) -> tuple[Callable, str]:
        _etc(root, text)
        return _merge(root), message
    return case


def _case_bad_name(root: Path) -> tuple[Callable, str]:
    _etc(root)
    return _merge(root, "default", "[default]\n\tdriver = x\n"), "reserved"


def _case_blank_in_name(root: Path) -> tuple[Callable, str]:
    _etc(root)
    return _merge(root, "my ups", '["my ups"]\n\tdriver = x\n'), "one word"


def _case_template_header_mismatch(root: Path) -> tuple[Callable, str]:
    _etc(root)
    return _merge(root, "rack", section("other")), "has the header"


def _case_non_ascii_value(root: Path) -> tuple[Callable, str]:
    _etc(root)
    return (lambda: section("rack", desc="Caf\u00e9 UPS")), "non-ASCII"


def _case_newline_value(root: Path) -> tuple[Callable, str]:
    _etc(root)
    return (lambda: section("rack", desc="two\nlines")), "line break"


def _case_lock_held(root: Path) -> tuple[Callable, str]:
    conf = _etc(root)

    def attempt() -> None:
        with lock_held_elsewhere(conf):
            merge_section(conf, "rack", section("rack"), lock_timeout=0.3)
    return attempt, "another nut-helper run"


def _case_backup_is_directory(root: Path) -> tuple[Callable, str]:
    conf = _etc(root)
    backup_path(conf).mkdir()
    return _merge(root), "is a directory"


def _case_unreadable(root: Path) -> tuple[Callable, str]:
    """A 0600 root file read by an unprivileged user (setpriv), the way 'nut' would."""
    conf = _etc(root)
    os.chmod(conf, 0o600)
    for directory in (root.parent, root, root / "etc", root / "etc/nut"):
        os.chmod(directory, 0o755)
    script = ("import sys\nfrom nuthelper.writer import merge_section\n"
              "from nuthelper.errors import NutHelperError\n"
              f"try:\n    merge_section({str(conf)!r}, 'rack', '[rack]\\n\\tdriver = x\\n')\n"
              "except NutHelperError as e:\n    print(e.message); sys.exit(e.exit_code)\n")

    def attempt() -> None:
        run = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                              sys.executable, "-c", script], capture_output=True, text=True)
        error = NutHelperError(run.stdout.strip() or run.stderr.strip())
        error.exit_code = run.returncode
        raise error
    return attempt, "cannot read"


def _case_read_only(root: Path) -> tuple[Callable, str]:
    (root / "etc").mkdir()
    stack = contextlib.ExitStack()
    kind = stack.enter_context(_read_only_dir(root / "etc/nut"))
    cases_cleanup.append(stack)
    return _merge(root), "read-only" if kind == "read-only" else "not permitted"


def _case_disk_full(root: Path) -> tuple[Callable, str]:
    (root / "etc").mkdir()
    stack = contextlib.ExitStack()
    stack.enter_context(_full_dir(root / "etc/nut"))
    cases_cleanup.append(stack)
    return _merge(root, text=section("rack", desc="x" * 500)[:-1] + "\n" + "".join(
        f"\tdefault.x{i} = {'y' * 400}\n" for i in range(200))), "no space left"


cases_cleanup: list[contextlib.ExitStack] = []

BAD_INPUTS = {
    "unreadable file": _case_unreadable,
    "directory where the file should be": _case_directory_in_place,
    "fifo where the file should be": _case_fifo_in_place,
    "symlink where the file should be": _case_symlink_in_place,
    "read-only target": _case_read_only,
    "disk full": _case_disk_full,
    "missing /etc/nut in the target": _case_missing_parent,
    "missing --root directory": _case_missing_root,
    "--root is a file": _case_root_is_a_file,
    "path with ..": _case_dotdot,
    "symlink leading out of --root": _case_symlink_out_of_root,
    "unterminated quote": _bad_existing(EXISTING + '[x]\n\tdesc = "open\n', "line 12: unterminated quote"),
    "# inside quotes": _bad_existing(EXISTING + '[x]\n\tdesc = "Rack #3"\n', "line 12: '#' inside quotes"),
    "two-word line": _bad_existing("[x]\n\tdriver usbhid-ups\n", "line 2: 'driver usbhid-ups' has two words"),
    "unquoted words": _bad_existing("[x]\n\tdesc = Web server\n", "line 2: NUT reads only the first word"),
    "non-ASCII value in file": _bad_existing('[x]\n\tdesc = "caf\u00e9"\n', "line 2: NUT drops"),
    "invalid UTF-8 in file": _bad_existing('[x]\n\tdesc = "caf\udce9"\n', "line 2: NUT drops"),
    "broken header": _bad_existing("[x\n\tdriver = y\n", "line 1: section header without"),
    "blank in header": _bad_existing("[my ups]\n\tdriver = y\n", "line 1: a section name with blanks"),
    "text after header": _bad_existing("[x] driver = y\n", "line 1: text after the section header"),
    "lone '=' line": _bad_existing("[x]\n= y\n", "line 2:"),
    "duplicate section": _bad_existing(EXISTING + "\n[Office]\n\tdriver = x\n", "line 12: section [office] is defined more than once"),
    "no newline after a flag": _bad_existing("[x]\n\tdriver = y\n\tnolock", "line 3: the last line has no line end"),
    "reserved section name": _case_bad_name,
    "blank in section name": _case_blank_in_name,
    "template header mismatch": _case_template_header_mismatch,
    "non-ASCII desc given": _case_non_ascii_value,
    "line break in desc given": _case_newline_value,
    "concurrent second writer": _case_lock_held,
    "backup path is a directory": _case_backup_is_directory,
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_gives_one_line_error_and_changes_nothing(case: str) -> None:
    base = Path(tempfile.mkdtemp(prefix="nut-helper-bad-"))
    root = base / "root"
    root.mkdir()
    try:
        attempt, message = BAD_INPUTS[case](root)
        before = snapshot(base)
        with pytest.raises(NutHelperError) as caught:
            attempt()
        error = caught.value
        assert message in error.message, error.message
        assert "\n" not in error.message and error.message.strip()
        assert error.exit_code != 0
        assert snapshot(base) == before
    finally:
        while cases_cleanup:
            cases_cleanup.pop().close()
        subprocess.run(["rm", "-rf", str(base)], check=False)


def test_catalogue_is_large_enough() -> None:
    assert len(BAD_INPUTS) >= 20


def test_target_path() -> None:
    assert target_path("/etc/nut/ups.conf") == Path("/etc/nut/ups.conf")
    with tempfile.TemporaryDirectory() as root:
        assert target_path("/etc/nut/ups.conf", root) == Path(root) / "etc/nut/ups.conf"
    with pytest.raises(CannotWrite, match="does not exist"):
        write_atomic(Path("/nonexistent-dir-for-test/ups.conf"), "x\n")
