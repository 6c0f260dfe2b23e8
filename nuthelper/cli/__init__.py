"""The ``nut-helper`` command: a thin layer over the library API.

Each subcommand is one module in this package exposing ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``. Modules import heavy dependencies inside ``run`` so that start-up
stays light.

The contract with scripts (docs/user-guide.md, "Exit codes and errors"): every error is one line on stderr and
a non-zero exit code; with ``--json`` anywhere on the line, stdout holds exactly one JSON
document, errors of the command line itself included; output that could not be written is an
error too (exit code 6 when the command itself succeeded).
"""

from __future__ import annotations

import os
import sys

from nuthelper import __version__
from nuthelper.errors import EXIT_OUTPUT_LOST

COMMANDS = ["setup", "cables", "lookup", "upstype", "ports", "probe", "check", "verify", "guide"]


def _parser_class():
    """argparse, but a usage error is a :class:`UsageError` (one line, exit 2, JSON with --json)."""
    import argparse
    import re

    from nuthelper.errors import UsageError

    long_word = re.compile(r"\S{201,}")

    class Formatter(argparse.HelpFormatter):
        """argparse's formatter, measuring the terminal itself: argparse would import shutil for it."""

        def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                     width: int | None = None) -> None:
            super().__init__(prog, indent_increment, max_help_position,
                             _terminal_columns() - 2 if width is None else width)

    class Parser(argparse.ArgumentParser):
        def __init__(self, *args, **kwargs) -> None:
            kwargs.setdefault("formatter_class", Formatter)
            super().__init__(*args, **kwargs)

        def error(self, message: str) -> None:  # type: ignore[override]
            from nuthelper.cli.values import excerpt

            message = long_word.sub(lambda word: f"{excerpt(word.group())} ({len(word.group())} characters)", message)
            raise UsageError(f"{message} (see '{self.prog} --help')")

    return Parser


def _terminal_columns() -> int:
    """What shutil.get_terminal_size() says: $COLUMNS, else the terminal's width, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


def build_parser(only: str | None = None):
    """The full parser, or (``only``) one holding just that subcommand, to keep start-up light."""
    import importlib

    _Parser = _parser_class()
    parser = _Parser(prog="nut-helper", description="Cable-aware Network UPS Tools configuration.")
    parser.add_argument("--version", action="version", version=f"nut-helper {__version__}")
    parser.add_argument("--json", dest="json_first", action="store_true",
                        help="the same as the command's own --json: one JSON document on stdout, errors included")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in [only] if only else COMMANDS:
        module = importlib.import_module(f"nuthelper.cli.{name}")
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(handler=module.run)
    return parser


def json_requested(argv: list[str]) -> bool:
    """Whether ``--json`` (or an abbreviation argparse accepts, ``--js``) is on the line before any ``--``."""
    for token in argv:
        if token == "--":
            return False
        flag = token.split("=", 1)[0]
        if len(flag) >= 3 and "--json".startswith(flag):
            return True
    return False


COLLECTOR_THRESHOLDS = (50_000, 50, 100)
"""Python's cyclic garbage collector, for the length of a command. A command runs for a moment and
keeps what it loads (the hardware list, its index, the families): at Python's default (700, 10, 10)
the collector walks those objects again every few thousand allocations, a third of a lookup's time
(and more as the list grows). Garbage in cycles is still collected, in larger batches."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--version"]:  # answered before any command is loaded: start-up stays at the interpreter's
        return _print_version()
    import gc

    from nuthelper.cli.output import watch_streams

    streams, thresholds = (sys.stdout, sys.stderr), gc.get_threshold()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    watch_streams()
    try:
        return _honest(_run(argv, json_requested(argv)))
    finally:
        sys.stdout, sys.stderr = streams
        gc.set_threshold(*thresholds)


def _print_version() -> int:
    try:
        print(f"nut-helper {__version__}")
        sys.stdout.flush()
    except OSError:
        return EXIT_OUTPUT_LOST
    return 0


def _run(argv: list[str], wants_json: bool) -> int:
    from nuthelper.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, NutHelperError

    args = None
    try:
        first = argv[0] if argv else None
        args = build_parser(first if first in COMMANDS else None).parse_args(argv)
        args.json = args.json_first or getattr(args, "json", False)
        if hasattr(args, "no_cache"):
            from nuthelper.cli.knowledge_args import apply_cache_flags

            apply_cache_flags(args)
        return args.handler(args)
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else 0
    except NutHelperError as error:
        return _report(error, error.exit_code, wants_json or getattr(args, "json", False))
    except KeyboardInterrupt:
        return _report(NutHelperError("interrupted (Ctrl-C)"), EXIT_INTERRUPTED, wants_json, kind="Interrupted")
    except Exception as error:  # an internal error: keep it to one line unless debugging
        damaged = _shipped_file_error(error)
        if damaged is not None:
            return _report(damaged, damaged.exit_code, wants_json)
        internal = NutHelperError(f"{type(error).__name__}: {error} (set NUT_HELPER_DEBUG=1 for a traceback)")
        code = _report(internal, EXIT_INTERNAL, wants_json, kind="InternalError", prefix="internal error")
        if os.environ.get("NUT_HELPER_DEBUG"):
            raise
        return code


def _report(error, code: int, wants_json: bool, *, kind: str | None = None, prefix: str = "error") -> int:
    """The one-line message on stderr and, with --json, the error document on stdout (unless the
    command printed its document already)."""
    from nuthelper.cli.output import json_printed, one_line, print_json

    print(one_line(f"nut-helper: {prefix}: {error.message}"), file=sys.stderr)
    if wants_json and not json_printed():
        print_json({"error": {"exit_code": code, "kind": kind or type(error).__name__, "message": error.message,
                              **error.details}})
    return code


def _shipped_file_error(error: Exception):
    """An OSError on a file inside the installed package: the installation is damaged
    (a :class:`~nuthelper.errors.DamagedInstallation`), else None."""
    from pathlib import Path

    from nuthelper.errors import DamagedInstallation

    filename = getattr(error, "filename", None)
    if not isinstance(error, OSError) or not isinstance(filename, (str, bytes, os.PathLike)):
        return None
    package = Path(__file__).resolve().parent.parent
    if package not in Path(os.path.abspath(os.fsdecode(filename))).parents:
        return None
    return DamagedInstallation(f"nut-helper's own file {os.fsdecode(filename)} cannot be read "
                               f"({error.strerror or error}): the installation is damaged; reinstall nut-helper")


def _honest(code: int) -> int:
    """The exit code, once stdout and stderr are flushed: output that could not be written turns a
    success into EXIT_OUTPUT_LOST, and is said on stderr when stderr still works."""
    from nuthelper.cli.output import lost_output

    lost = lost_output()
    if not lost:
        return code
    print(f"nut-helper: error: could not write {'; '.join(lost)}: what the command printed is lost; make room, "
          "or keep the pipe's reader open, and run it again", file=sys.stderr)
    lost_output()
    return code or EXIT_OUTPUT_LOST
