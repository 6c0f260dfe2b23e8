"""Which NUT drivers are installed here, which are deprecated, and which package ships each.

Installed drivers are the programs in ``/lib/nut`` or ``/usr/lib/nut`` (or ``--driver-path``).
``nuthelper/data/driver-replacements.json`` maps deprecated drivers to their maintained
replacement; ``nuthelper/data/driver-packages.json`` names the Debian package of drivers that
do not come with nut-server (snmp-ups is in nut-snmp).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from nuthelper.knowledge.hcl import DriverChoice
from nuthelper.resources import data_path

DRIVER_DIRS = (Path("/lib/nut"), Path("/usr/lib/nut"))
_NOT_DRIVERS = {"upsd", "upsmon", "upsdrvctl", "upssched"}


@lru_cache(maxsize=None)
def _data(name: str) -> dict:
    with open(data_path(name), encoding="utf-8") as handle:
        return json.load(handle)


def driver_dirs(driver_path: str | os.PathLike | None = None) -> list[Path]:
    """The directories searched for driver programs: ``driver_path`` alone, or the usual places."""
    return [Path(driver_path)] if driver_path else list(DRIVER_DIRS)


def installed_drivers(driver_path: str | os.PathLike | None = None) -> set[str] | None:
    """Names of the executable driver programs found, or None when no driver directory exists (NUT not installed)."""
    found: set[str] | None = None
    for directory in driver_dirs(driver_path):
        if not directory.is_dir():
            continue
        found = found or set()
        for entry in directory.iterdir():
            if entry.name not in _NOT_DRIVERS and entry.is_file() and os.access(entry, os.X_OK):
                found.add(entry.name)
    return found


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
    where = " or ".join(str(d) for d in driver_dirs(driver_path))
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
            return replace(choice, driver=record["use"]), reasons
    for choice in choices:
        if present(choice.driver):
            return choice, _deprecation_notes([choice])
    first = choices[0]
    package = debian_package(first.driver)
    return first, [f"driver {first.driver} is not installed in {where}; on Debian it comes in package "
                   f"{package} (apt install {package})"]


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
