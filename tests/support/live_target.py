"""A bootstrapped Debian 12 (support/debian_root.py) that runs nut-helper itself, for what installers
run inside the target (d-i's in-target, curtin in-target, kickstart's %post) and what a live system
runs (``setup --activate``, cloud-init at first boot).

The target gets Debian's python3 with nut-helper's dependencies and cloud-init from the mirror (one
cached tarball), then the nuthelper package this test run installed, copied in, with a
``/usr/local/bin/nut-helper`` that runs it, and the /etc/hosts an installed system has. No init
system runs in a chroot: :func:`create_runtime_directories` makes what systemd-tmpfiles would at
boot, and :func:`install_recorder` puts recording stand-ins in place of systemctl and udevadm.

Example::

    with live_target(tmp_path / "target") as target:
        run_in(target, ["nut-helper", "setup", ...])
        calls = recorded(target, "udevadm")
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import nuthelper
from support.debian_root import NUT_PACKAGES, Bind, DebianRoot, bootstrap_tarball
from support.processes import wait_until

PYTHON_PACKAGES = ("python3", "python3-jinja2", "python3-serial", "python3-pyudev", "python3-jsonschema")
LIVE_PACKAGES = (*NUT_PACKAGES, *PYTHON_PACKAGES, "cloud-init")
SITE_PACKAGES = "/usr/local/lib/python3.11/dist-packages"
COMMAND = "/usr/local/bin/nut-helper"
RECORDS = "/var/lib/recorded"
ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"   # Debian's PATH for root

# What Debian's installer writes (netcfg); mmdebstrap leaves /etc/hosts out, and upsmon and upsc
# resolve "localhost" through it.
HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"

LAUNCHER = """#!/usr/bin/python3
import sys
from nuthelper.cli import main
sys.exit(main())
"""

RECORDER = """#!/bin/sh
# Recording stand-in for {name}: no {what} runs in a chroot (or in CI), so this notes each call
# and succeeds without doing anything.
printf '%s\\n' "$*" >> {records}/{name}
"""

# systemctl also keeps the one piece of systemd's state that NUT's nut-driver-enumerator reads back:
# which nut-driver@ instances are enabled ("systemctl show 'nut-driver@*' -p Id" lists them).
SYSTEMCTL_STATE = """enabled={records}/systemctl.enabled
touch "$enabled"
case "$1" in
    enable) printf '%s\\n' "$2" >> "$enabled" ;;
    disable) grep -vxF "$2" "$enabled" > "$enabled.new"; mv "$enabled.new" "$enabled" ;;
    show) sed 's/^/Id=/' "$enabled" ;;
esac
"""


@contextmanager
def live_target(root: Path) -> Iterator[DebianRoot]:
    """An extracted Debian 12 with NUT, python3, cloud-init and this run's nut-helper; removed afterwards."""
    with DebianRoot.extract(bootstrap_tarball(LIVE_PACKAGES), root) as target:
        shutil.copytree(Path(nuthelper.__file__).parent, target.path(f"{SITE_PACKAGES}/nuthelper"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        launcher = target.path(COMMAND)
        launcher.write_text(LAUNCHER)
        launcher.chmod(0o755)
        target.path("/etc/hosts").write_text(HOSTS)
        yield target


def run_in(target: DebianRoot, argv: Sequence[str], binds: Sequence[Bind] = (), env: dict[str, str] | None = None,
           timeout: float = 180) -> subprocess.CompletedProcess:
    """``argv`` in the target as root's login shell would run it (Debian's PATH for root)."""
    return target.run(argv, binds=binds, env={"PATH": ROOT_PATH, **(env or {})}, timeout=timeout)


def install_recorder(target: DebianRoot, name: str, what: str, also: tuple[str, ...] = ()) -> None:
    """A recording stand-in for program ``name`` in /usr/local/sbin (first on PATH), and at ``also``
    (paths that callers name directly, such as NUT's /bin/systemctl)."""
    target.path(RECORDS).mkdir(parents=True, exist_ok=True)
    for inside in (f"/usr/local/sbin/{name}", *also):
        path = target.path(inside)
        path.unlink(missing_ok=True)
        text = RECORDER + (SYSTEMCTL_STATE if name == "systemctl" else "")
        path.write_text(text.format(name=name, what=what, records=RECORDS))
        path.chmod(0o755)


def recorded(target: DebianRoot, name: str) -> list[str]:
    """The argument lists the stand-in for ``name`` was called with, in order."""
    path = target.path(f"{RECORDS}/{name}")
    return path.read_text().splitlines() if path.exists() else []


def create_runtime_directories(target: DebianRoot) -> None:
    """The directories systemd-tmpfiles creates at boot from NUT's tmpfiles.d files (/run/nut), with
    the target's own nut account: the chroot never booted."""
    for conf in sorted(target.path("/usr/lib/tmpfiles.d").glob("nut-*.conf")):
        for line in conf.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 5 and fields[0] == "d":
                path = target.path(fields[1])
                path.mkdir(parents=True, exist_ok=True)
                path.chmod(int(fields[2], 8))
                os.chown(path, target.account(fields[3])[0], target.account(fields[4])[1])


def stop_nut(target: DebianRoot, binds: Sequence[Bind] = ()) -> None:
    """Stop what the target's init scripts started (upsmon, upsd, the drivers), then any NUT daemon
    still named in /run/nut/*.pid, by its id, when that process runs in this target."""
    for script in ("nut-client", "nut-server"):
        run_in(target, ["service", script, "stop"], binds=binds)
    for pidfile in target.path("/run/nut").glob("*.pid"):
        try:
            pid = int(pidfile.read_text().split()[0])
            if os.readlink(f"/proc/{pid}/root") == str(target.root):
                os.kill(pid, signal.SIGTERM)
        except (ValueError, IndexError, OSError):
            pass


@contextmanager
def booted_with_ups(root: Path, device: str) -> Iterator[tuple[DebianRoot, list[Bind]]]:
    """A live target booted as far as a chroot goes (/run/nut made), with the pty ``device`` of a
    simulated UPS at /dev/ttyS0, open to the target's group nut as the udev rule would make it; the
    binds to pass to every command, so that restarted drivers find the port; NUT stopped afterwards."""
    with live_target(root) as target:
        create_runtime_directories(target)
        os.chown(device, 0, target.account("nut")[1])
        os.chmod(device, 0o660)
        binds = [Bind(Path(device), "/dev/ttyS0")]
        try:
            yield target, binds
        finally:
            stop_nut(target, binds)


def assert_nut_serves(target: DebianRoot, binds: Sequence[Bind], ups: str, status: str = "OL") -> None:
    """The target's upsd serves ``ups`` (NAME@HOST:PORT) with this ups.status, read from the real
    driver, and upsmon has logged in to it."""
    done = run_in(target, ["upsc", ups, "ups.status"], binds=binds)
    assert (done.returncode, done.stdout.strip()) == (0, status), done.stderr
    wait_until(lambda: run_in(target, ["upsc", "-c", ups], binds=binds).stdout.strip(), f"upsmon logged in to {ups}",
               timeout=30, interval=1)
