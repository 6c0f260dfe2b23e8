"""What `probe` reports makes Debian's real NUT drivers read the simulated UPS."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from probe_support.ptys import SimBench
from realnut import run_driver_once, write_ups_conf


@pytest.fixture
def bench():
    sims = SimBench()
    yield sims
    sims.close()


@pytest.mark.parametrize("mode, driver, voltage", [("q1", "nutdrv_qx", 215.0), ("apc", "apcsmart", 230.4)])
def test_probed_driver_and_port_drive_the_real_nut_driver(bench, tmp_path, mode, driver, voltage):
    port = bench.add(f"tty{mode}", mode)
    done = subprocess.run([sys.executable, "-m", "nuthelper", "probe", "--json", port.path],
                          capture_output=True, text=True, timeout=60, check=True)
    (result,) = json.loads(done.stdout)["results"]
    assert result["driver"] == driver
    assert float(result["readings"]["input.voltage"]) == voltage
    options = "".join(f'\n    {key} = "{value}"' for key, value in result["options"].items())
    write_ups_conf(tmp_path, f'[probed]\n    driver = {result["driver"]}{options}\n')
    run = run_driver_once(tmp_path, "probed", result["driver"])
    match = re.search(r"^input\.voltage: ([0-9.]+)$", run.output, flags=re.M)
    assert match, run.output
    assert float(match.group(1)) == voltage
