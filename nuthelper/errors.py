"""Errors a user can act on, each carrying the exit code the CLI reports, and the one shape of
the ``candidates`` an error offers (docs/user-guide.md, "Exit codes and errors")."""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported at run time: every command loads this module first
if TYPE_CHECKING:
    from typing import Any

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INVALID = 2
EXIT_NOT_FOUND = 3
EXIT_CHECK_FAILED = 4
EXIT_CONFLICT = 5
EXIT_OUTPUT_LOST = 6
"""The command did its work, but what it printed could not be written (stdout or stderr full,
closed, or a pipe whose reader has gone)."""
EXIT_DOES_NOT_WORK = 7     # verify: a section reads nothing (no-answer) or reads wrongly (misreads)
EXIT_NOT_VERIFIED = 8      # verify: none failed, but a section could not be tried (not-run)
EXIT_ACTIVATION_FAILED = 9     # setup --activate: written, but a command making it live failed
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

CANDIDATE_KINDS = ("model", "cable", "driver", "device")


class NutHelperError(Exception):
    """Base of every error meant for the user: one line saying what is wrong and what to do."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(NutHelperError):
    """A value given by the user (or found in a file) cannot be used."""

    exit_code = EXIT_INVALID


class UsageError(InvalidInput):
    """The command line itself is wrong: an unknown flag, a missing or malformed value."""


class NotFound(NutHelperError):
    """A model, cable or item asked for is not known."""

    exit_code = EXIT_NOT_FOUND


class Ambiguous(NutHelperError):
    """Several answers fit and nothing given decides between them."""

    exit_code = EXIT_NOT_FOUND


class DamagedInstallation(NutHelperError):
    """A file shipped with nut-helper (a template, a data file) cannot be read: reinstall it."""

    exit_code = EXIT_INTERNAL


def candidate(kind: str, name: str, **fields: Any) -> dict[str, Any]:
    """One entry of an error's ``candidates``: what it is (``kind``: "model", "cable", "driver"
    or "device"), the ``name`` to pass back (a model name, a cable id, a driver name, a device's
    port), and for a driver or device the choice fields (``options``, ``flags``, ``port``, ...)."""
    if kind not in CANDIDATE_KINDS:
        raise ValueError(f"candidate kind {kind!r} is not one of {', '.join(CANDIDATE_KINDS)}")
    return {"kind": kind, "name": name, **fields}


def cable_candidate(cable: Any) -> dict[str, Any]:
    """A documented cable as a candidate: its id to pass as --cable, and its title."""
    return candidate("cable", cable.id, title=cable.title)


def choice_candidate(choice: dict[str, Any]) -> dict[str, Any]:
    """A driver choice (``Choice.to_dict()``) as a candidate: named by its driver."""
    return candidate("driver", choice["driver"], **choice)
