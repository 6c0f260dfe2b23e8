"""Model names to offer while a person types: the rows the resolver would use for the text, then
the hardware list's and the cables' fuzzy matches (the same ranking as ``nut-helper lookup``)."""

from __future__ import annotations

from nuthelper.knowledge.cables import CableBase
from nuthelper.knowledge.hcl import HCL, default_hcl

LIMIT = 10


class ModelSuggestions:
    """Callable: typed text -> up to LIMIT model names, best first (the index is built on first use)."""

    def __init__(self, knowledge: CableBase | None = None, hcl: HCL | None = None) -> None:
        self.knowledge, self._hcl, self._index = knowledge, hcl, None

    def __call__(self, typed: str) -> list[str]:
        from nuthelper.knowledge.search import build_index
        from nuthelper.resolve.lookup import merged, understood_matches

        if not any(char.isalnum() for char in typed):
            return []
        hcl = self._hcl = self._hcl or default_hcl()
        if self._index is None:
            self._index = build_index(hcl, self.knowledge)
        matches = merged(understood_matches(typed, hcl), self._index.search(typed, limit=LIMIT * 2), LIMIT * 2)
        names = []
        for match in matches:
            if match.kind == "hcl":
                names.append(f"{match.entry.manufacturer} {match.entry.model}")
            elif match.matched_name in match.entry.get("fits", {}).get("models", ()):
                vendors = self._index.vendors
                vendor = match.entry.get("vendor", "")
                names.append(f"{vendors.name(vendors.canonical(vendor) or vendor)} {match.matched_name}")
        return list(dict.fromkeys(names))[:LIMIT]
