"""The README's first command, as written, on Debian 12: Debian's python3 refuses `pip install` into
the system (PEP 668), so the command installs python3-venv, makes a venv with Debian's own python3,
installs the checkout into it and runs the main job, which prints the README's first example byte
for byte. The command is read from the README, so the two cannot drift apart.

The `apt-get` steps are checked, not run: they take the dpkg lock that every suite on this machine
shares, and tests/run.sh has already installed python3-venv, which the test checks dpkg reports.
The venv goes into a temporary directory instead of /opt/nut-helper, and the checkout is a clean
copy, so that the test leaves neither behind."""

from __future__ import annotations

import shlex
import shutil
import subprocess

from support.checkout import copy_checkout, readme_commands, readme_example
from support.debian_root import SYSTEM_PATH, system_env

README_VENV = "/opt/nut-helper"


def run(argv: list[str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600, env=system_env())


def test_the_readme_first_command_installs_and_runs_the_main_job(tmp_path):
    install, _ = readme_commands()
    assert "\n" not in install, "the first command is one line, to copy as it is"
    steps = [shlex.split(step) for step in install.split(" && ")]
    assert steps[:2] == [["apt-get", "update"], ["apt-get", "install", "-y", "python3-venv"]]
    dpkg = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "python3-venv"], capture_output=True, text=True)
    assert dpkg.stdout == "install ok installed", "tests/run.sh installs python3-venv, as the command does"
    assert shutil.which("python3", path=SYSTEM_PATH) == "/usr/bin/python3", "python3 is Debian's own"

    source = copy_checkout(tmp_path / "nut-helper")
    venv = str(tmp_path / "opt-nut-helper")
    *prepare, main_job = [[venv + word[len(README_VENV):] if word.startswith(README_VENV) else word
                           for word in step] for step in steps[2:]]
    assert prepare == [["python3", "-m", "venv", venv], [f"{venv}/bin/pip", "install", "."]]
    for argv in prepare:
        done = run(argv, source)
        assert done.returncode == 0, done.stderr

    command, output = readme_example()
    assert main_job == [f"{venv}/bin/nut-helper", *command[1:]], "the README's first example is its first command"
    done = run(main_job, source)
    assert done.returncode == 0, done.stderr
    assert done.stdout == output
