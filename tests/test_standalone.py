"""nuthelper.standalone: merge rules for nut.conf, upsd.conf, upsd.users and upsmon.conf, and redaction."""

from __future__ import annotations

import pytest

from nuthelper.standalone import (MONITOR_USER, plan_monitoring, plan_nut_conf, plan_upsd_conf, redact_monitor,
                                  redact_users, retarget_monitors)


@pytest.mark.parametrize(("text", "status", "result"), [
    ("MODE=none\n", "updated", "MODE=standalone\n"),
    ("# c\nMODE = \"none\"  # was\nX=1\n", "updated", "# c\nMODE=standalone\nX=1\n"),
    ("MODE=standalone\n", "unchanged", "MODE=standalone\n"),
    ("MODE=netserver\n", "unchanged", "MODE=netserver\n"),
    ("MODE=netclient\n", "conflict", "MODE=standalone\n"),
    ("# no mode yet", "updated", "# no mode yet\nMODE=standalone\n"),
])
def test_nut_conf(tmp_path, text, status, result):
    path = tmp_path / "nut.conf"
    path.write_text(text)
    change = plan_nut_conf(path)
    assert (change.status, change.new_text) == (status, result)


@pytest.mark.parametrize(("text", "added"), [
    ("LISTEN 127.0.0.1\nLISTEN ::1 3493\n", ""),
    ("LISTEN 0.0.0.0 3493\n", "LISTEN ::1 3493\n"),
    ("LISTEN 127.0.0.1 3500\n", "LISTEN 127.0.0.1 3493\nLISTEN ::1 3493\n"),
    ("LISTEN localhost", ""),
    ("MAXAGE 15", "\nLISTEN 127.0.0.1 3493\nLISTEN ::1 3493\n"),
])
def test_upsd_conf_keeps_listen_lines_and_adds_only_missing(tmp_path, text, added):
    path = tmp_path / "upsd.conf"
    path.write_text(text)
    change = plan_upsd_conf(path)
    assert change.new_text == text + added
    assert change.status == ("updated" if added else "unchanged")


@pytest.mark.parametrize(("upsmon", "port", "exists"), [
    ("MONITOR myups@localhost 1 u p primary\n", 3493, True),
    ("MONITOR MYUPS@127.0.0.1:3493 1 u p master\n", 3493, True),
    ('MONITOR "myups@[::1]:3500" 1 u p primary\n', 3500, True),
    ("MONITOR myups@localhost:3500 1 u p primary\n", 3493, False),
    ("MONITOR myups@otherhost 1 u p secondary\n", 3493, False),
    ("# MONITOR myups@localhost 1 u p primary\n", 3493, False),
])
def test_monitor_line_is_not_duplicated(tmp_path, upsmon, port, exists):
    (tmp_path / "upsmon.conf").write_text(upsmon)
    users, monitor = plan_monitoring(tmp_path / "upsd.users", tmp_path / "upsmon.conf", "myups", upsd_port=port,
                                     new_password=lambda: "generated")
    assert monitor.status == ("unchanged" if exists else "updated")
    assert users.status == ("unchanged" if exists else "added")
    if not exists:
        assert monitor.new_text.endswith(f"MONITOR myups@localhost{'' if port == 3493 else f':{port}'} 1 "
                                         f"{MONITOR_USER} generated primary\n")


def test_existing_user_password_is_reused_never_replaced(tmp_path):
    users_text = f"[admin]\n  password = a\n\n[{MONITOR_USER}]\n  password = \"kept secret\"\n  upsmon primary\n"
    (tmp_path / "upsd.users").write_text(users_text)
    users, monitor = plan_monitoring(tmp_path / "upsd.users", tmp_path / "upsmon.conf", "ups1",
                                     new_password=lambda: pytest.fail("no new password may be made"))
    assert users.status == "unchanged" and users.new_text == users_text
    assert f'{MONITOR_USER} "kept secret" primary' in monitor.new_text
    assert "kept secret" not in monitor.diff and "kept secret" not in users.diff


def test_redaction():
    assert redact_users("[u]\n  password = s3cret\n  PASSWORD=x\n") == \
        "[u]\n  password = <secret: not shown>\n  PASSWORD=<secret: not shown>\n"
    assert redact_monitor('MONITOR a@b 1 user "p w" primary\nMONITOR c@d 1 u pw secondary\n') == \
        "MONITOR a@b 1 user <secret: not shown> primary\nMONITOR c@d 1 u <secret: not shown> secondary\n"


@pytest.mark.parametrize(("text", "shown"), [
    # a backslash-newline continues the password on the next line, as NUT's parseconf reads it
    ("[u]\n  password = first\\\nSECOND\n  upsmon primary\n", "[u]\n  password = <secret: not shown>\n  upsmon primary\n"),
    ('[u]\n  password = "two \\\nlines"\n', "[u]\n  password = <secret: not shown>\n"),
    ("[u]\n  password=a\\ b\n", "[u]\n  password=<secret: not shown>\n"),
    ("[u]\n  password = abc#def\n", "[u]\n  password = <secret: not shown>\n"),
    ("[u]\n  password = x # a comment\n", "[u]\n  password = <secret: not shown> # a comment\n"),
])
def test_users_redaction_follows_nut_word_splitting(text, shown):
    assert redact_users(text) == shown


@pytest.mark.parametrize(("text", "shown"), [
    ("MONITOR a@b 1 user s3cret\\ TAIL primary\n", "MONITOR a@b 1 user <secret: not shown> primary\n"),
    ("MONITOR a@b 1 user first\\\nSECOND primary\n", "MONITOR a@b 1 user <secret: not shown> primary\n"),
    ("MONITOR a@b 1 \\\nuser pw primary\n", "MONITOR a@b 1 \\\nuser <secret: not shown> primary\n"),
    ('MONITOR a@b 1 user "p \\" w" primary\n', "MONITOR a@b 1 user <secret: not shown> primary\n"),
])
def test_monitor_redaction_follows_nut_word_splitting(text, shown):
    assert redact_monitor(text) == shown


def test_retarget_monitors_renames_the_replaced_ups_and_keeps_one_line():
    text = ("# keep\nMONITOR old@localhost 1 admin pw primary\nMONITOR old@remote 1 u p secondary\n"
            "MONITOR dup@127.0.0.1 1 admin pw primary\n")
    assert retarget_monitors(text, ("old", "dup"), "new") == (
        "# keep\nMONITOR new@localhost 1 admin pw primary\nMONITOR old@remote 1 u p secondary\n")
    assert retarget_monitors('MONITOR "old@[::1]:3500" 1 u p primary\n', ("old",), "new") == \
        'MONITOR "new@[::1]:3500" 1 u p primary\n'
