"""The nut-helper command as users run it: output, JSON, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.cli import nut_helper

TRIPP = ["setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844", "--port", "/dev/ttyS0"]


def test_issue_example_prints_section(tmp_path):
    done = nut_helper(*TRIPP, cwd=tmp_path)  # from another directory: data is shipped in the package
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[tripp-lite-internet-office-700]\n\t# ")
    assert "\tdriver = genericups\n\tport = /dev/ttyS0\n\tupstype = 5\n" in done.stdout
    assert "73-0844" in done.stdout and "Documented in:" in done.stdout
    assert done.stderr == ""


def test_console_script_installed():
    script = Path(sys.executable).parent / "nut-helper"
    done = subprocess.run([str(script), *TRIPP], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "upstype = 5" in done.stdout


def test_json_fields():
    done = nut_helper(*TRIPP, "--json")
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert data["name"] == "tripp-lite-internet-office-700"
    assert data["driver"] == "genericups"
    assert data["port"] == "/dev/ttyS0"
    assert data["options"] == {"upstype": "5"}
    assert data["flags"] == []
    assert data["cable"] == {"id": "tripplite-73-0844", "title": "Tripp-Lite black 73-0844 cable"}
    assert data["confidence"] == "documented" and data["confirmed"] is True
    assert len(data["reasons"]) >= 3
    assert data["alternatives"] == []
    assert "[tripp-lite-internet-office-700]" in data["text"]
    assert data["model"] == {"query": "Tripp Lite Internet Office 700", "vendor": "Tripp Lite",
                             "name": "Internet Office 700", "series": "Internet Office",
                             "family": "tripplite-internet-office", "capacity": 700, "suffix": None}


@pytest.mark.parametrize(("args", "code", "words"), [
    (["setup", "--model", "Nonexistent Brand Thing", "--port", "/dev/ttyS0"], 3, "neither in the cable knowledge base nor in NUT's hardware list"),
    (["setup", "--model", "Tripp Lite X", "--cable", "73-0845", "--port", "/dev/ttyS0"], 3, "unknown cable"),
    (["setup", "--model", "Tripp Lite X", "--cable", "73-0844"], 2, "--port"),
    (["setup", "--model", "Tripp Lite X", "--cable", "73-0844", "--port", "/dev/ttyS0", "--desc", "caf\u00e9"], 2, "non-ASCII"),
    (["setup", "--model", "Tripp Lite X", "--cable", "73-0844", "--port", "/dev/ttyS0", "--name", "default"], 2, "reserved"),
    (["setup", "--cable", "73-0844"], 2, "--model"),
    (["setup", "--model", "x", "--bogus"], 2, "unrecognized"),
    (["cables", "show", "zzz-unknown"], 3, "unknown cable"),
])
def test_errors_are_one_line_with_exit_code(args, code, words):
    done = nut_helper(*args)
    assert done.returncode == code, done.stderr
    assert words in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_json_error_object():
    done = nut_helper("setup", "--model", "Nonexistent Brand Thing", "--port", "/dev/ttyS0", "--json")
    assert done.returncode == 3
    error = json.loads(done.stdout)["error"]
    assert error["exit_code"] == 3 and error["kind"] == "NotFound" and "candidates" in error


def test_output_writes_new_file_and_refuses_to_clobber(tmp_path):
    target = tmp_path / "ups.conf"
    assert nut_helper(*TRIPP, "--output", str(target)).returncode == 0
    first = target.read_bytes()
    assert b"upstype = 5" in first
    assert oct(target.stat().st_mode & 0o777) == "0o640"
    done = nut_helper(*TRIPP, "--desc", "other", "--output", str(target))
    assert done.returncode == 2 and "--force" in done.stderr
    assert target.read_bytes() == first
    assert sorted(os.listdir(tmp_path)) == ["ups.conf"], "no temporary file left behind"
    assert nut_helper(*TRIPP, "--desc", "other", "--output", str(target), "--force").returncode == 0
    assert b'desc = other' in target.read_bytes()


def test_output_bad_targets(tmp_path):
    assert nut_helper(*TRIPP, "--output", str(tmp_path / "missing" / "ups.conf")).returncode == 2
    assert nut_helper(*TRIPP, "--output", str(tmp_path)).returncode == 2
    assert os.listdir(tmp_path) == []


def test_cables_list_and_show():
    listing = nut_helper("cables", "list", "--json")
    assert listing.returncode == 0
    rows = json.loads(listing.stdout)
    assert any(row["id"] == "tripplite-73-0844" for row in rows)
    shown = nut_helper("cables", "show", "73-0844")
    assert shown.returncode == 0
    assert "UPS  5 AC Fail" in shown.stdout and "PC  8 CTS" in shown.stdout
    assert "10 kΩ resistor between PC pins 4 and 8" in shown.stdout
    data = json.loads(nut_helper("cables", "show", "tripplite-73-0844", "--json").stdout)
    assert data["id"] == "tripplite-73-0844" and data["wiring"]["wires"]


def test_module_and_version():
    done = nut_helper("--version")
    assert done.returncode == 0 and done.stdout.startswith("nut-helper ")
