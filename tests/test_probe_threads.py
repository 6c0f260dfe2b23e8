"""Probing many ports at once on a umockdev machine: path look-ups stay out of the probe threads.

umockdev's preload library (0.17.16, Debian 12) keeps the translated path of a stat() in one static
buffer and reads it again after releasing its lock. A thread that lstat()s an emulated /dev node
while another thread looks up any /dev, /sys or /proc path aborts the whole process
(``is_emulated_device: Assertion `res > 0' failed``). The probe therefore resolves, checks and
lock-scans every port in the calling thread and leaves only open() and the serial conversation to the
threads. This test probes eight emulated ports for many rounds in one process: an engine that looks
paths up in its threads dies here within a few rounds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.umockdev import umockdev_prefix

PORTS = 8
ROUNDS = 20

ROUNDS_SCRIPT = f"""
import json
from nuthelper.probe.serialprobe import ProbeSettings, probe_ports
ports = [f"/dev/ttyS{{i}}" for i in range({PORTS})]
for _ in range({ROUNDS}):
    results = probe_ports(ports, ProbeSettings(protocols=("megatec",), timeout=0.05))
print(json.dumps([[r.port, r.device, r.error, r.protocols_tried] for r in results]))
"""


def onboard_ports(count: int) -> str:
    """A umockdev description of ``count`` onboard 16550 ports, ttyS0 upwards."""
    return "".join(f"P: /devices/pnp0/00:{i:02d}/tty/ttyS{i}\nN: ttyS{i}\nE: DEVNAME=/dev/ttyS{i}\n"
                   f"E: SUBSYSTEM=tty\nE: MAJOR=4\nE: MINOR={64 + i}\nA: dev=4:{64 + i}\nA: type=4\n\n"
                   for i in range(count))


def test_eight_ports_probed_twenty_times_in_one_process(tmp_path: Path):
    devices = tmp_path / "eight-uarts.umockdev"
    devices.write_text(onboard_ports(PORTS))
    done = subprocess.run([*umockdev_prefix(devices), sys.executable, "-c", ROUNDS_SCRIPT],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    last_round = json.loads(done.stdout)
    assert last_round == [[f"/dev/ttyS{i}", f"/dev/ttyS{i}", None, ["megatec"]] for i in range(PORTS)]
