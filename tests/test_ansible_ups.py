"""The collection's ``ups`` module in real playbooks (``ansible-playbook -i localhost, -c local``) against
temporary target roots: idempotence (same bytes, same inode), check mode, diff mode, conflicts, state
absent, options and wiring files; the files it writes are then read by Debian's real NUT."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from nuthelper.resolve import CONFIDENCE_LEVELS, resolve
from nuthelper.upsconf import UpsConf
from support.ansible import PlaybookRun, assert_nut_reads, run_playbook, write_playbook
from support.target import target_root

WIRINGS = Path(__file__).resolve().parent / "data" / "wirings"
SMART = {"model": "APC Smart-UPS 1500", "cable": "940-0024C", "port": "/dev/ttyS0", "name": "rack"}
USB = {"model": "Eaton 5E 650i", "port": "auto", "name": "desk"}
STANDALONE_FILES = ["etc/nut/nut.conf", "etc/nut/upsd.conf", "etc/nut/upsd.users", "etc/nut/upsmon.conf"]


def ups_play(*tasks: dict) -> list[dict]:
    """One play on localhost whose tasks are ``ups`` modules (task names ups0, ups1, ...)."""
    return [{"name": "nut-helper", "hosts": "all", "gather_facts": False,
             "tasks": [{"name": f"ups{index}", "nut_helper.nut.ups": task} for index, task in enumerate(tasks)]}]


def play_file(tmp_path: Path, name: str, *tasks: dict) -> Path:
    return write_playbook(tmp_path / f"{name}.yml", ups_play(*tasks))


def files_state(root: Path) -> dict[str, tuple]:
    """Every file under ``root``: its bytes, inode, modification time and mode."""
    state = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            info = path.stat()
            state[str(path.relative_to(root))] = (path.read_bytes(), info.st_ino, info.st_mtime_ns, info.st_mode)
    return state


def ok(run: PlaybookRun) -> PlaybookRun:
    assert run.returncode == 0, run
    return run


def test_first_run_changes_and_the_second_is_ok_with_the_same_bytes_and_inodes(tmp_path):
    root = target_root(tmp_path / "root")
    play = play_file(tmp_path, "play", {**SMART, "root": str(root), "standalone": True})
    first = ok(run_playbook(play, tmp_path))
    record = first.result("ups0")
    assert record["status"] == "changed"
    result = record["result"]
    assert result["status"] == "added" and result["name"] == "rack"
    assert [Path(path).relative_to(root).as_posix() for path in result["changed_files"]] == \
        ["etc/nut/ups.conf", *STANDALONE_FILES, "etc/udev/rules.d/90-nut-helper-rack.rules"]
    recommendation = result["recommendation"]
    assert (recommendation["driver"], recommendation["port"]) == ("apcsmart", "/dev/ttyS0")
    assert recommendation["confidence"] in CONFIDENCE_LEVELS and recommendation["reasons"]
    assert recommendation == resolve(SMART["model"], SMART["cable"], SMART["port"]).to_dict()
    assert result["section"] in (root / "etc/nut/ups.conf").read_text()
    written = files_state(root)

    second = ok(run_playbook(play, tmp_path))
    record = second.result("ups0")
    assert record["status"] == "ok" and record["result"]["status"] == "unchanged"
    assert record["result"]["changed_files"] == [] and second.stats["localhost"]["changed"] == 0
    assert files_state(root) == written          # bytes, inode, mtime and mode of every file
    assert_nut_reads(root, tmp_path / "state", ["rack"])


def test_check_mode_writes_nothing_and_predicts_the_change(tmp_path):
    root = target_root(tmp_path / "root")
    before = files_state(root)
    play = play_file(tmp_path, "play", {**SMART, "root": str(root), "standalone": True})
    dry = ok(run_playbook(play, tmp_path, "--check"))
    record = dry.result("ups0")
    assert record["status"] == "changed" and record["result"]["status"] == "added"
    assert len(record["result"]["changed_files"]) == 6
    assert not any(entry["written"] for entry in record["result"]["files"])
    assert files_state(root) == before and not (root / "etc" / "udev").exists()

    ok(run_playbook(play, tmp_path))
    configured = files_state(root)
    second = play_file(tmp_path, "second", {**USB, "root": str(root), "standalone": True})
    dry = ok(run_playbook(second, tmp_path, "--check"))
    result = dry.result("ups0")["result"]
    assert dry.result("ups0")["status"] == "changed" and result["status"] == "added"
    assert [Path(path).name for path in result["changed_files"]] == ["ups.conf", "upsmon.conf"]
    assert files_state(root) == configured


def test_diff_mode_shows_the_section_with_the_passwords_hidden(tmp_path):
    root = target_root(tmp_path / "root")
    play = play_file(tmp_path, "play", {**SMART, "root": str(root), "standalone": True})
    shown = ok(run_playbook(play, tmp_path, "--diff"))
    for line in ("+[rack]", "+\tdriver = apcsmart", "+\tport = /dev/ttyS0", '+\tdesc = "APC Smart-UPS 1500"',
                 "+MONITOR rack@localhost 1 nut-helper-monitor <secret: not shown> primary"):
        assert line in shown.stdout, shown
    users = UpsConf.parse((root / "etc/nut/upsd.users").read_text(), strict=False)
    password = users.get("nut-helper-monitor").value("password")
    assert password and password not in shown.stdout and password not in json.dumps(shown.records)
    diffs = shown.result("ups0")["result"]["diff"]
    assert len(diffs) == 6 and all(set(entry) == {"prepared"} for entry in diffs)

    plain = ok(run_playbook(play_file(tmp_path, "usb", {**USB, "root": str(root)}), tmp_path))
    assert "diff" not in plain.result("ups0")["result"] and "+[desk]" not in plain.stdout


def test_a_conflicting_model_fails_with_the_diff_and_writes_nothing_until_replace(tmp_path):
    root = target_root(tmp_path / "root")
    ok(run_playbook(play_file(tmp_path, "first", {**SMART, "root": str(root)}), tmp_path))
    configured = files_state(root)
    other = {"model": "Tripp Lite Internet Office 700", "cable": "73-0844", "port": "/dev/ttyS0", "name": "rack",
             "root": str(root)}
    for mode in ((), ("--check",)):
        failed = run_playbook(play_file(tmp_path, "other", other), tmp_path, *mode)
        assert failed.returncode == 2, failed
        record = failed.result("ups0")
        assert record["status"] == "failed" and record["result"]["status"] == "conflict"
        message = record["result"]["msg"]
        assert "replace: true" in message and "-\tdriver = apcsmart\n" in message and "+\tdriver = genericups\n" in message
        assert record["result"]["files"][0]["diff"] in message
        assert files_state(root) == configured

    replaced = ok(run_playbook(play_file(tmp_path, "replace", {**other, "replace": True}), tmp_path))
    assert replaced.result("ups0")["status"] == "changed" and replaced.result("ups0")["result"]["status"] == "replaced"
    assert "driver = apcsmart" in (root / "etc/nut/ups.conf.nut-helper.bak").read_text()
    assert assert_nut_reads(root, tmp_path / "state", ["rack"]) == {"rack": "genericups"}


HAND_WRITTEN = """\
# ups.conf of this machine, kept by hand
maxretry = 3

[hand]
\t# a unit someone set up before nut-helper
\tdriver = usbhid-ups
\tport = auto
\tvendorid = 051d
"""


def test_state_absent_removes_only_that_section_its_monitor_line_and_udev_rule(tmp_path):
    root = target_root(tmp_path / "root")
    (root / "etc/nut/ups.conf").write_text(HAND_WRITTEN)
    setup = play_file(tmp_path, "setup", {**SMART, "root": str(root), "standalone": True},
                      {**USB, "root": str(root), "standalone": True})
    ok(run_playbook(setup, tmp_path))
    before = (root / "etc/nut/ups.conf").read_text()
    conf = UpsConf.parse(before)
    kept = {name: conf.section_text(name) for name in ("hand", "desk")}
    rack = conf.section_text("rack")
    users = (root / "etc/nut/upsd.users").read_bytes()
    assert "MONITOR rack@localhost" in (root / "etc/nut/upsmon.conf").read_text()

    absent = play_file(tmp_path, "absent", {"name": "rack", "state": "absent", "root": str(root)})
    removed = ok(run_playbook(absent, tmp_path, "--diff"))
    record = removed.result("ups0")
    assert record["status"] == "changed" and record["result"]["status"] == "removed"
    assert "-[rack]" in removed.stdout and "-\tdriver = apcsmart" in removed.stdout
    after = (root / "etc/nut/ups.conf").read_text()
    assert after.startswith(HAND_WRITTEN) and rack not in after
    assert len(before) - len(after) == len(rack) + 1          # the section and the blank line before it
    remaining = UpsConf.parse(after)
    assert {name: remaining.section_text(name) for name in ("hand", "desk")} == kept
    upsmon = (root / "etc/nut/upsmon.conf").read_text()
    assert "MONITOR rack@" not in upsmon and "MONITOR desk@localhost 1 nut-helper-monitor " in upsmon
    assert not (root / "etc/udev/rules.d/90-nut-helper-rack.rules").exists()
    assert (root / "etc/nut/upsd.users").read_bytes() == users
    assert (root / "etc/nut/ups.conf.nut-helper.bak").read_text() == before

    state = files_state(root)
    again = ok(run_playbook(absent, tmp_path))
    assert again.result("ups0")["status"] == "ok" and again.result("ups0")["result"]["status"] == "unchanged"
    assert files_state(root) == state
    assert_nut_reads(root, tmp_path / "state", ["hand", "desk"])


def test_options_a_wiring_file_and_a_derived_name(tmp_path):
    root = target_root(tmp_path / "root")
    play = play_file(tmp_path, "play",
                     {"model": "Eaton 5E 650i", "port": "auto", "root": str(root),
                      "options": {"pollfreq": 15, "pollonly": True}},
                     {"model": "Powerware 5119", "wiring": str(WIRINGS / "powerware-5119-rm.json"),
                      "port": str(tmp_path / "ttyS-closet"), "name": "closet", "root": str(root),
                      "options": {"sdtime": 5}})
    run = ok(run_playbook(play, tmp_path))
    usb, closet = run.result("ups0")["result"], run.result("ups1")["result"]
    assert usb["name"] == "eaton-5e-650i"
    assert usb["recommendation"]["options"]["pollfreq"] == "15" and usb["recommendation"]["flags"] == ["pollonly"]
    assert any("pollfreq=15" in reason for reason in usb["recommendation"]["reasons"])
    assert (closet["recommendation"]["driver"], closet["recommendation"]["options"]["upstype"]) == ("genericups", "20")
    conf = UpsConf.parse((root / "etc/nut/ups.conf").read_text())
    assert conf.get("eaton-5e-650i").value("pollfreq") == "15"
    assert [flag.name for flag in conf.get("eaton-5e-650i").flags] == ["pollonly"]
    assert conf.get("closet").value("sdtime") == "5"
    assert_nut_reads(root, tmp_path / "state", ["eaton-5e-650i", "closet"])

    refused = run_playbook(play_file(tmp_path, "driver", {**USB, "root": str(root), "options": {"driver": "x"}}),
                           tmp_path)
    assert refused.returncode == 2
    assert refused.result("ups0")["result"]["msg"] == \
        "options cannot set 'driver': the driver is resolved from the model and cable"


def test_bad_input_fails_with_one_line_and_writes_nothing(tmp_path):
    root = target_root(tmp_path / "root")
    state = files_state(root)
    cases = [({"model": "Zzyzx Frobnicator 9", "port": "/dev/ttyS0"}, "model 'Zzyzx Frobnicator 9' is neither"),
             ({"model": "APC Smart-UPS 1500", "port": "/dev/ttyS0", "name": "bad name"}, "'bad name'"),
             ({"port": "/dev/ttyS0"}, "state is present but any of the following are missing: model, wiring"),
             ({"state": "absent"}, "state is absent but all of the following are missing: name")]
    for params, named in cases:
        failed = run_playbook(play_file(tmp_path, "bad", {**params, "root": str(root)}), tmp_path)
        assert failed.returncode == 2, failed
        message = failed.result("ups0")["result"]["msg"]
        assert named in message and "\n" not in message and "Traceback" not in failed.stdout
    assert files_state(root) == state


def test_without_the_library_the_module_says_how_to_install_it(tmp_path):
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    python = str(bare / "bin" / "python")
    root = target_root(tmp_path / "root")
    failed = run_playbook(play_file(tmp_path, "play", {**SMART, "root": str(root)}), tmp_path, python=python)
    assert failed.returncode == 2, failed
    message = failed.result("ups0")["result"]["msg"]
    assert message.startswith(f"the nut-helper Python library is not installed for {python}")
    assert "pip install" in message and "ansible_python_interpreter" in message
    assert not (root / "etc/nut/ups.conf").exists()
