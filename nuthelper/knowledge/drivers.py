"""Which NUT drivers are installed here, which are deprecated, and which package ships each.

Installed drivers are the programs in ``/lib/nut`` or ``/usr/lib/nut`` (or ``--driver-path``, or
those of a target system under ``--root``). A driver program is only ever run through
:func:`run_driver` (or started with :func:`start_driver`), and only when :func:`find_driver_program`
finds it safe: a plain driver name
(letters, digits, ``_`` and ``-``), a regular file in the driver directory, owned by root and not
writable by group or others, in directories only root can change. Names read from a ups.conf
are never taken as paths.
``nuthelper/data/driver-replacements.json`` maps deprecated drivers to their maintained
replacement; ``nuthelper/data/driver-packages.json`` names the Debian package of drivers that
do not come with nut-server (snmp-ups is in nut-snmp).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from nuthelper.knowledge.hcl import DriverChoice
from nuthelper.patterns import lazy
from nuthelper.records import Record
from nuthelper.resources import data_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from typing import Any

DRIVER_DIRS = ("/lib/nut", "/usr/lib/nut")
DRIVER_LIST = "/usr/share/nut/driver.list"
_NOT_DRIVERS = {"upsd", "upsmon", "upsdrvctl", "upssched"}
#: A NUT driver name: what upsdrvctl appends to its driver path. At most NAME_MAX (255) bytes.
_DRIVER_NAME = lazy(r"[A-Za-z0-9_-]{1,255}")
_RELEASE_IN_LIST = lazy(r"^# Network UPS Tools - (\d+(?:\.\d+)+) ")


@lru_cache(maxsize=None)
def _data(name: str) -> dict:
    with open(data_file(name), encoding="utf-8") as handle:
        return json.load(handle)


def driver_dirs(driver_path: str | os.PathLike | None = None) -> list[str]:
    """The directories searched for driver programs: ``driver_path`` alone, or the usual places."""
    return [os.fspath(driver_path)] if driver_path else list(DRIVER_DIRS)


def installed_drivers(driver_path: str | os.PathLike | None = None) -> set[str] | None:
    """Names of the executable driver programs found, or None when no driver directory exists (NUT not installed)."""
    found: set[str] | None = None
    for directory in driver_dirs(driver_path):
        try:
            entries = list(os.scandir(directory))
        except (NotADirectoryError, FileNotFoundError):
            continue
        found = found or set()
        for entry in entries:
            if entry.name not in _NOT_DRIVERS and entry.is_file() and os.access(entry.path, os.X_OK):
                found.add(entry.name)
    return found


def driver_name_problem(name: str) -> str | None:
    """Why ``name`` (a ``driver =`` value) is not a NUT driver name, or None when it is one."""
    if not _DRIVER_NAME.fullmatch(name):
        return ("is not a NUT driver name (a driver is named with letters, digits, '_' and '-' only and "
                "is looked up in NUT's driver directory, never run from a path)")
    if name in _NOT_DRIVERS:
        return "is a NUT program but not a driver"
    return None


class DriverProgram(Record):
    """An installed driver program and, when it must not be run, why."""

    __slots__ = ("path", "refusal")

    def __init__(self, path: str, refusal: str | None = None) -> None:
        self.path = path
        self.refusal = refusal


def _unsafe(path: str, info: os.stat_result, what: str) -> str | None:
    if info.st_uid != 0:
        return f"{what} {path} is not owned by root"
    if info.st_mode & 0o022 and not (stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX):
        return f"{what} {path} can be changed by its group or others (mode {stat.filemode(info.st_mode)})"
    return None


def _parents(path: str) -> list[str]:
    """The directories above an absolute ``path``, nearest first, up to "/"."""
    parents = []
    while path != os.sep:
        path = os.path.dirname(path)
        parents.append(path)
    return parents


def _refusal(candidate: str) -> str | None:
    """Why the program at ``candidate`` must not be run, or None when only root could have put it there."""
    real = os.path.realpath(candidate)
    try:
        info = os.stat(real)
        problems = [_unsafe(real, info, "the program")]
        problems += [_unsafe(directory, os.stat(directory), "its directory") for directory in _parents(real)]
    except OSError as error:
        return f"{candidate} cannot be examined: {error.strerror}; not run"
    if not stat.S_ISREG(info.st_mode) or not info.st_mode & 0o111:
        return f"{candidate} is not an executable file; not run"
    problem = next((problem for problem in problems if problem), None)
    return f"{problem}; not run" if problem else None


def find_driver_program(driver: str, driver_path: str | os.PathLike | None = None) -> DriverProgram | None:
    """The installed program for ``driver`` (a plain driver name), or None when there is none."""
    if driver_name_problem(driver):
        return None
    for directory in driver_dirs(driver_path):
        for name in dict.fromkeys((driver, program_name(driver))):
            candidate = os.path.join(directory, name)
            if os.path.lexists(candidate):
                return DriverProgram(candidate, _refusal(candidate))
    return None


def run_driver(driver: str, *arguments: str, driver_path: str | os.PathLike | None = None,
               timeout: float = 15) -> subprocess.CompletedProcess | None:
    """Run the installed ``driver`` with ``arguments`` (e.g. ``-L``) when it is safe to; else None.

    With :func:`start_driver`, the only place nut-helper runs a driver: see :func:`find_driver_program`
    for what is run.
    """
    import subprocess

    program = find_driver_program(driver, driver_path)
    if program is None or program.refusal:
        return None
    try:
        return subprocess.run([program.path, *arguments], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None


class DriverRefused(Exception):
    """A driver that is not installed, not a driver name, or not safe to run (the message says which)."""


def start_driver(driver: str, *arguments: str, driver_path: str | os.PathLike | None = None,
                 env: Mapping[str, str] | None = None, **popen_options: Any) -> subprocess.Popen:
    """Start the installed ``driver`` with ``arguments`` in the background, by the same rule as
    :func:`run_driver`; raise :class:`DriverRefused` (saying why) when there is none or it is unsafe."""
    import subprocess

    program = find_driver_program(driver, driver_path)
    if program is None:
        where = " or ".join(driver_dirs(driver_path))
        problem = driver_name_problem(driver)
        raise DriverRefused(f"driver '{driver}' {problem}" if problem else missing_driver_note(driver, where))
    if program.refusal:
        raise DriverRefused(program.refusal)
    return subprocess.Popen([program.path, *arguments], env=None if env is None else dict(env),
                            stdin=subprocess.DEVNULL, **popen_options)


class NutInstall(Record):
    """The NUT a configuration is judged against: its driver directory (``driver_path`` to pass,
    None for the usual places; ``drivers`` in words) and its release (read from ``release_source``)."""

    __slots__ = ("driver_path", "drivers", "release", "release_source")

    def __init__(self, driver_path: str | None, drivers: str, release: str | None,
                 release_source: str | None) -> None:
        self.driver_path = driver_path
        self.drivers = drivers
        self.release = release
        self.release_source = release_source

    def to_dict(self) -> dict[str, str | None]:
        return {"drivers": self.drivers, "driver_path": self.driver_path, "release": self.release,
                "release_source": self.release_source}


def _inside(root: str, path: str) -> str | None:
    """The absolute ``path`` under ``root`` when it exists there and no link leads out of the root, else None."""
    joined = os.path.join(root, path.lstrip(os.sep))
    real_root = os.path.realpath(root)
    if not os.path.lexists(joined) or os.path.commonpath([real_root, os.path.realpath(joined)]) != real_root:
        return None
    return joined


def _list_release(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            found = _RELEASE_IN_LIST.match(handle.readline())
    except OSError:
        return None
    return found.group(1) if found else None


def nut_install(root: str | os.PathLike | None = None,
                driver_path: str | os.PathLike | None = None) -> NutInstall:
    """Where the drivers and the NUT release are read from: the target's under ``root`` when it has
    them (``ROOT/lib/nut``, ``ROOT/usr/share/nut/driver.list``), else this system's."""
    target = os.fspath(root) if root else None
    if driver_path:
        path, drivers = str(driver_path), f"{driver_path} (--driver-path)"
    else:
        found = [inside for inside in (_inside(target, d) for d in DRIVER_DIRS) if inside] if target else []
        found = [directory for directory in found if os.path.isdir(directory)]
        if found:
            path, drivers = found[0], f"{found[0]} (the target's)"
        else:
            path = None
            drivers = " and ".join(DRIVER_DIRS) + (" (this system's: the target has none)"
                                                             if target else "")
    listing = _inside(target, DRIVER_LIST) if target else None
    if driver_path or (listing is None and path is not None):
        return NutInstall(path, drivers, None, None)     # the drivers' own banners tell their release
    source = listing if listing is not None else DRIVER_LIST
    release = _list_release(source)
    return NutInstall(path, drivers, release, source if release else None)


def program_name(driver: str) -> str:
    """The installed program for a driver name as the hardware list writes it (``nutdrv_siemens_sitop`` -> ``nutdrv_siemens-sitop``)."""
    for spelling in _data("driver-replacements.json")["spellings"]:
        if spelling["driver"] == driver:
            return spelling["program"]
    return driver


def is_installed(driver: str, driver_path: str | os.PathLike | None = None) -> bool:
    """True when the driver's program is installed (under either spelling)."""
    installed = installed_drivers(driver_path) or set()
    return driver in installed or program_name(driver) in installed


def replacement_for(driver: str) -> dict | None:
    """The data-file record {driver, use, reason, source, note?} when ``driver`` is deprecated, else None."""
    for record in _data("driver-replacements.json")["replacements"]:
        if record["driver"] == driver:
            return record
    return None


def maintained(driver: str) -> str:
    """The program NUT maintains for ``driver``: its successor when deprecated or retired
    (blazer_ser, fentonups -> nutdrv_qx), else the driver, as installed (``program_name``)."""
    record = replacement_for(driver)
    return program_name(record["use"] if record else driver)


def release_of(driver: str) -> dict | None:
    """The driver-releases.json record of ``driver`` (its first release, and for drivers newer
    than Debian 12's NUT what they are for and what works meanwhile), or None."""
    name = program_name(driver)
    return next((record for record in _data("driver-releases.json")["drivers"]
                 if record["driver"] in (driver, name)), None)


def installed_release() -> str | None:
    """The NUT release the installed hardware list belongs to ("2.8.0"), or None."""
    from nuthelper.knowledge.hcl import SYSTEM_HCL, default_hcl

    hcl = default_hcl()
    return hcl.nut_version if hcl.source == str(SYSTEM_HCL) else None


def _release_tuple(release: str) -> tuple[int, ...]:
    return tuple(int(part) for part in release.split(".") if part.isdigit())


_FIRST_SENTENCE = lazy(r"[.;]\s")


def missing_driver_note(driver: str, where: str) -> str:
    """Why a driver is not there and what to do: the package that ships it, or, for a driver newer
    than the installed NUT, the release that brings it and what works meanwhile."""
    record = release_of(driver)
    installed = installed_release()
    first = record.get("first_release") if record else None
    newer = record is not None and (first is None or installed is None or
                                    _release_tuple(first) > _release_tuple(installed))
    if not newer:
        package = debian_package(driver)
        return f"driver {driver} is not installed in {where}; on Debian it comes in package {package} (apt install {package})"
    since = f"NUT {first} and later" if first else f"NUT's development tree ({record['unreleased']})"
    text = (f"driver {driver} is not installed in {where}: it comes with {since}"
            f"{f' (the installed NUT is {installed})' if installed else ''}")
    meanwhile = "; ".join(f"{entry['driver']} ({_FIRST_SENTENCE.split(entry['when'])[0]})"
                          for entry in record.get("meanwhile", []))
    return text + (f"; meanwhile: {meanwhile}" if meanwhile else "; no driver of older releases reads these units")


def debian_package(driver: str) -> str:
    """The Debian package that ships ``driver`` (nut-server unless listed otherwise)."""
    data = _data("driver-packages.json")
    for package, drivers in data["packages"].items():
        if driver in drivers or program_name(driver) in drivers:
            return package
    return data["default_package"]


def connection_kind(driver: str) -> str | None:
    """How a driver reaches the UPS: "usb", "serial", "network", "any", or None when unknown."""
    data = _data("driver-ports.json")
    for kind in ("usb", "serial", "network", "any"):
        if driver in data[kind]:
            return kind
    return None


def talks_usb(driver: str, settings: dict[str, str]) -> bool:
    """Whether ``driver`` with these ups.conf settings (names in lower case) talks USB, and so
    ignores ``port``: a USB driver, or a driver of both kinds whose rule in driver-ports.json says so."""
    kind = connection_kind(driver)
    if kind == "usb":
        return True
    rule = _data("driver-ports.json").get("usb_when", {}).get(driver)
    if kind != "any" or rule is None:
        return False
    return settings.get("port", "").lower() == rule["port"] or any(key in settings for key in rule["settings"])


def _as_choice(item: DriverChoice | str) -> DriverChoice:
    return item if isinstance(item, DriverChoice) else DriverChoice(driver=item)


def prefer_installed(alternatives: Sequence[DriverChoice | str],
                     driver_path: str | os.PathLike | None = None) -> tuple[DriverChoice, list[str]]:
    """Pick the driver to use among the hardware list's alternatives, with the reasons.

    In order: the first alternative installed and not deprecated; a deprecated one's maintained
    replacement when that is installed (options kept); an installed deprecated driver; else the
    first alternative, with a note on the package that provides it. When NUT is not installed
    at all, the first alternative is kept (deprecations are only mentioned).
    """
    choices = [_as_choice(item) for item in alternatives]
    if not choices:
        raise ValueError("prefer_installed needs at least one driver")
    installed = installed_drivers(driver_path)
    where = " or ".join(driver_dirs(driver_path))
    if installed is None:
        reasons = [f"NUT's drivers were not found in {where}, so installed drivers could not be checked"]
        reasons += _deprecation_notes(choices[:1])
        return choices[0], reasons

    def present(name: str) -> bool:
        return name in installed or program_name(name) in installed

    for choice in choices:
        if present(choice.driver) and replacement_for(choice.driver) is None:
            return choice, _skipped(choices, choice, present)
    for choice in choices:
        record = replacement_for(choice.driver)
        if record and present(record["use"]):
            reasons = [f"{record['reason']}: using {record['use']} instead of {choice.driver}"]
            if record.get("note"):
                reasons.append(record["note"])
            return choice.replaced(driver=record["use"]), reasons
    for choice in choices:
        if present(choice.driver):
            return choice, _deprecation_notes([choice])
    first = choices[0]
    return first, [missing_driver_note(first.driver, where)]


def _skipped(choices: Iterable[DriverChoice], chosen: DriverChoice, present) -> list[str]:
    reasons = []
    for choice in choices:
        if choice is chosen:
            break
        if not present(choice.driver):
            reasons.append(f"{choice.driver} is not installed (Debian package {debian_package(choice.driver)}); "
                           f"using {chosen.driver}, also listed for this model")
        elif replacement_for(choice.driver):
            reasons.append(f"{choice.driver} is deprecated; using {chosen.driver}, also listed for this model")
    return reasons


def _deprecation_notes(choices: Iterable[DriverChoice]) -> list[str]:
    notes = []
    for choice in choices:
        record = replacement_for(choice.driver)
        if record:
            notes.append(f"{record['reason']}; consider {record['use']}")
    return notes
