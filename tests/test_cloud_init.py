"""The cloud-init module integrations/cloud-init/cc_nut_helper.py, with Debian 12's real cloud-init
22.4 (tests/run.sh installs it): its own loader accepts the module from outside its package;
`cloud-init single` runs it from the checkout with the guide's scratch configuration against a
bootstrapped Debian 12 (and fails or skips as it should); and inside a bootstrapped Debian 12 with
cloud-init, installed as the guide says, the final stage runs it at "first boot" and `activate`
brings the real driver, upsd and upsmon up. The user-data and commands are docs/installer-guide.md's."""

from __future__ import annotations

import inspect
import json
import os
import shlex
import shutil
import subprocess
import sysconfig
from pathlib import Path

import jsonschema
import pytest
import yaml
from cloudinit import importer
from cloudinit.config import modules as cloudinit_modules

from nuthelper.installer import SETTING_TYPES
from support.checkout import CHECKOUT
from support.debian_root import DebianRoot, bootstrap_tarball
from support.guide import snippet
from support.live_target import assert_nut_serves, install_recorder, run_in
from support.nut import free_port
from support.target import target_root
from support.target_nut import assert_target_nut_reads

MODULE_DIR = CHECKOUT / "integrations" / "cloud-init"
SCHEMA = json.loads((MODULE_DIR / "nut_helper.schema.json").read_text())
TRIAL = "/tmp/nut-helper-trial"      # the scratch directory the guide's configuration names
CLOUD_INIT_STATE = [Path("/var/lib/cloud"), Path("/run/cloud-init"), Path("/var/log/cloud-init.log"),
                    Path("/var/log/cloud-init-output.log")]


def test_cloud_inits_loader_takes_the_module_from_outside_its_package(monkeypatch):
    monkeypatch.syspath_prepend(str(MODULE_DIR))
    name = cloudinit_modules.form_module_name("nut_helper")
    locations, _ = importer.find_module(name, ["", "cloudinit.config"], ["handle"])
    assert locations == ["cc_nut_helper"]         # the top-level module, before cloudinit.config's
    module = importer.import_module(locations[0])
    cloudinit_modules.validate_module(module, "nut_helper")
    assert list(inspect.signature(module.handle).parameters) == ["name", "cfg", "cloud", "log", "args"]
    details = cloudinit_modules.ModuleDetails(module, "nut_helper", module.meta["frequency"], [])
    assert cloudinit_modules._is_active(details, {"nut_helper": {"port": "auto"}})
    assert not cloudinit_modules._is_active(details, {"runcmd": []})
    assert "debian" in module.meta["distros"]


def test_the_schema_is_the_settings_and_accepts_the_guides_user_data(tmp_path):
    properties = SCHEMA["properties"]["nut_helper"]["properties"]
    json_type = {bool: "boolean", int: "integer", str: "string"}
    assert {key: spec["type"] for key, spec in properties.items()} == {
        **{key: json_type[kind] for key, kind in SETTING_TYPES.items()}, "activate": "boolean", "root": "string"}
    validator = jsonschema.Draft4Validator(SCHEMA)
    user_data = snippet("cloud-init-user-data")
    validator.validate(yaml.safe_load(user_data))
    validator.validate({"nut_helper": yaml.safe_load(snippet("cloud-init-scratch-cfg"))["nut_helper"]})
    assert list(validator.iter_errors({"nut_helper": {"port": "/dev/ttyS0", "standalone": "yes"}}))
    path = tmp_path / "user-data"
    path.write_text(user_data)
    done = subprocess.run(["cloud-init", "schema", "-c", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Valid cloud-config" in done.stdout, done.stdout + done.stderr


def nuthelper_path() -> str:
    """Where this test run's nuthelper is installed (a venv in CI, which /usr/bin/python3 does not search)."""
    return sysconfig.get_paths()["purelib"]


def run_trial(trial: Path, nut_helper: dict | None) -> tuple[subprocess.CompletedProcess, str]:
    """The guide's `cloud-init single` command, from the checkout, with the guide's scratch
    configuration moved to ``trial`` and its nut_helper key replaced; the result and cloud-init's log."""
    config = yaml.safe_load(snippet("cloud-init-scratch-cfg").replace(TRIAL, str(trial)))
    if nut_helper is None:
        del config["nut_helper"]
    else:
        config["nut_helper"] = nut_helper
    (trial / "cfg.yaml").write_text(yaml.safe_dump(config))
    assignment, *argv = shlex.split(snippet("cloud-init-trial"))
    variable, value = assignment.split("=", 1)
    assert (variable, argv[0]) == ("PYTHONPATH", "cloud-init")
    argv = [str(trial / "cfg.yaml") if word == "cfg.yaml" else word for word in argv]
    env = {**os.environ, "PYTHONPATH": f"{value}:{nuthelper_path()}"}
    done = subprocess.run(argv, cwd=CHECKOUT, capture_output=True, text=True, timeout=300, env=env)
    log = trial / "cloud-init.log"
    return done, log.read_text() if log.exists() else ""


def state_times() -> dict[str, float]:
    """The machine's own cloud-init state and logs, with their modification times."""
    found = {}
    for top in CLOUD_INIT_STATE:
        for path in [top, *(top.rglob("*") if top.is_dir() else [])]:
            if path.exists():
                found[str(path)] = path.stat().st_mtime
    return found


@pytest.fixture
def trial(tmp_path):
    directory = tmp_path / "trial"
    directory.mkdir()
    return directory


def test_cloud_init_single_sets_up_a_target_and_touches_nothing_else(trial):
    guide_settings = yaml.safe_load(snippet("cloud-init-scratch-cfg").replace(TRIAL, str(trial)))["nut_helper"]
    before = state_times()
    with DebianRoot.extract(bootstrap_tarball(), Path(guide_settings["root"])) as target:
        done, log = run_trial(trial, guide_settings)
        assert done.returncode == 0, done.stdout + done.stderr + log
        assert (f"Running module nut_helper (<module 'cc_nut_helper' from "
                f"'{MODULE_DIR}/cc_nut_helper.py'>) with frequency always") in log
        assert "nut_helper: [tripp] driver genericups on /dev/ttyS0" in log
        assert f"nut_helper: {target.root}/etc/nut/upsmon.conf: updated" in log
        assert "to make it live" not in log            # a root is not this machine
        assert_target_nut_reads(target, "tripp", "genericups")
        assert target.path("/etc/nut/ups.conf").stat().st_gid == target.account("nut")[1]
    assert state_times() == before
    assert (trial / "run" / "instance-data.json").is_file()     # cloud-init wrote its state there


@pytest.mark.parametrize("settings, message", [
    ({"port": "/dev/ttyS0", "model": "Best Power Patriot Pro II", "standalone": "yes"},
     "nut_helper: standalone must be true or false, got a string ('yes')"),
    ({"port": "/dev/ttyS0", "model": "Best Power Patriot Pro II", "activate": True},
     "nut_helper: activate makes the configuration live on this machine, so it cannot go with root"),
    ({"model": "Best Power Patriot Pro II"}, "nut_helper: port is missing"),
    ({"port": "/dev/ttyS0", "model": "Best Power Patriot Pro II", "colour": "red"},
     "nut_helper: unknown setting 'colour'"),
])
def test_a_bad_setting_fails_the_module_with_the_message(trial, settings, message):
    root = target_root(trial / "target")
    done, log = run_trial(trial, {**settings, "root": str(root)})
    assert done.returncode == 1, done.stdout + done.stderr + log
    assert "Running module nut_helper" in log and message in log, log
    assert list((root / "etc" / "nut").iterdir()) == []


def test_without_the_key_the_module_does_nothing(trial):
    done, log = run_trial(trial, None)
    assert done.returncode == 0, done.stdout + done.stderr + log
    assert "Skipping module named nut_helper, no 'nut_helper' key in configuration" in log


def test_first_boot_with_cloud_inits_final_stage_activates_nut(live_q1_target):
    target, binds = live_q1_target
    install_recorder(target, "udevadm", "udevd")       # no udevd runs in a chroot (nor in CI)
    shutil.copytree(MODULE_DIR, target.path("/root/checkout/integrations/cloud-init"))
    done = run_in(target, ["sh", "-ec", "cd /root/checkout\n" + snippet("cloud-init-install")])
    assert done.returncode == 0, done.stderr
    upsd_port = free_port()           # not 3493: this machine's own port may be taken
    target.path("/root/user-data").write_text(snippet("cloud-init-user-data") + f"  upsd_port: {upsd_port}\n")
    done = run_in(target, ["cloud-init", "--force", "--file", "/root/user-data", "modules", "--mode", "final"],
                  binds=binds, timeout=300)
    log = target.path("/var/log/cloud-init.log").read_text()
    assert ("Running module nut_helper (<module 'cc_nut_helper' from "
            "'/usr/local/lib/python3.11/dist-packages/cc_nut_helper.py'>) with frequency once-per-instance") in log
    assert "finish: modules-final/config-nut_helper: SUCCESS: config-nut_helper ran successfully" in log, log[-4000:]
    # Other final modules may fail in a chroot (ssh-authkey-fingerprints finds no sshd); nut_helper must not.
    assert "Running module nut_helper" not in done.stderr, done.stderr
    for command in ("upsdrvctl start q1ups", "service nut-server restart", "service nut-client restart"):
        assert f"nut_helper: ok: {command}" in log
    assert_nut_serves(target, binds, f"q1ups@localhost:{upsd_port}")
