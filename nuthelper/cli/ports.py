"""nut-helper ports: serial ports and USB UPSes on this machine, with their stable names."""

from __future__ import annotations

import argparse

from nuthelper.cli.output import print_json

HELP = "list serial ports and USB UPSes, with stable names, holders and nut-user access"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def _port_lines(port) -> list[str]:
    lines = [f"{port.device}"]
    for label, value in (("by-id", port.by_id), ("by-path", port.by_path)):
        if value:
            computed = " (computed: udev links absent)" if port.names_from.startswith("computed") else ""
            lines.append(f"    {label}: {value}{computed}")
    if port.usb:
        usb = port.usb
        lines.append(f"    USB adapter {usb.vendorid}:{usb.productid} {usb.vendor or ''} {usb.product or ''}"
                     f" serial={usb.serial or '-'} driver={port.kernel_driver or '-'}")
    elif port.kernel_driver:
        lines.append(f"    driver: {port.kernel_driver}")
    lines.append(f"    in use: {port.lock.describe()}")
    if port.access:
        verdict = {True: "yes", False: "no", None: "unknown"}[port.access.can_open]
        lines.append(f"    nut can open ({port.access.mode} {port.access.owner}:{port.access.group}): "
                     f"{verdict} - {port.access.reason}")
    return lines


def run(args: argparse.Namespace) -> int:
    from nuthelper.probe.udev import list_serial_ports, list_usb_upses

    ports = list_serial_ports()
    upses = list_usb_upses()
    if args.json:
        print_json({"serial_ports": [p.to_dict() for p in ports], "usb_upses": [u.to_dict() for u in upses]})
        return 0
    print("Serial ports:" if ports else "Serial ports: none found")
    for port in ports:
        print("\n".join("  " + line for line in _port_lines(port)))
    print("USB UPSes:" if upses else "USB UPSes: none found")
    for ups in upses:
        options = " ".join(f"{k}={v}" for k, v in ups.options.items())
        print(f"  {ups.usb.vendorid}:{ups.usb.productid} {ups.usb.vendor or ''} {ups.usb.product or ''}"
              f" serial={ups.usb.serial or '-'}")
        print(f"    driver = {ups.driver}  {options}")
        print(f"    why: {ups.reason}")
        for warning in ups.warnings:
            print(f"    warning: {warning}")
    return 0
