"""The venv route for Debian users (docs/notes-debian-package.md): Debian 12's python3 refuses `pip
install` into the system (PEP 668), so nut-helper goes into a venv made by Debian's own python3
(`python3 -m venv DIR && DIR/bin/pip install .`), whose nut-helper prints the README's example."""

from __future__ import annotations

import subprocess

from support.checkout import copy_checkout, readme_example
from support.debian_root import system_env

DEBIAN_PYTHON = "/usr/bin/python3"


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, env=system_env())


def test_venv_route_runs_the_readme_example(tmp_path):
    source = copy_checkout(tmp_path / "nut-helper")
    venv = tmp_path / "opt-nut-helper"
    for argv in ([DEBIAN_PYTHON, "-m", "venv", str(venv)], [f"{venv}/bin/pip", "install", "-q", str(source)]):
        done = run(*argv)
        assert done.returncode == 0, done.stderr
    command, output = readme_example()
    done = run(f"{venv}/bin/nut-helper", *command[1:])
    assert done.returncode == 0, done.stderr
    assert done.stdout == output
