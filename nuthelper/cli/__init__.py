"""The ``nut-helper`` command: a thin layer over the library API.

Each subcommand is one module in this package exposing ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``. Modules import heavy dependencies inside ``run`` so that start-up
stays light.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from nuthelper import __version__
from nuthelper.errors import EXIT_INTERNAL, EXIT_INVALID, NutHelperError

COMMANDS = ["setup", "cables", "lookup", "upstype", "ports", "probe", "check", "verify", "guide"]


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit with the 'invalid input' code."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_INVALID, f"nut-helper: error: {message} (see '{self.prog} --help')\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (``only``) one holding just that subcommand, to keep start-up light."""
    parser = _Parser(prog="nut-helper", description="Cable-aware Network UPS Tools configuration.")
    parser.add_argument("--version", action="version", version=f"nut-helper {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in [only] if only else COMMANDS:
        module = importlib.import_module(f"nuthelper.cli.{name}")
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    first = argv[0] if argv else None
    args = build_parser(first if first in COMMANDS else None).parse_args(argv)
    try:
        return args.handler(args)
    except NutHelperError as error:
        print(f"nut-helper: error: {error.message}", file=sys.stderr)
        if getattr(args, "json", False):
            from nuthelper.cli.output import print_json
            print_json({"error": {"exit_code": error.exit_code, "kind": type(error).__name__,
                                  "message": error.message, **error.details}})
        return error.exit_code
    except KeyboardInterrupt:
        print("nut-helper: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # an internal error: keep it to one line unless debugging
        print(f"nut-helper: internal error: {type(error).__name__}: {error} "
              "(set NUT_HELPER_DEBUG=1 for a traceback)", file=sys.stderr)
        if os.environ.get("NUT_HELPER_DEBUG"):
            raise
        return EXIT_INTERNAL
