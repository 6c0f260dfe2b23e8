"""A real Debian 12 system root, bootstrapped by mmdebstrap from Debian's mirror, for ``--root`` and
package tests (support/target.py, by contrast, fakes a target's etc/ in a few lines).

Bootstrapping takes about 20 s and 200 MB, so the tarball is cached between runs of the suite on
the same machine, in ``$NUT_HELPER_TEST_CACHE`` (default ``/var/cache/nut-helper-tests``), under a
name derived from everything that goes into it (suite, variant, mirror, package list). Delete the
directory to bootstrap afresh. Every test extracts its own copy, and commands run in it through
``chroot`` inside a private mount namespace (``unshare --mount``), so no mount outlives the command.

Example::

    with DebianRoot.extract(bootstrap_tarball(), tmp_path / "target") as target:
        target.run(["/sbin/upsdrvctl", "-t", "start"])
        target.apt_get("install", "./tmp/nut-helper_0.1.0_all.deb")
        target.account("nut")   # -> (uid, gid) in the target's own /etc/passwd and /etc/group
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

CACHE_DIR = Path(os.environ.get("NUT_HELPER_TEST_CACHE", "/var/cache/nut-helper-tests"))
SUITE = "bookworm"
VARIANT = "apt"                        # Essential packages and apt: the smallest root apt can extend
MIRROR = "http://deb.debian.org/debian"
NUT_PACKAGES = ("nut-client", "nut-server")
# The interpreter and tools of the system itself, not of the environment running the tests
# (a venv or pyenv on PATH would otherwise stand in for Debian's python3 in builds and chroots).
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """An exclusive lock shared by every test run on this machine (concurrent suites wait)."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / name, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def system_env(**extra: str) -> dict[str, str]:
    """This process's environment with the system's PATH (and no venv)."""
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return {**env, "PATH": SYSTEM_PATH, **extra}


def bootstrap_tarball(packages: Sequence[str] = NUT_PACKAGES) -> Path:
    """The cached tarball of a minimal Debian 12 with ``packages``; bootstrapped when missing."""
    recipe = {"suite": SUITE, "variant": VARIANT, "mirror": MIRROR, "packages": sorted(packages)}
    key = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]
    tarball = CACHE_DIR / f"debian-{SUITE}-{key}.tar"
    with _locked("bootstrap.lock"):
        if not tarball.exists():
            partial = tarball.with_suffix(".tar.partial")
            done = subprocess.run(["mmdebstrap", "--format=tar", f"--variant={VARIANT}", f"--include={','.join(sorted(packages))}",
                                   SUITE, str(partial), MIRROR],
                                  capture_output=True, text=True, timeout=1800, env=system_env())
            if done.returncode != 0:
                partial.unlink(missing_ok=True)
                raise RuntimeError(f"mmdebstrap failed (it needs root and Debian's mirror):\n{done.stderr}")
            (CACHE_DIR / f"debian-{SUITE}-{key}.json").write_text(json.dumps(recipe, indent=1) + "\n")
            os.replace(partial, tarball)
    return tarball


@dataclass(frozen=True)
class Bind:
    """A host file or directory mounted at ``inside`` (an absolute path in the target) for one command."""

    host: Path
    inside: str


class DebianRoot:
    """An extracted system root; :meth:`run` executes commands in it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    @contextmanager
    def extract(cls, tarball: Path, root: Path) -> Iterator[DebianRoot]:
        """Unpack ``tarball`` into ``root`` (with owners and device nodes); removed afterwards."""
        root.mkdir(parents=True)
        try:
            subprocess.run(["tar", "-C", str(root), "--numeric-owner", "-xpf", str(tarball)], check=True,
                           capture_output=True, timeout=600)
            yield cls(root)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def path(self, inside: str) -> Path:
        """The host path of ``inside`` (an absolute path in the target)."""
        return self.root / inside.lstrip("/")

    def run(self, argv: Sequence[str], binds: Sequence[Bind] = (), env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
        """``chroot ROOT ARGV`` with /proc mounted and ``binds`` in place, output captured as text."""
        created = []
        for bind in binds:
            point = self.path(bind.inside)
            if not point.exists():
                point.parent.mkdir(parents=True, exist_ok=True)
                if bind.host.is_dir():
                    point.mkdir()
                else:
                    point.touch()
                created.append(point)
        mounts = ['mount -t proc proc "$ROOT/proc"']
        mounts += [f'mount --bind "${{BIND_{index}}}" "$ROOT/{bind.inside.lstrip("/")}"'
                   for index, bind in enumerate(binds)]
        script = " && ".join(mounts) + ' && exec chroot "$ROOT" "$@"'
        variables = {"ROOT": str(self.root), **{f"BIND_{index}": str(bind.host) for index, bind in enumerate(binds)}}
        try:
            return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *argv],
                                  capture_output=True, text=True, timeout=timeout,
                                  env=system_env(**variables, **(env or {})))
        finally:
            for point in reversed(created):
                if point.is_dir():
                    point.rmdir()
                else:
                    point.unlink()

    def apt_get(self, *arguments: str, timeout: float = 900) -> subprocess.CompletedProcess:
        """``apt-get ARGUMENTS`` in the target, from Debian's mirror, with downloads cached on the host."""
        archives = CACHE_DIR / "apt-archives"
        (archives / "partial").mkdir(parents=True, exist_ok=True)
        shutil.copyfile("/etc/resolv.conf", self.path("/etc/resolv.conf"))
        policy = self.path("/usr/sbin/policy-rc.d")   # start no service in the target
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        with _locked("apt.lock"):   # the shared download cache takes one apt at a time
            return self.run(["apt-get", "-q", "-y", *arguments], binds=[Bind(archives, "/var/cache/apt/archives")],
                            env={"DEBIAN_FRONTEND": "noninteractive"}, timeout=timeout)

    def account(self, name: str) -> tuple[int | None, int | None]:
        """(uid of user ``name``, gid of group ``name``) in the target's own /etc/passwd and /etc/group."""
        return _id_of(self.path("/etc/passwd"), name), _id_of(self.path("/etc/group"), name)


def _id_of(database: Path, name: str) -> int | None:
    for line in database.read_text().splitlines():
        fields = line.split(":")
        if len(fields) > 2 and fields[0] == name:
            return int(fields[2])
    return None
