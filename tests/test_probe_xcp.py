"""The XCP probe reads identification frames the way Debian's real bcmxcp does, and what it reports
makes that driver read the simulated unit (tests/support/ups_sim.py, mode xcp)."""

from __future__ import annotations

import json

from nuthelper.probe.protocols.xcp import ID_BLOCK_REQUEST, answer_block, identification
from support.cli import nut_helper


def xcp_frame(block: int, sequence: int, data: bytes) -> bytes:
    body = bytes((0xAB, block, len(data), sequence)) + data
    return body + bytes(((-sum(body)) & 0xFF,))


def test_the_identification_block_comes_back_as_block_1_in_frames():
    one = xcp_frame(0x01, 0x81, b"abc")
    assert answer_block(one, ID_BLOCK_REQUEST) == b"abc"
    two = xcp_frame(0x01, 0x01, b"abc") + xcp_frame(0x01, 0x82, b"def")
    assert answer_block(b"\x00noise" + two, ID_BLOCK_REQUEST) == b"abcdef"


def test_malformed_answers_are_refused():
    assert answer_block(xcp_frame(0x31, 0x81, b"abc"), ID_BLOCK_REQUEST) is None      # block echoed, not 1
    assert answer_block(xcp_frame(0x01, 0x82, b"abc"), ID_BLOCK_REQUEST) is None      # sequence not from 1
    assert answer_block(xcp_frame(0x01, 0x01, b"abc"), ID_BLOCK_REQUEST) is None      # last frame missing
    broken = bytearray(xcp_frame(0x01, 0x81, b"abc"))
    broken[5] ^= 0xFF
    assert answer_block(bytes(broken), ID_BLOCK_REQUEST) is None                     # checksum
    assert answer_block(xcp_frame(0x01, 0x81, b"abc")[:-1], ID_BLOCK_REQUEST) is None  # cut short


def test_identification_fields():
    block = bytes((2, 0x10, 0x03, 0x00, 0x00, 0, 0x28, 0x00, 3, 0, 4)) + b"9155"  # 2 CPUs, 40 x 50 VA, 3 phases
    assert identification(block) == {"model": "9155", "firmware": "03.10", "power_rating_va": "2000"}


def test_probed_settings_drive_the_real_bcmxcp(sim_bench, nut_setup):
    unit = sim_bench.add("ttyxcp", "xcp")
    done = nut_helper("probe", "--json", "--protocols", "xcp", unit.path)
    (result,) = json.loads(done.stdout)["results"]
    assert (result["driver"], result["baud"], result["options"]["baud_rate"]) == ("bcmxcp", 19200, "19200")
    assert result["identification"] == {"model": "SIM XCP", "firmware": "01.02", "power_rating_va": "1000"}
    settings = "".join(f'\t{key} = "{value}"\n' for key, value in result["options"].items())
    nut_setup.write_ups_conf(f"[xcp]\n\tdriver = {result['driver']}\n{settings}")
    run = nut_setup.run_driver("bcmxcp", "xcp")
    assert run.value("ups.model") == "SIM XCP 1000i", run.output
    assert run.value("ups.firmware") == "Cont:" + result["identification"]["firmware"]
    assert run.value("ups.power.nominal") == result["identification"]["power_rating_va"]
    assert run.status() == {"OL"}
