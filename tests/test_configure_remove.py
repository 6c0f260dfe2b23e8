"""``nuthelper.configure.remove_setup``: one UPS section taken out of a setup as one change: the section,
the MONITOR lines that watch it on this machine and its udev rule; everything else kept byte for byte;
a dry run writes nothing; malformed files are never rewritten. The result is read by Debian's real NUT."""

from __future__ import annotations

from pathlib import Path

import pytest

from nuthelper.configure import WriteOptions, remove_setup, write_setup
from nuthelper.errors import InvalidInput
from nuthelper.render import render_section
from nuthelper.resolve import resolve
from nuthelper.standalone import remove_monitors
from nuthelper.upsconf import ParseError, UpsConf
from support.nut import DRIVER_DIR, NutSetup
from support.target import target_root

HAND_WRITTEN = """\
# the machine's ups.conf, kept by hand
maxretry = 3

[hand]
\tdriver = usbhid-ups
\tport = auto
\tvendorid = 051d
"""


def set_up(root: Path, name: str, model: str, port: str) -> None:
    recommendation = resolve(model, None, port)
    code, _ = write_setup(recommendation, render_section(recommendation, name=name),
                          WriteOptions(root=str(root), standalone=True))
    assert code == 0


def snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    return {str(path.relative_to(root)): (path.read_bytes(), path.stat().st_ino, path.stat().st_mtime_ns)
            for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture
def configured(tmp_path: Path) -> Path:
    """A root with a hand-written section and two nut-helper ones (a serial and a USB UPS, standalone)."""
    root = target_root(tmp_path / "root")
    (root / "etc/nut/ups.conf").write_text(HAND_WRITTEN)
    set_up(root, "rack", "APC Smart-UPS 1500", "/dev/ttyS0")
    set_up(root, "desk", "Eaton 5E 650i", "auto")
    return root


def test_removes_the_section_its_monitor_line_and_udev_rule_and_keeps_the_rest(configured, tmp_path):
    root = configured
    before = (root / "etc/nut/ups.conf").read_text()
    rack = UpsConf.parse(before).section_text("rack")
    users = (root / "etc/nut/upsd.users").read_bytes()
    upsmon_before = (root / "etc/nut/upsmon.conf").read_text()
    code, result = remove_setup("rack", WriteOptions(root=str(root)))
    assert code == 0 and result["status"] == "removed" and result["written"]
    statuses = {Path(entry["path"]).relative_to(root).as_posix(): entry["status"] for entry in result["files"]}
    assert statuses == {"etc/nut/ups.conf": "updated", "etc/nut/upsmon.conf": "updated",
                        "etc/udev/rules.d/90-nut-helper-rack.rules": "removed"}
    after = (root / "etc/nut/ups.conf").read_text()
    assert after == before.replace("\n" + rack, "")
    assert after.startswith(HAND_WRITTEN) and "[desk]" in after
    upsmon = (root / "etc/nut/upsmon.conf").read_text()
    assert upsmon == "".join(line for line in upsmon_before.splitlines(keepends=True)
                             if not line.startswith("MONITOR rack@"))
    assert "MONITOR desk@localhost" in upsmon
    assert not (root / "etc/udev/rules.d/90-nut-helper-rack.rules").exists()
    assert (root / "etc/nut/upsd.users").read_bytes() == users           # the monitoring user serves desk too
    assert (root / "etc/nut/ups.conf.nut-helper.bak").read_text() == before
    assert (root / "etc/nut/upsmon.conf.nut-helper.bak").stat().st_mode & 0o007 == 0   # a secret's backup too
    nut = NutSetup(root / "etc/nut", tmp_path / "state")
    plan = nut.upsdrvctl_test_start()
    assert plan.returncode == 0 and not plan.rejections(), plan.output
    assert plan.exec_lines() == [f"{DRIVER_DIR}/usbhid-ups -a hand", f"{DRIVER_DIR}/usbhid-ups -a desk"]


def test_a_dry_run_writes_nothing_and_shows_the_change_with_passwords_hidden(configured):
    root = configured
    state = snapshot(root)
    code, result = remove_setup("rack", WriteOptions(root=str(root), dry_run=True))
    assert code == 0 and result["status"] == "removed" and not result["written"] and result["dry_run"]
    assert snapshot(root) == state
    diffs = "".join(entry["diff"] for entry in result["files"])
    assert "-[rack]" in diffs and "-MONITOR rack@localhost 1 nut-helper-monitor <secret: not shown> primary" in diffs
    password = UpsConf.parse((root / "etc/nut/upsd.users").read_text(), strict=False) \
        .get("nut-helper-monitor").value("password")
    assert password not in diffs


def test_removing_what_is_not_there_changes_nothing(configured):
    root = configured
    remove_setup("rack", WriteOptions(root=str(root)))
    state = snapshot(root)
    code, result = remove_setup("rack", WriteOptions(root=str(root)))
    assert (code, result["status"], result["written"]) == (0, "unchanged", False)
    assert [entry["status"] for entry in result["files"]] == ["unchanged"]
    assert "has no section [rack]" in result["files"][0]["note"]
    assert snapshot(root) == state


def test_a_missing_ups_conf_is_nothing_to_remove(tmp_path):
    root = target_root(tmp_path / "root")
    code, result = remove_setup("rack", WriteOptions(root=str(root)))
    assert (code, result["status"]) == (0, "unchanged")
    assert not (root / "etc/nut/ups.conf").exists()


def test_the_name_is_matched_without_case_as_upsd_does(configured):
    root = configured
    code, result = remove_setup("RACK", WriteOptions(root=str(root)))
    assert result["status"] == "removed"
    assert "[rack]" not in (root / "etc/nut/ups.conf").read_text()
    assert "MONITOR rack@" not in (root / "etc/nut/upsmon.conf").read_text()
    assert not (root / "etc/udev/rules.d/90-nut-helper-rack.rules").exists()


def test_leftovers_of_a_removed_section_are_removed_too(configured):
    """A MONITOR line and udev rule left behind by a hand edit that removed only the section."""
    root = configured
    conf = UpsConf.parse((root / "etc/nut/ups.conf").read_text())
    conf.remove_section("rack")
    (root / "etc/nut/ups.conf").write_text(conf.render())
    code, result = remove_setup("rack", WriteOptions(root=str(root)))
    assert result["status"] == "removed"
    assert [entry["status"] for entry in result["files"]] == ["unchanged", "updated", "removed"]
    assert not (root / "etc/udev/rules.d/90-nut-helper-rack.rules").exists()


@pytest.mark.parametrize("text, error, named", [
    ("[rack]\n\tdriver = apcsmart\n\tport = /dev/ttyS0\n[RACK]\n\tdriver = apcsmart\n\tport = /dev/ttyS1\n",
     InvalidInput, "defined more than once"),
    ('[rack]\n\tdriver = apcsmart\n\tdesc = "unterminated\n', ParseError, "line 3"),
])
def test_a_malformed_ups_conf_is_never_rewritten(tmp_path, text, error, named):
    root = target_root(tmp_path / "root")
    (root / "etc/nut/ups.conf").write_text(text)
    state = snapshot(root)
    with pytest.raises(error) as raised:
        remove_setup("rack", WriteOptions(root=str(root)))
    assert named in raised.value.message
    assert snapshot(root) == state


def test_bad_names_and_missing_directories_are_refused(tmp_path):
    with pytest.raises(InvalidInput, match="UPS name 'two words'"):
        remove_setup("two words", WriteOptions(root=str(target_root(tmp_path / "root"))))
    bare = tmp_path / "bare"
    bare.mkdir()
    with pytest.raises(InvalidInput, match="etc/nut does not exist"):
        remove_setup("rack", WriteOptions(root=str(bare)))


def test_remove_monitors_only_touches_this_machines_lines_for_that_ups():
    text = ("# watch\nMONITOR rack@localhost 1 u p primary\nMONITOR RACK@127.0.0.1:3500 1 u p primary\n"
            "MONITOR rack@otherhost 1 u p secondary\nMONITOR racks@localhost 1 u p primary\n"
            'MONITOR "rack@[::1]" 1 u \\\n p primary\nMINSUPPLIES 1\n')
    assert remove_monitors(text, "rack") == ("# watch\nMONITOR rack@otherhost 1 u p secondary\n"
                                            "MONITOR racks@localhost 1 u p primary\nMINSUPPLIES 1\n")
