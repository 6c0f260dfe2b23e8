"""The values of the command line's flags, checked as the line is read, before anything is loaded
or probed: names no longer than any real one, on one line and in UTF-8; device paths under /dev;
paths no longer than the system allows; numbers as numbers. A refused value is a one-line usage
error (exit 2) that quotes only the start of the value (docs/user-guide.md, "Limits on what you type")."""

from __future__ import annotations

import argparse
import math
import os
import stat
from collections.abc import Callable

from nuthelper.cli.output import one_line
from nuthelper.confsyntax import WORD_LIMIT

MAX_NAME = 200
"""The longest model, cable, port, section name, vendor, query or signal list: far beyond any real
one. The same limit as the library's ``nuthelper.resolve.inputs.MAX_TEXT``."""
MAX_DESC = WORD_LIMIT
"""The longest --desc: NUT truncates a longer word (512 characters)."""
MAX_PATH = 4095
"""The longest path, in bytes: Linux's PATH_MAX (4096) less the final NUL."""
MAX_NUMBER = 32
"""The longest number."""
QUOTED = 40
"""How many characters of a long refused value a message shows (a value of up to twice that is shown whole)."""


def excerpt(value: str) -> str:
    """The start of ``value``, quoted and printable, for a message about it."""
    if len(value) <= 2 * QUOTED:
        return f"'{one_line(value)}'"
    return f"'{one_line(value[:QUOTED])}…'"


def _too_long(value: str, limit: int, what: str, advice: str) -> None:
    if len(value) > limit:
        raise argparse.ArgumentTypeError(f"{len(value)} characters long (it starts {excerpt(value)}); no {what} is "
                                         f"longer than {limit}: {advice}")


def _one_line_of_text(value: str) -> None:
    for position, char in enumerate(value, 1):
        if 0xDC80 <= ord(char) <= 0xDCFF:
            raise argparse.ArgumentTypeError(f"{excerpt(value)} holds the byte \\x{ord(char) - 0xDC00:02x} (character "
                                             f"{position}), which is not UTF-8 text: type the name again in UTF-8")
        if ord(char) < 0x20 or ord(char) == 0x7F:
            what = "a line break" if char in "\r\n" else f"the control character \\x{ord(char):02x}"
            raise argparse.ArgumentTypeError(f"{excerpt(value)} holds {what} (character {position}): give it on "
                                             "one line")


def text(limit: int = MAX_NAME, what: str = "UPS, cable or port name",
         advice: str = "give the name as printed on the unit or the cable") -> Callable[[str], str]:
    """A name typed by a person: at most ``limit`` characters, one line, UTF-8."""
    def convert(value: str) -> str:
        _too_long(value, limit, what, advice)
        _one_line_of_text(value)
        return value
    return convert


def port(value: str) -> str:
    """A --port or PORT: a name like any other; a path must be a device, which lives under /dev."""
    text()(value)
    if value.startswith("/") and not value.startswith("/dev/") and not _is_device(value):
        found = _what_is(value)
        raise argparse.ArgumentTypeError(
            f"{excerpt(value)} is not a serial device under /dev ({found}): give the serial device the cable is plugged "
            "into, e.g. /dev/ttyS0 or a /dev/serial/by-id/... path, or auto for a USB UPS")
    return value


def _is_device(path: str) -> bool:
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        return False


def _what_is(path: str) -> str:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "there is no such file"
    except OSError as error:
        return f"it cannot be examined: {error.strerror}"
    return "it is a directory" if stat.S_ISDIR(mode) else "it is a regular file" if stat.S_ISREG(mode) else \
        "it is not a character device"


def path(value: str) -> str:
    """A file or directory path: any bytes the system allows, at most PATH_MAX of them."""
    size = len(os.fsencode(value))
    if size > MAX_PATH:
        raise argparse.ArgumentTypeError(f"a path of {size} bytes (it starts {excerpt(value)}); the system takes "
                                         f"at most {MAX_PATH}: give a shorter path")
    if not value:
        raise argparse.ArgumentTypeError("an empty path: give a file or directory")
    return value


def whole_number(value: str) -> int:
    """An integer, such as --upstype or --limit."""
    return int(_number(value, int, "a whole number"))


def seconds(value: str) -> float:
    """A positive, finite number of seconds."""
    number = float(_number(value, float, "a number of seconds"))
    if not (math.isfinite(number) and number > 0):
        raise argparse.ArgumentTypeError(f"{excerpt(value)} is not a positive number of seconds: give e.g. 1.5")
    return number


def _number(value: str, kind: type, what: str) -> int | float:
    if len(value) > MAX_NUMBER:
        raise argparse.ArgumentTypeError(f"{len(value)} characters long (it starts {excerpt(value)}), not {what}")
    try:
        return kind(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{excerpt(value)} is not {what}") from None

