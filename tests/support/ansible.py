"""Running real playbooks with the collection in ansible/ (ansible-core from the test venv), and
reading what every task returned.

``run_playbook(playbook, workdir)`` runs ``ansible-playbook -i localhost, -c local`` (or over an
inventory) with the modules executed by this interpreter, which has nut-helper installed; the
recording callback (tests/support/ansible_callbacks/record.py) hands back each task's result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
COLLECTIONS = REPO / "ansible"
COLLECTION = COLLECTIONS / "ansible_collections" / "nut_helper" / "nut"
CALLBACKS = Path(__file__).resolve().parent / "ansible_callbacks"
BIN = Path(sys.executable).parent
ANSIBLE_PLAYBOOK = BIN / "ansible-playbook"
ANSIBLE_TEST = BIN / "ansible-test"


def ansible_env(workdir: Path, python: str = sys.executable, **extra: str) -> dict[str, str]:
    """The environment for Ansible: this collection, modules run by ``python``, state under ``workdir``."""
    home = workdir / "ansible-home"
    home.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS), "ANSIBLE_PYTHON_INTERPRETER": python,
            "ANSIBLE_HOME": str(home), "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
            "ANSIBLE_REMOTE_TEMP": str(home / "remote-tmp"), "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0", "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "record", "ANSIBLE_DEPRECATION_WARNINGS": "0", **extra}


@dataclass
class PlaybookRun:
    """What one ansible-playbook run printed, and every task result it recorded."""

    returncode: int
    stdout: str
    stderr: str
    records: list[dict[str, Any]]
    stats: dict[str, dict[str, int]]

    def __repr__(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"

    def results(self, task: str, host: str = "localhost") -> list[dict[str, Any]]:
        return [record for record in self.records if record["task"] == task and record["host"] == host]

    def result(self, task: str, host: str = "localhost") -> dict[str, Any]:
        """The one record of ``task`` on ``host`` (its status, and the module's result under "result")."""
        found = self.results(task, host)
        assert len(found) == 1, f"{len(found)} results for task {task!r} on {host}:\n{self}"
        return found[0]

    def handlers(self, host: str = "localhost") -> list[str]:
        """The handlers notified on ``host``, in the order they ran (or were skipped)."""
        return [record["task"] for record in self.records if record["handler"] and record["host"] == host]


def write_playbook(path: Path, plays: list[dict[str, Any]] | str) -> Path:
    path.write_text(plays if isinstance(plays, str) else yaml.safe_dump(plays, sort_keys=False))
    return path


def run_playbook(playbook: Path, workdir: Path, *options: str, inventory: str | Path = "localhost,",
                 extra_vars: dict[str, Any] | None = None, python: str = sys.executable,
                 prefix: Sequence[str] = (), env: dict[str, str] | None = None, timeout: float = 600) -> PlaybookRun:
    """``ansible-playbook -i INVENTORY -c local PLAYBOOK OPTIONS``; a string inventory is a host list."""
    record = workdir / f"record-{os.getpid()}-{len(list(workdir.glob('record-*')))}.json"
    command = [*prefix, str(ANSIBLE_PLAYBOOK), "-i", str(inventory), "-c", "local", str(playbook), *options]
    if extra_vars is not None:
        variables = workdir / f"{record.stem}-vars.json"
        variables.write_text(json.dumps(extra_vars))
        command += ["-e", f"@{variables}"]
    environment = {**ansible_env(workdir, python), **(env or {}), "NUT_HELPER_ANSIBLE_RECORD": str(record)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment, cwd=workdir)
    data = json.loads(record.read_text()) if record.exists() else {"records": [], "stats": {}}
    return PlaybookRun(done.returncode, done.stdout, done.stderr, data["records"], data["stats"])


def assert_nut_reads(root: Path, statedir: Path, sections: list[str]) -> dict[str, str]:
    """Debian's real NUT reads the ups.conf written under ``root``: ``upsdrvctl -t start`` would start
    exactly ``sections`` and rejects nothing, and each driver's ``-L`` lists every key its section sets.
    Returns section name -> driver."""
    from nuthelper.upsconf import UpsConf
    from support.nut import CORE_SETTINGS, DRIVER_DIR, NutSetup, driver_keys

    nut = NutSetup(root / "etc" / "nut", statedir)
    conf = UpsConf.parse((nut.confdir / "ups.conf").read_text(), strict=True)
    drivers = {section.name: section.value("driver") for section in conf.sections}
    assert list(drivers) == sections
    plan = nut.upsdrvctl_test_start()
    assert plan.returncode == 0 and not plan.rejections(), plan.output
    assert plan.exec_lines() == [f"{DRIVER_DIR / drivers[name]} -a {name}" for name in sections], plan.output
    for section in conf.sections:
        listed = driver_keys(drivers[section.name])
        for key in [s.key for s in section.settings if s.key not in CORE_SETTINGS] + [f.name for f in section.flags]:
            assert key in listed, f"[{section.name}]: {drivers[section.name]} -L does not list {key}"
    return drivers
