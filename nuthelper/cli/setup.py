"""``nut-helper setup``: resolve a UPS to a driver and print (or write) its ups.conf section."""

from __future__ import annotations

import argparse
import os
import sys

from nuthelper.cli.knowledge_args import add_knowledge_arguments, knowledge_from
from nuthelper.cli.output import print_json
from nuthelper.cli.setup_write import add_write_arguments
from nuthelper.errors import InvalidInput

HELP = "recommend the driver for a UPS and render its ups.conf section"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="UPS model as printed on it, vendor optional "
                        "(e.g. 'Tripp Lite Internet Office 700')")
    parser.add_argument("--cable", help="the cable joining UPS and computer: id, part number or title "
                        "(see 'nut-helper cables list')")
    parser.add_argument("--port", help="device the cable is plugged into (/dev/ttyS0, "
                        "/dev/serial/by-id/...), or 'auto' for USB")
    parser.add_argument("--name", help="ups.conf section name (default: derived from the model)")
    parser.add_argument("--desc", help="description for the desc setting (default: vendor and model)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (see README) instead of text")
    parser.add_argument("--output", metavar="FILE", help="write the section to a new FILE ('-' = stdout)")
    parser.add_argument("--force", action="store_true", help="with --output, overwrite an existing FILE")
    add_knowledge_arguments(parser)
    add_write_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from nuthelper.render import render_section
    from nuthelper.resolve import resolve

    if args.if_unconfigured:
        from nuthelper.cli.setup_write import report_if_configured
        if report_if_configured(args):
            return 0
    knowledge = knowledge_from(args)
    recommendation = resolve(args.model, args.cable, args.port, knowledge=knowledge)
    recommendation.warnings.extend(knowledge.conflicts)
    section = render_section(recommendation, name=args.name, desc=args.desc)
    if args.write or args.dry_run:
        from nuthelper.cli.setup_write import print_write_result, write_result
        code, result = write_result(args, recommendation, section)
        if args.json:
            print_json({"name": section.name, "desc": section.desc, **recommendation.to_dict(),
                        "text": section.text, "write": result})
        else:
            print_write_result(result)
        return code
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
    """Write ``text`` to ``path``: a new file, or (with ``force``) a whole replacement done atomically."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InvalidInput(f"--output {path}: directory {directory} does not exist: create it first")
    if os.path.isdir(path):
        raise InvalidInput(f"--output {path} is a directory: name a file")
    if os.path.exists(path) and not force:
        raise InvalidInput(f"--output {path} already exists: pass --force to overwrite it "
                           "(merging into an existing ups.conf is 'setup --write')")
    temporary = os.path.join(directory, f".{os.path.basename(path)}.nut-helper.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # fails if the file appeared meanwhile: never clobber
            os.unlink(temporary)
    except FileExistsError:
        os.unlink(temporary)
        raise InvalidInput(f"--output {path} already exists: pass --force to overwrite it") from None
    except OSError as error:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise InvalidInput(f"cannot write --output {path}: {error.strerror}") from None
