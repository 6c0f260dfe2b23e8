"""``nut-helper setup``: resolve a UPS to a driver and print (or write) its ups.conf section."""

from __future__ import annotations

import argparse
import os
import sys

from nuthelper.cli.knowledge_args import add_cache_argument, add_knowledge_arguments, knowledge_from
from nuthelper.cli.output import note, print_json
from nuthelper.cli.probe import protocol_list
from nuthelper.cli.setup_write import add_write_arguments, check_activate
from nuthelper.cli.values import MAX_DESC, path, port, seconds, text, whole_number
from nuthelper.errors import Ambiguous, InvalidInput, NotFound, NutHelperError

HELP = "recommend the driver for a UPS and render its ups.conf section"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=text(), help="UPS model as printed on it, vendor optional (e.g. 'Tripp Lite "
                        "Internet Office 700'); optional with --port auto, --wiring or --upstype")
    parser.add_argument("--cable", type=text(), help="the cable joining UPS and computer: id, part number or title "
                        "(see 'nut-helper cables list')")
    parser.add_argument("--port", type=port, help="device the cable is plugged into (/dev/ttyS0, /dev/serial/by-id/...), "
                        "'auto' (USB UPSes are found on the bus, serial ones by probing), or a network "
                        "card's address (192.0.2.10)")
    parser.add_argument("--wiring", metavar="FILE", type=path, help="a home-made contact-closure cable described in FILE "
                        "(docs/wiring-format.md): genericups with the upstype or overrides it derives")
    parser.add_argument("--upstype", metavar="N", type=whole_number,
                        help="the genericups type of a contact-closure UPS, when you know it (see 'nut-helper "
                             "upstype'); needs --port with the serial device; instead of --cable or --wiring")
    parser.add_argument("--name", type=text(what="section name", advice="give a short name such as myups"), help="ups.conf section name (default: derived from the model)")
    parser.add_argument("--desc", type=text(MAX_DESC, "description NUT reads", "shorten it"), help="description for the desc setting (default: vendor and model)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of text (docs/user-guide.md, 'JSON output')")
    parser.add_argument("--output", metavar="FILE", type=path, help="write the section to a new FILE ('-' = stdout)")
    parser.add_argument("--force", action="store_true", help="with --output, overwrite an existing FILE")
    parser.add_argument("--hcl", metavar="FILE", type=path, help="NUT hardware list to use alone (driver.list or "
                        "nut-helper's JSON); default: the system's, with the newer bundled snapshot for models it "
                        "does not name (the snapshot alone without NUT)")
    parser.add_argument("--driver-path", metavar="DIR", type=path, help="where NUT's drivers are installed "
                        "(default /lib/nut, /usr/lib/nut)")
    parser.add_argument("--probe", action="store_true",
                        help="ask the unit on the serial --port which protocol it speaks, and let its answer decide "
                             "(never used unless asked: see 'probe --help' for what is sent)")
    parser.add_argument("--probe-timeout", metavar="S", type=seconds, default=None,
                        help="with --port auto or --probe: seconds of waiting a silent serial port may cost, shared "
                             "between the protocols (default 1.3)")
    parser.add_argument("--probe-protocols", metavar="LIST", default=None, type=protocol_list,
                        help="with --port auto or --probe: protocols to probe serial ports with, in order (default "
                             "megatec,apcsmart,shut,xcp; name upscode2 for UPScode II units, see 'probe --help')")
    add_knowledge_arguments(parser, writes=True)
    add_cache_argument(parser)
    add_write_arguments(parser)


def recommend(args: argparse.Namespace):
    """The recommendation the flags ask for: from a wiring file, from probing, or from the knowledge."""
    from nuthelper.resolve import SerialPortNeeded, resolve

    given = [flag for flag, value in (("--cable", args.cable), ("--wiring", args.wiring),
                                      ("--upstype", args.upstype)) if value is not None]
    if len(given) > 1:
        raise InvalidInput(f"{' and '.join(given)} each decide the cable's signals: pass only one of them")
    if args.upstype is not None:
        from nuthelper.evidence import from_upstype

        if args.probe:
            raise InvalidInput("--probe asks a smart unit which protocol it speaks; a contact-closure unit "
                               f"(genericups type {args.upstype}) has none to answer: leave out --probe or --upstype")
        return from_upstype(args.model, args.upstype, args.port, args.driver_path)
    if args.wiring:
        from nuthelper.evidence import from_wiring

        return from_wiring(args.model, args.wiring, args.port)
    if args.model is None:
        if args.port != "auto" or args.cable:
            raise InvalidInput("--model is required (or --port auto to find the UPS attached to this machine, "
                               "--wiring FILE for a home-made cable, or --upstype N for a known genericups type)")
        from nuthelper.evidence import from_auto_port

        return from_auto_port(None, lambda: _auto_port(args, probe_serial=True), args.driver_path)
    knowledge = knowledge_from(args)
    hcl = _load_hcl(args.hcl)
    try:
        recommendation = resolve(args.model, args.cable, args.port, knowledge=knowledge, hcl=hcl,
                                 driver_path=args.driver_path)
    except (NotFound, Ambiguous) as unanswered:
        if not args.probe or isinstance(unanswered, SerialPortNeeded):
            raise
        return _from_probe_alone(args, unanswered)
    except SerialPortNeeded as needed:
        try:
            found = _auto_port(args, probe_serial=True, usb=False)
        except NutHelperError as unfound:
            raise SerialPortNeeded(f"{needed.message}; no unit answered on the serial ports either "
                                   f"({unfound.message})", details=needed.details) from None
        recommendation = resolve(args.model, args.cable, found.port, knowledge=knowledge, hcl=hcl,
                                 driver_path=args.driver_path)
        recommendation.reasons.insert(1, f"--port auto: {found.explanation}; using {found.port}.")
        if found.driver != recommendation.driver:
            recommendation.warnings.append(f"The UPS on {found.port} answered like a {found.driver} unit, but the "
                                           f"model and cable call for {recommendation.driver}: check the model.")
    if args.probe:
        _probe_the_port(args, recommendation)
    recommendation.warnings.extend(knowledge.conflicts)
    return recommendation


def _from_probe_alone(args: argparse.Namespace, unanswered: NutHelperError):
    """``--probe`` where the model alone gives no answer: the unit's own answer, or the model's question."""
    from nuthelper.evidence import from_probe

    if not args.port or not args.port.startswith("/"):
        raise unanswered
    found = _probe(args, args.port, [])
    if not found.found:
        raise unanswered
    recommendation = from_probe(args.model, found, args.driver_path)
    recommendation.reasons.insert(1, f"From the model alone: {unanswered.message}.")
    return recommendation


def _probe(args: argparse.Namespace, port: str, upstypes: list[int]):
    from nuthelper.probe.serialprobe import ProbeSettings, probe_ports

    settings = ProbeSettings(**({} if args.probe_timeout is None else {"timeout": args.probe_timeout}),
                             **({"protocols": args.probe_protocols} if args.probe_protocols else {}),
                             **({"named_type": upstypes[0]} if upstypes else {}))
    return probe_ports([port], settings, None if args.json else note)[0]


def _probe_the_port(args: argparse.Namespace, recommendation) -> None:
    """``--probe``: ask the unit on the given serial port, guarding the shutdown line of any
    contact-closure type the answer considers."""
    from nuthelper.resolve.attached import apply_probe_evidence

    port = recommendation.port
    if not port or port == "auto" or not port.startswith("/"):
        raise InvalidInput("--probe asks a serial unit: give its serial device as --port (e.g. /dev/ttyS0)")
    types = [int(choice.options["upstype"]) for choice in [recommendation.choice, *recommendation.alternatives]
             if choice.driver == "genericups" and choice.options.get("upstype", "").isdigit()]
    apply_probe_evidence(recommendation, _probe(args, port, types))


def _load_hcl(path: str | None):
    if path is None:
        return None
    from nuthelper.knowledge.hcl import load_hcl

    return load_hcl(path)


def _auto_port(args: argparse.Namespace, probe_serial: bool, usb: bool = True):
    """Run the probe behind --port auto, reporting progress on stderr."""
    from nuthelper.probe.auto import auto_port
    from nuthelper.probe.udev import list_serial_ports

    settings = {} if args.probe_timeout is None else {"timeout": args.probe_timeout}
    if args.probe_protocols is not None:
        settings["protocols"] = args.probe_protocols
    ports = None if usb else [port.device for port in list_serial_ports()]
    progress = None if args.json else note
    return auto_port(ports=ports, probe_serial=probe_serial, progress=progress, **settings)


def run(args: argparse.Namespace) -> int:
    from nuthelper.render import render_section

    check_activate(args)
    if args.if_unconfigured:
        from nuthelper.cli.setup_write import report_if_configured

        if report_if_configured(args):
            return 0
    recommendation = recommend(args)
    section = render_section(recommendation, name=args.name, desc=args.desc)
    if args.write or args.dry_run:
        from nuthelper.cli.setup_write import activate_or_advise, print_activation, print_write_result, write_options
        from nuthelper.configure import setup_report, write_setup

        code, result = write_setup(recommendation, section, write_options(args))
        if not args.json:
            print_write_result(result)
        activation_code, activation = activate_or_advise(args, section.name, recommendation.choice.port, result)
        if args.json:
            print_json({**setup_report(recommendation, section, result), **activation})
        else:
            print_activation(activation)
        return code or activation_code
    if args.output and args.output != "-":
        write_new_file(args.output, section.text, force=args.force)
    if args.json:
        print_json({"name": section.name, "desc": section.desc, **recommendation.to_dict(),
                    "written_to": args.output if args.output not in (None, "-") else None,
                    "text": section.text})
    elif not args.output or args.output == "-":
        sys.stdout.write(section.text)
    else:
        print(f"nut-helper: wrote section [{section.name}] to {args.output}", file=sys.stderr)
    return 0


def write_new_file(path: str, text: str, *, force: bool) -> None:
    """Write ``text`` to ``path``: a new file, or (with ``force``) a whole replacement done atomically.

    The temporary file is created exclusively under a random name, so a file or link planted
    beside ``path`` is never followed.
    """
    from nuthelper.tree import CannotWrite, Tree

    from pathlib import Path

    target = Path(os.path.abspath(path))
    with Tree() as tree:
        try:
            directory = tree.directory(target.parent)
        except CannotWrite as error:
            raise InvalidInput(f"--output {path}: {error.message}") from None
        if directory is None:
            raise InvalidInput(f"--output {path}: directory {target.parent} does not exist: create it first")
        if os.path.isdir(target):
            raise InvalidInput(f"--output {path} is a directory: name a file")
        if os.path.lexists(target) and not force:
            raise InvalidInput(f"--output {path} already exists: pass --force to overwrite it "
                               "(merging into an existing ups.conf is 'setup --write')")
        try:
            temporary = directory.create_temp(target.name, text.encode("ascii"), None)
        except CannotWrite as error:
            raise InvalidInput(f"cannot write --output {path}: {error.message}") from None
        try:
            if force:
                directory.rename(temporary, target.name)
            else:
                directory.link(temporary, target.name)  # fails if the file appeared meanwhile: never clobber
        except FileExistsError:
            raise InvalidInput(f"--output {path} already exists: pass --force to overwrite it") from None
        except OSError as error:
            raise InvalidInput(f"cannot write --output {path}: {error.strerror}") from None
        finally:
            directory.remove(temporary)
        directory.fsync()
