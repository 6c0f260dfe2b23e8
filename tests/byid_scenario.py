#!/usr/bin/env python3
"""One serial UPS behind an FTDI USB adapter, inside a umockdev testbed, configured with
``nut-helper setup --port auto`` and then read by NUT's real nutdrv_qx.

Usage: umockdev-wrapper PYTHON byid_scenario.py WORKDIR INPUT_VOLTAGE

Must run under ``umockdev-wrapper`` (its LD_PRELOAD redirects /sys and /dev into the testbed,
for this process and for the driver it starts). The testbed holds tests/data/byid-ftdi.umockdev
(the adapter's tty ttyUSB0 and a silent onboard ttyS0); the script adds the
/dev/serial/by-id link udev would create for the adapter and plays a Megatec Q1 UPS on the pty
master of ttyUSB0, answering "Q1" with a status line whose input voltage is INPUT_VOLTAGE.

Prints one JSON object: the by-id link made, the two setup runs (exit code, JSON), the files
written under WORKDIR/root, the driver's exit code and output, and the commands the UPS received
in each phase. The test (tests/test_port_auto_byid.py) makes the assertions.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import UMockdev  # noqa: E402

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS / "support"))
from target import target_root  # noqa: E402
from ups_sim import Simulator  # noqa: E402

DEVICES = TESTS / "data" / "byid-ftdi.umockdev"
ADAPTER_TTY = "ttyUSB0"
SECTION = "byidups"
DRIVER = "/lib/nut/nutdrv_qx"


def udev_by_id_link(kernel_name: str) -> str:
    """The name udev's 60-serial.rules gives a USB serial port: bus, serial, interface, port number."""
    import pyudev

    tty = pyudev.Devices.from_name(pyudev.Context(), "tty", kernel_name)
    props = tty.properties
    port = tty.find_parent("usb-serial").attributes.asstring("port_number")
    return (f"/dev/serial/by-id/{props['ID_BUS']}-{props['ID_SERIAL']}"
            f"-if{props['ID_USB_INTERFACE_NUM']}-port{port}")


class Q1Ups(Simulator):
    """The Q1 simulator of tests/support/ups_sim.py, answering status requests with this script's input voltage."""

    def __init__(self, input_voltage: str) -> None:
        super().__init__("q1")
        self.status = f"({input_voltage} 140.0 229.9 023 50.1 27.2 35.0 00001000\r".encode()

    def _q1_status(self) -> bytes:
        return self.status


class UpsOnMaster(threading.Thread):
    """Plays the UPS on the pty master of a testbed tty and records every command received."""

    def __init__(self, master: int, ups: Q1Ups) -> None:
        super().__init__(daemon=True)
        self.master, self.ups = master, ups
        self.received = b""
        self.lock = threading.Lock()

    def run(self) -> None:
        while True:
            readable, _, _ = select.select([self.master], [], [], 0.2)
            if not readable:
                continue
            try:
                data = os.read(self.master, 512)
            except OSError:  # EIO while no one has the slave side open
                time.sleep(0.02)
                continue
            with self.lock:
                self.received += data
            reply = self.ups.feed(data)
            if reply:
                os.write(self.master, reply)

    def take_commands(self) -> list[str]:
        """The commands received since the last call (carriage-return separated)."""
        with self.lock:
            data, self.received = self.received, b""
        return [part.decode("ascii", "replace") for part in data.split(b"\r") if part]


def nut_helper(*argv: str) -> dict:
    """Run the nut-helper CLI in this process (so the testbed applies); exit code and JSON output."""
    from nuthelper.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    return {"exit_code": code, "json": json.loads(out.getvalue())}


def main() -> None:
    workdir, input_voltage = Path(sys.argv[1]), sys.argv[2]
    testbed = UMockdev.Testbed.new()
    testbed.add_from_file(str(DEVICES))
    testbed_dir = testbed.get_root_dir()
    by_id = udev_by_id_link(ADAPTER_TTY)
    link = Path(testbed_dir + by_id)
    link.parent.mkdir(parents=True)
    link.symlink_to(f"../../{ADAPTER_TTY}")  # what udev creates: relative to /dev/serial/by-id

    player = UpsOnMaster(testbed.get_dev_fd(f"/dev/{ADAPTER_TTY}"), Q1Ups(input_voltage))
    player.start()
    report: dict = {"by_id_link": by_id, "link_resolves": os.path.exists(by_id)}

    report["auto"] = nut_helper("setup", "--port", "auto", "--json")
    report["auto_commands"] = player.take_commands()

    root = target_root(workdir / "root")
    for directory in ("etc/udev/rules.d",):
        (root / directory).mkdir(parents=True)
    report["write"] = nut_helper("setup", "--port", "auto", "--json", "--name", SECTION,
                                 "--write", "--root", str(root))
    player.take_commands()
    report["ups_conf"] = (root / "etc/nut/ups.conf").read_text()
    report["udev_rules"] = {path.name: path.read_text() for path in (root / "etc/udev/rules.d").iterdir()}

    state = workdir / "state"
    state.mkdir()
    env = dict(os.environ, UMOCKDEV_DIR=testbed_dir, NUT_CONFPATH=str(root / "etc/nut"),
               NUT_STATEPATH=str(state), NUT_ALTPIDPATH=str(state))
    done = subprocess.run([DRIVER, "-a", SECTION, "-u", "root", "-d", "1"], env=env,
                          capture_output=True, text=True, timeout=60)
    report["driver"] = {"exit_code": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
    report["driver_commands"] = player.take_commands()
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
