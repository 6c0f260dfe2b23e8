"""The hardware lists the resolver reads: the installed NUT's own (or ``--hcl``), the newer
snapshot bundled with nut-helper, which may know models the installed list does not, and the
models NUT's driver manuals name that neither list has (nuthelper/data/driver-manuals.list)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

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
    """The installed list's index and, behind it, the newer bundled one's and the manuals'."""

    def __init__(self, primary: HclIndex, newer: HclIndex | Callable[[], HclIndex] | None,
                 manuals: HclIndex | Callable[[], HclIndex] | None = None) -> None:
        self.primary = primary
        self._newer = newer
        self._manuals = manuals

    @property
    def newer(self) -> HclIndex | None:
        """The newer list's index, loaded when first asked for (a cable's answer never needs it)."""
        if callable(self._newer):
            self._newer = self._newer()
        return self._newer

    @property
    def manuals(self) -> HclIndex | None:
        """The rows of models only a driver's manual names, loaded when first asked for."""
        if callable(self._manuals):
            self._manuals = self._manuals()
        return self._manuals

    def indexes(self) -> list[HclIndex]:
        """The installed list's index and the newer one's (the lists NUT's maintainers rate)."""
        return [self.primary] + ([self.newer] if self.newer is not None else [])

    def is_manual(self, hcl: HCL) -> bool:
        return self._manuals is not None and not callable(self._manuals) and hcl is self._manuals.hcl

    @property
    def vendors(self) -> VendorIndex:
        return self.primary.hcl.vendors

    def vendor_name(self, vendor_id: str) -> str:
        for index in self._in_order():
            name = index.hcl.vendors.name(vendor_id)
            if name != vendor_id:
                return name
        return vendor_id

    def all_rows(self, vendor: str) -> list[RowMatch]:
        """The vendor's rows in the installed list and the newer one, each row once."""
        rows = {_row_key(match): match for match in self.primary.rows_of(vendor)}
        if self.newer is not None:
            for match in self.newer.rows_of(vendor):
                rows.setdefault(_row_key(match), match)
        return list(rows.values())

    def matches(self, name: ModelName) -> tuple[list[RowMatch], HclIndex | None]:
        """The primary list's matches, plus the rows behind it that it lacks at the same grade or a
        better one (the newer list's, then the manuals' when neither list names the model); with
        the index that alone names the model (exactly or as the same model), if one does."""
        found = self.primary.match(name)
        named_by = None
        for behind in ("newer", "manuals"):
            if behind == "manuals" and any(match.grade in _NAMED for match in found):
                break  # the manuals hold only models the lists do not name (nor loaded for them)
            index = self.newer if behind == "newer" else self.manuals
            if index is None:
                continue
            best = min((GRADES.index(match.grade) for match in found), default=len(GRADES) - 1)
            known = {_row_key(match) for match in found}
            extra = [match for match in index.match(name)
                     if GRADES.index(match.grade) <= best and _row_key(match) not in known]
            if named_by is None and not any(m.grade in _NAMED for m in found) and any(m.grade in _NAMED for m in extra):
                named_by = index
            found = sorted(extra + found, key=lambda match: match.rank)
        return found, named_by

    def split_vendor(self, query: str, generic, series) -> tuple[str | None, str, str]:
        """The vendor a query starts with, as the installed list, else the newer one, else the
        manuals know it."""
        found: tuple[str | None, str, str] = (None, query, "")
        for index in self._in_order():
            found = index.hcl.vendors.split_loosely(query, generic, series)
            if found[0] is not None:
                break
        return found

    def _in_order(self) -> Iterator[HclIndex]:
        """The installed list, the newer one and the manuals, each loaded only when reached."""
        yield self.primary
        if self.newer is not None:
            yield self.newer
        if self.manuals is not None:
            yield self.manuals


_NAMED = ("exact", "model")


def _row_key(match: RowMatch) -> tuple[str, str, str, str]:
    row = match.row
    return (row.manufacturer, row.model, row.extra, row.driver_text)


def hardware_lists(hcl: HCL | None, families: Families) -> Lists:
    """``hcl`` alone when given, else the installed list with the bundled snapshot behind it; the
    models only NUT's driver manuals name behind either."""
    manuals = partial(_bundled_index, "driver-manuals.list", families)
    if hcl is not None:
        return Lists(index_for(hcl, families), None, manuals)
    primary = default_hcl()
    newer = None if _is_the_bundled_list(primary) else partial(_bundled_index, "hcl.json", families)
    return Lists(index_for(primary, families), newer, manuals)


def newer_rows(installed: HCL) -> HCL | None:
    """The newer hardware list bundled with nut-helper, None when it is the ``installed`` one."""
    return None if _is_the_bundled_list(installed) else _bundled_list("hcl.json")


def _is_the_bundled_list(hcl: HCL) -> bool:
    """True when ``hcl`` is the snapshot bundled with nut-helper (no NUT list is installed)."""
    return hcl.source == data_file("hcl.json")


def manual_rows() -> HCL:
    """The rows of models only a NUT driver's manual names (nuthelper/data/driver-manuals.list)."""
    return _bundled_list("driver-manuals.list")


_bundled_lists: dict[str, HCL] = {}


def _bundled_index(name: str, families: Families) -> HclIndex:
    return index_for(_bundled_list(name), families)


def _bundled_list(name: str) -> HCL:
    """A list shipped with nut-helper, read once."""
    if name not in _bundled_lists:
        _bundled_lists[name] = load_hcl(data_file(name))
    return _bundled_lists[name]
