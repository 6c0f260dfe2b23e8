"""What `probe` reports makes Debian's real NUT drivers read the simulated UPS."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from support.cli import nut_helper
from support.nut import driver_command
from support.processes import stop_processes, wait_until


@pytest.mark.parametrize("mode, driver, voltage", [("q1", "nutdrv_qx", 215.0), ("apc", "apcsmart", 230.4)])
def test_probed_driver_and_port_drive_the_real_nut_driver(sim_bench, nut_setup, mode, driver, voltage):
    port = sim_bench.add(f"tty{mode}", mode)
    done = nut_helper("probe", "--json", port.path, check=True)
    (result,) = json.loads(done.stdout)["results"]
    assert result["driver"] == driver
    assert float(result["readings"]["input.voltage"]) == voltage
    options = "".join(f'\n    {key} = "{value}"' for key, value in result["options"].items())
    nut_setup.write_ups_conf(f'[probed]\n    driver = {result["driver"]}{options}\n')
    run = nut_setup.run_driver(result["driver"], "probed")
    assert re.fullmatch(r"[0-9.]+", run.value("input.voltage") or ""), run.output
    assert float(run.value("input.voltage")) == voltage


def test_a_port_a_running_nut_driver_holds_is_skipped_and_the_others_are_probed(sim_bench, nut_setup,
                                                                               modem_lines):
    held = sim_bench.add("ttyheld", "q1")
    free = sim_bench.add("ttyfree", "apc")
    nut_setup.write_ups_conf(f'[held]\n    driver = nutdrv_qx\n    port = "{held.path}"\n')
    driver = subprocess.Popen(driver_command("nutdrv_qx", "held", "-F"), env=nut_setup.env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        socket = nut_setup.statedir / "nutdrv_qx-held"
        wait_until(socket.exists, f"the driver's socket {socket}", watched=[driver])
        env = {**os.environ, **modem_lines.env(watch=str(sim_bench.directory))}
        done = nut_helper("probe", "--json", held.path, free.path, env=env)
    finally:
        stop_processes([driver])
    results = {result["port"]: result for result in json.loads(done.stdout)["results"]}
    assert done.returncode == 0, done.stderr
    assert results[held.path]["skipped"] is True
    assert "a running NUT driver nutdrv_qx" in results[held.path]["error"]
    assert results[free.path]["driver"] == "apcsmart"
    opened = [event.path for event in modem_lines.events("OPEN")]
    assert free.path in opened  # the shim sees our opens ...
    assert not any(path.startswith(held.path) for path in opened)  # ... and none of the held port
