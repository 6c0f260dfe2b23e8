"""The opt-in UPScode II probe, against simulated units on socat ptys and Debian's real upscode2 driver.

Debian 12's upscode2 (NUT 2.8.0) recognises no reply below debug level 3 (NUT #1455, fixed in
2.8.1); nut-helper writes ``debug_min = 3`` for such a release, and these tests prove both the
defect and the workaround on the installed driver.
"""

from __future__ import annotations

import json

import pytest

from nuthelper.evidence import from_auto_port
from nuthelper.probe.auto import auto_port
from nuthelper.render import render_section
from support.cli import nut_helper
from support.nut import upscode2_workaround

MODEL = "SIMCODE 1500"  # what the simulator answers to UPTP (tests/support/ups_sim.py)
DEFECTIVE = bool(upscode2_workaround())  # from upsdrvctl -V, not from nut-helper's own reading


def probe(*args: str) -> dict[str, dict]:
    done = nut_helper("probe", "--json", *args)
    return {result["port"]: result for result in json.loads(done.stdout)["results"]}


def test_the_default_probe_never_sends_upscode2_words(sim_bench):
    unit = sim_bench.add("ttyuc2", "upscode2")
    result = probe(unit.path)[unit.path]
    assert result["driver"] is None and "upscode2" not in result["protocols_tried"]
    assert unit.received() and b"U" not in unit.received()  # U is an APC Smart-UPS test command


@pytest.mark.parametrize("mode, flags", [("upscode2", []), ("upscode2-prelf", ["use_pre_lf"])])
def test_named_upscode2_probe_finds_the_unit_and_whether_it_needs_a_line_feed(sim_bench, mode, flags):
    unit = sim_bench.add("ttyuc2", mode)
    result = probe("--protocols", "upscode2", unit.path)[unit.path]
    assert (result["driver"], result["baud"], result["flags"]) == ("upscode2", 1200, flags)
    assert result["identification"]["model"] == MODEL
    assert result["identification"]["commands"].split()[-1] == "UPCL"
    assert set(unit.received().replace(b"\n", b"").split(b"\r")) <= {b"UPCL", b"UPTP", b""}


def test_probe_text_output_shows_the_flag(sim_bench):
    unit = sim_bench.add("ttyuc2", "upscode2-prelf")
    done = nut_helper("probe", "--protocols", "upscode2", unit.path)
    assert done.returncode == 0
    assert f"ups.conf: driver = upscode2  port = {unit.path}  use_pre_lf" in done.stdout


@pytest.mark.parametrize("mode", ["upscode2", "upscode2-prelf"])
def test_probed_section_drives_the_real_upscode2_driver(sim_bench, nut_setup, mode):
    unit = sim_bench.add("ttyuc2", mode)
    recommendation = from_auto_port(None, lambda: auto_port(ports=[unit.path], protocols=["upscode2"]))
    section = render_section(recommendation, name="uc2")
    assert ("\tuse_pre_lf\n" in section.text) == (mode == "upscode2-prelf")
    assert ("\tdebug_min = 3\n" in section.text) == DEFECTIVE
    nut_setup.write_ups_conf(section.text)
    assert not nut_setup.upsdrvctl_test_start().rejections()
    run = nut_setup.run_driver("upscode2", "uc2")
    assert run.value("ups.model") == MODEL, run.output
    assert float(run.value("input.voltage")) == 229.0
    assert run.status() == {"OL"}


def test_the_installed_upscode2_needs_the_workaround_exactly_when_the_defect_table_says(sim_bench, nut_setup):
    unit = sim_bench.add("ttyuc2", "upscode2")
    nut_setup.write_ups_conf(f'[uc2]\n\tdriver = upscode2\n\tport = "{unit.path}"\n')
    run = nut_setup.run_driver("upscode2", "uc2")
    assert (run.value("ups.model") is None) == DEFECTIVE, run.output
    assert b"UPCL" in unit.received()  # the unit was asked, and it always answers


def test_the_line_feed_unit_stays_silent_to_a_driver_without_the_flag(sim_bench, nut_setup):
    unit = sim_bench.add("ttyuc2", "upscode2-prelf")
    workaround = "\tdebug_min = 3\n" if DEFECTIVE else ""
    nut_setup.write_ups_conf(f'[uc2]\n\tdriver = upscode2\n\tport = "{unit.path}"\n{workaround}')
    run = nut_setup.run_driver("upscode2", "uc2", timeout=90)
    assert run.value("ups.model") is None and "No contact with UPS" in run.output, run.output
