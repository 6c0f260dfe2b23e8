"""Rules for names and values in ups.conf, shared by the renderer and the parser.

NUT tokenises ups.conf with its ``parseconf`` state machine: words split on blanks, a ``"``
opens a quoted word only at the start of a word, a backslash takes the next character
literally, ``#`` starts a comment outside quotes and is a parse error inside quotes (every release),
``=`` is always a word of its own, bytes outside printable ASCII are dropped with a warning,
and a word longer than 512 characters is silently truncated. The functions here produce text
that every NUT version reads back exactly as meant, and refuse values that cannot be written
that way.
"""

from __future__ import annotations

import re

from nuthelper.errors import InvalidInput
from nuthelper.patterns import lazy

#: parseconf's word length limit (PCONF_DEFAULT_WORDLEN_LIMIT): longer words are truncated.
WORD_LIMIT = 512
#: parseconf's words-per-line limit (PCONF_DEFAULT_ARG_LIMIT): later words are dropped.
WORDS_PER_LINE_LIMIT = 32
#: A UPS name is part of the driver's socket path (``/run/nut/DRIVER-NAME``, at most 107
#: bytes on Linux) and of the unit ``nut-driver@NAME.service``: keep it comfortably short.
SECTION_NAME_LIMIT = 64

# Characters that never need quoting in a value. Anything else (blanks, quotes, backslash,
# '#', '=', brackets, ...) is written inside quotes, with '"', '\' and '#' escaped.
_BARE_VALUE = lazy(r"[A-Za-z0-9_./:,+@%-]+")
_ESCAPED_IN_QUOTES = lazy(r'(["\\#])')
# A section name: one token that NUT, upsd's protocol, nut-driver-enumerator and systemd all
# take literally. systemd instance names allow [A-Za-z0-9:_.\\@-]; '\\' (an escape both in
# NUT and systemd), '@' (separates UPS and host in upsc/upsmon and NDE's unit parsing) and
# ':' are left out; the first character must be a letter or digit so the name is never
# taken for a command-line option.
_SECTION_NAME = lazy(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# A setting name as drivers and NUT's own keys spell them (driver, port, default.battery.charge.low,
# usb_set_altinterface, LIBUSB_DEBUG, ...): never needs quoting.
_KEY = lazy(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
RESERVED_SECTION_NAMES = frozenset({"default"})


def _value_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored in ups.conf, or None when it can."""
    for char in text:
        if char in "\r\n":
            return "contains a line break; give a single line"
        if ord(char) > 0x7E:
            if ord(char) == 0x7F:
                return "contains a control character (DEL); remove it"
            return (f"contains the non-ASCII character {char!r}, which NUT drops; "
                    "use plain ASCII")
        if ord(char) < 0x20:
            return f"contains the control character {char!r}, which NUT drops; remove it"
    return None


def escape_value(value: object, key: str | None = None) -> str:
    """Return ``value`` as one ups.conf word that NUT reads back unchanged.

    Plain values stay bare (``/dev/ttyS0``, ``5``); anything else is quoted with ``"``, ``\\``
    and ``#`` backslash-escaped. Refuses line breaks, control characters, non-ASCII and words
    longer than NUT's 512-character limit with InvalidInput naming ``key``.
    """
    what = f"the value for '{key}'" if key else "the value"
    if isinstance(value, bool) or value is None:
        raise InvalidInput(f"{what} must be text or a number, not {value!r}; give a string")
    text = str(value)
    problem = _value_problem(text)
    if problem:
        raise InvalidInput(f"{what} {problem}")
    if _BARE_VALUE.fullmatch(text):
        word = text
        escaped_length = len(text)
    else:
        inner = _ESCAPED_IN_QUOTES.sub(r"\\\1", text)
        word = f'"{inner}"'
        escaped_length = len(inner)
    if escaped_length > WORD_LIMIT:
        raise InvalidInput(f"{what} is {escaped_length} characters once escaped; NUT truncates "
                           f"words after {WORD_LIMIT}: shorten it")
    return word


def section_name_problem(name: str) -> str | None:
    """Why ``name`` is not a usable UPS section name, or None when it is fine."""
    if not name:
        return "is empty"
    if name.lower() in RESERVED_SECTION_NAMES:
        return "is reserved by upsd"
    if len(name) > SECTION_NAME_LIMIT:
        return f"is longer than {SECTION_NAME_LIMIT} characters"
    if not _SECTION_NAME.fullmatch(name):
        return ("must be one word of letters, digits, '_', '.' or '-' starting with a letter "
                "or digit (usable as systemd unit nut-driver@NAME)")
    return None


def validate_section_name(name: str) -> str:
    """Return ``name`` if it is a usable UPS section name, else raise InvalidInput."""
    problem = section_name_problem(name)
    if problem:
        raise InvalidInput(f"UPS name {name!r} {problem}; choose another name (e.g. "
                           f"'{section_name_from(name)}')")
    return name


def section_name_from(text: str) -> str:
    """A sensible UPS section name derived from free text such as a model name."""
    name = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")
    name = name[:SECTION_NAME_LIMIT].rstrip("-_")
    if not name:
        return "ups"
    if not name[0].isalnum():
        name = f"ups{name}"[:SECTION_NAME_LIMIT]
    if name in RESERVED_SECTION_NAMES:
        name = f"{name}-ups"
    return name


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a usable setting name, or None when it is fine."""
    if not key:
        return "is empty"
    if len(key) > WORD_LIMIT:
        return f"is longer than {WORD_LIMIT} characters"
    if not _KEY.fullmatch(key):
        return "must be letters, digits, '_', '.' or '-' (like 'port' or 'default.battery.charge.low')"
    return None


def validate_key(key: str) -> str:
    """Return ``key`` if it can be written bare as a setting name, else raise InvalidInput."""
    problem = key_problem(key)
    if problem:
        raise InvalidInput(f"setting name {key!r} {problem}; fix the name")
    return key
