"""``setup --model M --port DEV --probe``: the unit's answer to the probe decides, confirms or
contradicts the model; never probed unless asked. Simulated UPSes on real pseudo-terminals."""

from __future__ import annotations

import json

from support.cli import nut_helper


def setup(*args: str) -> dict:
    done = nut_helper("setup", *args, "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout)


def test_the_probe_confirms_an_inferred_answer(sim_bench):
    q1 = sim_bench.add("ttyq1", "q1")
    unasked = setup("--model", "Zyxbrand 1000", "--port", q1.path)
    assert unasked["confidence"] == "inferred" and any("--probe" in w for w in unasked["warnings"])
    asked = setup("--model", "Zyxbrand 1000", "--port", q1.path, "--probe")
    assert asked["driver"] == "nutdrv_qx" and asked["confidence"] == "probed"
    assert any("confirms nutdrv_qx" in reason for reason in asked["reasons"])
    assert not any("--probe to ask the unit" in warning for warning in asked["warnings"]), asked["warnings"]


def test_the_probe_contradicts_the_model(sim_bench):
    apc = sim_bench.add("ttyapc", "apc")
    answer = setup("--model", "Mustek PowerMust 1000", "--port", apc.path, "--probe")
    assert answer["driver"] == "apcsmart" and answer["confidence"] == "probed"
    assert any("check the model you gave" in warning for warning in answer["warnings"])
    assert not any("--probe to ask the unit" in warning for warning in answer["warnings"]), answer["warnings"]
    assert answer["alternatives"][0]["driver"] == "nutdrv_qx"


def test_the_probe_answers_what_the_model_cannot(sim_bench):
    q1 = sim_bench.add("ttyq1", "q1")
    answer = setup("--model", "Nonexistent Brand Thing", "--port", q1.path, "--probe")
    assert answer["driver"] == "nutdrv_qx" and answer["confidence"] == "probed"


def test_a_silent_unit_leaves_the_model_answer(sim_bench):
    silent = sim_bench.add("ttysilent", "silent")
    answer = setup("--model", "Mustek PowerMust 1000", "--port", silent.path, "--probe", "--probe-timeout", "0.4")
    assert answer["driver"] == "nutdrv_qx" and answer["confidence"] == "hcl"
    assert any("did not answer" in warning for warning in answer["warnings"])


def test_probe_needs_a_serial_port():
    done = nut_helper("setup", "--model", "APC Back-UPS ES 700", "--port", "auto", "--probe")
    assert done.returncode == 2 and "serial device" in done.stderr
