"""The collection passes ``ansible-test sanity`` and its unit tests pass under ``ansible-test units``, run the
way ansible-test requires: from a copy of the collection at ansible_collections/nut_helper/nut (so that its
output stays out of the source tree). Sanity runs with --venv (each test in a virtual environment with the
pinned tools ansible-test names, from PyPI); units with --local, in this interpreter, which has nut-helper."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import ansible_test

from support.ansible import ANSIBLE_TEST, BIN, COLLECTION

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
STANDIN = Path(__file__).resolve().parent / "support" / "get_pip_standin.py"


def collection_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "ansible_collections" / "nut_helper" / "nut"
    shutil.copytree(COLLECTION, copy, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    shutil.rmtree(copy / "tests" / "output", ignore_errors=True)
    return copy


def ansible_test_env(tmp_path: Path) -> dict[str, str]:
    """A scratch HOME whose ansible-test cache holds the stand-in pip bootstrap (support/get_pip_standin.py)."""
    source = (Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
    version = re.search(r"\bpip='([\d.]+)'", source)
    assert version, "ansible-test no longer names its pip version where this test looks for it"
    cache = tmp_path / "home" / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True)
    shutil.copy(STANDIN, cache / f"get_pip_{version.group(1).replace('.', '_')}.py")
    return {**os.environ, "HOME": str(tmp_path / "home")}


def ansible_test_run(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ANSIBLE_TEST), *arguments, "--python", PYTHON, "--color", "no"],
                          cwd=collection_copy(tmp_path), env=ansible_test_env(tmp_path), capture_output=True,
                          text=True, timeout=1800)


def test_ansible_test_sanity_passes(tmp_path):
    done = ansible_test_run(tmp_path, "sanity", "--venv")
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
    for test in ("validate-modules", "ansible-doc", "pylint", "yamllint", "import", "compile"):
        assert f'Running sanity test "{test}"' in done.stdout, done.stdout


def test_ansible_test_units_runs_the_module_unit_tests(tmp_path):
    done = ansible_test_run(tmp_path, "units", "--local")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-20000:]
    passed = sum(int(count) for count in re.findall(r"= (\d+) passed", output))
    units = COLLECTION / "tests" / "unit"
    defined = sum(len(re.findall(r"^def test_", path.read_text(), flags=re.M)) for path in units.rglob("test_*.py"))
    assert passed >= defined > 10, output[-5000:]


def test_ansible_test_integration_runs_the_collection_s_own_target(tmp_path):
    done = ansible_test_run(tmp_path, "integration", "--local")
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
    recap = re.search(r"^testhost +: ok=(\d+) +changed=(\d+) +unreachable=0 +failed=0 ", done.stdout, flags=re.M)
    assert recap and int(recap.group(1)) >= 15, done.stdout[-5000:]


def test_the_collection_builds_and_installs_as_the_fleet_guide_says(tmp_path):
    copy = collection_copy(tmp_path)
    galaxy = str(BIN / "ansible-galaxy")
    built = subprocess.run([galaxy, "collection", "build", "--output-path", str(tmp_path / "dist")], cwd=copy,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    (tarball,) = (tmp_path / "dist").glob("nut_helper-nut-*.tar.gz")
    installed = subprocess.run([galaxy, "collection", "install", "--offline", str(tarball), "-p", str(tmp_path / "installed")],
                               capture_output=True, text=True, timeout=300, env=ansible_test_env(tmp_path))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    documented = subprocess.run([str(BIN / "ansible-doc"), "--list", "nut_helper.nut"], capture_output=True, text=True,
                                timeout=300, env={**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(tmp_path / "installed")})
    assert documented.returncode == 0, documented.stderr
    assert [line.split()[0] for line in documented.stdout.splitlines()] == \
        ["nut_helper.nut.ups", "nut_helper.nut.ups_check", "nut_helper.nut.ups_facts"]
