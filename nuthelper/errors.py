"""Errors a user can act on, each carrying the exit code the CLI reports."""

from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INVALID = 2
EXIT_NOT_FOUND = 3
EXIT_CHECK_FAILED = 4
EXIT_CONFLICT = 5
EXIT_DOES_NOT_WORK = 6     # verify: a section reads nothing (no-answer) or reads wrongly (misreads)
EXIT_NOT_VERIFIED = 7      # verify: none failed, but a section could not be tried (not-run)


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


class NotFound(NutHelperError):
    """A model, cable or item asked for is not known."""

    exit_code = EXIT_NOT_FOUND


class Ambiguous(NutHelperError):
    """Several answers fit and nothing given decides between them."""

    exit_code = EXIT_NOT_FOUND
