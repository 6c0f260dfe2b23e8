"""The Calamares integrations (integrations/calamares/): the Python job module "nut", run with a
stand-in libcalamares (Debian 12's calamares has no loader for one module: support/libcalamares_standin.py)
against a bootstrapped Debian 12 target and against scratch roots for each failure; and the
shellprocess@nut instance's command, run with /bin/sh -c as Calamares 3.2's CommandList runs it.
Both are the ones docs/installer-guide.md shows."""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support.checkout import CHECKOUT
from support.debian_root import DebianRoot, bootstrap_tarball
from support.guide import snippet
from support.libcalamares_standin import libcalamares
from support.target import target_root
from support.target_nut import assert_target_nut_reads, section_settings

MODULE = CHECKOUT / "integrations" / "calamares" / "nut"
SHELLPROCESS = CHECKOUT / "integrations" / "calamares" / "shellprocess@nut.conf"
FAILED = "UPS setup failed"
SHIPPED = yaml.safe_load((MODULE / "nut.conf").read_text())


def run_module(monkeypatch, root: str | None, configuration) -> tuple[object, list]:
    """main.py's run() with this rootMountPoint and job configuration: its result and what it logged."""
    calamares = libcalamares({"rootMountPoint": root} if root is not None else {}, configuration)
    monkeypatch.setitem(sys.modules, "libcalamares", calamares)
    spec = importlib.util.spec_from_file_location("calamares_nut_main", MODULE / "main.py")
    main = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(main)
    return main.run(), calamares.logged


@pytest.fixture
def debian_target(tmp_path):
    with DebianRoot.extract(bootstrap_tarball(), tmp_path / "target") as target:
        yield target


def test_the_module_sets_up_the_ups_in_the_target(monkeypatch, debian_target):
    result, logged = run_module(monkeypatch, str(debian_target.root), SHIPPED)
    assert result is None, result
    assert ("debug", "nut: [tripp] driver genericups on /dev/ttyS0") in logged
    assert section_settings(debian_target, "tripp") == {"driver": "genericups", "port": "/dev/ttyS0", "upstype": "5",
                                                         "desc": '"Tripp Lite Internet Office 700"'}
    assert_target_nut_reads(debian_target, "tripp", "genericups")
    nut_gid = debian_target.account("nut")[1]
    for name in ("ups.conf", "nut.conf", "upsd.conf", "upsd.users", "upsmon.conf"):
        info = debian_target.path(f"/etc/nut/{name}").stat()
        assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (0, nut_gid, 0o640), name
    # Run again (Calamares retried, or the sequence runs it twice): nothing changes.
    before = debian_target.path("/etc/nut/ups.conf").stat().st_mtime_ns
    result, logged = run_module(monkeypatch, str(debian_target.root), SHIPPED)
    assert result is None
    assert ("debug", f"nut: {debian_target.root}/etc/nut/ups.conf: unchanged") in logged
    assert debian_target.path("/etc/nut/ups.conf").stat().st_mtime_ns == before


def test_without_a_root_mount_point_it_is_a_configuration_error(monkeypatch):
    result, logged = run_module(monkeypatch, None, SHIPPED)
    assert result == ("Configuration Error", "No root mount point is given for <pre>nut</pre> to use.")
    assert ("warning", "nut: rootMountPoint is empty") in logged


@pytest.mark.parametrize("configuration, message", [
    ({**SHIPPED, "modle": "x"}, "nut.conf: unknown setting 'modle'; the settings are model, cable, port"),
    ({**SHIPPED, "standalone": "yes"}, "nut.conf: standalone must be true or false, got a string ('yes')"),
    ({**SHIPPED, "upsd_port": True}, "nut.conf: upsd_port must be a whole number, got true/false (True)"),
    ({"port": "/dev/ttyS0"}, "nut.conf: model is missing; give the UPS model (or port auto, or a wiring file)"),
    (None, "nut.conf: port is missing; give the serial device (e.g. /dev/ttyS0) or auto"),
    (["model"], "nut.conf: expected a mapping of settings (model, cable, port"),
    ({"model": "<Zzyzx> Qwerty", "port": "/dev/ttyS0"}, "model '&lt;Zzyzx&gt; Qwerty' is neither in"),
])
def test_bad_settings_fail_with_a_message_and_write_nothing(monkeypatch, tmp_path, configuration, message):
    root = target_root(tmp_path / "root")
    result, logged = run_module(monkeypatch, str(root), configuration)
    title, text = result
    assert title == FAILED and message in text, text
    assert [level for level, _ in logged] == ["warning"]
    assert list((root / "etc" / "nut").iterdir()) == []


def test_a_target_without_nut_fails(monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result, _ = run_module(monkeypatch, str(empty), SHIPPED)
    assert result == (FAILED, f"directory {empty}/etc/nut does not exist; install NUT in the target system or "
                              "create it first")


def test_a_conflicting_section_fails_and_is_kept(monkeypatch, tmp_path):
    root = target_root(tmp_path / "root")
    existing = "[tripp]\n\tdriver = genericups\n\tport = /dev/ttyS1\n\tupstype = 1\n"
    (root / "etc" / "nut" / "ups.conf").write_text(existing)
    title, text = run_module(monkeypatch, str(root), SHIPPED)[0]
    assert title == FAILED
    assert "a section of this name exists with other settings; pass --replace to replace it (nothing was written)" \
        in text
    assert (root / "etc" / "nut" / "ups.conf").read_text() == existing
    assert run_module(monkeypatch, str(root), {**SHIPPED, "replace": True})[0] is None


def test_without_nut_helper_in_the_live_system_it_says_so(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "nuthelper.installer", None)     # import fails as if not installed
    title, text = run_module(monkeypatch, str(target_root(tmp_path / "root")), SHIPPED)[0]
    assert title == FAILED and text.startswith("nut-helper is not installed in the live system (")


def test_module_desc_and_the_guide_match_the_files():
    desc = yaml.safe_load((MODULE / "module.desc").read_text())
    assert desc == {"type": "job", "name": MODULE.name, "interface": "python", "script": "main.py"}
    assert (MODULE / desc["script"]).is_file()
    assert yaml.safe_load(snippet("calamares-nut-conf")) == SHIPPED
    exec_sequence = yaml.safe_load(snippet("calamares-sequence"))["sequence"][0]["exec"]
    assert exec_sequence.index(desc["name"]) > exec_sequence.index("packages")
    settings = yaml.safe_load(snippet("calamares-instance"))
    instance, = settings["instances"]
    assert (SHELLPROCESS.parent / instance["config"]) == SHELLPROCESS
    run = settings["sequence"][0]["exec"]
    assert run.index(f"{instance['module']}@{instance['id']}") > run.index("packages")
    assert yaml.safe_load(snippet("calamares-shellprocess")) == yaml.safe_load(SHELLPROCESS.read_text())


def test_the_shellprocess_command_sets_up_the_target(debian_target):
    conf = yaml.safe_load(SHELLPROCESS.read_text())
    assert conf["dontChroot"] is True     # run in the live system, with --root
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}   # this run's nut-helper
    for command in conf["script"]:
        assert not command.startswith("-"), "a failure must stop the installation unless the guide says otherwise"
        expanded = command.replace("@@ROOT@@", str(debian_target.root))    # as Calamares 3.2 expands it
        assert shlex.split(expanded)[0] == "nut-helper"
        done = subprocess.run(["/bin/sh", "-c", expanded], capture_output=True, text=True, timeout=conf["timeout"],
                              env=env)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["write"]["status"] == "added"
    assert_target_nut_reads(debian_target, "tripp", "genericups")
