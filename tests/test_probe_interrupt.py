"""Ctrl-C during a probe: a real SIGINT to a real probe talking to silent ptys stops every
conversation within half a second, closes the ports, and `--json` still prints one document."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

from support.cli import NUT_HELPER
from support.processes import wait_until

STOP_LIMIT = 0.5
TIMEOUT = "10"  # seconds a silent port may cost: far longer than the test waits


def test_sigint_to_nut_helper_probe_stops_at_once_with_one_json_document(sim_bench):
    ports = [sim_bench.add(f"ttysilent{i}", "silent") for i in range(3)]
    probe = subprocess.Popen([*NUT_HELPER, "probe", "--json", "--timeout", TIMEOUT, *(p.path for p in ports)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    progress: list[str] = []
    reader = threading.Thread(target=lambda: progress.extend(probe.stderr), daemon=True)
    reader.start()
    try:
        wait_until(lambda: all(any(f"{p.path}: trying megatec" in line for line in progress) for p in ports),
                   "every conversation to start", watched=[probe], details=lambda: "".join(progress))
        time.sleep(0.3)  # well inside the first protocol's wait
        probe.send_signal(signal.SIGINT)
        sent = time.monotonic()
        probe.wait(timeout=10)
        stopped_after = time.monotonic() - sent
    finally:
        if probe.poll() is None:
            probe.kill()
            probe.wait()
    stdout = probe.stdout.read()
    reader.join(timeout=5)
    assert stopped_after <= STOP_LIMIT, f"took {stopped_after:.2f} s"
    assert probe.returncode == 130
    document = json.loads(stdout)  # exactly one JSON document
    assert document["interrupted"] is True
    results = {result["port"]: result for result in document["results"]}
    assert set(results) == {p.path for p in ports}
    for result in results.values():
        assert result["interrupted"] is True and result["driver"] is None
        assert result["protocols_tried"] == ["megatec"]
    assert "interrupted" in "".join(progress)


INTERRUPTED_IN_PROCESS = """
import json, os, signal, sys, threading, time
from nuthelper.probe.serialprobe import ProbeInterrupted, ProbeSettings, probe_ports
ports = sys.argv[1:]
started = set()
def progress(message):
    started.update(p for p in ports if message.startswith(p + ": trying"))
    if len(started) == len(ports):
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        started.add(None)
try:
    probe_ports(ports, ProbeSettings(timeout=10), progress)
except ProbeInterrupted as interrupted:
    devices = {os.path.realpath(p) for p in ports}
    still_open = [fd for fd in os.listdir("/proc/self/fd") if os.path.realpath(f"/proc/self/fd/{fd}") in devices]
    print(json.dumps({"still_open": still_open, "interrupted": [r.interrupted for r in interrupted.results],
                      "pool_threads": [t.name for t in threading.enumerate() if t.name.startswith("ThreadPool")]}))
"""


def test_probe_ports_closes_every_port_before_it_raises(sim_bench):
    ports = [sim_bench.add(f"ttysilent{i}", "silent") for i in range(2)]
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", INTERRUPTED_IN_PROCESS, *(p.path for p in ports)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 5  # not the 10 s the ports could cost
    report = json.loads(done.stdout)
    assert report == {"still_open": [], "interrupted": [True, True], "pool_threads": []}
