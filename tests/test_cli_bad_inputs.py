"""A catalogue of bad inputs given to the command line (`setup --write`, `check`): each gives a
one-line error on stderr, a non-zero exit code, and leaves every file exactly as it was."""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support.cli import nut_helper
from support.target import target_root

EXISTING = ("# site ups.conf\nmaxretry = 3\n\n[office]\n\tdriver = usbhid-ups\n\tport = auto\n"
            "\tdesc = \"Office\"\n")
SETUP = ["setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844", "--name", "tripp"]
SERIAL = "/dev/ttyS0"
Case = Callable[[Path, contextlib.ExitStack], tuple[list[str], str, list[str]]]


def snapshot(base: Path) -> dict[str, tuple]:
    result = {}
    for dirpath, dirnames, filenames in os.walk(base):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            info = os.lstat(path)
            content = open(path, "rb").read() if os.path.isfile(path) and not os.path.islink(path) else None
            result[path] = (info.st_mode, info.st_uid, info.st_gid, info.st_mtime_ns, content,
                            os.readlink(path) if os.path.islink(path) else None)
    return result


def etc(root: Path, text: str | bytes | None = EXISTING) -> Path:
    (root / "etc" / "nut").mkdir(parents=True, exist_ok=True)
    conf = root / "etc" / "nut" / "ups.conf"
    if text is not None:
        conf.write_bytes(text if isinstance(text, bytes) else text.encode())
    return conf


def write(root: Path, *extra: str, port: str = SERIAL) -> list[str]:
    return [*SETUP, "--port", port, "--write", "--root", str(root), *extra]


def case_unreadable(root, stack):
    conf = etc(root)
    conf.chmod(0o600)
    for directory in (root.parent, root, root / "etc", root / "etc" / "nut"):
        directory.chmod(0o755)
    return write(root), "cannot read", ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def case_directory_in_place(root, stack):
    etc(root, None).mkdir()
    return write(root), "is a directory", []


def case_fifo_in_place(root, stack):
    os.mkfifo(etc(root, None))
    return write(root), "not a regular file", []


def case_symlink_in_place(root, stack):
    etc(root, None).symlink_to(root / "elsewhere.conf")
    (root / "elsewhere.conf").write_text(EXISTING)
    return write(root), "symbolic link", []


def case_read_only(root, stack):
    directory = root / "etc" / "nut"
    directory.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(directory)], check=True)
    stack.callback(subprocess.run, ["umount", str(directory)], check=False)
    (directory / "ups.conf").write_text(EXISTING)
    subprocess.run(["mount", "-o", "remount,ro", str(directory)], check=True)
    return write(root), "read-only", []


def case_missing_root(root, stack):
    return write(root / "no-such-root"), "no-such-root", []


def case_root_is_file(root, stack):
    (root / "file").write_text("x")
    return write(root / "file"), "not a directory", []


def case_missing_etc_nut(root, stack):
    (root / "etc").mkdir()
    return write(root), "does not exist", []


def case_link_out_of_root(root, stack):
    outside = root.parent / "outside"
    outside.mkdir()
    (root / "etc").mkdir()
    (root / "etc" / "nut").symlink_to(outside)
    return write(root), "outside --root", []


def bad_file(text: str | bytes, message: str) -> Case:
    def case(root, stack):
        etc(root, text)
        return write(root), message, []
    return case


def bad_args(extra: list[str], message: str, port: str = SERIAL) -> Case:
    def case(root, stack):
        etc(root)
        return write(root, *extra, port=port), message, []
    return case


def case_port_regular_file(root, stack):
    etc(root)
    (root / "ttyFAKE").write_text("")
    return write(root, port=str(root / "ttyFAKE")), "is a regular file", []


def case_port_directory(root, stack):
    etc(root)
    return write(root, port=str(root)), "is a directory", []


def case_concurrent_writer(root, stack):
    etc(root)
    fd = os.open(root / "etc" / "nut", os.O_RDONLY | os.O_DIRECTORY)
    stack.callback(os.close, fd)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return write(root, "--lock-timeout", "0.5"), "another nut-helper run", []


def case_users_is_directory(root, stack):
    etc(root)
    (root / "etc" / "nut" / "upsd.users").mkdir()
    return write(root, "--standalone"), "upsd.users is a directory", []


def case_user_without_password(root, stack):
    etc(root)
    (root / "etc" / "nut" / "upsd.users").write_text("[nut-helper-monitor]\n\tupsmon primary\n")
    return write(root, "--standalone"), "has no password", []


def case_backup_place_taken(root, stack):
    target_root(root)
    etc(root)
    (root / "etc" / "nut" / "upsd.conf").write_text("LISTEN 10.0.0.1\n")
    (root / "etc" / "nut" / "upsd.conf.nut-helper.bak").mkdir()
    return write(root, "--standalone"), "backup's place", []


def case_check_directory(root, stack):
    etc(root, None).mkdir()
    return ["check", "--root", str(root)], "is a directory", []


def case_check_missing_root(root, stack):
    return ["check", "--root", str(root / "nope")], "does not exist", []


CASES: dict[str, Case] = {
    "unreadable file": case_unreadable,
    "directory where the file should be": case_directory_in_place,
    "fifo where the file should be": case_fifo_in_place,
    "symlink where the file should be": case_symlink_in_place,
    "read-only target": case_read_only,
    "missing --root directory": case_missing_root,
    "--root is a file": case_root_is_file,
    "no etc/nut in the target": case_missing_etc_nut,
    "etc/nut links out of --root": case_link_out_of_root,
    "malformed line": bad_file(EXISTING + '[x]\n\tdesc = "open\n', "line 9: unterminated quote"),
    "two-word line": bad_file("[x]\n\tdriver usbhid-ups\n", "line 2:"),
    "duplicate section": bad_file(EXISTING + "[OFFICE]\n\tdriver = x\n\tport = auto\n", "defined more than once"),
    "non-ASCII in the file": bad_file('[x]\n\tdesc = "caf\u00e9"\n', "line 2: NUT drops"),
    "invalid UTF-8 in the file": bad_file(b'[x]\n\tdesc = "caf\xe9"\n', "line 2: NUT drops"),
    "non-ASCII --desc": bad_args(["--desc", "caf\u00e9"], "non-ASCII"),
    "line break in --desc": bad_args(["--desc", "a\nb"], "line break"),
    "reserved --name": bad_args(["--name", "default"], "reserved"),
    "--name with a blank": bad_args(["--name", "my ups"], "choose another name"),
    "--upsd-port out of range": bad_args(["--standalone", "--upsd-port", "70000"], "not a TCP port"),
    "--port is a regular file": case_port_regular_file,
    "--port is a directory": case_port_directory,
    "relative --port": bad_args([], "not a device path", port="ttyS0"),
    "unknown --probe-protocols": bad_args(["--probe-protocols", "megatec,upscode3"], "unknown protocol upscode3",
                                          port="auto"),
    "empty --probe-protocols": bad_args(["--probe-protocols", " , "], "argument --probe-protocols: empty",
                                        port="auto"),
    "concurrent second writer": case_concurrent_writer,
    "upsd.users is a directory": case_users_is_directory,
    "monitor user without password": case_user_without_password,
    "backup's place taken by a directory": case_backup_place_taken,
    "check: directory in place of ups.conf": case_check_directory,
    "check: missing --root": case_check_missing_root,
}


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="nut-helper-cli-bad-"))
    try:
        (base / "root").mkdir()
        yield base
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=False)


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_bad_input_one_line_error_nothing_changed(name):
    with scratch() as base, contextlib.ExitStack() as stack:
        args, message, prefix = CASES[name](base / "root", stack)
        before = snapshot(base)
        done = nut_helper(*args, prefix=prefix, cwd=Path(__file__).resolve().parent.parent)
        assert done.returncode not in (0, 1), done.stderr   # 1 would be an internal error
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("nut-helper: error: "), done.stderr
        assert message in lines[0], lines[0]
        assert "Traceback" not in done.stderr
        assert snapshot(base) == before


def test_catalogue_has_at_least_20_cases():
    assert len(CASES) >= 20


def test_conflict_exit_code_and_files_untouched(tmp_path):
    etc(tmp_path, EXISTING.replace("[office]", "[tripp]"))
    before = snapshot(tmp_path)
    done = nut_helper(*write(tmp_path))
    assert done.returncode == 5 and "nut-helper: error:" in done.stderr
    assert snapshot(tmp_path) == before
