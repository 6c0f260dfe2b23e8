"""``nut-helper verify`` against the project's simulated UPSes with Debian's real drivers (nutdrv_qx,
apcsmart, bcmxcp, genericups through the modem-line shim) and the real upsd: the verdicts, the
reasons, the JSON document and the exit codes."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from nuthelper.errors import EXIT_DOES_NOT_WORK, EXIT_NOT_FOUND, EXIT_INVALID, EXIT_NOT_VERIFIED
from nuthelper.knowledge.genericups import INPUT_LINES, load_table
from nuthelper.probe.contact import reads_normal
from nuthelper.probe.locks import lock_state
from nuthelper.verify.upsd import listen_addresses
from support.access import let_nut_open, lines_nut_can_use
from support.cli import NUT_HELPER, nut_helper
from support.nut import LiveNut, NutSetup, free_port
from support.processes import wait_until
from support.ptys import PtyPair
from support.target import target_root
from support.terminal import TerminalSession

TRIPP_TYPE = 5      # the Tripp Lite 73-0844 cable's type, as setup writes it


def verify(config: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120):
    """Run ``verify --config CONFIG ARGS --json``; the exit code and the JSON document."""
    done = nut_helper("verify", "--config", str(config), *args, "--json", timeout=timeout,
                      env={**os.environ, **(env or {})})
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def write_conf(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def only(document: dict) -> dict:
    (section,) = document["sections"]
    return section


def findings(section: dict, kind: str | None = None) -> str:
    return "\n".join(item["message"] for item in section["findings"] if kind is None or item["kind"] == kind)


# --- smart protocols -------------------------------------------------------------------------

def test_a_setup_written_by_nut_helper_works_and_the_unit_is_the_model_it_was_made_for(tmp_path, sim_bench):
    apc = sim_bench.add("ttyapc", "apc")
    let_nut_open(apc.device)
    root = target_root(tmp_path / "root")
    done = nut_helper("setup", "--model", "APC Smart-UPS 1500", "--cable", "940-0024C", "--port", apc.path,
                      "--name", "apc", "--write", "--root", str(root))
    assert done.returncode == 0, done.stderr
    code, document = verify(root / "etc" / "nut" / "ups.conf", "apc")
    section = only(document)
    assert (code, section["verdict"], section["read_through"]) == (0, "works", "driver"), findings(section)
    assert section["model"] == {"expected": "APC Smart-UPS 1500", "from": "comment"}
    assert section["identification"] == {"mfr": "APC", "model": "Smart-UPS 1500", "serial": "AS1234567890",
                                         "firmware": "601.3.I"}
    assert section["status"] == ["OL"] and section["readings"]["driver.name"] == "apcsmart"
    assert "the model the section was made for" in findings(section, "note")
    assert document["exit_code"] == 0 and document["counts"] == {"works": 1}


def test_q1_and_xcp_units_work_and_every_section_gets_a_verdict(tmp_path, sim_bench):
    q1, xcp = sim_bench.add("ttyq1", "q1"), sim_bench.add("ttyxcp", "xcp")
    for port in (q1, xcp):
        let_nut_open(port.device)
    config = write_conf(tmp_path / "ups.conf", f"[q1]\n  driver = nutdrv_qx\n  port = {q1.path}\n"
                                               f"[xcp]\n  driver = bcmxcp\n  port = {xcp.path}\n")
    code, document = verify(config)
    by_name = {section["name"]: section for section in document["sections"]}
    assert code == 0, document
    assert [by_name["q1"]["verdict"], by_name["xcp"]["verdict"]] == ["works", "works"]
    assert by_name["q1"]["identification"]["model"] == "SIMMODEL"
    assert by_name["xcp"]["identification"]["serial"] == "SIMXCP0042"
    assert "no model to compare" in findings(by_name["q1"], "note")


def test_a_unit_that_names_another_model_works_with_a_warning(tmp_path, sim_bench):
    q1 = sim_bench.add("ttyq1", "q1")
    let_nut_open(q1.device)
    config = write_conf(tmp_path / "ups.conf", f"[q1]\n  driver = nutdrv_qx\n  port = {q1.path}\n")
    code, document = verify(config, "q1", "--model", "Eaton 5E 1100i")
    section = only(document)
    assert (code, section["verdict"]) == (0, "works-with-warnings")
    assert "identifies itself as 'SIMVENDOR SIMMODEL', but the section was made for 'Eaton 5E 1100i'" in \
        findings(section, "warning")


def test_a_smart_unit_on_battery_works_with_a_warning(tmp_path, sim_bench):
    state = tmp_path / "q1-state"
    state.write_text("OB")
    q1 = sim_bench.add("ttyq1", "q1", env={"SIM_Q1_STATE": str(state)})
    let_nut_open(q1.device)
    config = write_conf(tmp_path / "ups.conf", f"[q1]\n  driver = nutdrv_qx\n  port = {q1.path}\n")
    code, document = verify(config)
    section = only(document)
    assert (code, section["verdict"], section["status"]) == (0, "works-with-warnings", ["OB"])
    assert "the UPS reports OB (on battery" in findings(section, "warning")


def test_a_silent_port_gets_no_answer_and_the_probe_is_suggested(tmp_path, sim_bench):
    silent = sim_bench.add("ttysilent", "silent")
    let_nut_open(silent.device)
    config = write_conf(tmp_path / "ups.conf", f"[apc]\n  driver = apcsmart\n  port = {silent.path}\n")
    code, document = verify(config, "--seconds", "3")
    section = only(document)
    assert (code, section["verdict"]) == (EXIT_DOES_NOT_WORK, "no-answer")
    assert "no answer from the UPS within 3 s" in findings(section, "problem")
    assert f"nut-helper probe {silent.path}" in findings(section, "note")
    assert silent.received(), "the real driver talked to the port"


def test_a_port_the_nut_user_may_not_open_points_to_the_udev_rule(tmp_path, sim_bench):
    apc = sim_bench.add("ttyapc", "apc")
    os.chmod(apc.device, 0o600)          # as a port is before the udev rule: root's alone
    config = write_conf(tmp_path / "ups.conf", f"[apc]\n  driver = apcsmart\n  port = {apc.path}\n")
    code, document = verify(config)
    section = only(document)
    assert (code, section["verdict"]) == (EXIT_DOES_NOT_WORK, "no-answer")
    said = findings(section, "problem")
    assert f"running as user nut, may not open {apc.path}" in said
    assert "udev rule" in said and "/etc/udev/rules.d/90-nut-helper-apc.rules" in said
    assert apc.received() == b""


def test_a_port_behind_a_directory_the_nut_user_cannot_enter_is_named_as_such(tmp_path, serial_pty):
    let_nut_open(serial_pty.device)                  # the device lets nut in; pytest's tmp_path does not
    config = write_conf(tmp_path / "ups.conf", f"[apc]\n  driver = apcsmart\n  port = {serial_pty.port}\n")
    code, document = verify(config)
    section = only(document)
    assert (code, section["verdict"]) == (EXIT_DOES_NOT_WORK, "no-answer")
    assert f"may not reach {serial_pty.port}: the device lets nut in, but a directory on the way does not" in \
        findings(section, "problem")


def test_a_missing_port_and_a_refused_section_are_told_apart(tmp_path, sim_bench):
    gone = f"{sim_bench.directory}/ttyNONE"
    config = write_conf(tmp_path / "ups.conf", f"[gone]\n  driver = nutdrv_qx\n  port = {gone}\n"
                                               f"[typo]\n  driver = genericups\n  port = {gone}\n  upstype = 99\n")
    code, document = verify(config)
    by_name = {section["name"]: section for section in document["sections"]}
    assert code == EXIT_DOES_NOT_WORK
    assert by_name["gone"]["verdict"] == "no-answer"
    assert f"the port {gone} does not exist" in findings(by_name["gone"])
    assert by_name["typo"]["verdict"] == "no-answer"
    assert "the driver refuses the section" in findings(by_name["typo"])


# --- genericups through the modem-line shim --------------------------------------------------

def _normal_lines(ups_type) -> frozenset[str] | None:
    """The fewest input lines on which ``ups_type`` reads on line with a good battery."""
    for size in range(len(INPUT_LINES) + 1):
        for lines in itertools.combinations(INPUT_LINES, size):
            if reads_normal(ups_type, frozenset(lines)):
                return frozenset(lines)
    return None


def another_type_for_this_cable_power():
    """A type powered like type 5 (CP=DTR) whose normal lines type 5 reads as a power failure:
    what a section with the wrong upstype sees, chosen from the shipped table."""
    table = load_table()
    written = table.get(TRIPP_TYPE)
    for ups_type in table.types.values():
        lines = _normal_lines(ups_type)
        if ups_type.number != TRIPP_TYPE and lines is not None and \
                ups_type.signals.asserted_lines("CP") == written.signals.asserted_lines("CP") and \
                not reads_normal(written, lines):
            return ups_type, lines
    raise AssertionError("the table has no such type")


@pytest.fixture
def modem_lines(sim_bench, modemline_shim):
    """The shim's files where the driver, run as the nut user, can still read and write them."""
    return lines_nut_can_use(sim_bench.directory / "lines", modemline_shim)


@pytest.fixture
def tripp(tmp_path, sim_bench) -> Iterator[Path]:
    """A type 5 section on a pty the nut user can reach (the modem lines come from the shim)."""
    with PtyPair(sim_bench.directory, "ttytripp") as pty:
        let_nut_open(pty.device)
        yield write_conf(tmp_path / "ups.conf", f"[tripp]\n  driver = genericups\n  port = {pty.port}\n"
                                                f"  upstype = {TRIPP_TYPE}\n")


def test_genericups_with_the_right_type_works(tripp, modem_lines):
    modem_lines.set_inputs("CTS", "DCD")
    code, document = verify(tripp, env=modem_lines.env())
    section = only(document)
    assert (code, section["verdict"], section["status"]) == (0, "works", ["OL"]), findings(section)
    assert "would read OB LB" in findings(section, "note")       # type 5 tells a loose cable from mains
    assert "DTR" in modem_lines.outputs()                         # the real driver powered the cable


def test_genericups_with_a_loose_cable_misreads_and_says_no_line_is_on(tripp, modem_lines):
    modem_lines.set_inputs()
    code, document = verify(tripp, env=modem_lines.env())
    section = only(document)
    assert (code, section["verdict"]) == (EXIT_DOES_NOT_WORK, "misreads")
    assert set(section["status"]) == set(load_table().get(TRIPP_TYPE).signals.status(frozenset()))
    assert section["lines"]["lines"] == {line: False for line in INPUT_LINES}
    assert "shut this machine down at once" in findings(section, "problem")
    assert "no input line is on" in findings(section, "note")


def test_genericups_with_the_wrong_type_misreads_and_names_the_types_that_read_on_line(tripp, modem_lines):
    true_type, lines = another_type_for_this_cable_power()
    modem_lines.set_inputs(*lines)
    code, document = verify(tripp, env=modem_lines.env())
    section = only(document)
    assert (code, section["verdict"]) == (EXIT_DOES_NOT_WORK, "misreads"), findings(section)
    assert set(section["status"]) == set(load_table().get(TRIPP_TYPE).signals.status(lines))
    reading = section["lines"]
    assert {line for line, on in reading["lines"].items() if on} == set(lines)
    assert reading["cable_power"] == ["DTR"]
    assert true_type.number in reading["types_reading_on_line"]
    assert TRIPP_TYPE not in reading["types_reading_on_line"]
    assert f"{true_type.number} ({true_type.driver_label})" in findings(section, "note")


# --- NUT already running, ports held, drivers refused ----------------------------------------

@pytest.fixture
def running_apc(tmp_path, sim_bench):
    """The APC simulator driven by the real apcsmart and served by the real upsd on loopback."""
    apc = sim_bench.add("ttyapc", "apc")
    nut = NutSetup.in_directory(tmp_path / "nut")
    port = free_port()
    nut.write_ups_conf(f"[apc]\n  driver = apcsmart\n  port = {apc.path}\n  desc = \"APC in the rack\"\n")
    nut.write_conf("upsd.conf", f"LISTEN 127.0.0.1 {port}\n")
    nut.write_conf("upsd.users", "")
    with LiveNut(nut, port, "apc", "apcsmart") as live:
        live.wait_for("ups.status", "OL")
        yield nut, live, sim_bench


def test_a_section_nut_already_runs_is_read_through_upsd(running_apc):
    nut, live, _ = running_apc
    code, document = verify(nut.confdir / "ups.conf", "apc", "--model", "APC Smart-UPS 1500")
    section = only(document)
    assert (code, section["verdict"], section["read_through"]) == (0, "works", "upsd"), findings(section)
    assert section["upsd"] == f"127.0.0.1:{live.port}" and section["seconds"] is None
    assert section["identification"]["model"] == "Smart-UPS 1500"


def test_a_running_driver_with_other_settings_is_not_taken_for_the_file(running_apc):
    nut, _, bench = running_apc
    other = bench.add("ttyother", "apc")
    text = (nut.confdir / "ups.conf").read_text().replace(str(bench.ports[0].path), other.path)
    nut.write_ups_conf(text)                          # edited after NUT started: not what runs
    code, document = verify(nut.confdir / "ups.conf", "apc")
    section = only(document)
    assert (code, section["verdict"]) == (EXIT_NOT_VERIFIED, "not-run")
    assert f"port = {bench.ports[0].path} in the running driver, the file says {other.path}" in findings(section)
    assert other.received() == b""


def test_a_port_another_program_holds_is_not_touched(tmp_path, sim_bench):
    apc = sim_bench.add("ttyapc", "apc")
    let_nut_open(apc.device)
    config = write_conf(tmp_path / "ups.conf", f"[apc]\n  driver = apcsmart\n  port = {apc.path}\n")
    holder = os.open(apc.path, os.O_RDWR | os.O_NOCTTY)
    try:
        code, document = verify(config)
    finally:
        os.close(holder)
    section = only(document)
    assert (code, section["verdict"]) == (EXIT_NOT_VERIFIED, "not-run")
    assert f"pid {os.getpid()}" in findings(section, "problem")
    assert apc.received() == b""


def test_a_driver_that_is_not_safe_to_run_is_never_run(tmp_path, sim_bench):
    apc = sim_bench.add("ttyapc", "apc")
    let_nut_open(apc.device)
    marker = tmp_path / "ran"
    drivers = tmp_path / "drivers"
    drivers.mkdir()
    program = drivers / "apcsmart"
    program.write_text(f"#!/bin/sh\ntouch {marker}\n")
    program.chmod(0o777)                             # anyone could have put anything here
    outside = tmp_path / "evil"
    outside.write_text(f"#!/bin/sh\ntouch {marker}\n")
    outside.chmod(0o755)
    config = write_conf(tmp_path / "ups.conf", f"[apc]\n  driver = apcsmart\n  port = {apc.path}\n"
                                               f"[path]\n  driver = {outside}\n  port = {apc.path}\n")
    code, document = verify(config, "--driver-path", str(drivers))
    by_name = {section["name"]: section for section in document["sections"]}
    assert code == EXIT_NOT_VERIFIED
    assert [by_name["apc"]["verdict"], by_name["path"]["verdict"]] == ["not-run", "not-run"]
    assert "can be changed by its group or others" in findings(by_name["apc"])
    assert "is not a NUT driver name" in findings(by_name["path"])
    assert not marker.exists() and apc.received() == b""


# --- the command itself ----------------------------------------------------------------------

def test_text_output_and_nothing_left_behind(tmp_path, sim_bench):
    apc = sim_bench.add("ttyapc", "apc")
    let_nut_open(apc.device)
    config = write_conf(tmp_path / "ups.conf", f"[apc]\n  driver = apcsmart\n  port = {apc.path}\n")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = nut_helper("verify", "apc", "--config", str(config), env={**os.environ, "TMPDIR": str(scratch)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"[apc] works: ran apcsmart on {apc.path}")
    assert "  status: OL (on line" in done.stdout
    assert done.stderr.strip() == f"nut-helper: {config}: 1 section(s): 1 works"
    assert list(scratch.iterdir()) == []              # the private state directory is gone


@pytest.mark.parametrize("args, code, message", [
    (["nosuch"], EXIT_NOT_FOUND, "has no section [nosuch] (sections: [a], [b])"),
    (["--model", "APC Smart-UPS 1500"], EXIT_INVALID, "--model names the model of one section"),
    (["--seconds", "0"], EXIT_INVALID, "is not a positive number of seconds"),
])
def test_bad_input_is_one_line_and_its_own_exit_code(tmp_path, args, code, message):
    config = write_conf(tmp_path / "ups.conf", "[a]\n  driver = apcsmart\n  port = /dev/null\n"
                                               "[b]\n  driver = apcsmart\n  port = /dev/null\n")
    done = nut_helper("verify", *args, "--config", str(config))
    assert done.returncode == code
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr


def test_ctrl_c_stops_the_driver_verify_started_and_cleans_up(tmp_path, sim_bench):
    silent = sim_bench.add("ttysilent", "silent")
    let_nut_open(silent.device)
    config = write_conf(tmp_path / "ups.conf", f"[q1]\n  driver = nutdrv_qx\n  port = {silent.path}\n")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with TerminalSession([*NUT_HELPER, "verify", "--config", str(config), "--seconds", "60"],
                         env={**os.environ, "TMPDIR": str(scratch)}) as term:
        wait_until(lambda: not lock_state(silent.path).free, "the driver to open the port", timeout=20)
        term.ctrl_c()
        assert term.wait(timeout=20) == 130
    assert "nut-helper: error: interrupted (Ctrl-C)" in term.output   # the CLI contract's one line
    assert lock_state(silent.path).free            # no driver left holding the port
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("upsd_conf, addresses", [
    (None, [("127.0.0.1", 3493), ("::1", 3493)]),
    ("# nothing\n", [("127.0.0.1", 3493), ("::1", 3493)]),
    ("LISTEN 127.0.0.1 3500\nLISTEN ::1\n", [("127.0.0.1", 3500), ("::1", 3493)]),
    ("LISTEN 0.0.0.0 3493\nLISTEN :: 3493\n", [("127.0.0.1", 3493), ("::1", 3493)]),
    ("LISTEN 192.0.2.7 3493\n", []),                 # another address: never contacted
])
def test_upsd_is_only_asked_on_loopback(upsd_conf, addresses):
    assert listen_addresses(upsd_conf) == addresses
