"""A port that another program holds or claims is never opened: open by any process, locked by a
lock file of any common naming style, or claimed by a stale lock file, which is reported and left
alone. Every holder is named by pid and command, or the message says why the command is unknown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nuthelper.probe.locks import lock_state
from support.cli import NUT_HELPER, nut_helper
from support.shim import ModemLines

LOCK_DIR = Path("/run/lock")


def probe_one(port, modem_lines: ModemLines, sim_bench) -> dict:
    done = nut_helper("probe", "--json", port.path, env={**os.environ, **modem_lines.env(watch=str(sim_bench.directory))})
    (result,) = json.loads(done.stdout)["results"]
    return result


def assert_untouched(port, modem_lines: ModemLines) -> None:
    assert not any(event.path.startswith(port.path) or event.path == port.device
                   for event in modem_lines.events("OPEN"))
    assert port.received() == b""


@pytest.fixture
def keeper():
    """A live process whose pid a lock file can name."""
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def test_the_pty_s_own_far_end_is_not_a_holder_but_any_other_opener_is(sim_bench, modem_lines):
    port = sim_bench.add("ttygetty", "q1")
    assert not lock_state(port.path).held  # socat keeps the slave open beside its master: the pty's far end
    fd = os.open(port.path, os.O_RDWR | os.O_NOCTTY)
    try:
        getty = subprocess.Popen(["sleep", "60"], stdin=fd)
    finally:
        os.close(fd)
    try:
        result = probe_one(port, modem_lines, sim_bench)
    finally:
        getty.kill()
        getty.wait()
    assert result["skipped"] is True
    assert f"held by process sleep (pid {getty.pid}, open)" in result["error"]
    assert_untouched(port, modem_lines)


def test_a_stale_lock_file_is_reported_and_neither_removed_nor_reused(sim_bench, modem_lines):
    port = sim_bench.add("ttystale", "q1")
    gone = subprocess.Popen(["true"])
    gone.wait()
    lock_file = LOCK_DIR / f"LCK..{os.path.basename(port.path)}"
    lock_file.write_text(f"{gone.pid:10d}\n")
    try:
        result = probe_one(port, modem_lines, sim_bench)
        assert lock_file.read_text() == f"{gone.pid:10d}\n"  # still there, untouched
    finally:
        lock_file.unlink()
    assert result["skipped"] is True
    assert f"stale lock file {lock_file} of process {gone.pid}, which is not running" in result["error"]
    assert "remove it if no program is using the port" in result["error"]
    assert_untouched(port, modem_lines)


def lock_names(device: str) -> dict[str, str]:
    """The lock file names of other programs' styles for a /dev/pts/N node (not nut-helper's reading)."""
    below = os.path.relpath(device, "/dev")
    st = os.stat(device)
    major, minor = os.major(st.st_rdev), os.minor(st.st_rdev)
    return {"gensio": "LCK.." + below.replace("/", "_"), "liblockdev": "LCK.." + below.replace("/", ":"),
            "svr4": f"LCK.{major:03d}.{minor:03d}", "liblockdev-numeric": f"LK.{os.major(st.st_dev):03d}.{major:03d}.{minor:03d}"}


@pytest.mark.parametrize("style", ["gensio", "liblockdev", "svr4", "liblockdev-numeric"])
def test_lock_files_of_every_common_naming_style_are_recognised(sim_bench, modem_lines, keeper, style):
    port = sim_bench.add("ttylockdev", "q1")
    lock_file = LOCK_DIR / lock_names(port.device)[style]
    lock_file.write_text(f"{keeper.pid:10d}\n")
    try:
        result = probe_one(port, modem_lines, sim_bench)
    finally:
        lock_file.unlink()
    assert result["skipped"] is True
    assert f"process sleep (pid {keeper.pid}, lock file {lock_file})" in result["error"]
    assert_untouched(port, modem_lines)


def test_a_holder_whose_command_cannot_be_read_is_named_by_pid_with_the_reason(sim_bench, keeper):
    """As user nobody with /proc mounted hidepid=2 (in a private mount namespace), root's process is
    alive (kill answers EPERM) but /proc/PID cannot be read."""
    port = sim_bench.add("ttyhidden", "q1")
    os.chmod(port.device, 0o666)
    lock_file = LOCK_DIR / f"LCK..{os.path.basename(port.path)}"
    lock_file.write_text(f"{keeper.pid:10d}\n")
    as_nobody = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                 'mount -t proc -o hidepid=2 proc /proc && exec setpriv --reuid=65534 --regid=65534 '
                 '--clear-groups "$@"', "sh"]
    try:
        done = subprocess.run([*as_nobody, *NUT_HELPER, "probe", "--json", port.path], capture_output=True,
                              text=True, timeout=60, cwd="/")
    finally:
        lock_file.unlink()
    (result,) = json.loads(done.stdout)["results"]
    assert result["skipped"] is True
    assert "?" not in result["error"]
    assert f"process {keeper.pid} (lock file {lock_file}), whose command cannot be read: /proc/{keeper.pid} " \
           "is hidden from this user" in result["error"]
    assert "not running as root" in done.stderr
    assert port.received() == b""


def test_the_probe_s_own_lock_file_uses_the_path_below_dev_and_is_removed(sim_bench):
    port = sim_bench.add("ttyown", "silent")
    own = LOCK_DIR / ("LCK.." + os.path.relpath(port.device, "/dev").replace("/", "_"))
    script = ("import os, sys, time\n"
              "from nuthelper.probe.serialprobe import ProbeSettings, probe_ports\n"
              f"def seen(message):\n"
              f"    if 'trying' in message: print(os.path.exists({str(own)!r}), flush=True)\n"
              f"probe_ports([{port.path!r}], ProbeSettings(protocols=('megatec',), timeout=0.3), seen)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == "True\n"
    assert not own.exists()
