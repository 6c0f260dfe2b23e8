"""Matching an understood model name against NUT's hardware list, graded from the most specific down.

Grades, best first:
- ``exact``: a row names the model as typed (case, spaces and punctuation aside), or its
  wildcard ("BNT-xxxAP", "BX****MI") covers it;
- ``model``: a row names the same series and capacity, written differently ("BE850G2" and
  "Back-UPS ES 850G2"; "5E 1100i" and "5E1100iUSB");
- ``sibling``: a row of the same series with another capacity ("Back-UPS ES 700" and the
  "Back-UPS ES 850G2" row); siblings sharing the capacity or suffix score higher;
- ``near``: a row of a series named almost alike (most of its words shared), best with the
  same capacity ("Smart Power Pro Euro 2200" and "Smart Power Pro II Euro 1200/1600/2200");
- ``parent``: a row naming the series the model's series belongs to ("Smart-UPS" for a
  Smart-UPS SMT);
- ``vendor``: the vendor's "(various)" rows.
"""

from __future__ import annotations

import re

from nuthelper.patterns import lazy
from nuthelper.records import Record
from nuthelper.knowledge.hcl import HCL, HclEntry, expand_model_names
from nuthelper.knowledge.names import normalize
from nuthelper.knowledge.ports import connection_kind
from nuthelper.resolve.families import Families
from nuthelper.resolve.modelname import (MAX_CAPACITY_DIGITS, ModelName, looks_like_sku, understand,
                                         wildcard_text, without_the_word_ups)
from nuthelper.resolve.rownames import kept_names, plain, revived

GRADES = ("exact", "model", "sibling", "near", "parent", "vendor")
_VARIOUS = lazy(r"^\(?\s*(various|all)\b", re.I)
_EXTRA_CAPACITY = lazy(r"^\s*\d{3,5}\s*(?:k?VA|W)?\b", re.I)
_CABLE_OR_ID = lazy(r"cable|product id|protocol|vendor id|usb id", re.I)
_UNIT_TYPES = ("ups", "ats", "scd")
"""The device types of NUT's list read as units: UPSes, transfer switches and solar controllers
(PDUs are left out: their outlets say nothing of a UPS)."""
_SUBSERIES = lazy(r"^\s*\S+[- ]series\s*$", re.I)
_EXTRA_SKUS = lazy(r"\b[A-Z]+\d+[A-Z]*\d{2,}[A-Z0-9]*(?:-[A-Z0-9]+)*\b")
"""Model numbers an extra cell lists ("F6C525-SER, F6C625-SER")."""


class RowMatch(Record):
    """One hardware-list row that matches a model, how well, and through which of its names."""

    __slots__ = ("row", "grade", "score", "name", "hcl")

    def __init__(self, row: HclEntry, grade: str, score: int, name: str, hcl: HCL) -> None:
        self.row = row
        self.grade = grade
        self.score = score
        self.name = name
        self.hcl = hcl

    @property
    def connection(self) -> str:
        return connection_kind(self.row)

    @property
    def rank(self) -> tuple[int, int]:
        return (GRADES.index(self.grade), -self.score)


class _Name:
    __slots__ = ("row", "text", "parsed", "wildcard")

    def __init__(self, row: HclEntry, text: str, parsed: ModelName, marked: str) -> None:
        self.row = row
        self.text = text
        self.parsed = parsed
        self.wildcard = _wildcard_regex(marked)


class HclIndex:
    """The hardware list's UPS rows grouped by vendor; a vendor's names are parsed when first needed."""

    def __init__(self, hcl: HCL, families: Families) -> None:
        self.hcl = hcl
        self.families = families
        self.rows: dict[str, list[HclEntry]] = {}
        self.various: dict[str, list[HclEntry]] = {}
        self._names: dict[str, list[_Name]] = {}
        self._first_words: dict[str, set[str]] | None = None
        for row in hcl.entries:
            if row.device_type not in _UNIT_TYPES:
                continue
            group = self.various if _VARIOUS.match(row.model) else self.rows
            group.setdefault(row.vendor_id, []).append(row)

    def names_of(self, vendor: str) -> list[_Name]:
        """The parsed names of a vendor's rows (parsed once)."""
        names = self._names.get(vendor)
        if names is None:
            rows = self.rows.get(vendor, [])
            kept = kept_names(self.hcl.source, self.families, vendor, len(rows), lambda: self._parsed(vendor, rows))
            names = revived(kept, vendor, self.families, rows, _Name) if kept is not None else None
            if names is None:
                names = revived(self._parsed(vendor, rows), vendor, self.families, rows, _Name)
            self._names[vendor] = names
        return names

    def _parsed(self, vendor: str, rows: list[HclEntry]) -> list[tuple]:
        """Every name of the vendor's rows, read, as plain data (rownames.plain)."""
        found = []
        for position, row in enumerate(rows):
            for text in self._names_of_row(row):
                marked = wildcard_text(text)
                found.append(plain(position, text, marked, understand(marked, vendor, self.families, with_others=False)))
        return found

    def _names_of_row(self, row: HclEntry) -> list[str]:
        """A row's names, and each without a name its vendor also goes by that it starts with
        (Eaton's row "Powerware 9130" is Eaton's "9130" too)."""
        names = row_names(row)
        for name in list(names):
            vendor, rest = self.hcl.vendors.split(without_the_word_ups(name))
            if vendor == row.vendor_id and rest and rest not in names:
                names.append(rest)
        return names

    @property
    def by_vendor(self) -> dict[str, list[_Name]]:
        """Every vendor's parsed names (parses them all)."""
        return {vendor: self.names_of(vendor) for vendor in self.rows}

    def vendors(self) -> set[str]:
        return set(self.rows) | set(self.various)

    def rows_of(self, vendor: str) -> list[RowMatch]:
        """Every UPS row of a vendor, once each."""
        rows = {id(row): row for row in self.rows.get(vendor, [])}
        rows.update({id(row): row for row in self.various.get(vendor, [])})
        return [RowMatch(row, "vendor", 0, row.model, self.hcl) for row in rows.values()]

    def match(self, query: ModelName, vendor: str | None = None) -> list[RowMatch]:
        """Every row that matches ``query`` at some grade, best first (one match per row)."""
        vendor = vendor or query.vendor
        pool = self.names_of(vendor) if vendor else [name for names in self.by_vendor.values() for name in names]
        best: dict[int, RowMatch] = {}
        for name in pool:
            found = self._grade(query, name)
            if found is None:
                continue
            grade, score = found
            match = RowMatch(name.row, grade, score, name.text, self.hcl)
            known = best.get(id(name.row))
            if known is None or match.rank < known.rank:
                best[id(name.row)] = match
        if vendor:
            for row in self.various.get(vendor, []):
                best.setdefault(id(row), RowMatch(row, "vendor", 0, row.model, self.hcl))
        return sorted(best.values(), key=lambda match: (match.rank, -match.row.support_level, match.row.line))

    def vendors_writing(self, word: str) -> set[str]:
        """The vendors with a row whose model cell begins with ``word`` (normalised): "trust" for
        Powercom's "Trust 425/625". Read from the cells, without parsing any name."""
        if self._first_words is None:
            self._first_words = {}
            for vendor, rows in self.rows.items():
                for row in rows:
                    first = normalize(row.model.split()[0]) if row.model.split() else ""
                    self._first_words.setdefault(first, set()).add(vendor)
        return self._first_words.get(word, set())

    def vendors_of_series(self, query: ModelName) -> set[str]:
        """For a name without a vendor: the vendors with rows of the same or a nearly-named series."""
        found, first_word = set(), set()
        lead = query.series[0] if query.series and query.series[0].isalpha() else ""
        for vendor, names in self.by_vendor.items():
            for name in names:
                grade = _series_grade(query, name.parsed, self.families)
                if grade is not None and grade[0] in ("model", "sibling", "near"):
                    found.add(vendor)
                    break
                if len(lead) >= MIN_LEAD_WORD and name.parsed.series[:1] == (lead,):
                    first_word.add(vendor)
        return found or first_word

    def _grade(self, query: ModelName, name: _Name) -> tuple[str, int] | None:
        row_name = name.parsed
        for typed in query.all_names():
            if typed.compact and (typed.compact == row_name.compact or
                                  (name.wildcard is not None and name.wildcard.fullmatch(typed.compact))):
                return "exact", 0
        if query.vendor is None and row_name.family is None:
            return None  # without a vendor only exact names are safe across makers
        if _same_number(query, row_name):
            return "model", 0
        graded = [_series_grade(typed, row_name, self.families) for typed in query.all_names()]
        graded = [grade for grade in graded if grade is not None]
        return min(graded, key=lambda grade: (GRADES.index(grade[0]), -grade[1])) if graded else None


def _same_number(typed: ModelName, row: ModelName) -> bool:
    """Models named by a number alone: the row "9395" for "9395 550KVA", the row "1000" for "1000VA"."""
    first = typed.text.split()[0] if typed.text.split() else ""
    if row.compact.isdigit() and len(row.compact) >= 3 and normalize(first) == row.compact:
        return True
    return not typed.series and not row.series and row.capacity is not None and row.capacity == typed.capacity


MIN_LEAD_WORD = 4
"""A series word this long, that only one vendor's rows begin with, names that vendor ("QUINT")."""
MIN_SERIES_LETTERS = 2
"""A series written with fewer letters ("T" of "T1500") says too little to match on."""


def _distinctive(name: ModelName) -> bool:
    return name.family is not None or sum(len(word) for word in name.series if word.isalpha()) >= MIN_SERIES_LETTERS


def _series_grade(typed: ModelName, row: ModelName, families: Families) -> tuple[str, int] | None:
    if not _distinctive(row) or not _distinctive(typed):
        return None
    if typed.suffix and row.capacity is None and row.series_key == (*typed.series_key, *typed.suffix):
        return "sibling", 2  # the row names the sub-line the suffix is: "Pulsar EXtreme C" for "Pulsar EXtreme 1000C"
    if row.series_key == typed.series_key:
        same_capacity = row.capacity is not None and row.capacity == typed.capacity
        same_suffix = bool(row.suffix) and row.suffix == typed.suffix
        if same_capacity and (same_suffix or not row.suffix or not typed.suffix):
            return "model", 0
        return "sibling", same_capacity + 2 * same_suffix  # the suffix names the sub-line ("SHL", "LCD"), the capacity many
    if (row.capacity is not None and row.capacity == typed.capacity and row.suffix == typed.suffix
            and _ends_with(row.series_key, typed.series_key)):
        return "model", 0  # the row writes descriptive words first: "Line-Interactive VI 850 LCD"
    if row.capacity is None and _is_ancestor(row, typed, families):
        return "parent", 0
    same_capacity = row.capacity is not None and row.capacity == typed.capacity
    shared = _overlap(row.series_key, typed.series_key)
    if shared >= NEAR_WITH_CAPACITY and same_capacity or shared >= NEAR:
        return "near", 2 * same_capacity + (bool(row.suffix) and row.suffix == typed.suffix)
    return None


def _ends_with(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    return len(longer) > len(shorter) > 0 and longer[-len(shorter):] == shorter


NEAR, NEAR_WITH_CAPACITY = 0.75, 0.6
"""Share of series words two names must have in common to be near (with the same capacity: less)."""


def _overlap(first: tuple[str, ...], second: tuple[str, ...]) -> float:
    a, b = set(first), set(second)
    return len(a & b) / len(a | b) if a and b else 0.0


def _is_ancestor(row: ModelName, typed: ModelName, families: Families) -> bool:
    """True when the row names a broader series than the one typed (its family's parent, or a
    series the typed one extends: "Smart-UPS" for "Smart-UPS X")."""
    if typed.family is not None and row.family is not None:
        lineage = families.lineage(typed.family)
        if any(row.family is broader for broader in lineage[1:]) and row.series_key == (f"family:{row.family.id}",):
            return True
    return len(row.series_key) < len(typed.series_key) and typed.series_key[:len(row.series_key)] == row.series_key


def row_names(row: HclEntry) -> list[str]:
    """The names a row gives its models: the model cell and the models it lists, and the model
    read together with an extra cell that carries the capacity ("Powermust" + "1000VA USB")."""
    names = expand_model_names(wildcard_text(row.model))
    if _SUBSERIES.search(row.extra):
        names += [f"{name} {row.extra}" for name in names]  # "PowerPal" + "P-series"
    names += [word for word in _EXTRA_SKUS.findall(row.extra) if not _CABLE_OR_ID.search(row.extra)]
    maker = normalize(row.manufacturer)
    names += [name[len(row.manufacturer):].strip() for name in names
              if normalize(name).startswith(maker) and len(normalize(name)) > len(maker)
              and name[:len(row.manufacturer)].lower() == row.manufacturer.lower()]
    if row.extra and _EXTRA_CAPACITY.match(row.extra) and not _CABLE_OR_ID.search(row.extra):
        names = names + [f"{name} {row.extra}" for name in names]
    names += [part for name in names for part in _article_and_model(name)]
    return names + [sku for sku in map(_trailing_sku, names) if sku]


def _article_and_model(name: str) -> list[str]:
    """A row that writes the vendor's article number first ("2049878 UPS Ippon Na+ TA 1000"): the
    number and the model after it are names of their own."""
    first, _, rest = name.partition(" ")
    return [first, rest] if rest and first.isdigit() and len(first) > MAX_CAPACITY_DIGITS else []


def _trailing_sku(name: str) -> str | None:
    """The part number a row writes after its series words ("Universal UPS F6C1200-UNV"), a name
    of its own; not one that a suffix follows ("T750 G2") or other numbers come before."""
    *words, last = name.split() or [""]
    if words and looks_like_sku(last) and not any(ch.isdigit() for word in words for ch in word):
        return last
    return None


def _wildcard_regex(marked: str) -> re.Pattern[str] | None:
    """The pattern of a name whose placeholders ``wildcard_text`` wrote as ``*``."""
    if "*" not in marked:
        return None
    return re.compile(".+".join(re.escape(normalize(piece)) for piece in marked.split("*")))


def connections(matches: list[RowMatch]) -> set[str]:
    return {match.connection for match in matches}
