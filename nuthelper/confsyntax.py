"""ups.conf value and name rules (NUT's parseconf), shared by the renderer and the parser."""

from __future__ import annotations

import re

from nuthelper.errors import InvalidInput

WORD_LIMIT = 512          # parseconf truncates longer words silently
_SAFE_BARE = re.compile(r"^[A-Za-z0-9_./:@+,=-]+$")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")
RESERVED_NAMES = {"default"}


def _check_text(value: str, what: str) -> None:
    for char in value:
        if char in "\r\n":
            raise InvalidInput(f"{what} contains a line break; NUT reads one setting per line: remove it")
        if ord(char) < 0x20 or ord(char) == 0x7F:
            raise InvalidInput(f"{what} contains the control character 0x{ord(char):02x}: remove it")
        if ord(char) > 0x7F:
            raise InvalidInput(f"{what} contains the non-ASCII character '{char}'; ups.conf must be pure "
                               "ASCII: spell it without accents or symbols")


def escape_value(value: str, key: str = "value") -> str:
    """A value as one ups.conf word: quoted when needed, with ``"``, ``\\`` and ``#`` escaped."""
    value = str(value)
    _check_text(value, f"{key} value")
    if value and _SAFE_BARE.match(value):
        word = value
    else:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("#", "\\#")
        word = f'"{escaped}"'
    if len(word) > WORD_LIMIT:
        raise InvalidInput(f"{key} value is {len(word)} characters once quoted; NUT truncates words "
                           f"longer than {WORD_LIMIT}: shorten it")
    return word


def validate_section_name(name: str) -> str:
    """Check a section name: one token usable as ``[NAME]`` and as ``nut-driver@NAME``."""
    _check_text(name, "section name")
    if not name:
        raise InvalidInput("section name is empty: pass --name with letters, digits, '-' or '_'")
    if name.lower() in RESERVED_NAMES:
        raise InvalidInput(f"section name '{name}' is reserved by upsd: choose another --name")
    if not _NAME.match(name):
        raise InvalidInput(f"section name '{name}' must be one word of letters, digits, '_', '-', '.' or ':' "
                           "(no blanks, brackets or quotes) so that systemd's nut-driver@NAME works: "
                           "choose another --name")
    if len(name) > 64:
        raise InvalidInput(f"section name '{name}' is longer than 64 characters: choose a shorter --name")
    return name


def section_name_from(text: str) -> str:
    """A default section name derived from free text (a model name)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    slug = slug[:32].rstrip("-")
    return slug if slug and slug not in RESERVED_NAMES else "ups"
