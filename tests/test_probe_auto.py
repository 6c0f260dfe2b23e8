"""auto_port() over probed serial ports: exactly one UPS, none, or several."""

from __future__ import annotations

import pytest

from nuthelper.errors import Ambiguous, NotFound
from nuthelper.probe.auto import auto_port


def test_one_answering_port_gives_its_port_and_driver(sim_bench):
    q1 = sim_bench.add("ttyq1", "q1")
    silent = sim_bench.add("ttysilent", "silent")
    found = auto_port(ports=[silent.path, q1.path])
    assert (found.port, found.driver, found.source) == (q1.path, "nutdrv_qx", "serial probe")
    assert found.options["port"] == q1.path
    assert found.identification["model"] == "SIMMODEL"


def test_two_answering_ports_are_listed(sim_bench):
    q1 = sim_bench.add("ttyq1", "q1")
    apc = sim_bench.add("ttyapc", "apc")
    with pytest.raises(Ambiguous) as caught:
        auto_port(ports=[q1.path, apc.path])
    message = caught.value.message
    assert q1.path in message and apc.path in message and "apcsmart" in message and "--port" in message
    assert "\n" not in message


def test_no_answer_says_what_to_pass(sim_bench):
    silent = sim_bench.add("ttysilent", "silent")
    with pytest.raises(NotFound) as caught:
        auto_port(ports=[silent.path], timeout=0.4)
    assert silent.path in caught.value.message and "--port" in caught.value.message
