"""Known defects of released NUT drivers and the ups.conf settings that work around them.

The table is ``nuthelper/data/driver-defects.json``. The installed NUT release is read from the
driver's own banner (``DRIVER -V`` prints "... (2.8.0)"), run only through
:func:`nuthelper.knowledge.drivers.run_driver`, or given by the caller.
"""

from __future__ import annotations

from functools import lru_cache

from nuthelper.knowledge.drivers import run_driver
from nuthelper.patterns import lazy
from nuthelper.resources import data_file

_RELEASE = lazy(r"\((\d+(?:\.\d+)+)")


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


@lru_cache(maxsize=None)
def _defects() -> tuple[dict, ...]:
    import json

    with open(data_file("driver-defects.json"), encoding="utf-8") as handle:
        return tuple(json.load(handle)["defects"])


@lru_cache(maxsize=None)
def installed_release(driver: str, driver_path: str | None = None) -> str | None:
    """The NUT release of the installed driver program (from its ``-V`` banner), or None."""
    done = run_driver(driver, "-V", driver_path=driver_path, timeout=10)
    if done is None:
        return None
    found = _RELEASE.search(done.stdout + done.stderr)
    return found.group(1) if found else None


def affecting(driver: str, driver_path: str | None = None, release: str | None = None) -> list[tuple[dict, str]]:
    """(defect record, release) for each known defect of ``driver`` that the installed release (or
    ``release`` when given) still has; empty when NUT is not installed or the release is fixed."""
    release = release or installed_release(driver, driver_path)
    if release is None:
        return []
    return [(defect, release) for defect in _defects()
            if defect["driver"] == driver and _release(release) < _release(defect["fixed_in"])]


def shown(defect: dict) -> str:
    """The workaround as ups.conf lines read: ``debug_min = 3``."""
    return ", ".join(f"{key} = {value}" for key, value in defect["workaround"].items())


def workarounds(driver: str, driver_path: str | None = None) -> tuple[dict[str, str], list[str], list[str]]:
    """(settings to add, reasons, warnings) for the defects of ``driver`` as installed here.

    An affected release gets the workaround settings; an unknown release (NUT not installed)
    only gets a warning naming the workaround; a fixed release gets nothing.
    """
    settings: dict[str, str] = {}
    reasons: list[str] = []
    warnings: list[str] = []
    if not any(defect["driver"] == driver for defect in _defects()):
        return settings, reasons, warnings  # nothing recorded: the driver's release is not asked (no -V run)
    if installed_release(driver, driver_path) is None:
        warnings = [f"If the NUT that will run this is older than {defect['fixed_in']}, add '{shown(defect)}': "
                    f"{defect['problem']} ({defect['reference']})." for defect in _defects()
                    if defect["driver"] == driver]
    for defect, release in affecting(driver, driver_path):
        settings.update(defect["workaround"])
        reasons.append(f"{shown(defect)} is set because the installed NUT is {release}: {defect['problem']} "
                       f"({defect['reference']}).")
        warnings.append(f"{shown(defect)} works around a defect of {driver} in NUT {release}; {defect['cost']}: "
                        f"{defect['advice']}.")
    return settings, reasons, warnings
