"""``lookup`` with the resolver's understanding of a name: rows of the same model or series first.

The fuzzy search (``nuthelper.knowledge.search``) matches words; this ranks above it the rows
the resolver would use for the query, so "APC BE850G2" finds "Back-UPS ES 850G2" and
"Back-UPS ES 700" finds the Back-UPS ES rows.
"""

from __future__ import annotations

from nuthelper.knowledge.hcl import HCL
from nuthelper.knowledge.search import Match
from nuthelper.resolve.families import default_families
from nuthelper.resolve.lists import index_for
from nuthelper.resolve.modelname import understand

GRADE_SCORES = {"exact": 1.0, "model": 0.99, "sibling": 0.9, "near": 0.8, "parent": 0.7}
"""The score a graded row gets in lookup's results (the fuzzy search scores 0..1 too)."""


def understood_matches(query: str, hcl: HCL, vendor: str | None = None, kind: str = "hcl") -> list[Match]:
    """The rows of ``hcl`` that name the query's model or series, best first, as search matches
    of ``kind``."""
    words = query.split()
    if any(hcl.entries_for_cable(word) for word in words if _may_be_a_part(word, len(words))):
        return []  # a cable part number, not a model: the word search finds the rows naming it
    families = default_families()
    index = index_for(hcl, families)
    vendor_id = hcl.vendors.canonical(vendor) if vendor else None
    rest = query
    if vendor_id is None:
        vendor_id, rest, _ = hcl.vendors.split_loosely(query, families.generic, families.series_names)
    name = understand(rest or query, vendor_id, families)
    matches = []
    for match in index.match(name):
        score = GRADE_SCORES.get(match.grade)
        if score is not None:
            matches.append(Match(round(score + 0.005 * match.score, 4), kind, match.row, match.name))
    return matches


def newer_matches(query: str, newer: HCL, vendor: str | None = None) -> list[Match]:
    """The rows of ``newer``, the newer hardware list bundled with nut-helper, that name the query's
    model or series (kind "newer"), for a query the installed list does not answer."""
    if vendor and newer.vendors.canonical(vendor) is None:
        return []
    return understood_matches(query, newer, vendor, kind="newer")


def manual_matches(query: str, vendor: str | None = None) -> list[Match]:
    """The rows of models only a NUT driver's manual names that name the query's model or series
    (kind "manual"), for a query the hardware list does not answer."""
    from nuthelper.resolve.lists import manual_rows

    manuals = manual_rows()
    if vendor and manuals.vendors.canonical(vendor) is None:
        return []
    return understood_matches(query, manuals, vendor, kind="manual")


MAX_CAPACITY_DIGITS = 4
"""A number of this many digits among other words is a capacity ("Back-UPS ES 700"), no cable part."""


def _may_be_a_part(word: str, words: int) -> bool:
    """A word that may be a cable's part number ("940-0024C", "73-0844", "66049"; a bare number
    only when it is all the query says)."""
    if not any(ch.isdigit() for ch in word):
        return False
    return words == 1 or not (word.isdigit() and len(word) <= MAX_CAPACITY_DIGITS)


def merged(graded: list[Match], fuzzy: list[Match], limit: int) -> list[Match]:
    """Graded rows first, then the fuzzy results not already listed, best first."""
    seen = {id(match.entry) for match in graded}
    rest = [match for match in fuzzy if id(match.entry) not in seen]
    return sorted(graded + rest, key=lambda match: -match.score)[:limit]
