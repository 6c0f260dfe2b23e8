"""nuthelper.activate: the commands that make a written setup live, planned from what write_setup
reports (a dry run on a scratch ups.conf: the udev rule is planned for /etc/udev/rules.d but not
written), run in order by run_activation, and shown by `setup` as next steps or run with --activate.

The commands themselves run for real in tests/test_activate_live.py; here run_activation runs small
real programs (sh), and the CLI runs nothing but the dry run and the refusals."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from nuthelper.activate import (NDE_CHANGED, Step, System, activation_report, find_program, plan_activation,
                                run_activation)
from nuthelper.configure import WriteOptions, write_setup
from nuthelper.render import render_section
from nuthelper.resolve import resolve
from support.cli import nut_helper

SYSV = System(systemd=False, driver_enumerator=False)
SYSTEMD = System(systemd=True, driver_enumerator=False)
NDE = System(systemd=True, driver_enumerator=True)
TRIPP = ("Tripp Lite Internet Office 700", "73-0844", "/dev/ttyS0")
CLI_TRIPP = ["setup", "--model", TRIPP[0], "--cable", TRIPP[1], "--port", TRIPP[2], "--name", "tripp"]


@pytest.fixture
def confdir(tmp_path) -> Path:
    directory = tmp_path / "nut"
    directory.mkdir()
    return directory


def written(confdir: Path, *, dry_run: bool = True, **options):
    """What write_setup reports for the Tripp Lite on ttyS0 into ``confdir``/ups.conf."""
    recommendation = resolve(*TRIPP)
    section = render_section(recommendation, name="tripp")
    return write_setup(recommendation, section, WriteOptions(config=str(confdir / "ups.conf"), dry_run=dry_run,
                                                             **options))[1]


def commands(steps) -> list[str]:
    return [step.command for step in steps]


def test_a_new_standalone_setup_without_systemd(confdir, tmp_path):
    system = System(systemd=False, driver_enumerator=False, nut_confdir=str(confdir))
    port = tmp_path / "ttyS0"        # a port that is there now gets the new rule at once
    port.touch()
    steps = plan_activation(written(confdir, standalone=True), "tripp", str(port), system)
    assert commands(steps) == ["udevadm control --reload", f"udevadm trigger --action=change --settle {port}",
                               "upsdrvctl start tripp", "service nut-server restart", "service nut-client restart"]
    # A port not plugged in yet gets the rule when it appears: no trigger.
    steps = plan_activation(written(confdir, standalone=True), "tripp", str(tmp_path / "absent"), system)
    assert "udevadm trigger" not in " ".join(commands(steps))


def test_with_nut_driver_enumerator_resync_and_systemd_units(confdir):
    system = System(systemd=True, driver_enumerator=True, nut_confdir=str(confdir))
    steps = plan_activation(written(confdir, standalone=True), "tripp", "/nonexistent/ttyS0", system)
    assert commands(steps) == ["udevadm control --reload", "upsdrvsvcctl resync",
                               "systemctl restart nut-server.service", "systemctl restart nut-monitor.service"]
    assert steps[1].success == (0, NDE_CHANGED)
    systemd_only = plan_activation(written(confdir, standalone=True), "tripp", "/nonexistent/ttyS0",
                                   System(systemd=True, driver_enumerator=False, nut_confdir=str(confdir)))
    assert commands(systemd_only)[1:] == ["upsdrvctl start tripp", "systemctl restart nut-server.service",
                                          "systemctl restart nut-monitor.service"]


def test_only_what_changed_is_restarted(confdir):
    system = System(systemd=True, driver_enumerator=False, nut_confdir=str(confdir))
    # ups.conf alone (no standalone files, no rule): the driver and upsd, not upsmon.
    steps = plan_activation(written(confdir, udev_rule=False), "tripp", None, system)
    assert commands(steps) == ["upsdrvctl start tripp", "systemctl restart nut-server.service"]
    # Written once, the same again: nothing to do.
    written(confdir, dry_run=False, udev_rule=False)
    assert plan_activation(written(confdir, udev_rule=False), "tripp", None, system) == []


def test_a_new_rule_alone_restarts_the_driver(confdir):
    written(confdir, dry_run=False, udev_rule=False)     # ups.conf is there; only the rule is new
    nde = System(systemd=True, driver_enumerator=True, nut_confdir=str(confdir))
    steps = plan_activation(written(confdir), "tripp", None, nde)
    assert commands(steps) == ["udevadm control --reload", "upsdrvsvcctl stop tripp", "upsdrvsvcctl start tripp"]
    sysv = System(systemd=False, driver_enumerator=False, nut_confdir=str(confdir))
    assert commands(plan_activation(written(confdir), "tripp", None, sysv))[1:] == ["upsdrvctl stop tripp",
                                                                                   "upsdrvctl start tripp"]


def test_programs_are_never_taken_from_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "udevadm").write_text("#!/bin/sh\necho planted\n")
    (tmp_path / "udevadm").chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", f":.:{os.environ['PATH']}")
    found = find_program("udevadm")
    assert found is None or os.path.dirname(os.path.abspath(found)) != str(tmp_path)


def test_a_replaced_section_stops_its_driver_first(confdir):
    system = System(systemd=False, driver_enumerator=False, nut_confdir=str(confdir))
    (confdir / "ups.conf").write_text("[tripp]\n\tdriver = genericups\n\tport = /dev/ttyS0\n\tupstype = 1\n")
    assert plan_activation(written(confdir, udev_rule=False), "tripp", None, system) == []   # a conflict
    steps = plan_activation(written(confdir, udev_rule=False, replace=True), "tripp", None, system)
    assert commands(steps) == ["upsdrvctl stop tripp", "upsdrvctl start tripp", "service nut-server restart"]
    assert steps[0].may_fail and not steps[1].may_fail


def test_a_config_outside_nuts_directory_is_given_to_nuts_commands(confdir):
    steps = plan_activation(written(confdir, udev_rule=False), "tripp", None, SYSV)    # NUT reads /etc/nut
    assert commands(steps)[0] == f"env NUT_CONFPATH={confdir} upsdrvctl start tripp"
    steps = plan_activation(written(confdir, udev_rule=False), "tripp", None, NDE)
    assert commands(steps)[0] == f"env NUT_CONFPATH={confdir} upsdrvsvcctl resync"


def test_run_activation_stops_at_the_first_failure():
    steps = [Step(("sh", "-c", "echo one"), "first"),
             Step(("sh", "-c", "echo nothing runs it >&2; exit 1"), "may fail", may_fail=True),
             Step(("sh", "-c", f"exit {NDE_CHANGED}"), "42 is fine here", success=(0, NDE_CHANGED)),
             Step(("sh", "-c", "echo broken; exit 3"), "fails"),
             Step(("sh", "-c", "echo never"), "not run")]
    outcomes = run_activation(steps)
    assert [(outcome.status, outcome.exit_code, outcome.output) for outcome in outcomes] == [
        ("ok", 0, "one"), ("failed-allowed", 1, "nothing runs it"), ("ok", NDE_CHANGED, ""),
        ("failed", 3, "broken"), ("not-run", None, "")]


def test_a_missing_program_is_a_failure_that_names_it():
    outcome, = run_activation([Step(("nut-helper-no-such-program", "start"), "missing")])
    assert outcome.status == "failed"
    assert "nut-helper-no-such-program: not found on PATH or in /usr/local/sbin" in outcome.output


def test_a_daemon_a_command_starts_does_not_hold_the_run():
    # upsdrvctl, start-stop-daemon and the init scripts leave daemons behind that keep the output open;
    # the run waits for the command, not for them.
    started = time.monotonic()
    outcome, = run_activation([Step(("sh", "-c", "sleep 20 & echo started"), "forks a child")])
    assert outcome.status == "ok" and outcome.output == "started"
    assert time.monotonic() - started < 10


def test_the_report_lists_or_plans_or_runs(confdir):
    result = written(confdir, udev_rule=False)
    ok, fields = activation_report(result, "tripp", None, activate=False, system=SYSTEMD)
    assert ok and [step["command"] for step in fields["next_steps"]] == [
        f"env NUT_CONFPATH={confdir} upsdrvctl start tripp", "systemctl restart nut-server.service"]
    ok, fields = activation_report(result, "tripp", None, activate=True, dry_run=True, system=SYSTEMD)
    assert ok and fields["activation"]["status"] == "planned"
    assert {step["status"] for step in fields["activation"]["steps"]} == {"planned"}


def test_the_cli_ends_with_the_next_steps_in_text_and_json(confdir):
    arguments = [*CLI_TRIPP, "--config", str(confdir / "ups.conf"), "--no-udev-rule", "--standalone"]
    done = nut_helper(*arguments, "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert list(output)[-1] == "next_steps"
    planned = [step["command"] for step in output["next_steps"]]
    assert planned == commands(plan_activation(output["write"], "tripp", TRIPP[2]))   # this machine's plan
    assert planned[0] == f"env NUT_CONFPATH={confdir} upsdrvctl start tripp" and len(planned) == 3
    done = nut_helper(*arguments, "--write")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[-4:] == ["nut-helper: to make it live, run (or use --activate):", *[f"  {c}" for c in planned]]
    again = nut_helper(*arguments, "--write", "--json")        # nothing changed: nothing to do
    assert json.loads(again.stdout)["next_steps"] == []
    assert "to make it live" not in nut_helper(*arguments, "--write").stderr


def test_dry_run_activate_lists_and_runs_nothing(confdir, tmp_path):
    # Recording stand-ins first on PATH: the dry run must call none of them.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    for name in ("udevadm", "systemctl", "service", "upsdrvctl", "upsdrvsvcctl", "env"):
        program = bin_dir / name
        program.write_text(f"#!/bin/sh\necho {name} \"$@\" >> {calls}\n")
        program.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    arguments = [*CLI_TRIPP, "--config", str(confdir / "ups.conf"), "--no-udev-rule", "--standalone"]
    done = nut_helper(*arguments, "--dry-run", "--activate", env=env)
    assert done.returncode == 0, done.stderr
    assert f"nut-helper: would run: env NUT_CONFPATH={confdir} upsdrvctl start tripp" in done.stderr
    assert "nut-helper: dry run: nothing was written" in done.stderr
    done = nut_helper(*arguments, "--dry-run", "--activate", "--json", env=env)
    activation = json.loads(done.stdout)["activation"]
    assert activation["status"] == "planned" and len(activation["steps"]) == 3
    assert not calls.exists()
    assert sorted(path.name for path in confdir.iterdir()) == []


@pytest.mark.parametrize("arguments, message", [
    (["--write", "--activate", "--root", "/nonexistent"],
     "--activate makes the configuration live on this machine, so it cannot go with --root"),
    (["--activate"], "--activate goes with --write (or with --dry-run to list its commands)"),
])
def test_activate_is_refused_where_it_cannot_apply(arguments, message):
    done = nut_helper(*CLI_TRIPP, *arguments)
    assert done.returncode == 2
    assert done.stderr.strip() == f"nut-helper: error: {message}" + (
        ": the target's services read the new files when it boots" if "--root" in arguments else "")


def test_with_root_there_are_no_next_steps(tmp_path):
    (tmp_path / "etc" / "nut").mkdir(parents=True)
    (tmp_path / "etc" / "group").write_text("root:x:0:\nnut:x:4242:\n")
    done = nut_helper(*CLI_TRIPP, "--root", str(tmp_path), "--write", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["next_steps"] == []
