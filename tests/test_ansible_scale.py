"""Scale: the nut_server role over 50 inventory hosts (local connections, each with its own root) finishes,
every host configured on the first run and nothing changed on the second, with the time per host printed by
the benchmark (bench/bench_ansible.py, the one command a person runs)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_ansible.py"
HOSTS = 50


def test_the_role_over_fifty_hosts_and_the_time_per_host(tmp_path):
    figures_file = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, str(BENCH), "--hosts", str(HOSTS), "--json", str(figures_file)],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(figures_file.read_text())
    assert (figures["hosts"], figures["configured_hosts"]) == (HOSTS, HOSTS)
    runs = figures["runs"]
    assert runs["first run"]["changed_hosts"] == HOSTS
    assert runs["second run"]["changed_hosts"] == runs["check mode"]["changed_hosts"] == 0
    for label in ("floor", "first run", "second run", "check mode"):
        assert runs[label]["per_host"] == runs[label]["seconds"] / HOSTS > 0
        printed = re.search(rf"^  {label} +[\d.]+ s +(\d+) ms/host", done.stdout, flags=re.M)
        assert printed and int(printed.group(1)) == round(runs[label]["per_host"] * 1000), done.stdout
    assert f"{HOSTS} local hosts, each with its own root" in done.stdout
