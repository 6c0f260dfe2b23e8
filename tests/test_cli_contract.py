"""The command line's contract with people and installer scripts (issue 9, §7): one JSON document
with --json whatever goes wrong, one shape of `candidates`, exit codes that say when output was
lost, input limits that refuse at once, and messages that do not mislead. Every case runs the
real command (`python -m nuthelper`) as a user would."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from support.cli import NUT_HELPER, nut_helper
from support.processes import wait_until
from support.umockdev import umockdev_prefix

ROOT = Path(__file__).resolve().parent.parent
TWO_USB_UPSES = ROOT / "tests" / "data" / "probe-devices.umockdev"
HUGE = "x" * 50_000
SERIAL = "/dev/ttyS0"


def one_json_document(stdout: str) -> dict:
    """stdout holds exactly one JSON document (json.loads refuses anything after it)."""
    return json.loads(stdout)


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


# ------------------------------------------------------------------------------------- --json

@pytest.mark.parametrize("args", [
    ["setup", "--json", "--modle", "x"],
    ["setup", "--model", "--json"],
    ["setup", "--port", SERIAL, "--model", "Smart-UPS 1500", "--probe-timeout", "soon", "--json"],
    ["--json", "setup", "--modle", "x"],
    ["setup", "--modle", "x", "--js"],  # an abbreviation argparse accepts
    ["lookup", "--json"],
    ["check", "--json", "--bogus"],
    ["probe", "--json", "--timeout", "x"],
    ["ports", "--json", "extra"],
    ["upstype", "--json", "--match"],
    ["cables", "list", "--json", "--bogus"],
    ["cables", "show", "--json"],
    ["cables", "--json"],
    ["--json"],
], ids=lambda args: " ".join(args))
def test_argument_errors_with_json_anywhere_print_one_json_document(args):
    done = nut_helper(*args)
    assert done.returncode == 2
    error = one_json_document(done.stdout)["error"]
    assert error["exit_code"] == 2 and error["kind"] == "UsageError" and error["message"]
    assert one_line(done.stderr) == f"nut-helper: error: {error['message']}"


def test_json_before_the_command_is_the_commands_json():
    done = nut_helper("--json", "upstype", "2")
    assert done.returncode == 0, done.stderr
    assert one_json_document(done.stdout)["type"]["number"] == 2


def test_json_after_a_double_dash_is_a_value_not_a_request():
    done = nut_helper("lookup", "--", "--json")
    assert done.stdout == "" or not done.stdout.lstrip().startswith("{")


def test_ctrl_c_during_setup_probe_with_json_prints_one_json_document(sim_bench):
    silent = sim_bench.add("ttysilent", "silent")
    setup = subprocess.Popen([*NUT_HELPER, "setup", "--model", "APC Smart-UPS 1000", "--port", silent.path, "--probe",
                              "--probe-timeout", "10", "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # the probe is under way once the pty's far end has been opened by nut-helper
        wait_until(lambda: any(os.path.realpath(f"/proc/{setup.pid}/fd/{fd}") == os.path.realpath(silent.path)
                               for fd in _fds(setup.pid)), "the probe to open the port", watched=[setup])
        time.sleep(0.3)
        setup.send_signal(signal.SIGINT)
        stdout, stderr = setup.communicate(timeout=10)
    finally:
        if setup.poll() is None:
            setup.kill()
            setup.wait()
    assert setup.returncode == 130, stderr
    error = one_json_document(stdout)["error"]
    assert error["exit_code"] == 130 and error["kind"] == "Interrupted"


def _fds(pid: int) -> list[str]:
    try:
        return os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return []


# ------------------------------------------------------------------------------------- candidates

def assert_candidates(candidates: list, kind: str) -> None:
    assert candidates, "the error offers candidates"
    for entry in candidates:
        assert isinstance(entry, dict) and entry["kind"] == kind and isinstance(entry["name"], str) and entry["name"]


def test_an_unknown_cables_candidates_are_cable_objects():
    done = nut_helper("cables", "show", "apc-940-0095x", "--json")
    assert done.returncode == 3
    candidates = one_json_document(done.stdout)["error"]["candidates"]
    assert_candidates(candidates, "cable")
    assert any(entry["name"] == "apc-940-0095a" and entry["title"] for entry in candidates)


def test_a_cable_name_matching_several_gives_cable_objects():
    done = nut_helper("cables", "show", "APC", "--json")
    assert done.returncode == 3
    error = one_json_document(done.stdout)["error"]
    assert_candidates(error["candidates"], "cable")
    assert error["decided_by"] == ["--cable"]


def test_several_usb_upses_are_device_candidates_with_their_driver_and_options():
    done = nut_helper("setup", "--port", "auto", "--json", prefix=umockdev_prefix(TWO_USB_UPSES))
    assert done.returncode == 3, done.stderr
    candidates = one_json_document(done.stdout)["error"]["candidates"]
    assert_candidates(candidates, "device")
    assert len(candidates) >= 2
    assert all(entry["driver"] and entry["port"] == "auto" and "vendorid" in entry["options"]
               for entry in candidates)


# ------------------------------------------------------------------------------------- exit codes

def test_stdout_on_a_full_disk_is_an_error(tmp_path):
    with open("/dev/full", "w") as full:
        done = subprocess.run([*NUT_HELPER, "upstype"], stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 6
    assert "could not write standard output (No space left on device)" in one_line(done.stderr)


def test_json_on_a_full_disk_is_an_error():
    with open("/dev/full", "w") as full:
        done = subprocess.run([*NUT_HELPER, "setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844",
                               "--port", SERIAL, "--json"], stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 6 and "Traceback" not in done.stderr
    assert "standard output" in one_line(done.stderr)


def test_stderr_on_a_full_disk_after_writing_a_file_is_an_error(tmp_path):
    output = tmp_path / "ups.conf"
    with open("/dev/full", "w") as full:
        done = subprocess.run([*NUT_HELPER, "setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844",
                               "--port", SERIAL, "--output", str(output)], stdout=subprocess.PIPE, stderr=full, text=True)
    assert done.returncode == 6
    assert "driver = genericups" in output.read_text()


def test_an_error_whose_message_is_lost_keeps_its_own_exit_code():
    with open("/dev/full", "w") as full:
        done = subprocess.run([*NUT_HELPER, "setup", "--model", "Nonexistent Brand Thing", "--port", SERIAL, "--json"],
                              stdout=full, stderr=full)
    assert done.returncode == 3


def test_a_pipe_whose_reader_has_gone_is_an_error():
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run([*NUT_HELPER, "cables", "list"], stdout=writer, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(writer)
    assert done.returncode == 6
    assert "could not write standard output (Broken pipe)" in one_line(done.stderr)


def test_a_closed_stdout_is_an_error():
    done = subprocess.run([*NUT_HELPER, "upstype"], stderr=subprocess.PIPE, text=True,
                          preexec_fn=lambda: os.close(1))
    assert done.returncode == 6
    assert "could not write standard output (it is closed)" in one_line(done.stderr)


def test_help_on_a_full_disk_is_an_error():
    with open("/dev/full", "w") as full:
        done = subprocess.run([*NUT_HELPER, "setup", "--help"], stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 6


@pytest.fixture
def damaged_copy(tmp_path: Path) -> Path:
    """A copy of the installed package, to damage: the installed one stays whole."""
    import nuthelper

    copy = tmp_path / "site"
    shutil.copytree(Path(nuthelper.__file__).parent, copy / "nuthelper")
    return copy


def test_an_io_error_on_a_shipped_template_is_one_clear_line(damaged_copy):
    template = damaged_copy / "nuthelper" / "shipped" / "templates" / "ups.conf.section.j2"
    template.unlink()
    template.symlink_to("/proc/self/mem")  # reading it from offset 0 fails with EIO: a real I/O error
    done = nut_helper("setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844", "--port", SERIAL,
                      "--json", env={**os.environ, "PYTHONPATH": str(damaged_copy)}, cwd=damaged_copy)
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert "ups.conf.section.j2 cannot be read (Input/output error)" in line and "reinstall nut-helper" in line
    assert "Traceback" not in done.stderr
    assert one_json_document(done.stdout)["error"]["kind"] == "DamagedInstallation"


def test_a_missing_shipped_data_file_is_one_clear_line(damaged_copy):
    (damaged_copy / "nuthelper" / "data" / "genericups.json").unlink()
    done = nut_helper("upstype", "2", env={**os.environ, "PYTHONPATH": str(damaged_copy)}, cwd=damaged_copy)
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert "genericups.json cannot be read (No such file or directory)" in line and "reinstall" in line


# ------------------------------------------------------------------------------------- input size

LONG_VALUES = [
    ["setup", "--model", HUGE, "--port", SERIAL],
    ["setup", "--model", "Smart-UPS 1500", "--cable", HUGE, "--port", SERIAL],
    ["setup", "--model", "Smart-UPS 1500", "--port", HUGE],
    ["setup", "--model", "Smart-UPS 1500", "--port", "/dev/" + HUGE],
    ["setup", "--model", "Smart-UPS 1500", "--port", SERIAL, "--name", HUGE],
    ["setup", "--model", "Smart-UPS 1500", "--port", SERIAL, "--desc", HUGE],
    ["setup", "--wiring", "/" + HUGE, "--port", SERIAL],
    ["setup", "--model", "Smart-UPS 1500", "--port", SERIAL, "--output", "/tmp/" + HUGE],
    ["setup", "--model", "Smart-UPS 1500", "--port", SERIAL, "--hcl", HUGE],
    ["setup", "--model", "Smart-UPS 1500", "--port", SERIAL, "--cables", HUGE],
    ["setup", "--model", "Smart-UPS 1500", "--port", SERIAL, "--root", HUGE, "--write"],
    ["setup", "--model", "Smart-UPS 1500", "--port", SERIAL, "--config", HUGE, "--write"],
    ["setup", "--model", "Smart-UPS 1500", "--port", SERIAL, "--driver-path", HUGE],
    ["setup", "--model", "Smart-UPS 1500", "--port", SERIAL, "--probe-timeout", HUGE],
    ["setup", "--model", "Smart-UPS 1500", "--port", "auto", "--probe-protocols", HUGE],
    ["setup", "--upstype", HUGE, "--port", SERIAL],
    ["setup", "--model", "Smart-UPS 1500", "--port", SERIAL, "--upsd-port", HUGE, "--write"],
    ["setup", "--model", "Smart-UPS 1500", "--port", SERIAL, "--lock-timeout", HUGE, "--write"],
    ["setup", "--modle", HUGE],
    ["lookup", HUGE],
    ["lookup", "5125", "--vendor", HUGE],
    ["lookup", "5125", "--limit", HUGE],
    ["lookup", "5125", "--hcl", HUGE],
    ["cables", "show", HUGE],
    ["upstype", HUGE],
    ["upstype", "--match", HUGE],
    ["probe", HUGE],
    ["probe", "--timeout", HUGE, "/dev/ttyS0"],
    ["probe", "--protocols", HUGE, "/dev/ttyS0"],
    ["probe", "--upstype", HUGE, "/dev/ttyS0"],
    ["check", "--config", HUGE],
    ["check", "--root", HUGE],
    ["check", "--driver-path", HUGE],
]


@pytest.mark.parametrize("args", LONG_VALUES, ids=lambda args: " ".join(a if a is not HUGE and len(a) < 30 else "HUGE"
                                                                           for a in args))
@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["text", "json"])
def test_a_50000_character_value_is_refused_at_once_without_echoing_it(args, json_flag):
    started = time.monotonic()
    done = nut_helper(*args, *json_flag)
    took = time.monotonic() - started
    assert done.returncode == 2, done.stderr[:300]
    line = one_line(done.stderr)
    assert len(line) < 400 and "x" * 100 not in line, line[:400]
    assert "50000 characters" in line or "50005 characters" in line or "bytes" in line, line
    assert took < 3, f"took {took:.1f} s"
    if json_flag:
        assert one_json_document(done.stdout)["error"]["message"] in line


def test_the_longest_name_is_accepted_and_one_more_character_is_not():
    longest = nut_helper("setup", "--model", "Q" * 200, "--port", SERIAL)
    assert "characters long" not in longest.stderr
    refused = nut_helper("setup", "--model", "Q" * 201, "--port", SERIAL)
    assert refused.returncode == 2 and "201 characters long" in refused.stderr and "no UPS, cable or port name is " \
        "longer than 200" in refused.stderr


def test_a_long_but_real_path_is_not_refused_for_its_length(tmp_path):
    deep = tmp_path / ("d" * 200) / ("e" * 200) / "ups.conf"
    done = nut_helper("check", "--config", str(deep))
    assert "bytes" not in done.stderr and str(deep) in done.stderr


# ------------------------------------------------------------------------------------- messages

def test_setup_upstype_renders_genericups_through_the_same_checks_and_nut_reads_it(serial_pty, modem_lines,
                                                                                     nut_setup):
    done = nut_helper("setup", "--upstype", "2", "--port", serial_pty.port, "--name", "gen", "--model",
                      "APC Back-UPS 500", "--json")
    assert done.returncode == 0, done.stderr
    data = one_json_document(done.stdout)
    assert (data["driver"], data["options"], data["confidence"]) == ("genericups", {"upstype": "2"}, "inferred")
    assert [loss["verdict"] for loss in data["cable_loss"]] == ["unnoticed"]   # judge_cable_loss: type 2, CP=RTS
    assert any("power failure would go unnoticed" in warning for warning in data["warnings"])
    nut_setup.write_ups_conf(data["text"])
    assert nut_setup.run_driver("genericups", "gen", lines=modem_lines).status() == {"OL"}
    modem_lines.set_inputs("CTS")
    assert nut_setup.run_driver("genericups", "gen", lines=modem_lines).status() == {"OB"}
    modem_lines.set_inputs("CTS", "DCD")
    assert nut_setup.run_driver("genericups", "gen", lines=modem_lines).status() == {"OB", "LB"}


def test_setup_upstype_says_where_manual_and_driver_disagree():
    done = nut_helper("setup", "--upstype", "3", "--port", SERIAL, "--json")
    assert done.returncode == 0, done.stderr
    warnings = one_json_document(done.stdout)["warnings"]
    assert any("genericups manual" in warning and "OL=CTS" in warning and "OL=-CTS" in warning for warning in warnings)


@pytest.mark.parametrize("args, words", [
    (["--upstype", "2", "--cable", "940-0020B", "--port", SERIAL], "--cable and --upstype"),
    (["--upstype", "2", "--port", "auto"], "pass the serial device"),
    (["--upstype", "99", "--port", SERIAL], "genericups has no type 99"),
    (["--upstype", "2"], "pass --port"),
    (["--upstype", "2", "--port", SERIAL, "--probe"], "leave out --probe"),
])
def test_setup_upstype_refusals_are_one_line(args, words):
    done = nut_helper("setup", *args)
    assert done.returncode == 2 and words in one_line(done.stderr)


def test_the_no_answer_message_names_only_flags_setup_has(sim_bench):
    from nuthelper.errors import NotFound
    from nuthelper.probe.auto import auto_port

    silent = sim_bench.add("ttysilent", "silent")
    with pytest.raises(NotFound) as caught:
        auto_port(ports=[silent.path], timeout=0.4)
    message = caught.value.message
    assert "--upstype N" in message and "--cable" in message
    help_text = nut_helper("setup", "--help").stdout
    for flag in ("--port", "--cable", "--upstype"):
        assert flag in help_text


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_port_path_outside_dev_is_told_it_is_not_a_device(tmp_path, kind):
    port = tmp_path / "x"
    if kind == "file":
        port.write_text("")
    done = nut_helper("setup", "--model", "APC Back-UPS ES 700", "--port", str(port))
    assert done.returncode == 2
    line = one_line(done.stderr)
    found = "there is no such file" if kind == "missing" else "it is a regular file"
    assert f"is not a serial device under /dev ({found})" in line and "pass --port auto" not in line


def test_probe_timeout_is_described_per_port():
    help_text = " ".join(nut_helper("setup", "--help").stdout.split())
    assert "per protocol" not in help_text
    assert "seconds of waiting a silent serial port may cost, shared between the protocols" in help_text


def test_a_closest_row_without_a_model_says_so():
    done = nut_helper("lookup", "IPMI zzz")
    assert done.returncode == 3
    assert "IPMI (the row names no model)" in done.stderr
    assert "IPMI  " not in done.stderr


def test_undecodable_bytes_in_a_name_are_shown_as_their_value():
    done = nut_helper("setup", "--model", os.fsdecode(b"Smart-UPS \xfe"), "--port", SERIAL, "--json")
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "\\xfe" in line and "\\udcfe" not in line
    assert "\\xfe" in one_json_document(done.stdout)["error"]["message"]


def test_undecodable_bytes_in_a_path_are_shown_as_their_value(tmp_path):
    config = os.fsdecode(bytes(tmp_path) + b"/caf\xe9/ups.conf")
    done = nut_helper("check", "--config", config, "--json")
    assert done.returncode != 0
    assert "caf\\xe9" in one_line(done.stderr) and "\\udc" not in done.stderr
    assert "caf\\xe9" in one_json_document(done.stdout)["error"]["message"]


@pytest.mark.parametrize("args", [
    ["setup", "--model", "Smart-UPS 1500", "--port", "auto\n"],
    ["setup", "--model", "Smart-UPS\n1500", "--port", SERIAL],
    ["cables", "show", "940-0095A\n"],
    ["check", "--config", "/tmp/no\nsuch.conf"],
])
def test_a_line_break_in_a_value_is_never_echoed_raw(args):
    done = nut_helper(*args)
    assert done.returncode in (2, 3)
    assert "\\n" in one_line(done.stderr)


def test_a_genericups_signal_warning_stays_out_of_an_apcsmart_section():
    smart = one_json_document(nut_helper("setup", "--model", "APC Smart-UPS 1500", "--cable", "940-0095A", "--port",
                                         SERIAL, "--json").stdout)
    assert smart["driver"] == "apcsmart"
    assert not any("genericups type 1 defines" in warning for warning in smart["warnings"])
    simple = one_json_document(nut_helper("setup", "--model", "APC Back-UPS", "--cable", "940-0095A", "--port",
                                          SERIAL, "--json").stdout)
    assert simple["driver"] == "genericups"
    assert any("genericups type 1 defines OL=-RNG" in warning for warning in simple["warnings"])
    shown = nut_helper("cables", "show", "940-0095A").stdout
    assert "! The cable document says the UPS forces RI" in shown


def test_a_cable_the_user_named_is_not_doubted_in_words_that_mislead():
    data = one_json_document(nut_helper("setup", "--model", "APC Back-UPS 650", "--cable", "940-0095A", "--port",
                                        SERIAL, "--json").stdout)
    assert not any("not among the models documented" in warning for warning in data["warnings"])
    assert any("the answer rests on the cable you named" in warning and "940-0095A" in warning
               for warning in data["warnings"])
