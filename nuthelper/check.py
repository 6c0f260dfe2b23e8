"""Checks of an existing ups.conf: what NUT would reject or misread, with line numbers.

Findings (severity "error", "warning" or "info"):

- parse problems (anything NUT reads differently from how it looks) and duplicate sections;
- section names systemd's ``nut-driver@NAME`` units and upsd cannot use;
- drivers neither installed nor in NUT's hardware list (known but not installed: a warning);
- genericups without ``upstype``, or with a type that does not exist;
- settings and flags the driver does not accept: its own ``-L`` listing plus the settings every
  driver reads (``nuthelper/data/ups-conf-keys.json``), when NUT is installed;
- ports that are missing, not character devices, or that the nut user cannot open (judged from
  the device's owner, group and mode and the nut account in /etc/passwd and /etc/group under
  ``root``). Ports are never opened: opening a serial port can change its modem lines.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from nuthelper.confsyntax import section_name_problem
from nuthelper.errors import NotFound
from nuthelper.knowledge.drivers import debian_package, driver_dirs, installed_drivers, program_name
from nuthelper.knowledge.genericups import load_table, written_signals
from nuthelper.knowledge.hcl import HCL, default_hcl
from nuthelper.resources import data_path
from nuthelper.upsconf import Section, UpsConf
from nuthelper.writer import read_existing, target_path

NUT_USER = "nut"
_VERSION = re.compile(r"\((\d+\.\d+\.\d+)")


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
    """Every finding for one file, in line order."""

    path: str
    sections: list[str]
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(finding.severity == "error" for finding in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sections": self.sections, "errors": self.errors,
                "warnings": sum(finding.severity == "warning" for finding in self.findings),
                "findings": [finding.to_dict() for finding in self.findings]}


@lru_cache(maxsize=1)
def core_keys() -> dict[str, Any]:
    """The settings every driver reads (``nuthelper/data/ups-conf-keys.json``)."""
    return json.loads(data_path("ups-conf-keys.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class DriverListing:
    """What a driver's ``-L`` prints: its own settings and flags, and the NUT version."""

    values: frozenset[str]
    flags: frozenset[str]
    nut_version: str | None


@lru_cache(maxsize=None)
def driver_listing(program: str) -> DriverListing | None:
    """Run ``PROGRAM -L``; None when it cannot be run."""
    try:
        done = subprocess.run([program, "-L"], capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = _VERSION.search(done.stdout.split("\n", 1)[0])
    return DriverListing(frozenset(re.findall(r"^VALUE (\S+)", done.stdout, re.M)),
                         frozenset(re.findall(r"^FLAG (\S+)", done.stdout, re.M)),
                         version.group(1) if version else None)


def _core_accepts(key: str, flag: bool, nut_version: str | None) -> tuple[bool, str | None]:
    """(documented core key?, why the installed version rejects it or None)."""
    data = core_keys()
    documented = key in (data["flags"] if flag else data["values"]) or \
        (not flag and any(key.startswith(prefix) for prefix in data["prefixes"]))
    if documented and key in data["not_in_driver_core"].get(nut_version or "", []):
        return True, f"the drivers of NUT {nut_version} do not read '{key}' yet (later versions do)"
    return documented, None


def _program(driver: str, driver_path: str | None) -> str | None:
    for directory in driver_dirs(driver_path):
        for name in (driver, program_name(driver)):
            candidate = directory / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return None


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


# --- the checks ----------------------------------------------------------------------------

def _driver_findings(section: Section, driver: str, hcl: HCL, installed: set[str] | None) -> list[Finding]:
    line = [s.line for s in section.settings if s.key == "driver"][-1]  # the last one counts, as in NUT
    known = driver in {choice.driver for entry in hcl.entries for choice in entry.drivers}
    present = installed is not None and (driver in installed or program_name(driver) in installed)
    if present:
        return []
    if installed is None:
        if known:
            return []
        return [Finding("error", "unknown-driver", f"driver '{driver}' is not in NUT's hardware list (and NUT "
                        "is not installed here to ask); check the spelling", line, section.name)]
    if known:
        package = debian_package(driver)
        return [Finding("warning", "driver-not-installed", f"driver '{driver}' is not installed; on Debian it "
                        f"comes in package {package} (apt install {package})", line, section.name)]
    return [Finding("error", "unknown-driver", f"driver '{driver}' is neither installed nor in NUT's hardware "
                    "list; check the spelling (see 'nut-helper lookup')", line, section.name)]


def _genericups_findings(section: Section) -> list[Finding]:
    settings = [s for s in section.settings if s.key == "upstype"]
    if not settings:
        return [Finding("error", "upstype-missing", "genericups needs 'upstype'; find it with 'nut-helper "
                        "upstype' or 'nut-helper setup --cable ...'", section.header_line, section.name)]
    setting = settings[-1]
    table = load_table()
    if not setting.value.isdigit() or int(setting.value) not in table.types:
        return [Finding("error", "upstype-range", f"upstype {setting.value!r} does not exist: genericups has types "
                        f"{min(table.types)} to {max(table.types)}", setting.line, section.name)]
    return _cable_loss_findings(section, setting.line)


def _cable_loss_findings(section: Section, line: int) -> list[Finding]:
    """What the section's signals read when the cable comes off the computer (NUT issue #111)."""
    from nuthelper.knowledge.disconnect import cable_losses

    signals = written_signals({s.key: s.value for s in section.settings})
    if signals is None:
        return []
    return [Finding("info" if loss.verdict == "false-alarm" else "warning", "cable-loss",
                    f"{loss.sentence.rstrip('.')} (NUT issue #111)", line, section.name)
            for loss in cable_losses(signals)]


def _option_findings(section: Section, program: str) -> list[Finding]:
    listing = driver_listing(program)
    if listing is None:
        return [Finding("info", "options-not-checked", f"could not run '{program} -L' to list its settings",
                        section.header_line, section.name)]
    driver = os.path.basename(program)
    findings = []
    items = [(s.key, s.line, False) for s in section.settings] + [(f.name, f.line, True) for f in section.flags]
    for key, line, flag in items:
        if key in (listing.flags if flag else listing.values):
            continue
        documented, too_new = _core_accepts(key, flag, listing.nut_version)
        what = "flag" if flag else "setting"
        if too_new:
            findings.append(Finding("error", "unknown-option", f"{what} '{key}': {too_new}; remove it",
                                    line, section.name))
        elif not documented:
            other = "a setting 'key = value'" if flag and key in listing.values else \
                "a flag (a word alone)" if not flag and key in listing.flags else None
            hint = f"{driver} takes '{key}' as {other}" if other else \
                f"see '{program} -L' for what {driver} accepts"
            findings.append(Finding("error", "unknown-option", f"{driver} does not accept the {what} '{key}' "
                                    f"and refuses to start; {hint}", line, section.name))
    return findings


def _defect_findings(section: Section, driver: str, driver_path: str | None) -> list[Finding]:
    """Settings a known defect of the installed driver needs (driver-defects.json) that the section lacks."""
    from nuthelper.knowledge.defects import affecting, shown

    findings = []
    for defect, release in affecting(driver, driver_path):
        for key, wanted in defect["workaround"].items():
            setting = next((s for s in reversed(section.settings) if s.key == key), None)  # the last one counts
            if setting is None or not _at_least(setting.value, wanted):
                findings.append(Finding(
                    "error", "driver-defect",
                    f"{driver} of the installed NUT {release} needs '{shown(defect)}': {defect['problem']} "
                    f"({defect['reference']}); set it, or upgrade NUT to {defect['fixed_in']} or later",
                    setting.line if setting else section.header_line, section.name))
    return findings


def _at_least(value: str, wanted: str) -> bool:
    """Whether a setting meets a workaround: a number at least as large, or the same text."""
    if value.isdigit() and wanted.isdigit():
        return int(value) >= int(wanted)
    return value == wanted


def _port_findings(section: Section, root: str | None, account: tuple[int, set[int]] | None) -> list[Finding]:
    ports = [s for s in section.settings if s.key == "port"]
    if not ports:
        return [Finding("error", "no-port", "no 'port' setting: every driver needs one (a device, 'auto' for USB, "
                        "or an address)", section.header_line, section.name)]
    setting = ports[-1]
    port = setting.value
    if not port.startswith("/"):
        return []
    path = target_path(port, root) if root else Path(port)
    where = f"{port} (under --root {root})" if root else port

    def found(severity: str, code: str, message: str) -> Finding:
        return Finding(severity, code, message, setting.line, section.name)

    try:
        info = os.stat(path)
    except FileNotFoundError:
        return [found("error", "port-missing", f"port {where} does not exist; plug the adapter in or fix the path "
                      "(a /dev/serial/by-id/... name survives reboots)")]
    except OSError as error:
        return [found("error", "port-unopenable", f"port {where} cannot be examined: {error.strerror}")]
    if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode):
        kind = "a regular file" if stat.S_ISREG(info.st_mode) else "a directory"
        return [found("error", "port-not-device", f"port {where} is {kind}, not a serial device; fix the path")]
    if not stat.S_ISCHR(info.st_mode):
        return [found("error", "port-not-device", f"port {where} is not a character device; fix the path")]
    if account is None:
        return [found("warning", "no-nut-user", "there is no 'nut' user in /etc/passwd"
                      f"{' under --root' if root else ''}, so access to the port cannot be judged")]
    problem = port_access_problem(info, account)
    return [found("error", "port-access", f"port {where}: {problem}")] if problem else []


def check_config(path: str | os.PathLike, *, root: str | None = None, driver_path: str | None = None,
                 hcl: HCL | None = None) -> CheckReport:
    """Check the ups.conf at ``path`` (placed under ``root``)."""
    target = target_path(path, root)
    text = read_existing(target)
    if text is None:
        raise NotFound(f"{target} does not exist; give the ups.conf to check with --config")
    conf = UpsConf.parse(text, str(target), strict=False)
    report = CheckReport(str(target), [section.name for section in conf.sections])
    findings = [Finding(problem.severity, "parse", problem.message, problem.line) for problem in conf.problems]
    for name, lines in conf.duplicate_sections().items():
        findings.extend(Finding("error", "duplicate-section", f"section [{name}] is defined again (first on line "
                                f"{lines[0]}); upsd ignores case, so merge or rename the copies", line, name)
                        for line in lines[1:])
    hcl = hcl or default_hcl()
    installed = installed_drivers(driver_path)
    account = nut_account(root)
    for section in conf.sections:
        problem = section_name_problem(section.name)
        if problem:
            findings.append(Finding("error", "section-name", f"UPS name [{section.name}] {problem}",
                                    section.header_line, section.name))
        driver = section.value("driver")
        if driver is None:
            findings.append(Finding("error", "no-driver", "no 'driver' setting; name the driver (see 'nut-helper "
                                    "setup')", section.header_line, section.name))
        else:
            findings.extend(_driver_findings(section, driver, hcl, installed))
            if driver == "genericups":
                findings.extend(_genericups_findings(section))
            program = _program(driver, driver_path)
            if program:
                findings.extend(_option_findings(section, program))
            findings.extend(_defect_findings(section, driver, driver_path))
        findings.extend(_port_findings(section, root, account))
    report.findings = sorted(findings, key=lambda finding: (finding.line or 0, finding.code))
    return report
