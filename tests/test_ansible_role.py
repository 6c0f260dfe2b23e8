"""The collection's ``nut_server`` role run into a scratch root with ``ansible-playbook -i localhost, -c local``:
package installation is switched off (``nut_server_install_packages: false``; apt cannot install into a
root, and the role refuses to try), the services are never touched for a root (their handlers are notified
and skip), and the handlers notified are exactly those whose files changed. Debian's real NUT then reads
what was written."""

from __future__ import annotations

import grp
import stat
from pathlib import Path

from support.ansible import PlaybookRun, assert_nut_reads, run_playbook, write_playbook
from support.target import target_root

RACK = {"name": "rack", "model": "APC Smart-UPS 1500", "cable": "940-0024C", "port": "/dev/ttyS0"}
DESK = {"name": "desk", "model": "Eaton 5E 650i", "port": "auto"}
UDEV = ["Reload the udev rules", "Apply the udev rules to the serial ports"]
DRIVERS = ["Regenerate the driver units from ups.conf", "Restart the NUT drivers"]
UPSD = ["Restart upsd"]
UPSMON = ["Restart upsmon"]


def role_play(tmp_path: Path, name: str, **variables) -> Path:
    return write_playbook(tmp_path / f"{name}.yml", [{
        "name": "UPS server", "hosts": "all", "gather_facts": False,
        "roles": [{"role": "nut_helper.nut.nut_server", "vars": variables}]}])


def scratch(root: Path, upses: list[dict]) -> dict:
    return {"nut_server_root": str(root), "nut_server_install_packages": False, "nut_server_upses": upses}


def notified(run: PlaybookRun) -> list[str]:
    """The role's handlers notified on localhost; each must have been skipped (a root's services are not ours)."""
    assert all(record["status"] == "skipped" for record in run.records if record["handler"]), run
    return run.handlers()


def test_the_role_configures_a_scratch_root_and_restarts_only_what_changed(tmp_path):
    root = target_root(tmp_path / "root")
    first = run_playbook(role_play(tmp_path, "first", **scratch(root, [RACK])), tmp_path)
    assert first.returncode == 0, first
    assert first.result("Install Debian's NUT packages")["status"] == "skipped"
    assert first.result("Configure each UPS with nut-helper")["status"] == "changed"
    assert first.result("Check what NUT will read")["status"] == "ok"
    assert notified(first) == UDEV + DRIVERS + UPSD + UPSMON
    nut = root / "etc" / "nut"
    assert (nut / "nut.conf").read_text().splitlines()[-1] == "MODE=standalone"
    for secret in ("upsd.users", "upsmon.conf"):
        info = (nut / secret).stat()
        assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o640, 0, grp.getgrnam("nut").gr_gid)
    assert (root / "etc/udev/rules.d/90-nut-helper-rack.rules").exists()
    assert_nut_reads(root, tmp_path / "state", ["rack"])

    again = run_playbook(role_play(tmp_path, "again", **scratch(root, [RACK])), tmp_path)
    assert again.returncode == 0 and again.stats["localhost"]["changed"] == 0, again
    assert notified(again) == []

    usb = run_playbook(role_play(tmp_path, "usb", **scratch(root, [RACK, DESK])), tmp_path)
    assert usb.returncode == 0, usb
    assert notified(usb) == DRIVERS + UPSD + UPSMON          # ups.conf and upsmon.conf; no udev rule for USB
    assert_nut_reads(root, tmp_path / "state", ["rack", "desk"])

    gone = run_playbook(role_play(tmp_path, "gone", **scratch(root, [RACK, {"name": "desk", "state": "absent"}])),
                        tmp_path)
    assert gone.returncode == 0, gone
    assert notified(gone) == DRIVERS + UPSD + UPSMON
    assert_nut_reads(root, tmp_path / "state", ["rack"])


def test_the_role_refuses_to_install_packages_into_a_root(tmp_path):
    root = target_root(tmp_path / "root")
    refused = run_playbook(role_play(tmp_path, "play", nut_server_root=str(root), nut_server_upses=[RACK]), tmp_path)
    assert refused.returncode == 2, refused
    message = refused.result("Refuse to install packages into a target root")["result"]["msg"]
    assert message.startswith(f"nut_server_install_packages cannot install into nut_server_root {root}")
    assert "set nut_server_install_packages to false" in message
    assert not (root / "etc/nut/ups.conf").exists()


def test_the_role_validates_its_variables(tmp_path):
    root = target_root(tmp_path / "root")
    refused = run_playbook(role_play(tmp_path, "play", **{**scratch(root, []), "nut_server_upses": "rack"}), tmp_path)
    assert refused.returncode == 2, refused
    assert "nut_server_upses" in refused.stdout and not (root / "etc/nut/ups.conf").exists()
