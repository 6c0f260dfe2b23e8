"""The cable knowledge base: cables.json loaded into small typed views.

The format is described in docs/cables-format.md. Objects here keep the raw JSON
mapping (``Cable.data``) so that ``cables show --json`` can print exactly what is known.
"""

from __future__ import annotations

import json
import os
import re
from functools import cached_property

from nuthelper.errors import Ambiguous, InvalidInput, NotFound, cable_candidate
from nuthelper.knowledge.names import VendorIndex, default_vendor_index, normalize
from nuthelper.resources import shipped_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable


class DriverRule:
    """One driver (with options) a cable implies, for all or some of the models it fits.

    (Plain classes here, not dataclasses: listing cables must start fast.)
    """

    __slots__ = ("driver", "options", "flags", "port", "models", "confidence", "confirmed", "because", "warnings")

    def __init__(self, driver: str, options: dict[str, str] | None = None, flags: tuple[str, ...] = (),
                 port: str | None = None, models: tuple[str, ...] = (), confidence: str = "documented",
                 confirmed: bool = True, because: str = "", warnings: tuple[str, ...] = ()) -> None:
        self.driver = driver
        self.options = options or {}
        self.flags = flags
        self.port = port
        self.models = models
        self.confidence = confidence
        self.confirmed = confirmed
        self.because = because
        self.warnings = warnings  # for a section that uses this rule only

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DriverRule:
        return cls(
            driver=data["driver"],
            options={key: str(value) for key, value in data.get("options", {}).items()},
            flags=tuple(data.get("flags", ())),
            port=data.get("port"),
            models=tuple(data.get("models", ())),
            confidence=data.get("confidence", "documented"),
            confirmed=data.get("confirmed", True),
            because=data.get("because", ""),
            warnings=tuple(data.get("warnings", ())),
        )

    def applies_to(self, model: str | None) -> bool:
        """True when the rule covers ``model`` (a rule without models covers every model)."""
        if not self.models:
            return True
        return model is not None and any(model_matches(pattern, model) for pattern in self.models)

    def summary(self) -> str:
        """``genericups upstype=11`` style text."""
        words = [self.driver]
        words += [f"{key}={value}" for key, value in self.options.items()]
        words += list(self.flags)
        if self.port:
            words.append(f"port={self.port}")
        return " ".join(words)


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts = [re.escape(normalize(part)) for part in pattern.split("*")]
    return re.compile("^" + ".*".join(parts) + "$")


MIN_SUFFIX_MATCH = 5


def model_matches(pattern: str, model: str) -> bool:
    """Match a model name against an exact name or a ``*`` pattern, on normalised text.

    A name typed with series words before it ("OmniGuard F6C230-RKM-2U") still matches the
    documented "F6C230-RKM-2U", as long as that name is distinctive (5 characters or more) and
    starts where a typed word starts: "PowerMust 1000" does not end in the name "T1000".
    """
    typed = normalize(model)
    starts = _word_starts(model)
    if "*" in pattern:
        regex = _pattern_regex(pattern)
        return any(regex.match(typed[start:]) for start in starts)
    name = normalize(pattern)
    return name == typed or (len(name) >= MIN_SUFFIX_MATCH and any(typed[start:] == name for start in starts))


def _word_starts(text: str) -> list[int]:
    """Offsets in ``normalize(text)`` where a whitespace-separated word of ``text`` begins."""
    starts, offset = [], 0
    for word in text.split():
        starts.append(offset)
        offset += len(normalize(word))
    return starts


class Vendor:
    """A UPS maker: stable id, display name and the other names people use for it."""

    __slots__ = ("id", "name", "aliases")

    def __init__(self, vendor_id: str, name: str, aliases: tuple[str, ...]) -> None:
        self.id = vendor_id
        self.name = name
        self.aliases = aliases

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Cable:
    """One documented cable; ``data`` is its cables.json object."""

    def __init__(self, data: dict[str, Any], base: CableBase) -> None:
        self.data = data
        self.base = base

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def kind(self) -> str:
        return self.data["kind"]

    @property
    def vendor(self) -> Vendor:
        return self.base.vendor(self.data["vendor"])

    @property
    def part_numbers(self) -> list[str]:
        return self.data.get("part_numbers", [])

    @property
    def same_wiring_as(self) -> Cable | None:
        other = self.data.get("same_wiring_as")
        return self.base.cable(other) if other else None

    @property
    def wiring(self) -> dict[str, Any]:
        """The wiring, followed through ``same_wiring_as``."""
        twin = self.same_wiring_as
        return twin.wiring if twin is not None else self.data.get("wiring", {})

    @property
    def fits(self) -> dict[str, Any]:
        return self.data.get("fits", {})

    @cached_property
    def drivers(self) -> list[DriverRule]:
        return [DriverRule.from_json(rule) for rule in self.data.get("drivers", [])]

    @cached_property
    def use_instead(self) -> list[DriverRule]:
        return [DriverRule.from_json(rule) for rule in self.data.get("use_instead", [])]

    @property
    def notes(self) -> list[str]:
        return self.data.get("notes", [])

    @property
    def warnings(self) -> list[str]:
        return self.data.get("warnings", [])

    @property
    def source(self) -> dict[str, Any]:
        return self.data.get("source", {})

    def identifiers(self) -> list[str]:
        """Every string that names this cable: id, title, part numbers, other names."""
        return [self.id, self.title, *self.part_numbers, *self.data.get("other_names", [])]

    def fit_for(self, vendor: Vendor | None, model: str) -> str | None:
        """How the cable fits a model: 'named', 'pattern', 'vendor' (vendor-wide) or None."""
        fits = self.fits
        if any(model_matches(name, model) for name in fits.get("models", [])):
            return "named"
        if any(model_matches(pattern, model) for pattern in fits.get("patterns", [])):
            return "pattern"
        if fits.get("vendor_wide") and vendor is not None and vendor.id == self.vendor.id:
            return "vendor"
        return None

    def source_text(self) -> str:
        """Where this cable is documented, in one line."""
        source = self.source
        parts = []
        if source.get("document"):
            section = f", section {source['section']}" if source.get("section") else ""
            parts.append(f"NUT {source['document']} document{section}")
        if source.get("contributor"):
            parts.append(f"contributed by {source['contributor']}")
        if source.get("diagram"):
            parts.append(f"diagram {source['diagram']}")
        return "; ".join(parts)


class CableBase:
    """All cables and vendors, with look-ups by the names people type."""

    def __init__(self, data: dict[str, Any], origin: str = "cables.json") -> None:
        self.origin = origin
        self.vendor_index: VendorIndex = default_vendor_index().copy()
        self.vendors: dict[str, Vendor] = {}
        for entry in data.get("vendors", []):
            self._register_vendor(entry)
        self.cables = [Cable(entry, self) for entry in data.get("cables", [])]
        self._by_id = {cable.id: cable for cable in self.cables}
        self.origins = {cable.id: origin for cable in self.cables}
        self.conflicts: list[str] = []

    def _register_vendor(self, entry: dict[str, Any]) -> None:
        """Add a cables.json vendor to the shared vendor table (vendors.json); the same maker
        known under another id there keeps that id."""
        canonical = self.vendor_index.add(entry["id"], entry["name"], entry.get("aliases", ()))
        self.vendor_index.add(canonical, entry["id"])
        known = self.vendors.get(canonical)
        aliases = tuple(entry.get("aliases", ()))
        if known is not None:
            aliases = known.aliases + tuple(name for name in aliases if name not in known.names())
        self.vendors[canonical] = Vendor(canonical, known.name if known else entry["name"], aliases)

    def vendor(self, text: str) -> Vendor:
        """The vendor an id, name or alias stands for (vendors.json knows more makers than cables.json)."""
        canonical = self.vendor_index.canonical(text) or text
        if canonical not in self.vendors:
            self.vendors[canonical] = Vendor(canonical, self.vendor_index.name(canonical), ())
        return self.vendors[canonical]

    def add_pack(self, data: dict[str, Any], origin: str) -> None:
        """Add a knowledge pack's vendors and cables; anything that would change a known answer
        is left out and reported in ``conflicts``."""
        for entry in data.get("vendors", []):
            self._add_vendor(entry, origin)
        known_names = {normalize(name): cable.id for cable in self.cables for name in cable.identifiers()}
        for entry in data.get("cables", []):
            cable = Cable(entry, self)
            if self.vendor_index.canonical(entry["vendor"]) is None:
                self.conflicts.append(f"{origin}: cable {cable.id} names unknown vendor '{entry['vendor']}'; left out")
                continue
            if cable.id in self._by_id:
                self.conflicts.append(f"{origin}: cable id {cable.id} is already defined by "
                                      f"{self.origins[cable.id]}; the pack's entry is left out")
                continue
            clash = sorted({known_names[normalize(name)] for name in cable.identifiers()[1:]
                            if normalize(name) in known_names})
            if clash:
                self.conflicts.append(f"{origin}: cable {cable.id} reuses a part number or name of "
                                      f"{', '.join(clash)}; the pack's entry is left out")
                continue
            self.cables.append(cable)
            self._by_id[cable.id] = cable
            self.origins[cable.id] = origin
            known_names.update({normalize(name): cable.id for name in cable.identifiers()})

    def _add_vendor(self, entry: dict[str, Any], origin: str) -> None:
        owners = {self.vendor_index.canonical(name) for name in (entry["id"], entry["name"], *entry.get("aliases", ()))}
        owners.discard(None)
        if len(owners) > 1:
            names = ", ".join(sorted(self.vendor_index.name(owner) for owner in owners))
            self.conflicts.append(f"{origin}: vendor {entry['id']} mixes names of different makers ({names}); left out")
            return
        self._register_vendor(entry)

    def is_builtin(self, cable: Cable) -> bool:
        return self.origins.get(cable.id) == self.origin

    def cable(self, cable_id: str) -> Cable:
        try:
            return self._by_id[cable_id]
        except KeyError:
            raise NotFound(f"no cable with id '{cable_id}' in {self.origin}") from None

    def find_cable(self, text: str) -> Cable:
        """The cable named by an id, a part number, a title or another documented name."""
        wanted = normalize(text)
        if not wanted:
            raise InvalidInput("--cable is empty: give a cable id or part number (see 'nut-helper cables list')")
        for level in (_same_name, _same_without_cable_word, _name_starts_with, _name_contains):
            found = [cable for cable in self.cables if any(level(normalize(name), wanted) for name in cable.identifiers())]
            if len(found) == 1:
                return found[0]
            if found:
                names = ", ".join(f"{cable.id} ({cable.title})" for cable in found)
                raise Ambiguous(f"cable '{text}' matches several cables: {names}; pass one of these ids to --cable",
                               details={"candidates": [cable_candidate(cable) for cable in found],
                                        "decided_by": ["--cable"]})
        import difflib

        names = {normalize(name): cable.id for cable in self.cables for name in cable.identifiers()}
        close = sorted({names[name] for name in difflib.get_close_matches(wanted, names, n=5, cutoff=0.5)})
        hint = f"closest: {', '.join(close)}" if close else "see 'nut-helper cables list'"
        raise NotFound(f"unknown cable '{text}' ({hint})",
                       details={"candidates": [cable_candidate(self._by_id[cable_id]) for cable_id in close]})

    def split_vendor(self, text: str) -> tuple[Vendor | None, str]:
        """Split model text into (vendor, rest) when it starts with a known vendor name or alias."""
        canonical, rest = self.vendor_index.split(text)
        if canonical is None:
            return None, text.strip()
        return self.vendor(canonical), rest

    def vendor_named(self, text: str) -> Vendor | None:
        canonical = self.vendor_index.canonical(text)
        return self.vendor(canonical) if canonical else None

    def known_models(self) -> Iterable[tuple[Vendor, str]]:
        """Every model named by a cable, with its vendor."""
        for cable in self.cables:
            for model in cable.fits.get("models", []):
                yield cable.vendor, model


def _without_cable_word(name: str) -> str:
    for word in ("cables", "cable"):
        if name.endswith(word) and len(name) > len(word):
            return name[: -len(word)]
    return name


def _same_name(name: str, wanted: str) -> bool:
    return name == wanted


def _same_without_cable_word(name: str, wanted: str) -> bool:
    return _without_cable_word(name) == _without_cable_word(wanted)


def _name_starts_with(name: str, wanted: str) -> bool:
    return name.startswith(_without_cable_word(wanted))


def _name_contains(name: str, wanted: str) -> bool:
    return _without_cable_word(wanted) in name


def load_cables(path: str | os.PathLike | None = None) -> CableBase:
    """Load and index a cables.json file (the built-in one by default)."""
    path = path or shipped_file("cables.json")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise InvalidInput(f"cannot read cable file {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{path} line {error.lineno}: not valid JSON ({error.msg})") from None
    return CableBase(data, origin=str(path))
