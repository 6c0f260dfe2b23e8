"""A complete standalone NUT setup beside ups.conf: nut.conf, upsd.conf, upsd.users, upsmon.conf.

Each file is planned as a :class:`~nuthelper.filechange.FileChange` from the templates, and
merged with care: a file that does not exist is written whole; an existing file only gets
the lines it lacks, and every line it has is kept as it is.

- nut.conf: ``MODE=standalone``. A file already in standalone or netserver mode is left alone;
  ``MODE=none`` (or no MODE line) is changed; any other mode (netclient) is a conflict that
  only ``replace`` overrides.
- upsd.conf: ``LISTEN 127.0.0.1 PORT`` and ``LISTEN ::1 PORT``, each added only when no
  existing LISTEN line covers it (the same address and port, or a wildcard on that port).
- upsd.users: a monitoring user with a generated password, added only when absent. An
  existing user's password is reused, never changed.
- upsmon.conf: a ``MONITOR NAME@localhost[:PORT] 1 USER PASSWORD primary`` line, added only
  when no MONITOR line watches that UPS on this machine already. When the section of the UPS is
  replaced by one of another name (the same UPS set up again), the MONITOR line of the old name
  is made to watch the new one (:func:`retarget_monitors`); when the section is removed, so are
  the lines that watch it (:func:`remove_monitors`).

Files holding passwords are marked secret: they end at 0640 root:nut or tighter (never readable
by others), with their diffs redacted. upsd.users and upsmon.conf are read with NUT's own word
splitting (quotes, backslash escapes and backslash-newline continuations), so a password written
across lines or with an escaped blank is hidden whole.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nuthelper.nutfiles import DEFAULT_UPSD_PORT
from nuthelper.errors import InvalidInput
from nuthelper.filechange import REDACTED, FileChange
from nuthelper.patterns import lazy
from nuthelper.render import render_template
from nuthelper.tree import Tree
from nuthelper.upsconf import UpsConf
from nuthelper.writer import read_existing

MONITOR_USER = "nut-helper-monitor"
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")
KEPT_MODES = ("standalone", "netserver")
REPLACEABLE_MODES = ("none", "")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
WILDCARDS = {"127.0.0.1": ("0.0.0.0", "localhost"), "::1": ("::", "localhost")}

_MODE_LINE = lazy(r"^[ \t]*MODE[ \t]*=[ \t]*([\"']?)([^\"'\s#]*)\1[ \t]*(#.*)?$", re.M)
_LISTEN_LINE = lazy(r"^[ \t]*LISTEN[ \t]+\"?([^\s\"]+)\"?(?:[ \t]+\"?(\d+)\"?)?", re.M)
_BLANKS = " \t\r\v\f"


@dataclass
class Word:
    """One word as NUT's parseconf reads it, and the span of text it was written as."""

    value: str
    start: int
    end: int
    comment_follows: bool = False    # a '#' ends it directly (what the writer may have meant as part of it)


@dataclass
class Line:
    """One logical line (physical lines joined by backslash-newline): its span and words."""

    start: int
    end: int = 0
    words: list[Word] = field(default_factory=list)


def logical_lines(text: str) -> Iterator[Line]:
    """The logical lines of a NUT configuration file, split into words the way parseconf does."""
    position, length = 0, len(text)
    while position < length:
        line = Line(position)
        word: list[str] | None = None
        start = quoted = 0
        while position < length:
            char = text[position]
            if word is None:
                if char == "\n":
                    position += 1
                    break
                if char == "#":
                    end = text.find("\n", position)
                    position = length if end < 0 else end
                    continue
                if char in _BLANKS:
                    position += 1
                    continue
                if char == "=":
                    line.words.append(Word("=", position, position + 1))
                    position += 1
                    continue
                word, start, quoted = [], position, char == '"'
                position += quoted
                continue
            if char == "\\" and position + 1 < length:
                if text[position + 1] != "\n":
                    word.append(text[position + 1])
                position += 2
                continue
            ends = (char == '"') if quoted else (char in _BLANKS or char in "\n#=")
            if quoted and char == "\n":
                ends = True                      # an unterminated quote ends at the line end
            if ends:
                end = position + 1 if quoted and char == '"' else position
                line.words.append(Word("".join(word), start, end, comment_follows=char == "#"))
                word = None
                position = end
                continue
            word.append(char)
            position += 1
        if word is not None:
            line.words.append(Word("".join(word), start, length))
        line.end = position
        yield line


def _redact_words(text: str, pick: Callable[[list[Word]], Word | None]) -> str:
    """``text`` with the word ``pick`` chooses on each line replaced by REDACTED."""
    spans = []
    for line in logical_lines(text):
        secret = pick(line.words)
        if secret is not None:
            end = secret.end
            if secret.comment_follows:       # hide what follows the '#' too: it may be part of it
                newline = text.find("\n", end)
                end = line.end if newline < 0 else min(newline, line.end)
            spans.append((secret.start, end))
    for start, end in reversed(spans):
        text = text[:start] + REDACTED + text[end:]
    return text


def redact_users(text: str) -> str:
    """upsd.users with every password value hidden."""
    return _redact_words(text, lambda words: words[2] if len(words) >= 3 and words[0].value.lower() == "password"
                         and words[1].value == "=" else None)


def redact_monitor(text: str) -> str:
    """upsmon.conf with the password of every MONITOR line hidden."""
    return _redact_words(text, lambda words: words[4] if len(words) >= 5 and words[0].value.upper() == "MONITOR"
                         else None)


def _appended(old: str, addition: str) -> str:
    """``old`` with ``addition`` after it, on a line of its own."""
    if old and not old.endswith("\n"):
        old += "\n"
    return old + addition


def _appended_block(old: str, block: str) -> str:
    """``old`` with ``block`` after it, separated by one blank line."""
    base = _appended(old, "")
    if base.strip() and not base.endswith("\n\n"):
        base += "\n"
    return base + block


def plan_nut_conf(path: Path, *, replace: bool = False, tree: Tree | None = None) -> FileChange:
    """nut.conf in standalone mode (netserver kept; none changed; netclient only with ``replace``)."""
    old = read_existing(path, tree)
    what = "nut.conf: MODE=standalone"
    if old is None:
        return FileChange(path, "added", None, render_template("nut.conf.j2", mode="standalone"), what)
    modes = list(_MODE_LINE.finditer(old))
    mode_line = render_template("nut.conf.mode.j2", mode="standalone")
    if not modes:
        return FileChange(path, "updated", old, _appended(old, mode_line), what)
    last = modes[-1]  # the shell keeps the last assignment
    mode = last.group(2)
    if mode in KEPT_MODES:
        return FileChange(path, "unchanged", old, old, what, note=f"MODE={mode} kept")
    new = old[:last.start()] + mode_line.rstrip("\n") + old[last.end():]
    if mode in REPLACEABLE_MODES or replace:
        return FileChange(path, "updated", old, new, what, note=f"MODE={mode or '(empty)'} changed")
    return FileChange(path, "conflict", old, new, what,
                      note=f"{path} sets MODE={mode}; pass --replace to make this machine standalone")


def _listen_covered(address: str, port: int, listens: list[tuple[str, int]]) -> bool:
    return any(port == their_port and (their == address or their in WILDCARDS[address])
               for their, their_port in listens)


def plan_upsd_conf(path: Path, *, upsd_port: int = DEFAULT_UPSD_PORT, tree: Tree | None = None) -> FileChange:
    """upsd.conf listening on the loopback addresses; existing LISTEN lines kept as they are."""
    old = read_existing(path, tree)
    what = f"upsd.conf: LISTEN {' and '.join(LOOPBACK_ADDRESSES)} port {upsd_port}"
    if old is None:
        text = render_template("upsd.conf.j2", addresses=LOOPBACK_ADDRESSES, port=upsd_port)
        return FileChange(path, "added", None, text, what)
    listens = [(match.group(1), int(match.group(2) or DEFAULT_UPSD_PORT))
               for match in _LISTEN_LINE.finditer(old)]
    missing = [address for address in LOOPBACK_ADDRESSES if not _listen_covered(address, upsd_port, listens)]
    if not missing:
        return FileChange(path, "unchanged", old, old, what)
    lines = "".join(render_template("upsd.listen.j2", address=address, port=upsd_port) for address in missing)
    return FileChange(path, "updated", old, _appended(old, lines), what)


def _system(word: str) -> tuple[str, str, int]:
    """The UPS name, host and upsd port of a MONITOR system ``name@host[:port]``."""
    name, _, host = word.partition("@")
    port = DEFAULT_UPSD_PORT
    if host.startswith("["):
        host, _, rest = host[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else DEFAULT_UPSD_PORT
    elif host.count(":") == 1:
        host, _, digits = host.partition(":")
        port = int(digits) if digits.isdigit() else DEFAULT_UPSD_PORT
    return name, host or "localhost", port


def _local_monitors(text: str) -> Iterator[tuple[Line, str, int]]:
    """Each MONITOR line of ``text`` that watches a UPS of this machine: the line, the UPS name, the port."""
    for line in logical_lines(text):
        words = line.words
        if len(words) >= 2 and words[0].value.upper() == "MONITOR":
            name, host, port = _system(words[1].value)
            if host in LOCAL_HOSTS:
                yield line, name, port


def _monitors(text: str | None, ups: str, port: int) -> bool:
    """True when a MONITOR line of ``text`` watches ``ups`` on this machine's upsd at ``port``."""
    return any(name.lower() == ups.lower() and their_port == port
               for _, name, their_port in _local_monitors(text or ""))


def retarget_monitors(text: str, replaced: tuple[str, ...], ups: str) -> str:
    """``text`` with the MONITOR lines of the ``replaced`` UPS names made to watch ``ups`` instead.

    Only this machine's UPSes count. The first line that watches one of them (or ``ups``) is kept
    with the name changed, every other one is removed: upsmon must count a UPS once.
    """
    names = {name.lower() for name in (*replaced, ups)}
    edits: list[tuple[int, int, str]] = []
    kept = False
    for line, name, _ in _local_monitors(text):
        if name.lower() not in names:
            continue
        if kept:
            edits.append((line.start, line.end, ""))
            continue
        kept = True
        word = line.words[1]
        written = text[word.start:word.end]
        at = written.find(name + "@")
        if name.lower() != ups.lower() and at >= 0:
            edits.append((word.start + at, word.start + at + len(name), ups))
    for start, end, replacement in reversed(edits):
        text = text[:start] + replacement + text[end:]
    return text


def remove_monitors(text: str, ups: str) -> str:
    """``text`` without the MONITOR lines that watch ``ups`` on this machine (any upsd port)."""
    spans = [(line.start, line.end) for line, name, _ in _local_monitors(text) if name.lower() == ups.lower()]
    for start, end in reversed(spans):
        text = text[:start] + text[end:]
    return text


def plan_monitor_removal(upsmon_path: Path, ups: str, tree: Tree | None = None) -> FileChange | None:
    """upsmon.conf no longer watching ``ups`` on this machine; None when no line watches it."""
    old = read_existing(upsmon_path, tree)
    if old is None:
        return None
    new = remove_monitors(old, ups)
    if new == old:
        return None
    return FileChange(upsmon_path, "updated", old, new, f"upsmon.conf: MONITOR {ups} removed", True, redact_monitor)


def plan_monitor_retarget(upsmon_path: Path, replaced: tuple[str, ...], ups: str,
                          tree: Tree | None = None) -> FileChange | None:
    """upsmon.conf watching ``ups`` where it watched a replaced section; None when nothing changes."""
    old = read_existing(upsmon_path, tree)
    if old is None or not replaced:
        return None
    new = retarget_monitors(old, replaced, ups)
    if new == old:
        return None
    return FileChange(upsmon_path, "updated", old, new, f"upsmon.conf: MONITOR {', '.join(replaced)} now {ups}",
                      True, redact_monitor)


def plan_monitoring(users_path: Path, upsmon_path: Path, ups: str, *, upsd_port: int = DEFAULT_UPSD_PORT,
                    new_password: Callable[[], str] = lambda: secrets.token_urlsafe(24),
                    replaced: tuple[str, ...] = (), tree: Tree | None = None) -> list[FileChange]:
    """upsd.users (the monitoring user) and upsmon.conf (its MONITOR line), planned together.

    ``replaced``: sections the new one replaces; their MONITOR lines now watch ``ups``.
    """
    users_old = read_existing(users_path, tree)
    upsmon_old = read_existing(upsmon_path, tree)
    upsmon_base = retarget_monitors(upsmon_old, replaced, ups) if upsmon_old and replaced else upsmon_old
    users_what = f"upsd.users: user {MONITOR_USER} (upsmon primary)"
    upsmon_what = f"upsmon.conf: MONITOR {ups} as primary"
    if _monitors(upsmon_base, ups, upsd_port):
        note = "a MONITOR line for this UPS exists; its user is left as it is"
        status = "unchanged" if upsmon_base == upsmon_old else "updated"
        upsmon_note = "" if status == "unchanged" else f"the MONITOR line of [{', '.join(replaced)}] now watches [{ups}]"
        return [FileChange(users_path, "unchanged", users_old, users_old or "", users_what, True, redact_users,
                           note=note),
                FileChange(upsmon_path, status, upsmon_old, upsmon_base, upsmon_what, True, redact_monitor,
                           note=upsmon_note)]
    existing = UpsConf.parse(users_old or "", str(users_path), strict=False).get(MONITOR_USER)
    if existing is not None:
        password = existing.value("password")
        if not password:
            raise InvalidInput(f"{users_path} line {existing.header_line}: user [{existing.name}] has no "
                               "password; add one or remove the section, then run again")
        users = FileChange(users_path, "unchanged", users_old, users_old or "", users_what, True, redact_users,
                           note="existing user and password kept")
    else:
        password = new_password()
        section = render_template("upsd.users.section.j2", user=MONITOR_USER, password=password)
        if users_old is None:
            users = FileChange(users_path, "added", None, section, users_what, True, redact_users)
        else:
            users = FileChange(users_path, "updated", users_old, _appended_block(users_old, section), users_what,
                               True, redact_users)
    monitor = render_template("upsmon.monitor.j2", ups=ups, host="localhost", port=upsd_port,
                              user=MONITOR_USER, password=password).rstrip("\n")
    if upsmon_base is None:
        upsmon = FileChange(upsmon_path, "added", None, render_template("upsmon.conf.j2", monitor=monitor),
                            upsmon_what, True, redact_monitor)
    else:
        upsmon = FileChange(upsmon_path, "updated", upsmon_old, _appended(upsmon_base, monitor + "\n"),
                            upsmon_what, True, redact_monitor)
    return [users, upsmon]


def plan_standalone(confdir: Path, ups: str, *, upsd_port: int = DEFAULT_UPSD_PORT, replace: bool = False,
                    replaced: tuple[str, ...] = (), tree: Tree | None = None) -> list[FileChange]:
    """Every standalone file in ``confdir`` (the directory of ups.conf) for UPS section ``ups``.

    ``replaced``: the sections the new one replaces (the same UPS under another name).
    """
    if not 1 <= upsd_port <= 65535:
        raise InvalidInput(f"--upsd-port {upsd_port} is not a TCP port; give a number from 1 to 65535")
    return [plan_nut_conf(confdir / "nut.conf", replace=replace, tree=tree),
            plan_upsd_conf(confdir / "upsd.conf", upsd_port=upsd_port, tree=tree),
            *plan_monitoring(confdir / "upsd.users", confdir / "upsmon.conf", ups, upsd_port=upsd_port,
                             replaced=replaced, tree=tree)]
