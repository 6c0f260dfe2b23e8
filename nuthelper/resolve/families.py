"""The vendors' model families and SKU schemes: the one reader of ``nuthelper/data/model-families.json``.

A family is a series as its vendor names it ("Back-UPS ES"), the SKU letters that stand for it
("BE"), the ports its units have and what NUT drives each port with, and where each fact comes
from. Vendors carry their defaults per connection, their network cards, and the maker that
builds their units (``built_by``). The format is described in docs/data-formats.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache

from nuthelper.knowledge.names import normalize, tokens
from nuthelper.patterns import lazy
from nuthelper.records import Record
from nuthelper.resources import data_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CONNECTIONS = ("usb", "serial", "network")


class PortChoice(Record):
    """What drives a port of a family (or a vendor's default for a connection), and why.

    ``cable`` is the cable the units ship with (as cables.json knows it); ``capacities`` the only
    capacities whose units have this port (empty: all); ``decides`` what tells the choice and its
    ``alternatives`` apart; ``needs`` "cable" or "usb-id" when the choice depends on what must be given.
    """

    __slots__ = ("driver", "options", "flags", "cable", "because", "capacities", "alternatives", "decides",
                 "needs", "source")

    def __init__(self, driver: str, options: dict[str, str] | None = None, flags: tuple[str, ...] = (),
                 cable: str | None = None, because: str = "", capacities: tuple[int, ...] = (),
                 alternatives: tuple[PortChoice, ...] = (), decides: str = "", needs: str = "",
                 source: str = "") -> None:
        self.driver = driver
        self.options = {} if options is None else options
        self.flags = flags
        self.cable = cable
        self.because = because
        self.capacities = capacities
        self.alternatives = alternatives
        self.decides = decides
        self.needs = needs
        self.source = source

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str = "") -> PortChoice:
        return cls(driver=data["driver"], options={k: str(v) for k, v in data.get("options", {}).items()},
                   flags=tuple(data.get("flags", ())), cable=data.get("cable"), because=data.get("because", ""),
                   capacities=tuple(data.get("capacities", ())),
                   alternatives=tuple(cls.from_json(alt, source) for alt in data.get("alternatives", ())),
                   decides=data.get("decides", ""), needs=data.get("needs", ""),
                   source=data.get("source", source))

    def fits_capacity(self, capacity: int | None) -> bool:
        return not self.capacities or capacity is None or capacity in self.capacities


class Family(Record):
    """A vendor's series: its names and SKU letters, its ``ports`` (a connection mapped to None:
    the units have no such port), ``tokens`` (the series it stands for: the name's tokens without
    generic words) and ``numbers`` (model numbers that are the family on their own, "9355")."""

    __slots__ = ("id", "vendor", "name", "names", "skus", "parent", "ports", "source", "tokens", "numbers")

    def __init__(self, id: str, vendor: str, name: str, names: tuple[str, ...], skus: tuple[str, ...],
                 parent: str | None, ports: dict[str, PortChoice | None], source: str, tokens: tuple[str, ...] = (),
                 numbers: tuple[re.Pattern[str], ...] = ()) -> None:
        self.id = id
        self.vendor = vendor
        self.name = name
        self.names = names
        self.skus = skus
        self.parent = parent
        self.ports = ports
        self.source = source
        self.tokens = tokens
        self.numbers = numbers

    def port(self, connection: str) -> PortChoice | None:
        return self.ports.get(connection)

    def lacks(self, connection: str) -> bool:
        """True when the family is documented to have no port of this kind."""
        return connection in self.ports and self.ports[connection] is None


class Card(Record):
    """A network management card, or a gateway between UPS and computer: the words that name it
    and the driver that reads it."""

    __slots__ = ("id", "vendor", "name", "pattern", "choice")

    def __init__(self, id: str, vendor: str, name: str, pattern: re.Pattern[str],
                 choice: PortChoice) -> None:
        self.id = id
        self.vendor = vendor
        self.name = name
        self.pattern = pattern
        self.choice = choice

    def named_in(self, text: str) -> bool:
        compact = normalize(text)
        return self.pattern.search(compact) is not None


class Brand(Record):
    """A brand the vendor took over whose units kept their own protocol (Powerware's XCP in Eaton):
    its defaults apply, per connection, to a model named by that brand."""

    __slots__ = ("name", "defaults")

    def __init__(self, name: str, defaults: dict[str, PortChoice]) -> None:
        self.name = name
        self.defaults = defaults


class VendorFacts(Record):
    """What is known of a vendor as a whole: names, defaults per connection, brands, cards, builder, USB IDs."""

    __slots__ = ("vendor", "name", "aliases", "defaults", "built_by", "built_by_source", "cards", "usb_vendor_ids",
                 "brands")

    def __init__(self, vendor: str, name: str, aliases: tuple[str, ...], defaults: dict[str, PortChoice | None],
                 built_by: str | None, built_by_source: str, cards: tuple[Card, ...],
                 usb_vendor_ids: tuple[str, ...] = (), brands: tuple[Brand, ...] = ()) -> None:
        self.vendor = vendor
        self.name = name
        self.aliases = aliases
        self.defaults = defaults
        self.built_by = built_by
        self.built_by_source = built_by_source
        self.cards = cards
        self.usb_vendor_ids = usb_vendor_ids
        self.brands = brands

    def brand_named(self, query: str) -> Brand | None:
        """The brand whose name the query starts with ("Powerware Prestige 1000VA"), or None."""
        typed = normalize(query)
        return next((brand for brand in self.brands if typed.startswith(normalize(brand.name))), None)


class Families:
    """Every family, card and vendor default, with the look-ups the resolver needs."""

    def __init__(self, data: dict[str, Any], source: str | None = None) -> None:
        self.source = source
        """The file the families were read from (None when given as data)."""
        words = data["words"]
        self.generic = frozenset(words["generic"])
        self.device_words = frozenset(words["device"])
        """Words that say a name is of a UPS ("UPS", "USV", "SAI", "nobreak", ...)."""
        self.topology = tuple(tuple(tokens(phrase)) for phrase in words.get("topology", ()))
        """How a UPS works ("Line-Interactive", "Online"): before a series, no part of its name."""
        self.connection_words = {word: kind for kind, listed in words["connection"].items() for word in listed}
        self.network_phrases = tuple(normalize(phrase) for phrase in words["network_phrases"])
        self.protocol_words = {word: PortChoice.from_json(choice, words["protocol_source"])
                               for word, choice in words.get("protocol", {}).items()}
        """Words of a name that say which protocol its USB port speaks ("HID"), with the driver for it."""
        bridged = words.get("serial_from_usb")
        self.serial_from_usb: tuple[frozenset[str], PortChoice] | None = None
        """The USB drivers whose units speak the same protocol on their serial port, and its driver there."""
        if bridged:
            self.serial_from_usb = (frozenset(bridged["drivers"]), PortChoice.from_json(bridged["serial"], bridged["source"]))
        self.gateways = tuple(_card("", gateway) for gateway in data.get("gateways", ()))
        """Interfaces between UPS and computer that decide the driver whatever the UPS (a Modbus remote I/O)."""
        self.families: list[Family] = []
        self.vendors: dict[str, VendorFacts] = {}
        for entry in data["vendors"]:
            vendor = entry["vendor"]
            for family in entry.get("families", ()):
                self.families.append(_family(vendor, family, self.generic))
            self.vendors[vendor] = VendorFacts(
                vendor=vendor, name=entry.get("name", vendor), aliases=tuple(entry.get("aliases", ())),
                defaults={kind: PortChoice.from_json(choice) if choice else None
                          for kind, choice in entry.get("defaults", {}).items()},
                built_by=entry.get("built_by"), built_by_source=entry.get("built_by_source", ""),
                cards=tuple(_card(vendor, card) for card in entry.get("cards", ())),
                usb_vendor_ids=tuple(entry.get("usb_vendor_ids", ())),
                brands=tuple(Brand(brand["name"], {kind: PortChoice.from_json(choice)
                                                   for kind, choice in brand["defaults"].items()})
                             for brand in entry.get("brands", ())))
        self.by_id = {family.id: family for family in self.families}
        self._by_name: dict[str, list[Family]] = {}
        """The families by each of their names, normalised."""
        for family in self.families:
            for name in family.names:
                self._by_name.setdefault(normalize(name), []).append(family)
        self.series_names = frozenset(self._by_name)
        """Every family's names, normalised: words that are a series, not a misspelt vendor."""
        self._skus: dict[str, list[Family]] = {}
        for family in self.families:
            for sku in family.skus:
                self._skus.setdefault(sku.lower(), []).append(family)

    # -- words

    def is_generic(self, word: str) -> bool:
        return word in self.generic

    def without_topology(self, words: list[str]) -> list[str]:
        """``words`` without a leading topology phrase ("line interactive vi 850" -> "vi 850"), when a
        series word follows it."""
        for phrase in self.topology:
            if tuple(words[:len(phrase)]) == phrase and words[len(phrase):] and not words[len(phrase)].isdigit():
                return words[len(phrase):]
        return words

    def connection_in(self, words: Iterable[str]) -> str | None:
        """The connection a word of a name states ("USB", "serial", "SNMP"), or None."""
        said = {self.connection_words[word] for word in words if word in self.connection_words}
        return said.pop() if len(said) == 1 else None

    def names_network(self, text: str) -> bool:
        """True when the text names a network card or interface ("Network Management Card", "Web/SNMP")."""
        compact = normalize(text)
        return any(phrase in compact for phrase in self.network_phrases) or \
            any(card.named_in(text) for facts in self.vendors.values() for card in facts.cards)

    # -- families

    def in_vendor(self, vendor: str | None) -> list[Family]:
        return [family for family in self.families if vendor is None or family.vendor == vendor]

    def family_prefix(self, vendor: str | None, words: list[str]) -> tuple[Family | None, list[str]]:
        """The family the leading words name (the longest name, or SKU letters before a number),
        refined by a SKU that follows the name ("Back-UPS BR1500G" -> Back-UPS Pro); and the rest."""
        found, rest = self._name_prefix(vendor, words)
        if found is None:
            found, rest = self._sku_prefix(vendor, words)
        if found is None:
            found = self._number(vendor, words)
        elif rest:
            child, after = self._sku_prefix(found.vendor, rest)
            if child is not None:
                found, rest = child, after
        return found, rest

    def vendors_of_prefix(self, words: list[str]) -> set[str]:
        """The vendors with a family whose name or SKU letters the leading words are ("SU" "1500":
        APC's Smart-UPS and Tripp Lite's SmartOnline), however many there are."""
        vendors, joined = set(), ""
        for count, word in enumerate(words, 1):
            joined += word
            named = self._by_name.get(joined, ())
            if named and not all(part.isdigit() or part in self.generic for part in words[:count]):
                vendors = {family.vendor for family in named}  # the longest name decides, as for the family
        if words and (len(words) == 1 or words[1].isdigit()):
            vendors |= {family.vendor for family in self._skus.get(words[0], ())}
        return vendors

    def _name_prefix(self, vendor: str | None, words: list[str]) -> tuple[Family | None, list[str]]:
        """The family named by the most leading words, written together ("back" "ups" "es"). Without
        a vendor, a name of generic words and a number ("UPS2000") is how any maker may write a
        2000 VA UPS: it names no family; "UPS2000-G" does."""
        joined, best, longest = "", [], 0
        for count, word in enumerate(words, 1):
            joined += word
            number_only = all(part.isdigit() or part in self.generic for part in words[:count])
            named = [family for family in self._by_name.get(joined, ())
                     if family.vendor == vendor or vendor is None and not number_only]
            if named:
                best, longest = named, count
        if not best:
            return None, words
        if len({family.vendor for family in best}) > 1:
            return None, words  # several vendors' series of that name: the vendor must be given
        return best[0], words[longest:]

    def _number(self, vendor: str | None, words: list[str]) -> Family | None:
        """The vendor's family whose model numbers the first word is ("9355" of the XCP 9000 series)."""
        if vendor is None or not words or not words[0].isdigit():
            return None
        return next((family for family in self.families
                     if family.vendor == vendor and any(p.fullmatch(words[0]) for p in family.numbers)), None)

    def _sku_prefix(self, vendor: str | None, words: list[str]) -> tuple[Family | None, list[str]]:
        """SKU letters followed by a number ("BE" "850"), or standing alone after a series name."""
        if not words or (len(words) > 1 and not words[1].isdigit()):
            return None, words
        found = [family for family in self._skus.get(words[0], ()) if vendor is None or family.vendor == vendor]
        if len({family.vendor for family in found}) != 1:
            return None, words
        return found[0], words[1:]

    def parent(self, family: Family) -> Family | None:
        return self.by_id.get(family.parent) if family.parent else None

    def lineage(self, family: Family) -> list[Family]:
        """The family, its parent, the parent's parent ..."""
        chain = [family]
        while chain[-1].parent and chain[-1].parent in self.by_id and len(chain) < 5:
            chain.append(self.by_id[chain[-1].parent])
        return chain

    # -- vendors

    def vendor_facts(self, vendor: str | None) -> VendorFacts | None:
        return self.vendors.get(vendor) if vendor else None

    def vendors_of_usb_id(self, vendorid: str) -> set[str]:
        """The vendors whose own USB vendor ID this is (empty for the bridges many brands share)."""
        return {facts.vendor for facts in self.vendors.values() if vendorid.lower() in facts.usb_vendor_ids}

    def gateway_named(self, text: str) -> Card | None:
        """The gateway a --cable text names ("MOXA ioLogik R1212 (RS485 Modbus remote I/O)"), or None."""
        return next((gateway for gateway in self.gateways if gateway.named_in(text)), None)

    def card_named(self, vendor: str | None, text: str) -> Card | None:
        """The network card a model text names (the vendor's own cards first)."""
        cards = [card for facts in self.vendors.values() for card in facts.cards if card.named_in(text)]
        own = [card for card in cards if card.vendor == vendor]
        return (own or cards or [None])[0]


def _family(vendor: str, data: dict[str, Any], generic: frozenset[str]) -> Family:
    source = "; ".join(data["source"]) if isinstance(data["source"], list) else data["source"]
    ports = {kind: (PortChoice.from_json(choice, source) if choice else None)
             for kind, choice in data.get("ports", {}).items()}
    return Family(id=data["id"], vendor=vendor, name=data["name"], names=(data["name"], *data.get("names", ())),
                  skus=tuple(data.get("skus", ())), parent=data.get("parent"), ports=ports, source=source,
                  tokens=tuple(word for word in tokens(data["name"]) if word not in generic),
                  numbers=tuple(lazy(pattern) for pattern in data.get("numbers", ())))


def _card(vendor: str, data: dict[str, Any]) -> Card:
    pattern = lazy("|".join(f"(?:{part})" for part in data["patterns"]), re.I)  # any of them, in one search
    return Card(id=data["id"], vendor=vendor, name=data["name"], pattern=pattern,
                choice=PortChoice.from_json(data["choice"], "; ".join(data["source"])))


@lru_cache(maxsize=1)
def default_families() -> Families:
    """The shipped families file, loaded once."""
    path = data_file("model-families.json")
    with open(path, encoding="utf-8") as handle:
        return Families(json.load(handle), path)
