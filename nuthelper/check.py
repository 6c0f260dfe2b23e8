"""Checks of an existing ups.conf: what NUT would reject or misread, with line numbers.

The file is read as NUT reads it (:mod:`nuthelper.upsconf`), and judged against the NUT that will
run it: the target's drivers and release under ``--root`` when it has them, else this system's
(:func:`nuthelper.knowledge.drivers.nut_install`). Findings (severity "error", "warning" or "info"):

- parse problems (anything NUT reads differently from how it looks) and duplicate sections;
- global settings and flags NUT ignores before the first section, and value names given alone there;
- section names systemd's ``nut-driver@NAME`` units and upsd cannot use;
- driver names that are not NUT driver names (never run), drivers neither installed nor in NUT's
  hardware list (with the closest name), known but not installed drivers (a warning);
- genericups without ``upstype``, with a type that does not exist or that genericups reads as another
  number (``0x05`` is 0), and signal overrides it cannot use;
- settings and flags the driver does not accept: its own ``-L`` listing plus the settings every
  driver reads (``nuthelper/data/ups-conf-keys.json``), when NUT is installed; a flag given a value
  and a setting given none; a setting given twice in one section;
- USB match settings that are not valid regular expressions (the USB drivers stop on them);
- ports: USB drivers ignore ``port`` (only a note when it is not ``auto``); dummy-ups reads a data
  file; other ports that are missing (a warning under ``--root``), not character devices, that the nut
  user cannot open (judged from the device's owner, group and mode and the nut account under
  ``root``), or that two sections share. Ports are never opened: opening a serial port can change its
  modem lines.

Driver programs are only run through :func:`nuthelper.knowledge.drivers.run_driver`.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import stat
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from nuthelper.confsyntax import key_problem, section_name_problem
from nuthelper.errors import InvalidInput, NotFound
from nuthelper.knowledge.drivers import (NutInstall, debian_package, driver_name_problem, find_driver_program,
                                         installed_drivers, nut_install, program_name, replacement_for, run_driver,
                                         talks_usb)
from nuthelper.knowledge.genericups import SIGNAL_NAMES, load_table, parse_signal, written_signals
from nuthelper.knowledge.hcl import HCL, default_hcl
from nuthelper.patterns import lazy
from nuthelper.resources import data_path
from nuthelper.upsconf import Flag, Section, Setting, UpsConf
from nuthelper.writer import read_existing, target_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NUT_USER = "nut"
_VERSION = lazy(r"\((\d+\.\d+\.\d+)")
_SHOWN_LENGTH = 40      # longer names are cut in messages


@dataclass(frozen=True)
class Finding:
    """One thing found in the file."""

    severity: str           # "error" | "warning" | "info"
    code: str               # stable identifier, e.g. "unknown-option"
    message: str
    line: int | None = None
    section: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckReport:
    """Every finding for one file, in line order, and the NUT it was judged against."""

    path: str
    sections: list[str]
    findings: list[Finding] = field(default_factory=list)
    nut: NutInstall | None = None

    @property
    def errors(self) -> int:
        return sum(finding.severity == "error" for finding in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sections": self.sections, "errors": self.errors,
                "warnings": sum(finding.severity == "warning" for finding in self.findings),
                "nut": self.nut.to_dict() if self.nut else None,
                "findings": [finding.to_dict() for finding in self.findings]}


@lru_cache(maxsize=1)
def core_keys() -> dict[str, Any]:
    """The settings every driver reads (``nuthelper/data/ups-conf-keys.json``)."""
    return json.loads(data_path("ups-conf-keys.json").read_text(encoding="utf-8"))


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _shown(text: str) -> str:
    """``text`` quoted for a message, cut when long."""
    if len(text) > _SHOWN_LENGTH:
        return f"{text[:_SHOWN_LENGTH]!r}... ({len(text)} characters)"
    return repr(text)


@dataclass(frozen=True)
class DriverListing:
    """What a driver's ``-L`` prints: its own settings and flags, and the NUT version."""

    values: frozenset[str]
    flags: frozenset[str]
    nut_version: str | None

    def kind(self, name: str) -> str | None:
        """"value" or "flag" as the driver lists ``name`` (drivers match names ignoring case), or None."""
        folded = name.lower()
        if folded in {value.lower() for value in self.values}:
            return "value"
        if folded in {flag.lower() for flag in self.flags}:
            return "flag"
        return None


@lru_cache(maxsize=None)
def driver_listing(driver: str, driver_path: str | None = None) -> DriverListing | None:
    """Run the installed ``DRIVER -L`` (only if it may be run); None when it cannot be run."""
    done = run_driver(driver, "-L", driver_path=driver_path)
    if done is None:
        return None
    version = _VERSION.search(done.stdout.split("\n", 1)[0])
    return DriverListing(frozenset(re.findall(r"^VALUE (\S+)", done.stdout, re.M)),
                         frozenset(re.findall(r"^FLAG (\S+)", done.stdout, re.M)),
                         version.group(1) if version else None)


# --- accounts under a root -----------------------------------------------------------------

def _account_lines(root: str | None, name: str) -> list[list[str]]:
    try:
        text = (Path(root or "/") / "etc" / name).read_text(errors="replace")
    except OSError:
        return []
    return [line.split(":") for line in text.splitlines() if line and not line.startswith("#")]


def nut_account(root: str | None, user: str = NUT_USER) -> tuple[int, set[int]] | None:
    """The uid and every gid of ``user`` from /etc/passwd and /etc/group under ``root``."""
    for fields in _account_lines(root, "passwd"):
        if len(fields) >= 4 and fields[0] == user and fields[2].isdigit() and fields[3].isdigit():
            gids = {int(fields[3])}
            gids |= {int(group[2]) for group in _account_lines(root, "group")
                     if len(group) >= 4 and group[2].isdigit() and user in group[3].split(",")}
            return int(fields[2]), gids
    return None


def port_access_problem(info: os.stat_result, account: tuple[int, set[int]]) -> str | None:
    """Why the account cannot open a device with this owner, group and mode (None: it can)."""
    uid, gids = account
    mode = info.st_mode
    if uid == 0 or (info.st_uid == uid and mode & 0o600 == 0o600) \
            or (info.st_gid in gids and mode & 0o060 == 0o060) or mode & 0o006 == 0o006:
        return None
    return (f"the nut user cannot open it (owner uid {info.st_uid}, group gid {info.st_gid}, mode "
            f"{stat.filemode(mode)}): install the udev rule 'nut-helper setup --write' writes, or add nut "
            "to the device's group")


# --- global settings -----------------------------------------------------------------------

def _globals_read(release: str | None) -> tuple[str, dict[str, Any]]:
    """(release, what it reads before the first section): the newest listed release not after ``release``."""
    table = core_keys()["globals"]
    listed = sorted((name for name in table if name[0].isdigit()), key=_release)
    chosen = listed[0]
    for name in listed:
        if release and _release(name) <= _release(release):
            chosen = name
    return chosen, table[chosen]


def _global_findings(conf: UpsConf, release: str | None) -> list[Finding]:
    chosen, read = _globals_read(release)
    findings = []
    for setting in conf.globals:
        if setting.key not in read["values"]:
            findings.append(Finding(
                "warning", "ignored-global", f"NUT {chosen} ignores the global setting '{setting.key}' (it is "
                f"before any [section], where only {', '.join(read['values'])} are read); move it into the UPS "
                "sections that need it", setting.line))
    for flag in conf.global_flags:
        if key_problem(flag.name) or flag.name in read["flags"]:
            continue                    # odd words are reported by the parser
        if flag.name in read["values"]:
            findings.append(Finding(
                "error", "global-needs-value", f"the global '{flag.name}' needs a value ('{flag.name} = ...'): "
                "NUT reads it with none, and upsdrvctl or the drivers can crash on that (NUT 2.8.0 does for "
                "maxretry and pollinterval)", flag.line))
        else:
            findings.append(Finding(
                "warning", "ignored-global", f"NUT {chosen} ignores the flag '{flag.name}' before the first "
                f"[section] (only {', '.join(read['flags'])} is read there); move it into the UPS sections "
                "that need it", flag.line))
    return findings


# --- the checks of one section -------------------------------------------------------------

def _spelling_hint(driver: str, known: set[str]) -> str:
    """'; did you mean ...?' for the closest known driver name, or a default hint."""
    base = driver.rstrip("/").rsplit("/", 1)[-1]
    if base != driver and base in known:
        return f"; write 'driver = {base}' (NUT finds drivers by name in its driver directory)"
    close = difflib.get_close_matches(driver.lower(), sorted(known), n=1, cutoff=0.75)
    if close:
        return f"; did you mean '{close[0]}'?"
    return "; check the spelling (see 'nut-helper lookup')"


def _driver_findings(section: Section, driver: str, installed: set[str] | None, known: set[str],
                     listed: set[str]) -> list[Finding]:
    """``known``: every driver name (listed or installed); ``listed``: those NUT's hardware list names."""
    line = [s.line for s in section.settings if s.key == "driver"][-1]  # the last one counts, as in NUT
    problem = driver_name_problem(driver)
    if problem:
        return [Finding("error", "bad-driver-name", f"driver {_shown(driver)} {problem}"
                        f"{_spelling_hint(driver, known)}", line, section.name)]
    in_list = driver in listed
    present = installed is not None and (driver in installed or program_name(driver) in installed)
    if present:
        return []
    if installed is None:
        if in_list:
            return []
        return [Finding("error", "unknown-driver", f"driver '{driver}' is not in NUT's hardware list (and NUT "
                        f"is not installed here to ask){_spelling_hint(driver, known)}", line, section.name)]
    if in_list:
        package = debian_package(driver)
        return [Finding("warning", "driver-not-installed", f"driver '{driver}' is not installed; on Debian it "
                        f"comes in package {package} (apt install {package})", line, section.name)]
    retired = replacement_for(driver)
    if retired is not None:
        return [Finding("error", "retired-driver", f"driver '{driver}' is not installed: {retired['reason']}; "
                        f"write 'driver = {retired['use']}'{'; ' + retired['note'] if retired.get('note') else ''}",
                        line, section.name)]
    return [Finding("error", "unknown-driver", f"driver '{driver}' is neither installed nor in NUT's hardware "
                    f"list{_spelling_hint(driver, known)}", line, section.name)]


def _atoi(text: str) -> int:
    """What C's atoi() makes of ``text``: the leading decimal number, 0 when there is none."""
    found = re.match(r"\s*([+-]?\d+)", text)
    return int(found.group(1)) if found else 0


def _genericups_findings(section: Section) -> list[Finding]:
    settings = [s for s in section.settings if s.key.lower() == "upstype"]   # drivers ignore case here
    if not settings:
        return [Finding("error", "upstype-missing", "genericups needs 'upstype'; find it with 'nut-helper "
                        "upstype' or 'nut-helper setup --cable ...'", section.header_line, section.name)]
    setting = settings[-1]
    table = load_table()
    number = _atoi(setting.value)
    plain = re.fullmatch(r"\s*[+-]?\d+", setting.value) is not None
    if number not in table.types:
        read = "" if plain else f" (genericups reads it as {number})"
        return [Finding("error", "upstype-range", f"upstype {setting.value!r} does not exist{read}: genericups "
                        f"has types {min(table.types)} to {max(table.types)}", setting.line, section.name)]
    findings = []
    if not plain:
        findings.append(Finding(
            "error", "upstype-misread", f"genericups reads upstype {setting.value!r} as {number} (it reads only "
            f"the leading decimal digits), which is type {number}, {table.types[number].driver_label}; write "
            "the type's number in decimal", setting.line, section.name))
    signal_errors = []
    for signal in (s for s in section.settings if s.key.upper() in SIGNAL_NAMES):
        try:
            parse_signal(signal.key, signal.value)
        except InvalidInput as error:
            signal_errors.append(Finding("error", "genericups-signal", f"{error.message}", signal.line,
                                         section.name))
    if signal_errors:
        return findings + signal_errors
    return findings + _cable_loss_findings(section, setting.line)


def _cable_loss_findings(section: Section, line: int) -> list[Finding]:
    """What the section's signals read when the cable comes off the computer (NUT issue #111)."""
    from nuthelper.knowledge.disconnect import cable_losses

    signals = written_signals({s.key: s.value for s in section.settings})
    if signals is None:
        return []
    return [Finding("info" if loss.verdict == "false-alarm" else "warning", "cable-loss",
                    f"{loss.sentence.rstrip('.')} (NUT issue #111)", line, section.name)
            for loss in cable_losses(signals)]


def _option_findings(section: Section, driver: str, driver_path: str | None,
                     release: str | None) -> list[Finding]:
    program = find_driver_program(driver, driver_path)
    if program is None:
        return []                       # not installed: _driver_findings says so
    if program.refusal:
        return [Finding("warning", "options-not-checked", f"the settings for {driver} are not checked: "
                        f"{program.refusal}", section.header_line, section.name)]
    listing = driver_listing(driver, driver_path)
    if listing is None:
        return [Finding("info", "options-not-checked", f"could not run '{program.path} -L' to list its settings",
                        section.header_line, section.name)]
    version = release or listing.nut_version
    read_as_values = {name.lower() for name in
                      core_keys()["listed_as_flag_but_read_as_value"]["drivers"].get(driver, [])}
    findings = []
    for entry in section.entries:
        flag = isinstance(entry, Flag)
        key = entry.name if flag else entry.key
        if not key or (flag and key_problem(key)):
            continue                    # reported by the parser
        finding = _option_finding(entry, key, flag, driver, program.path, listing, version, read_as_values)
        if finding:
            findings.append(Finding(finding[0], finding[1], finding[2], entry.line, section.name))
    return findings


def _option_finding(entry: Setting | Flag, key: str, flag: bool, driver: str, program: Path,
                    listing: DriverListing, version: str | None,
                    read_as_values: set[str]) -> tuple[str, str, str] | None:
    """(severity, code, message) for one setting or flag, or None when the driver reads it as meant.

    A driver stores any name it lists, with or without a value (NUT's storeval() does not look at
    the kind); the core reads its own names, and refuses the rest.
    """
    listed = listing.kind(key)
    if listed == "flag" and not flag and key.lower() not in read_as_values:
        return ("warning", "flag-with-value", f"{driver} reads '{key}' as a flag: '{key} = {entry.value}' switches it "
                f"on whatever the value; write '{key}' alone, or remove the line to leave it off")
    if listed == "value" and flag:
        return ("warning", "value-as-flag", f"{driver} reads '{key}' as a setting: alone, it is accepted with no "
                f"value and the driver uses its default; write '{key} = value'")
    if listed:
        return None
    data = core_keys()
    as_value = key in data["values"] or any(key.startswith(prefix) for prefix in data["prefixes"])
    as_flag = key in data["flags"]
    what = "flag" if flag else "setting"
    if (as_value or as_flag) and key in data["not_in_driver_core"].get(version or "", []):
        return ("error", "unknown-option", f"{what} '{key}': the drivers of NUT {version} do not read '{key}' yet "
                "(later versions do); remove it")
    if (as_flag and flag) or (as_value and not flag):
        return None
    if as_value:
        return ("error", "unknown-option", f"'{key}' needs a value ('{key} = ...'); alone, {driver} refuses it "
                "and does not start")
    if as_flag:
        return ("warning", "flag-with-value", f"NUT reads '{key}' as a flag: '{key} = {entry.value}' switches it on "
                f"whatever the value; write '{key}' alone, or remove the line to leave it off")
    return ("error", "unknown-option", f"{driver} does not accept the {what} '{key}' and refuses to start; "
            f"see '{program} -L' for what {driver} accepts")


def _repeat_findings(section: Section) -> list[Finding]:
    """Settings given more than once in one section: NUT keeps the last value."""
    first: dict[str, Setting] = {}
    findings = []
    for setting in section.settings:
        earlier = first.setdefault(setting.key, setting)
        if earlier is not setting:
            findings.append(Finding(
                "warning", "repeated-setting", f"'{setting.key}' is given again (first on line {earlier.line}); "
                f"NUT uses the last value, {section.value(setting.key)!r}: remove the others",
                setting.line, section.name))
    return findings


def _usb_match_findings(section: Section, driver: str) -> list[Finding]:
    """USB match settings that the driver cannot compile as regular expressions."""
    findings = []
    for key in core_keys()["usb_match"]["drivers"].get(driver, []):
        setting = next((s for s in reversed(section.settings) if s.key.lower() == key), None)
        if setting is None:
            continue
        from nuthelper.posixregex import regex_problem   # ctypes: only for sections that have such settings

        problem = regex_problem(setting.value)
        if problem:
            findings.append(Finding(
                "error", "usb-match-regex", f"'{setting.key} = {setting.value}' is not a valid regular expression "
                f"({problem}): {driver} reads USB match values as POSIX extended regular expressions and stops "
                "with 'invalid regular expression'; escape the special characters (e.g. \\? or [?]) or remove "
                "the setting", setting.line, section.name))
    return findings


def _defect_findings(section: Section, driver: str, driver_path: str | None,
                     release: str | None) -> list[Finding]:
    """Settings a known defect of the installed driver needs (driver-defects.json) that the section lacks."""
    from nuthelper.knowledge.defects import affecting, shown

    findings = []
    for defect, affected in affecting(driver, driver_path, release):
        for key, wanted in defect["workaround"].items():
            setting = next((s for s in reversed(section.settings) if s.key == key), None)  # the last one counts
            if setting is None or not _at_least(setting.value, wanted):
                findings.append(Finding(
                    "error", "driver-defect",
                    f"{driver} of the installed NUT {affected} needs '{shown(defect)}': {defect['problem']} "
                    f"({defect['reference']}); set it, or upgrade NUT to {defect['fixed_in']} or later",
                    setting.line if setting else section.header_line, section.name))
    return findings


def _at_least(value: str, wanted: str) -> bool:
    """Whether a setting meets a workaround: a number at least as large, or the same text."""
    if value.isdigit() and wanted.isdigit():
        return int(value) >= int(wanted)
    return value == wanted


@dataclass(frozen=True)
class _PortContext:
    root: str | None
    account: tuple[int, set[int]] | None
    config_dir: Path                    # where dummy-ups looks for data files named without '/'


def _port_findings(section: Section, driver: str | None, usb: bool, context: _PortContext) -> list[Finding]:
    ports = [s for s in section.settings if s.key == "port"]
    if not ports:
        return [Finding("error", "no-port", "no 'port' setting: every driver needs one (a device, 'auto' for USB, "
                        "or an address)", section.header_line, section.name)]
    setting = ports[-1]
    port = setting.value

    def found(severity: str, code: str, message: str) -> list[Finding]:
        return [Finding(severity, code, message, setting.line, section.name)]

    if usb:
        if port.lower() == "auto":
            return []
        return found("info", "usb-port-ignored", f"{driver} talks USB and does not use 'port' ({port!r}): it finds "
                     "the UPS by its USB identity; NUT recommends 'port = auto'")
    if driver == "dummy-ups":
        return _dummy_data_findings(section, port, context, found)
    if not port.startswith("/"):
        return []
    root = context.root
    path = target_path(port, root) if root else Path(port)
    where = f"{port} (under --root {root})" if root else port
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if root:
            return found("warning", "port-missing", f"port {where} does not exist in the target root; make sure it "
                         "exists on the target system when NUT starts (a /dev/serial/by-id/... name survives "
                         "reboots)")
        return found("error", "port-missing", f"port {where} does not exist; plug the adapter in or fix the path "
                     "(a /dev/serial/by-id/... name survives reboots)")
    except OSError as error:
        return found("error", "port-unopenable", f"port {where} cannot be examined: {error.strerror}")
    if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode):
        kind = "a regular file" if stat.S_ISREG(info.st_mode) else "a directory"
        return found("error", "port-not-device", f"port {where} is {kind}, not a serial device; fix the path")
    if not stat.S_ISCHR(info.st_mode):
        return found("error", "port-not-device", f"port {where} is not a character device; fix the path")
    if context.account is None:
        return found("warning", "no-nut-user", "there is no 'nut' user in /etc/passwd"
                     f"{' under --root' if root else ''}, so access to the port cannot be judged")
    problem = port_access_problem(info, context.account)
    return found("error", "port-access", f"port {where}: {problem}") if problem else []


def _dummy_data_findings(section: Section, port: str, context: _PortContext, found) -> list[Finding]:
    """dummy-ups repeats another UPS ('ups@host', or mode = repeater) or reads a data file."""
    mode = section.value("mode")
    if mode == "repeater" or (mode is None and "@" in port):
        return []
    if port.startswith("/"):
        path = target_path(port, context.root) if context.root else Path(port)
    else:
        path = context.config_dir / port
    if path.is_dir():
        return found("error", "dummy-data-missing", f"dummy-ups reads its data from the file {path}, which is a "
                     "directory; fix 'port'")
    if not path.exists():
        return found("error", "dummy-data-missing", f"dummy-ups cannot open its data file {path} (a name without '/' "
                     f"is read from the configuration directory {context.config_dir}); create it or fix 'port'")
    return []


def _serial_port(section: Section, driver: str | None, usb: bool, root: str | None) -> str | None:
    """The device a serial driver of this section opens (links resolved), or None."""
    port = section.value("port")
    if usb or driver is None or driver == "dummy-ups" or port is None or not port.startswith("/"):
        return None
    if driver_name_problem(driver) is not None:
        return None
    path = target_path(port, root) if root else Path(port)
    return os.path.realpath(path) if path.exists() else str(path)


def _shared_port_findings(sections: list[tuple[Section, str]]) -> list[Finding]:
    """Two sections whose drivers would open the same serial device."""
    first: dict[str, Section] = {}
    findings = []
    for section, device in sections:
        earlier = first.setdefault(device, section)
        if earlier.name != section.name:
            line = [s.line for s in section.settings if s.key == "port"][-1]
            findings.append(Finding(
                "error", "shared-port", f"port {section.value('port')} is also used by [{earlier.name}] (line "
                f"{earlier.header_line}): two drivers cannot share a serial port (the second cannot lock it, or "
                "both garble the replies); remove one section or fix the port", line, section.name))
    return findings


def _list_settings_at_once(conf: UpsConf, driver_path: str | None) -> None:
    """Run each distinct driver's ``-L`` once, all at the same time (driver_listing keeps the answers)."""
    from concurrent.futures import ThreadPoolExecutor

    names = sorted({driver for section in conf.sections if (driver := section.value("driver"))
                    and driver_name_problem(driver) is None})
    if len(names) > 1:
        with ThreadPoolExecutor(max_workers=min(8, len(names))) as pool:
            list(pool.map(lambda name: driver_listing(name, driver_path), names))


def check_config(path: str | os.PathLike, *, root: str | None = None, driver_path: str | None = None,
                 hcl: HCL | None = None) -> CheckReport:
    """Check the ups.conf at ``path`` (placed under ``root``)."""
    target = target_path(path, root)
    text = read_existing(target)
    if text is None:
        raise NotFound(f"{target} does not exist; give the ups.conf to check with --config")
    conf = UpsConf.parse(text, str(target), strict=False)
    install = nut_install(root, driver_path)
    report = CheckReport(str(target), [section.name for section in conf.sections], nut=install)
    findings = [Finding(problem.severity, "parse", problem.message, problem.line) for problem in conf.problems]
    for name, lines in conf.duplicate_sections().items():
        findings.extend(Finding("error", "duplicate-section", f"section [{name}] is defined again (first on line "
                                f"{lines[0]}); upsd ignores case, so merge or rename the copies", line, name)
                        for line in lines[1:])
    findings.extend(_global_findings(conf, install.release))
    hcl = hcl or default_hcl()
    drivers = install.driver_path
    installed = installed_drivers(drivers)
    context = _PortContext(root, nut_account(root), target.parent)
    listed = {choice.driver for entry in hcl.entries for choice in entry.drivers}
    known = listed | (installed or set())
    _list_settings_at_once(conf, drivers)
    serial_ports = []
    for section in conf.sections:
        problem = section_name_problem(section.name)
        if problem:
            findings.append(Finding("error", "section-name", f"UPS name [{section.name}] {problem}",
                                    section.header_line, section.name))
        driver = section.value("driver")
        usb = driver is not None and talks_usb(driver, {s.key.lower(): s.value for s in section.settings})
        if driver is None:
            findings.append(Finding("error", "no-driver", "no 'driver' setting; name the driver (see 'nut-helper "
                                    "setup')", section.header_line, section.name))
        else:
            findings.extend(_driver_findings(section, driver, installed, known, listed))
            if driver_name_problem(driver) is None:
                if driver == "genericups":
                    findings.extend(_genericups_findings(section))
                findings.extend(_option_findings(section, driver, drivers, install.release))
                if usb:
                    findings.extend(_usb_match_findings(section, driver))
                findings.extend(_defect_findings(section, driver, drivers, install.release))
        findings.extend(_repeat_findings(section))
        findings.extend(_port_findings(section, driver, usb, context))
        device = _serial_port(section, driver, usb, root)
        if device:
            serial_ports.append((section, device))
    findings.extend(_shared_port_findings(serial_ports))
    report.findings = sorted(findings, key=lambda finding: (finding.line or 0, finding.code))
    return report
