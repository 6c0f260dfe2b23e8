"""The debian-installer, Ubuntu autoinstall and kickstart snippets of docs/installer-guide.md, run as
far as they can be: their nut-helper command lines, inside a bootstrapped Debian 12 that has
nut-helper (tests/support/live_target.py), where d-i's `in-target`, `curtin in-target` and
kickstart's %post chroot have nothing left to do. The target's own NUT then reads what was written."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from support.guide import snippet
from support.live_target import live_target, run_in
from support.target_nut import assert_target_nut_reads, section_settings

TRIPP = {"driver": "genericups", "port": "/dev/ttyS0", "upstype": "5", "desc": '"Tripp Lite Internet Office 700"'}


@pytest.fixture
def target(tmp_path):
    with live_target(tmp_path / "target") as target:
        yield target


def run_shell(target, script: str):
    """``script`` with sh inside the target, as the installer's shell would run it."""
    done = run_in(target, ["sh", "-c", script])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_debian_installer_late_command(target):
    preseed = snippet("d-i-preseed")
    command = re.search(r"^d-i preseed/late_command string (.+)$", preseed, flags=re.M).group(1)
    assert command.startswith("in-target nut-helper setup ")
    assert re.search(r"^d-i pkgsel/include string .*\bnut-helper\b", preseed, flags=re.M)
    # d-i's in-target chroots into /target; the command already runs there, so it only has to run it.
    in_target = target.path("/usr/local/bin/in-target")
    in_target.write_text('#!/bin/sh\nexec "$@"\n')
    in_target.chmod(0o755)
    first = run_shell(target, command)
    assert first["write"]["status"] == "added"
    assert section_settings(target, "tripp") == TRIPP
    assert_target_nut_reads(target, "tripp", "genericups")
    # The installer may run it again: nothing changes and nothing is left to do.
    again = run_shell(target, command)
    assert {entry["status"] for entry in again["write"]["files"]} == {"unchanged"}
    assert again["next_steps"] == []
    # The keys the guide tells installers to read are all there.
    for line in snippet("json-keys").splitlines():
        where, _, keys = line.rpartition(": ") if ": " in line else ("", "", line)
        found = {"": first, "write": first["write"], "write.files[]": first["write"]["files"][0],
                 "next_steps[]": first["next_steps"][0]}[where]
        assert set(keys.split()) <= set(found), (where, set(keys.split()) - set(found))


def test_ubuntu_autoinstall_late_commands(target):
    autoinstall = yaml.safe_load(snippet("autoinstall"))["autoinstall"]
    assert {"nut-server", "nut-client", "nut-helper"} <= set(autoinstall["packages"])
    prefix = "curtin in-target --target=/target -- "
    commands = autoinstall["late-commands"]
    assert commands and all(command.startswith(prefix) for command in commands)
    for command in commands:
        assert run_shell(target, command.removeprefix(prefix))["write"]["status"] == "added"
    assert section_settings(target, "tripp") == TRIPP
    assert_target_nut_reads(target, "tripp", "genericups")


def test_kickstart_post_with_fedoras_etc_ups(target):
    kickstart = snippet("kickstart")
    post = re.search(r"^%post( [^\n]*)?\n(.*?)^%end$", kickstart, flags=re.M | re.S)
    assert "--erroronfail" in post.group(1)
    target.path("/etc/nut").rename(target.path("/etc/ups"))       # Fedora's NUT keeps its files there
    result = run_shell(target, post.group(2))
    assert result["write"]["path"] == "/etc/ups/ups.conf"
    assert sorted(entry["path"] for entry in result["write"]["files"]) == [
        "/etc/udev/rules.d/90-nut-helper-tripp.rules", "/etc/ups/nut.conf", "/etc/ups/ups.conf", "/etc/ups/upsd.conf",
        "/etc/ups/upsd.users", "/etc/ups/upsmon.conf"]
    assert section_settings(target, "tripp", "/etc/ups/ups.conf") == TRIPP
    assert_target_nut_reads(target, "tripp", "genericups", confdir="/etc/ups")
