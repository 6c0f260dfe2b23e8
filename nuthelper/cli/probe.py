"""nut-helper probe: find serial UPSes by asking them harmless questions, opt-in and in parallel."""

from __future__ import annotations

import argparse
import os
import sys

from nuthelper.cli.output import note, print_json
from nuthelper.cli.values import seconds, text, whole_number
from nuthelper.errors import EXIT_INTERRUPTED, EXIT_NOT_FOUND, InvalidInput

HELP = ("probe serial ports for smart UPSes (Q1, APC smart, SHUT, XCP; UPScode II when named) and read "
        "contact-closure lines")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ports", nargs="*", metavar="PORT", type=text(what="port name", advice="give the device path"),
                        help="ports to probe (default: every free serial port, after confirmation)")
    parser.add_argument("--protocols", metavar="LIST", type=protocol_list,
                        help="comma-separated protocols to try, in order (default: megatec,apcsmart,shut,xcp; "
                             "upscode2 only when named: its queries start with U, which an APC Smart-UPS takes as "
                             "'simulate a power failure')")
    parser.add_argument("--timeout", type=seconds, metavar="S",
                        help="seconds of waiting a silent port may cost (default: 1.3)")
    parser.add_argument("--upstype", type=whole_number, metavar="N",
                        help="genericups type you believe is attached: its cable power may be raised to read "
                             "the status lines")
    parser.add_argument("--yes", action="store_true", help="probe without asking (required when not interactive)")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def _confirm(ports: list[str]) -> bool:
    note("Ports that would be probed: " + ", ".join(ports))
    if not sys.stdin.isatty():
        raise InvalidInput("no PORT named and not interactive: name the ports to probe or pass --yes "
                           f"(would probe {', '.join(ports)})")
    answer = input(f"Probe these {len(ports)} port(s)? Only read-only queries are sent. [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def protocol_list(value: str) -> list[str]:
    """argparse type of a comma-separated protocol list: known names only, checked before any port is touched."""
    from nuthelper.probe.protocols import PROTOCOLS

    protocols = [name.strip() for name in text(what="protocol list", advice="name the protocols, e.g. megatec,apcsmart")(value).split(",") if name.strip()]
    if not protocols:
        raise argparse.ArgumentTypeError("empty: give a comma-separated list such as megatec,apcsmart")
    unknown = [name for name in protocols if name not in PROTOCOLS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown protocol {', '.join(unknown)}: choose from {', '.join(PROTOCOLS)}")
    return protocols


def _settings(args: argparse.Namespace):
    from nuthelper.probe.serialprobe import DEFAULT_TIMEOUT, ProbeSettings

    extra = {"protocols": args.protocols} if args.protocols is not None else {}
    return ProbeSettings(timeout=args.timeout if args.timeout is not None else DEFAULT_TIMEOUT,
                         named_type=args.upstype, **extra)


def _human(results) -> None:
    for result in results:
        if result.found:
            ident = ", ".join(f"{k}={v}" for k, v in result.identification.items())
            print(f"{result.port}: {result.driver} ({result.protocol}, {result.baud} baud) {ident}".rstrip())
            settings = [f"{k} = {v}" for k, v in {"driver": result.driver, **result.options}.items()]
            print("    ups.conf: " + "  ".join(settings + result.flags))
        else:
            print(f"{result.port}: {result.error or 'no smart UPS answered'}")
        if result.contact_types:
            print(f"    contact-closure upstypes that read these lines as on line with a good battery: "
                  f"{', '.join(map(str, result.contact_types))} (evidence, not proof)")
        if result.lines_withheld:
            print(f"    withheld: {', '.join(result.lines_withheld)} (a genericups type shuts its UPS down with it)")
        print(f"    took {result.seconds:.2f} s")


def run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from nuthelper.probe.serialprobe import ProbeInterrupted

    try:
        return _probe(args, settings)
    except ProbeInterrupted as interrupted:
        note("nut-helper: interrupted: every conversation stopped and its port closed")
        if args.json:
            print_json({"results": [r.to_dict() for r in interrupted.results], "interrupted": True})
        else:
            _human(interrupted.results)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        note("nut-helper: interrupted; no port is open")
        if args.json:
            print_json({"results": [], "interrupted": True})
        return EXIT_INTERRUPTED


def _probe(args: argparse.Namespace, settings) -> int:
    from nuthelper.probe.serialprobe import probe_ports

    if os.geteuid() != 0:
        note("not running as root: a port that another user's process has open cannot be seen as held")
    ports = list(args.ports)
    if not ports:
        from nuthelper.probe.udev import list_serial_ports
        listed = list_serial_ports()
        for port in listed:
            if not port.lock.free:
                note(f"{port.device}: skipped, {port.lock.describe()}")
        ports = [p.device for p in listed if p.lock.free]
        if not ports:
            note("no free serial port to probe")
            if args.json:
                print_json({"results": []})
            return EXIT_NOT_FOUND
        if not args.yes and not _confirm(ports):
            note("nothing probed")
            return 1
    results = probe_ports(ports, settings, progress=note)
    if args.json:
        print_json({"results": [r.to_dict() for r in results]})
    else:
        _human(results)
    return 0 if any(r.found for r in results) else EXIT_NOT_FOUND
