"""The hardware lists the resolver reads: the installed NUT's own (or ``--hcl``), and the newer
snapshot bundled with nut-helper, which may know models the installed list does not."""

from __future__ import annotations

from dataclasses import dataclass

from nuthelper.knowledge.hcl import HCL, default_hcl, load_hcl
from nuthelper.knowledge.names import VendorIndex
from nuthelper.resolve.families import Families
from nuthelper.resolve.hclmatch import GRADES, HclIndex, RowMatch
from nuthelper.resolve.modelname import ModelName
from nuthelper.resources import data_path

_indexes: dict[int, tuple[HCL, HclIndex]] = {}


def index_for(hcl: HCL, families: Families) -> HclIndex:
    """The parsed index of a hardware list, built once per list object."""
    known = _indexes.get(id(hcl))
    if known is None or known[0] is not hcl:
        known = (hcl, HclIndex(hcl, families))
        _indexes[id(hcl)] = known
    return known[1]


@dataclass
class Lists:
    primary: HclIndex
    newer: HclIndex | None

    @property
    def vendors(self) -> VendorIndex:
        return self.primary.hcl.vendors

    def vendor_name(self, vendor_id: str) -> str:
        name = self.primary.hcl.vendors.name(vendor_id)
        if name == vendor_id and self.newer is not None:
            name = self.newer.hcl.vendors.name(vendor_id)
        return name

    def matches(self, name: ModelName) -> tuple[list[RowMatch], bool]:
        """The primary list's matches, plus the newer list's where it names the model more closely;
        True when the newer list is what names it (exactly or as the same model)."""
        found = self.primary.match(name)
        if self.newer is None:
            return found, False
        best = min((GRADES.index(match.grade) for match in found), default=len(GRADES))
        better = [match for match in self.newer.match(name) if GRADES.index(match.grade) < best]
        newer = any(match.grade in ("exact", "model") for match in better)
        return sorted(better + found, key=lambda match: match.rank), newer


def hardware_lists(hcl: HCL | None, families: Families) -> Lists:
    """``hcl`` alone when given; else the installed list with the bundled snapshot behind it."""
    if hcl is not None:
        return Lists(index_for(hcl, families), None)
    primary = default_hcl()
    bundled = str(data_path("hcl.json"))
    newer = None if primary.source == bundled else index_for(_bundled(bundled), families)
    return Lists(index_for(primary, families), newer)


_bundled_list: list[HCL] = []


def _bundled(path: str) -> HCL:
    if not _bundled_list:
        _bundled_list.append(load_hcl(path))
    return _bundled_list[0]
