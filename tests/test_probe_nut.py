"""What `probe` reports makes Debian's real NUT drivers read the simulated UPS."""

from __future__ import annotations

import json
import re

import pytest

from support.cli import nut_helper


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
