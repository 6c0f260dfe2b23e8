"""`setup --write --activate` on a live system: a bootstrapped Debian 12 with its own NUT and
nut-helper (tests/support/live_target.py), where nut-helper runs as on the machine itself (no
--root) for a simulated Q1 UPS on a pty standing in for /dev/ttyS0.

NUT's commands run for real: upsdrvctl, the init scripts' upsd and upsmon (read back with upsc), and
on the systemd route upsdrvsvcctl with nut-driver-enumerator. systemd and udevd cannot run in a
chroot (nor in CI), so systemctl and udevadm are recording stand-ins, except in the failure case,
where the real udevadm finds no udevd."""

from __future__ import annotations

import json

from nuthelper.errors import EXIT_ACTIVATION_FAILED
from support.live_target import assert_nut_serves, install_recorder, recorded, run_in
from support.nut import free_port
from support.target_nut import section_settings

MODEL = "Best Power Patriot Pro II"     # a Q1 (Megatec) unit: nutdrv_qx


def setup_activate(target, binds, upsd_port: int, *extra: str):
    return run_in(target, ["nut-helper", "setup", "--model", MODEL, "--port", "/dev/ttyS0", "--name", "q1ups",
                           "--write", "--standalone", "--upsd-port", str(upsd_port), "--activate", *extra],
                  binds=binds)


def test_without_systemd_the_driver_upsd_and_upsmon_go_live(live_q1_target):
    target, binds = live_q1_target
    install_recorder(target, "udevadm", "udevd")
    upsd_port = free_port()
    done = setup_activate(target, binds, upsd_port)
    assert done.returncode == 0, done.stderr
    ran = [line.removeprefix("nut-helper: ran: ") for line in done.stderr.splitlines() if "nut-helper: ran: " in line]
    assert ran == ["udevadm control --reload", "udevadm trigger --action=change --settle /dev/ttyS0",
                   "upsdrvctl start q1ups", "service nut-server restart", "service nut-client restart"]
    assert recorded(target, "udevadm") == ["control --reload", "trigger --action=change --settle /dev/ttyS0"]
    # The target's own upsd serves what the real driver reads from the simulator, and upsmon logged in.
    assert_nut_serves(target, binds, f"q1ups@localhost:{upsd_port}")

    # Run again: nothing changes, so nothing is run.
    again = setup_activate(target, binds, upsd_port)
    assert again.returncode == 0, again.stderr
    assert "nut-helper: --activate: no file changed, nothing to run" in again.stderr
    assert "ran:" not in again.stderr
    assert len(recorded(target, "udevadm")) == 2


def test_with_systemd_nut_driver_enumerator_makes_the_instance(live_q1_target):
    target, binds = live_q1_target
    target.path("/run/systemd/system").mkdir(parents=True)     # what systemd creates when it is the init
    install_recorder(target, "udevadm", "udevd")
    # NUT's enumerator calls /bin/systemctl by that name, so the stand-in is there too.
    install_recorder(target, "systemctl", "systemd", also=("/usr/bin/systemctl",))
    done = setup_activate(target, binds, free_port(), "--json")
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout)["activation"]["steps"]
    assert [(step["command"], step["status"]) for step in steps] == [
        ("udevadm control --reload", "ok"), ("udevadm trigger --action=change --settle /dev/ttyS0", "ok"),
        ("upsdrvsvcctl resync", "ok"), ("systemctl restart nut-server.service", "ok"),
        ("systemctl restart nut-monitor.service", "ok")]
    assert steps[2]["exit_code"] == 42     # nut-driver-enumerator: "differed, but now match up"
    # The real enumerator read the new ups.conf and made a service instance for the section.
    calls = recorded(target, "systemctl")
    assert "enable nut-driver@q1ups.service" in calls
    assert "start --no-block nut-driver@q1ups.service" in calls
    assert calls[-2:] == ["restart nut-server.service", "restart nut-monitor.service"]
    assert target.path("/etc/systemd/system/nut-driver@q1ups.service.d").is_dir()


def test_a_failing_command_stops_the_rest_and_the_files_stay_written(live_q1_target):
    target, binds = live_q1_target     # the real udevadm: no udevd runs in a chroot, so its reload fails
    upsd_port = free_port()
    done = setup_activate(target, binds, upsd_port)
    assert done.returncode == EXIT_ACTIVATION_FAILED, done.stderr
    assert "nut-helper: error: udevadm control --reload failed (exit" in done.stderr
    assert "nut-helper: not run: upsdrvctl start q1ups" in done.stderr
    assert "nut-helper: error: the configuration is written but not live" in done.stderr
    assert section_settings(target, "q1ups")["driver"] == "nutdrv_qx"

    # The same in JSON, once the rule is missing again (the only file left to change).
    target.path("/etc/udev/rules.d/90-nut-helper-q1ups.rules").unlink()
    done = setup_activate(target, binds, upsd_port, "--json")
    assert done.returncode == EXIT_ACTIVATION_FAILED, done.stderr
    activation = json.loads(done.stdout)["activation"]
    assert activation["status"] == "failed"
    first, *rest = activation["steps"]
    assert (first["command"], first["status"]) == ("udevadm control --reload", "failed")
    assert first["exit_code"] != 0 and first["output"]
    assert [(step["command"], step["status"]) for step in rest] == [
        ("udevadm trigger --action=change --settle /dev/ttyS0", "not-run"), ("upsdrvctl stop q1ups", "not-run"),
        ("upsdrvctl start q1ups", "not-run")]
