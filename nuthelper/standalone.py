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
  when no MONITOR line watches that UPS on this machine already.

Files holding passwords are marked secret: written 0640 (never readable by others), with
their diffs redacted.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path

from nuthelper.errors import InvalidInput
from nuthelper.filechange import REDACTED, FileChange
from nuthelper.render import render_template
from nuthelper.upsconf import UpsConf
from nuthelper.writer import read_existing

MONITOR_USER = "nut-helper-monitor"
DEFAULT_UPSD_PORT = 3493
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")
KEPT_MODES = ("standalone", "netserver")
REPLACEABLE_MODES = ("none", "")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
WILDCARDS = {"127.0.0.1": ("0.0.0.0", "localhost"), "::1": ("::", "localhost")}

_MODE_LINE = re.compile(r"^[ \t]*MODE[ \t]*=[ \t]*([\"']?)([^\"'\s#]*)\1[ \t]*(#.*)?$", re.M)
_LISTEN_LINE = re.compile(r"^[ \t]*LISTEN[ \t]+\"?([^\s\"]+)\"?(?:[ \t]+\"?(\d+)\"?)?", re.M)
_MONITOR_LINE = re.compile(r"^[ \t]*MONITOR[ \t]+\"?([^\s\"]+)\"?", re.M)
_PASSWORD_LINE = re.compile(r"^([ \t]*password[ \t]*=[ \t]*).*$", re.M | re.I)
_MONITOR_SECRET = re.compile(r'^([ \t]*MONITOR[ \t]+(?:"(?:[^"\\]|\\.)*"|\S+)[ \t]+\S+[ \t]+'
                             r'(?:"(?:[^"\\]|\\.)*"|\S+)[ \t]+)("(?:[^"\\]|\\.)*"|\S+)', re.M)


def redact_users(text: str) -> str:
    """upsd.users with every password value hidden."""
    return _PASSWORD_LINE.sub(lambda match: match.group(1) + REDACTED, text)


def redact_monitor(text: str) -> str:
    """upsmon.conf with the password of every MONITOR line hidden."""
    return _MONITOR_SECRET.sub(lambda match: match.group(1) + REDACTED, text)


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


def plan_nut_conf(path: Path, *, replace: bool = False) -> FileChange:
    """nut.conf in standalone mode (netserver kept; none changed; netclient only with ``replace``)."""
    old = read_existing(path)
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


def plan_upsd_conf(path: Path, *, upsd_port: int = DEFAULT_UPSD_PORT) -> FileChange:
    """upsd.conf listening on the loopback addresses; existing LISTEN lines kept as they are."""
    old = read_existing(path)
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


def _monitors(text: str | None, ups: str, port: int) -> bool:
    """True when a MONITOR line of ``text`` watches ``ups`` on this machine's upsd at ``port``."""
    for match in _MONITOR_LINE.finditer(text or ""):
        system = match.group(1)
        name, _, host = system.partition("@")
        host, their_port = (host, DEFAULT_UPSD_PORT)
        if host.startswith("["):
            host, _, rest = host[1:].partition("]")
            their_port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else DEFAULT_UPSD_PORT
        elif host.count(":") == 1:
            host, _, digits = host.partition(":")
            their_port = int(digits) if digits.isdigit() else DEFAULT_UPSD_PORT
        if name.lower() == ups.lower() and (host or "localhost") in LOCAL_HOSTS and their_port == port:
            return True
    return False


def plan_monitoring(users_path: Path, upsmon_path: Path, ups: str, *, upsd_port: int = DEFAULT_UPSD_PORT,
                    new_password: Callable[[], str] = lambda: secrets.token_urlsafe(24)) -> list[FileChange]:
    """upsd.users (the monitoring user) and upsmon.conf (its MONITOR line), planned together."""
    users_old = read_existing(users_path)
    upsmon_old = read_existing(upsmon_path)
    users_what = f"upsd.users: user {MONITOR_USER} (upsmon primary)"
    upsmon_what = f"upsmon.conf: MONITOR {ups} as primary"
    if _monitors(upsmon_old, ups, upsd_port):
        note = "a MONITOR line for this UPS exists; its user is left as it is"
        return [FileChange(users_path, "unchanged", users_old, users_old or "", users_what, True, redact_users,
                           note=note),
                FileChange(upsmon_path, "unchanged", upsmon_old, upsmon_old, upsmon_what, True, redact_monitor)]
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
    if upsmon_old is None:
        upsmon = FileChange(upsmon_path, "added", None, render_template("upsmon.conf.j2", monitor=monitor),
                            upsmon_what, True, redact_monitor)
    else:
        upsmon = FileChange(upsmon_path, "updated", upsmon_old, _appended(upsmon_old, monitor + "\n"),
                            upsmon_what, True, redact_monitor)
    return [users, upsmon]


def plan_standalone(confdir: Path, ups: str, *, upsd_port: int = DEFAULT_UPSD_PORT,
                    replace: bool = False) -> list[FileChange]:
    """Every standalone file in ``confdir`` (the directory of ups.conf) for UPS section ``ups``."""
    if not 1 <= upsd_port <= 65535:
        raise InvalidInput(f"--upsd-port {upsd_port} is not a TCP port; give a number from 1 to 65535")
    return [plan_nut_conf(confdir / "nut.conf", replace=replace),
            plan_upsd_conf(confdir / "upsd.conf", upsd_port=upsd_port),
            *plan_monitoring(confdir / "upsd.users", confdir / "upsmon.conf", ups, upsd_port=upsd_port)]
