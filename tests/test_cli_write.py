"""`nut-helper setup --write`: merge, replace, idempotence, dry run, --if-unconfigured, --standalone,
secrets, ownership, and the udev rule, all through the command line into a --root."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from nuthelper.upsconf import UpsConf
from support.cli import nut_helper

TRIPP = ["setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844", "--port", "/dev/ttyS0",
         "--name", "tripp"]
EXISTING = ("# site ups.conf\nmaxretry = 3\n\n[office]\n\tdriver = usbhid-ups\n\tport = auto\n"
            "\tdesc = \"Office \\\"UPS\\\"\"\n\n# end of file\n")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc" / "nut").mkdir(parents=True)
    (tmp_path / "etc" / "group").write_text("root:x:0:\nnut:x:4242:\n")
    (tmp_path / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\nnut:x:4243:4242::/var/lib/nut:/bin/false\n")
    return tmp_path


def ups_conf(root: Path) -> Path:
    return root / "etc" / "nut" / "ups.conf"


def test_adds_a_section_keeping_every_other_byte(root):
    ups_conf(root).write_text(EXISTING)
    done = nut_helper(*TRIPP, "--write", "--root", str(root))
    assert done.returncode == 0, done.stderr
    text = ups_conf(root).read_text()
    assert text.startswith(EXISTING)
    assert UpsConf.parse(text).get("tripp").value("upstype") == "5"
    assert "ups.conf: added" in done.stderr.replace(f"{ups_conf(root)}: ", "ups.conf: ")
    assert (root / "etc" / "nut" / "ups.conf.nut-helper.bak").read_text() == EXISTING


def test_second_run_is_unchanged_and_touches_nothing(root):
    assert nut_helper(*TRIPP, "--write", "--root", str(root)).returncode == 0
    before = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in root.rglob("*") if path.is_file()}
    done = nut_helper(*TRIPP, "--write", "--root", str(root), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)["write"]
    assert result["status"] == "unchanged" and result["written"] is False and result["diff"] == ""
    after = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in root.rglob("*") if path.is_file()}
    assert after == before


def test_same_name_other_settings_is_a_conflict_until_replace(root):
    assert nut_helper(*TRIPP, "--write", "--root", str(root)).returncode == 0
    first = ups_conf(root).read_text()
    other = [arg if arg != "/dev/ttyS0" else "/dev/ttyS1" for arg in TRIPP]
    done = nut_helper(*other, "--write", "--root", str(root))
    assert done.returncode == 5
    assert "-\tport = /dev/ttyS0\n+\tport = /dev/ttyS1\n" in done.stdout
    assert "--replace" in done.stderr and "nothing was written" in done.stderr
    assert ups_conf(root).read_text() == first
    done = nut_helper(*other, "--write", "--replace", "--root", str(root), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["write"]["status"] == "replaced"
    assert UpsConf.parse(ups_conf(root).read_text()).get("tripp").value("port") == "/dev/ttyS1"


def test_dry_run_prints_the_diff_and_writes_nothing(root):
    ups_conf(root).write_text(EXISTING)
    done = nut_helper(*TRIPP, "--dry-run", "--standalone", "--root", str(root))
    assert done.returncode == 0, done.stderr
    assert "+[tripp]\n" in done.stdout and "+MODE=standalone\n" in done.stdout
    assert "dry run" in done.stderr
    assert sorted(p.name for p in (root / "etc" / "nut").iterdir()) == ["ups.conf"]
    assert ups_conf(root).read_text() == EXISTING
    assert not (root / "etc" / "udev").exists()


def test_if_unconfigured_skips_when_a_ups_is_defined(root):
    ups_conf(root).write_text(EXISTING)
    done = nut_helper(*TRIPP, "--write", "--if-unconfigured", "--root", str(root), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["write"]["status"] == "skipped"
    assert ups_conf(root).read_text() == EXISTING
    ups_conf(root).write_text("# nothing configured yet\nmaxretry = 3\n")
    done = nut_helper(*TRIPP, "--write", "--if-unconfigured", "--root", str(root))
    assert done.returncode == 0, done.stderr
    assert UpsConf.parse(ups_conf(root).read_text()).get("tripp") is not None


def test_new_files_are_root_nut_0640_and_udev_rule_world_readable(root):
    done = nut_helper(*TRIPP, "--write", "--standalone", "--root", str(root))
    assert done.returncode == 0, done.stderr
    for name in ("ups.conf", "nut.conf", "upsd.conf", "upsd.users", "upsmon.conf"):
        info = (root / "etc" / "nut" / name).stat()
        assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o640, 0, 4242), name
    rule = root / "etc" / "udev" / "rules.d" / "90-nut-helper-tripp.rules"
    assert stat.S_IMODE(rule.stat().st_mode) == 0o644
    assert 'SUBSYSTEM=="tty", KERNEL=="ttyS0", GROUP="nut", MODE="0660"' in rule.read_text()


def test_standalone_secret_is_never_shown_nor_overwritten(root):
    done = nut_helper(*TRIPP, "--write", "--standalone", "--root", str(root), "--json")
    assert done.returncode == 0, done.stderr
    users = (root / "etc" / "nut" / "upsd.users").read_text()
    password = UpsConf.parse(users, strict=False).get("nut-helper-monitor").value("password")
    assert len(password) >= 24
    assert password not in done.stdout + done.stderr
    assert f"nut-helper-monitor {password} primary" in (root / "etc" / "nut" / "upsmon.conf").read_text()
    # Another UPS later: the user and its password stay; the new MONITOR line reuses them.
    done = nut_helper("setup", "--model", "Best Power Patriot Pro II", "--port", "/dev/ttyS1", "--name", "q1",
                      "--write", "--standalone", "--root", str(root), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert password not in done.stdout + done.stderr and "<secret: not shown>" in done.stdout
    done = nut_helper("setup", "--model", "Best Power Patriot Pro II", "--port", "/dev/ttyS1", "--name", "q1",
                      "--write", "--standalone", "--root", str(root))
    assert done.returncode == 0, done.stderr
    assert (root / "etc" / "nut" / "upsd.users").read_text() == users
    monitors = [line for line in (root / "etc" / "nut" / "upsmon.conf").read_text().splitlines()
                if line.startswith("MONITOR")]
    assert monitors == [f"MONITOR tripp@localhost 1 nut-helper-monitor {password} primary",
                        f"MONITOR q1@localhost 1 nut-helper-monitor {password} primary"]


def test_standalone_merges_into_debian_default_files(root):
    confdir = root / "etc" / "nut"
    originals = {}
    for name in ("nut.conf", "upsd.conf", "upsd.users", "upsmon.conf", "ups.conf"):
        originals[name] = Path("/etc/nut", name).read_text()
        (confdir / name).write_text(originals[name])
    (confdir / "upsd.conf").write_text(originals["upsd.conf"] + "LISTEN 0.0.0.0 3493\n")
    (confdir / "nut.conf").write_text(originals["nut.conf"].replace("MODE=none", "MODE=netserver"))
    done = nut_helper(*TRIPP, "--write", "--standalone", "--root", str(root))
    assert done.returncode == 0, done.stderr
    assert (confdir / "nut.conf").read_text() == originals["nut.conf"].replace("MODE=none", "MODE=netserver")
    upsd = (confdir / "upsd.conf").read_text()
    assert upsd == originals["upsd.conf"] + "LISTEN 0.0.0.0 3493\nLISTEN ::1 3493\n"
    for name in ("upsd.users", "upsmon.conf", "ups.conf"):
        assert (confdir / name).read_text().startswith(originals[name]), name


def test_netclient_mode_is_a_conflict(root):
    (root / "etc" / "nut" / "nut.conf").write_text("MODE=netclient\n")
    done = nut_helper(*TRIPP, "--write", "--standalone", "--root", str(root))
    assert done.returncode == 5 and "MODE=netclient" in done.stderr
    assert sorted(p.name for p in (root / "etc" / "nut").iterdir()) == ["nut.conf"]
    done = nut_helper(*TRIPP, "--write", "--standalone", "--replace", "--root", str(root))
    assert done.returncode == 0 and (root / "etc" / "nut" / "nut.conf").read_text() == "MODE=standalone\n"


def test_world_readable_secret_file_is_tightened(root):
    users = root / "etc" / "nut" / "upsd.users"
    users.write_text("[admin]\n\tpassword = hunter2\n\tactions = SET\n")
    users.chmod(0o644)
    done = nut_helper(*TRIPP, "--write", "--standalone", "--root", str(root))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(users.stat().st_mode) == 0o640
    assert "hunter2" not in done.stdout + done.stderr
    assert users.read_text().startswith("[admin]\n\tpassword = hunter2\n")


def test_usb_ups_gets_no_udev_rule(root):
    done = nut_helper("setup", "--model", "APC Back-UPS ES 350", "--port", "auto", "--name", "apc", "--write",
                      "--root", str(root), "--json")
    assert done.returncode == 0, done.stderr
    assert [entry["what"].split(":")[0] for entry in json.loads(done.stdout)["write"]["files"]] == ["ups.conf"]
    assert not (root / "etc" / "udev").exists()


def test_unknown_serial_device_gets_no_rule_but_a_note(root, tmp_path):
    device = "/dev/pts/ptmx"   # a character device no udev rule could key on stably
    done = nut_helper("setup", "--model", "Best Power Patriot Pro II", "--port", device, "--name", "q1",
                      "--write", "--root", str(root), "--json")
    assert done.returncode == 0, done.stderr
    files = json.loads(done.stdout)["write"]["files"]
    assert files[1]["status"] == "skipped" and "by-id" in files[1]["note"]
    assert not list((root / "etc").glob("udev/rules.d/*"))
    assert os.path.exists(device)


# --- issue 9: --output, secrets and backups, the same UPS again, the target's own nut group ---------------

NUT_GID, NUT_UID = 4242, 4243       # the target's own nut group and user (see the root fixture)


def mode_owner(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid


def test_output_never_follows_a_planted_temporary_file_link(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    output = tmp_path / "ups.conf.new"
    (tmp_path / ".ups.conf.new.nut-helper.tmp").symlink_to(victim)
    done = nut_helper(*TRIPP, "--output", str(output))
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "precious\n"
    assert UpsConf.parse(output.read_text()).get("tripp") is not None
    done = nut_helper(*TRIPP, "--output", str(output), "--force")
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ups.conf.new.nut-helper.tmp", "ups.conf.new", "victim"]


def test_backup_of_a_secret_file_is_never_more_open_than_the_file(root):
    users = root / "etc" / "nut" / "upsd.users"
    users.write_text("[admin]\n\tpassword = hunter2\n\tactions = SET\n")
    users.chmod(0o644)
    done = nut_helper(*TRIPP, "--write", "--standalone", "--root", str(root))
    assert done.returncode == 0, done.stderr
    backup = root / "etc" / "nut" / "upsd.users.nut-helper.bak"
    assert "hunter2" in backup.read_text()
    assert mode_owner(users) == (0o640, 0, NUT_GID)
    assert mode_owner(backup) == (0o640, 0, NUT_GID)


@pytest.mark.parametrize("mode", [0o644, 0o666, 0o600])
def test_secret_files_end_at_0640_root_nut_even_when_their_text_stays(root, mode):
    """upsd.users already holds the monitor user: its text stays, its permissions must not."""
    confdir = root / "etc" / "nut"
    users = confdir / "upsd.users"
    users.write_text("[nut-helper-monitor]\n\tpassword = kept-secret\n\tupsmon primary\n")
    users.chmod(mode)
    os.chown(users, 0, 0)
    done = nut_helper(*TRIPP, "--write", "--standalone", "--root", str(root), "--json")
    assert done.returncode == 0, done.stderr
    entry = next(entry for entry in json.loads(done.stdout)["write"]["files"] if entry["path"] == str(users))
    assert entry["status"] == "updated" and entry["written"]
    assert f"{mode:04o} root:root -> 0640 root:nut" in entry["note"] and "holds passwords" in entry["note"]
    assert users.read_text() == "[nut-helper-monitor]\n\tpassword = kept-secret\n\tupsmon primary\n"
    assert mode_owner(users) == (0o640, 0, NUT_GID)
    assert "kept-secret" in (confdir / "upsmon.conf").read_text()
    assert mode_owner(confdir / "upsmon.conf") == (0o640, 0, NUT_GID)
    again = nut_helper(*TRIPP, "--write", "--standalone", "--root", str(root), "--json")
    assert {entry["status"] for entry in json.loads(again.stdout)["write"]["files"]} == {"unchanged"}


def test_an_open_backup_left_by_an_earlier_run_is_tightened(root):
    assert nut_helper(*TRIPP, "--write", "--standalone", "--root", str(root)).returncode == 0
    backup = root / "etc" / "nut" / "upsd.users.nut-helper.bak"
    backup.write_text("[admin]\n\tpassword = old-secret\n")
    backup.chmod(0o644)
    done = nut_helper(*TRIPP, "--write", "--standalone", "--root", str(root))
    assert done.returncode == 0, done.stderr
    assert f"{root}/etc/nut/upsd.users: updated" in done.stderr and "its backup" in done.stderr
    assert mode_owner(backup) == (0o640, 0, NUT_GID) and "old-secret" in backup.read_text()


CONTINUED_USERS = "[admin]\n\tpassword = first\\\nCONTINUEDSECRET\n\tactions = SET\n"
ESCAPED_UPSMON = "MINSUPPLIES 1\nMONITOR other@localhost 1 admin s3cret\\ TAILSECRET primary\n"


@pytest.mark.parametrize("mode", ["--dry-run", "--json"])
def test_continued_and_escaped_passwords_are_never_shown(root, mode):
    confdir = root / "etc" / "nut"
    (confdir / "upsd.users").write_text(CONTINUED_USERS)
    (confdir / "upsmon.conf").write_text(ESCAPED_UPSMON)
    args = ["--dry-run"] if mode == "--dry-run" else ["--dry-run", "--json"]
    done = nut_helper(*TRIPP, "--write", "--standalone", "--root", str(root), *args)
    assert done.returncode == 0, done.stderr
    shown = done.stdout + done.stderr
    assert " admin <secret: not shown> primary" in shown.replace("\\t", " ")
    for secret in ("first", "CONTINUEDSECRET", "s3cret", "TAILSECRET"):
        assert secret not in shown, secret


MODEL_A = ["setup", "--model", "Best Power Patriot Pro II", "--port", "/dev/ttyS0"]
MODEL_B = ["setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844", "--port", "/dev/ttyS0"]


def test_the_same_port_again_is_the_same_ups_replaced_only_with_replace(root):
    confdir = root / "etc" / "nut"
    ups_conf(root).write_text(EXISTING)
    done = nut_helper(*MODEL_A, "--write", "--standalone", "--root", str(root))
    assert done.returncode == 0, done.stderr
    first = UpsConf.parse(ups_conf(root).read_text()).sections[-1].name
    rules = root / "etc" / "udev" / "rules.d"
    assert [path.name for path in rules.iterdir()] == [f"90-nut-helper-{first}.rules"]
    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    done = nut_helper(*MODEL_B, "--write", "--standalone", "--root", str(root))
    assert done.returncode == 5, done.stderr
    assert f"-[{first}]\n" in done.stdout and "+[tripp-lite-internet-office-700]\n" in done.stdout
    assert f"[{first}] already drives this UPS" in done.stderr and "--replace" in done.stderr
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == before
    done = nut_helper(*MODEL_B, "--write", "--standalone", "--replace", "--root", str(root), "--json")
    assert done.returncode == 0, done.stderr
    conf = UpsConf.parse(ups_conf(root).read_text())
    assert [section.name for section in conf.sections] == ["office", "tripp-lite-internet-office-700"]
    assert conf.get("tripp-lite-internet-office-700").value("driver") == "genericups"
    monitors = [line for line in (confdir / "upsmon.conf").read_text().splitlines() if line.startswith("MONITOR")]
    assert len(monitors) == 1 and monitors[0].startswith("MONITOR tripp-lite-internet-office-700@localhost 1 ")
    assert [path.name for path in rules.iterdir() if path.name.endswith(".rules")] == [
        "90-nut-helper-tripp-lite-internet-office-700.rules"]
    statuses = {Path(entry["path"]).name: entry["status"] for entry in json.loads(done.stdout)["write"]["files"]}
    assert statuses["ups.conf"] == "replaced" and statuses[f"90-nut-helper-{first}.rules"] == "removed"
    assert statuses["upsmon.conf"] == "updated" and statuses["upsd.users"] == "unchanged"


def test_replacing_the_ups_without_standalone_keeps_its_monitor_line_working(root):
    confdir = root / "etc" / "nut"
    assert nut_helper(*MODEL_A, "--name", "first", "--write", "--standalone", "--root", str(root)).returncode == 0
    done = nut_helper(*MODEL_B, "--name", "second", "--write", "--replace", "--root", str(root))
    assert done.returncode == 0, done.stderr
    assert [s.name for s in UpsConf.parse(ups_conf(root).read_text()).sections] == ["second"]
    monitors = [line for line in (confdir / "upsmon.conf").read_text().splitlines() if line.startswith("MONITOR")]
    assert len(monitors) == 1 and monitors[0].startswith("MONITOR second@localhost 1 nut-helper-monitor ")


def test_usb_auto_sections_are_the_same_ups_only_when_their_match_settings_say_so(root):
    ups_conf(root).write_text(EXISTING)          # [office]: usbhid-ups on port auto, no match settings
    done = nut_helper("setup", "--model", "APC Back-UPS ES 350", "--port", "auto", "--name", "apc", "--write",
                      "--root", str(root))
    assert done.returncode == 0, done.stderr
    assert [s.name for s in UpsConf.parse(ups_conf(root).read_text()).sections] == ["office", "apc"]
    assert "[office] also uses port auto" in done.stderr and "--name office --replace" in done.stderr


def test_a_target_without_a_nut_group_is_refused_with_what_to_do(root):
    (root / "etc" / "group").write_text("root:x:0:\n")
    done = nut_helper(*TRIPP, "--write", "--standalone", "--root", str(root))
    assert done.returncode == 2
    assert f"{root}/etc/group has no group 'nut'" in done.stderr
    assert f"groupadd --root {root} --system nut" in done.stderr and "nothing was written" in done.stderr
    assert list((root / "etc" / "nut").iterdir()) == [] and not (root / "etc" / "udev").exists()


def test_a_rerun_over_files_nut_cannot_read_fixes_them_and_says_so(root):
    """What older runs left in a target whose nut group was missing: root:root 0640 files."""
    assert nut_helper(*TRIPP, "--write", "--root", str(root)).returncode == 0
    os.chown(ups_conf(root), 0, 0)
    done = nut_helper(*TRIPP, "--write", "--root", str(root), "--json")
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stdout)["write"]["files"][0]
    assert entry["status"] == "updated" and "NUT (group nut) could not read it" in entry["note"]
    assert mode_owner(ups_conf(root)) == (0o640, 0, NUT_GID)


def test_the_targets_own_nut_user_counts_when_checking_that_nut_can_read(root):
    assert nut_helper(*TRIPP, "--write", "--root", str(root)).returncode == 0
    os.chown(ups_conf(root), NUT_UID, 0)          # the target's nut user owns it: NUT can read it
    ups_conf(root).chmod(0o600)
    done = nut_helper(*TRIPP, "--write", "--root", str(root), "--json")
    assert json.loads(done.stdout)["write"]["files"][0]["status"] == "unchanged"
    assert mode_owner(ups_conf(root)) == (0o600, NUT_UID, 0)


@pytest.mark.parametrize("if_unconfigured", [False, True])
def test_the_existing_file_is_parsed_once(root, monkeypatch, if_unconfigured):
    """Issue 12: writing a section parses the existing ups.conf once, whatever the options."""
    from nuthelper import upsconf
    from nuthelper.configure import WriteOptions, write_setup
    from nuthelper.render import render_section
    from nuthelper.resolve import resolve

    ups_conf(root).write_text(EXISTING)
    parsed = []
    real_load = upsconf.UpsConf._load
    monkeypatch.setattr(upsconf.UpsConf, "_load", lambda self, text: (parsed.append(text), real_load(self, text))[1])
    recommendation = resolve("Tripp Lite Internet Office 700", "73-0844", "/dev/ttyS0", attached=[])
    section = render_section(recommendation, name="tripp")
    code, result = write_setup(recommendation, section, WriteOptions(root=str(root), udev_rule=False,
                                                                        if_unconfigured=if_unconfigured))
    assert code == 0 and result["status"] == ("skipped" if if_unconfigured else "added"), result
    assert parsed.count(EXISTING) == 1, parsed
