"""`nut-helper setup --root TARGET --write --standalone`, run from outside a real bootstrapped Debian 12
target (tests/support/target.py) as an installer runs it, writes files the target's own NUT reads:
inside the target (chroot), its upsdrvctl plans the driver, the driver lists every setting written,
and the driver itself accepts the section (for the serial cable it reads the UPS status through the
modem-line shim). Owners and modes follow the target's own nut account, which is renumbered first
so that it differs from the build host's: a lookup on the host instead of the target would show."""

from __future__ import annotations

import re
import shutil
import stat
from pathlib import Path

import pytest

from support.cli import nut_helper
from support.nut import CONFIG_REJECTIONS, CORE_SETTINGS
from support.ptys import PtyPair
from support.debian_root import Bind, DebianRoot, bootstrap_tarball

NUT_FILES = ["ups.conf", "nut.conf", "upsd.conf", "upsd.users", "upsmon.conf"]
SHIM_INSIDE = "/usr/local/lib/modemlines.so"
LINES_INSIDE = "/run/modemlines"


def host_ids(database: str) -> set[int]:
    return {int(line.split(":")[2]) for line in Path(database).read_text().splitlines() if line.count(":") >= 2}


def renumber_nut_account(target: DebianRoot) -> tuple[int, int]:
    """Give the target's nut user and group ids that neither system uses yet (with the target's own
    usermod/groupmod, and its files re-owned); returns the new (uid, gid)."""
    old_uid, old_gid = target.account("nut")
    used_uids = host_ids("/etc/passwd") | {int(line.split(":")[2]) for line in
                                           target.path("/etc/passwd").read_text().splitlines()}
    used_gids = host_ids("/etc/group") | {int(line.split(":")[2]) for line in
                                          target.path("/etc/group").read_text().splitlines()}
    uid = next(number for number in range(200, 1000) if number not in used_uids)
    gid = next(number for number in range(200, 1000) if number not in used_gids)
    for command in (["groupmod", "-g", str(gid), "nut"], ["usermod", "-u", str(uid), "nut"],
                    ["find", "/", "-xdev", "-gid", str(old_gid), "-exec", "chgrp", "-h", "nut", "{}", "+"],
                    ["find", "/", "-xdev", "-uid", str(old_uid), "-exec", "chown", "-h", "nut", "{}", "+"]):
        done = target.run(command)
        assert done.returncode == 0, f"{command}: {done.stderr}"
    assert target.account("nut") == (uid, gid)
    return uid, gid


@pytest.fixture
def target(tmp_path):
    with DebianRoot.extract(bootstrap_tarball(), tmp_path / "target") as target:
        renumber_nut_account(target)
        yield target


def setup_into(target: DebianRoot, *arguments: str) -> None:
    """nut-helper from outside the target, with the target's own NUT deciding the driver."""
    done = nut_helper("setup", *arguments, "--root", str(target.root), "--write", "--standalone",
                      "--driver-path", str(target.path("/lib/nut")),
                      "--hcl", str(target.path("/usr/share/nut/driver.list")))
    assert done.returncode == 0, done.stderr


def section_settings(target: DebianRoot, name: str) -> dict[str, str]:
    """The key = value settings of section [name] in the target's ups.conf (comments left out)."""
    text = target.path("/etc/nut/ups.conf").read_text()
    body = re.search(rf"^\[{re.escape(name)}\]\n(.*?)(?=^\[|\Z)", text, flags=re.M | re.S).group(1)
    return dict(re.findall(r"^\s*([a-z_.]+)\s*=\s*(.*?)\s*$", body, flags=re.M))


def assert_target_nut_reads(target: DebianRoot, name: str, driver: str) -> None:
    """upsdrvctl plans exactly this driver, and the driver lists every setting written."""
    plan = target.run(["/sbin/upsdrvctl", "-t", "start"])
    output = plan.stdout + plan.stderr
    assert plan.returncode == 0, output
    assert re.findall(r"\] exec:\s+(.+?)\s*$", output, flags=re.M) == [f"/lib/nut/{driver} -a {name}"], output
    assert not [line for line in output.splitlines() if any(text in line for text in CONFIG_REJECTIONS)], output
    listing = target.run([f"/lib/nut/{driver}", "-a", name, "-L"])
    listed = set(re.findall(r"^(?:VALUE|FLAG) (\S+) ", listing.stdout, flags=re.M))
    assert listed, listing.stdout + listing.stderr
    assert set(section_settings(target, name)) - CORE_SETTINGS <= listed


def assert_owned_by_target_nut(target: DebianRoot, files: list[str]) -> None:
    """Each file (and its backup, when there is one) is root:nut 0640 by the TARGET's nut group."""
    _, nut_gid = target.account("nut")
    for name in files:
        for path in (target.path(f"/etc/nut/{name}"), target.path(f"/etc/nut/{name}.nut-helper.bak")):
            if path.name.endswith(".bak") and not path.exists():
                continue
            info = path.stat()
            assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, nut_gid, 0o640), path


def test_serial_cable_section_runs_in_the_target(target, tmp_path, modemline_shim):
    # The target's own sample files are there (nut-server's conffiles): nut-helper merges into them.
    setup_into(target, "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844", "--port", "/dev/ttyS0",
               "--name", "tripp")
    assert section_settings(target, "tripp") == {"driver": "genericups", "port": "/dev/ttyS0", "upstype": "5",
                                                 "desc": '"Tripp Lite Internet Office 700"'}
    assert_target_nut_reads(target, "tripp", "genericups")
    assert_owned_by_target_nut(target, NUT_FILES)
    rule = target.path("/etc/udev/rules.d/90-nut-helper-tripp.rules")
    info = rule.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, 0, 0o644)
    assert 'GROUP="nut"' in rule.read_text()

    # The target's genericups runs the written section on a pty standing in for /dev/ttyS0, whose
    # modem lines the shim supplies: CTS and DCD high is "on line" for type 5.
    lines = tmp_path / "lines"
    lines.mkdir()
    (lines / "lines.in").write_text("CTS DCD\n")
    shutil.copy(modemline_shim, target.path(SHIM_INSIDE))
    with PtyPair(tmp_path / "pty") as pty:
        done = target.run(["/lib/nut/genericups", "-a", "tripp", "-u", "root", "-d", "1"],
                          binds=[Bind(Path(pty.device), "/dev/ttyS0"), Bind(lines, LINES_INSIDE)],
                          env={"LD_PRELOAD": SHIM_INSIDE, "MODEMLINES_IN": f"{LINES_INSIDE}/lines.in",
                               "MODEMLINES_OUT": f"{LINES_INSIDE}/lines.out",
                               "MODEMLINES_LOG": f"{LINES_INSIDE}/lines.log"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^ups\.status: OL$", done.stdout, flags=re.M), done.stdout + done.stderr
    assert "DTR" in (lines / "lines.out").read_text().split()   # type 5 powers the cable from DTR


def test_usb_section_runs_in_the_target_with_new_files(target):
    # A target without NUT's sample files (an image that ships none): every file is new, so its
    # group must come from the target's /etc/group.
    for name in NUT_FILES:
        target.path(f"/etc/nut/{name}").unlink()
    setup_into(target, "--model", "Eaton Ellipse MAX 1100", "--port", "auto", "--name", "ellipse")
    assert section_settings(target, "ellipse") == {"driver": "usbhid-ups", "port": "auto",
                                                   "desc": '"Eaton Ellipse MAX 1100"'}
    assert_target_nut_reads(target, "ellipse", "usbhid-ups")
    assert_owned_by_target_nut(target, NUT_FILES)
    assert not list(target.path("/etc/udev/rules.d").glob("90-nut-helper-*"))   # NUT's own rules cover USB
    # The target's usbhid-ups accepts the section and stops only because there is no USB bus here.
    done = target.run(["/lib/nut/usbhid-ups", "-a", "ellipse", "-u", "root", "-d", "1"])
    output = done.stdout + done.stderr
    assert "No matching HID UPS found" in output, output
    assert not [line for line in output.splitlines() if any(text in line for text in CONFIG_REJECTIONS)], output
