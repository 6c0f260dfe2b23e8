"""The hardware lists the resolver reads: the installed NUT's own (or ``--hcl``), and the newer
snapshot bundled with nut-helper, which may know models the installed list does not."""

from __future__ import annotations

from collections.abc import Callable

from nuthelper.knowledge.hcl import HCL, default_hcl, load_hcl
from nuthelper.knowledge.names import VendorIndex
from nuthelper.resolve.families import Families
from nuthelper.resolve.hclmatch import GRADES, HclIndex, RowMatch
from nuthelper.resolve.modelname import ModelName
from nuthelper.resources import data_file

_indexes: dict[int, tuple[HCL, HclIndex]] = {}


def index_for(hcl: HCL, families: Families) -> HclIndex:
    """The parsed index of a hardware list, built once per list object."""
    known = _indexes.get(id(hcl))
    if known is None or known[0] is not hcl:
        for facts in families.vendors.values():
            hcl.vendors.add(facts.vendor, facts.name, facts.aliases)
        known = (hcl, HclIndex(hcl, families))
        _indexes[id(hcl)] = known
    return known[1]


class Lists:
    """The installed list's index and, behind it, the newer bundled one's."""

    def __init__(self, primary: HclIndex, newer: HclIndex | Callable[[], HclIndex] | None) -> None:
        self.primary = primary
        self._newer = newer

    @property
    def newer(self) -> HclIndex | None:
        """The newer list's index, loaded when first asked for (a cable's answer never needs it)."""
        if callable(self._newer):
            self._newer = self._newer()
        return self._newer

    @property
    def vendors(self) -> VendorIndex:
        return self.primary.hcl.vendors

    def vendor_name(self, vendor_id: str) -> str:
        name = self.primary.hcl.vendors.name(vendor_id)
        if name == vendor_id and self.newer is not None:
            name = self.newer.hcl.vendors.name(vendor_id)
        return name

    def all_rows(self, vendor: str) -> list[RowMatch]:
        """The vendor's rows in the installed list and the newer one, each row once."""
        rows = {_row_key(match): match for match in self.primary.rows_of(vendor)}
        if self.newer is not None:
            for match in self.newer.rows_of(vendor):
                rows.setdefault(_row_key(match), match)
        return list(rows.values())

    def matches(self, name: ModelName) -> tuple[list[RowMatch], bool]:
        """The primary list's matches, plus the newer list's rows it lacks at the same grade or a
        better one; True when only the newer list names the model (exactly or as the same model)."""
        found = self.primary.match(name)
        if self.newer is None:
            return found, False
        best = min((GRADES.index(match.grade) for match in found), default=len(GRADES) - 1)
        known = {_row_key(match) for match in found}
        extra = [match for match in self.newer.match(name)
                 if GRADES.index(match.grade) <= best and _row_key(match) not in known]
        newer = not any(m.grade in ("exact", "model") for m in found) and \
            any(m.grade in ("exact", "model") for m in extra)
        return sorted(extra + found, key=lambda match: match.rank), newer

    def split_vendor(self, query: str, generic, series) -> tuple[str | None, str, str]:
        """The vendor a query starts with, as the installed list, else the newer one, knows it."""
        found = self.primary.hcl.vendors.split_loosely(query, generic, series)
        if found[0] is None and self.newer is not None:
            found = self.newer.hcl.vendors.split_loosely(query, generic, series)
        return found


def _row_key(match: RowMatch) -> tuple[str, str, str, str]:
    row = match.row
    return (row.manufacturer, row.model, row.extra, row.driver_text)


def hardware_lists(hcl: HCL | None, families: Families) -> Lists:
    """``hcl`` alone when given; else the installed list with the bundled snapshot behind it."""
    if hcl is not None:
        return Lists(index_for(hcl, families), None)
    primary = default_hcl()
    bundled = data_file("hcl.json")
    newer = None if primary.source == bundled else (lambda: index_for(_bundled(bundled), families))
    return Lists(index_for(primary, families), newer)


_bundled_list: list[HCL] = []


def _bundled(path: str) -> HCL:
    if not _bundled_list:
        _bundled_list.append(load_hcl(path))
    return _bundled_list[0]
