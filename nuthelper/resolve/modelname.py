"""Understanding a model name as a person types it, or as NUT's hardware list writes it.

"APC BACK-UPS ES (BE850G2)", "Eaton 5E 850i", "SMT1500RMI2U", "Mustek PowerMust 1000" are cut
into a vendor, a series, a capacity and what follows it (suffixes: regional letters, USB, LCD,
RM/2U, revisions). Bracketed parts and SKU-looking words are kept as further names. The vendor's
SKU scheme (``nuthelper/data/model-families.json``) turns a SKU's letters into the family
they stand for, so "BE850G2" and "Back-UPS ES 850G2" both land in the Back-UPS ES family.
"""

from __future__ import annotations

import re

from nuthelper.patterns import lazy
from nuthelper.records import Record
from nuthelper.knowledge.names import normalize, tokens
from nuthelper.resolve.families import Families, Family

_BRACKETS = lazy(r"[(\[{]([^)\]}]*)[)\]}]")
_UNITS = {"va": "VA", "kva": "kVA", "k": "kVA", "w": "W", "kw": "kW"}
_WILDCARD = lazy(r"(?<![a-z])x{2,}(?![a-z])|(?<![A-Z])X{2,}(?![A-Z])|\*+|\?{2,}")
MIN_CAPACITY_DIGITS = 3
MAX_CAPACITY_DIGITS = 6
"""A bare number longer than this (800 kVA is six digits) is an article number, not a rating:
PowerWalker's "10121076 Basic VI 1500 STL", Ippon's rows "2049878 UPS Ippon Na+ TA 1000"."""
MIN_CODE_LETTERS = 2
"""Letters written together with a capacity after a series are a model code from this many on."""


class ModelName(Record):
    """What a model name says: vendor, series, capacity, suffixes, and the family they belong to.

    ``text`` is the model without the vendor, ``vendor`` its vendor id, ``series`` the tokens
    before the capacity (generic words dropped), ``unit`` "VA", "kVA", "W" or "kW" when written,
    ``suffix`` the tokens after the capacity, ``connection`` "usb", "serial" or "network" when a
    word of the name says so, and ``others`` the bracketed names and SKUs it also gives.
    """

    __slots__ = ("text", "vendor", "series", "capacity", "unit", "suffix", "family", "connection", "others",
                 "compact", "series_key")
    _derived = ("compact", "series_key")

    def __init__(self, text: str, vendor: str | None, series: tuple[str, ...], capacity: int | None = None,
                 unit: str | None = None, suffix: tuple[str, ...] = (), family: Family | None = None,
                 connection: str | None = None, others: tuple[ModelName, ...] = ()) -> None:
        self.text = text
        self.vendor = vendor
        self.series = series
        self.capacity = capacity
        self.unit = unit
        self.suffix = suffix
        self.family = family
        self.connection = connection
        self.others = others
        self.compact = normalize(text)
        """The text's letters and digits, lower case."""
        self.series_key = series if family is None else (f"family:{family.id}", *series[len(family.tokens):])
        """What two names must share to be the same series: the family id and any further series
        words ("Smart-UPS X" in a family "Smart-UPS" with no X entry), else the series tokens."""

    def all_names(self) -> tuple["ModelName", ...]:
        return (self, *self.others)

    def with_others(self, others: tuple["ModelName", ...]) -> "ModelName":
        return ModelName(self.text, self.vendor, self.series, self.capacity, self.unit, self.suffix, self.family,
                         self.connection, others)

    def describe(self) -> str:
        """The parts in words, for the reasons of an answer."""
        parts = []
        if self.family:
            parts.append(f"series {self.family.name}")
        elif self.series:
            parts.append("series '" + " ".join(self.series) + "'")
        if self.capacity:
            parts.append(f"capacity {self.capacity}{' ' + self.unit if self.unit else ''}")
        if self.suffix:
            parts.append("suffix '" + "".join(self.suffix) + "'")
        return ", ".join(parts) or "no series or capacity"


def wildcard_text(text: str) -> str:
    """A hardware-list cell with its placeholders ("BNT-xxxAP", "AP79xx", "BK****M2") written as ``*``."""
    return _WILDCARD.sub("*", text)


def understand(text: str, vendor: str | None, families: Families, *, with_others: bool = True) -> ModelName:
    """Cut ``text`` (the model, vendor already split off) into its parts; ``vendor`` is a vendor id or None."""
    text = without_the_word_ups(text)
    bracketed = "(" in text or "[" in text or "{" in text
    main = _BRACKETS.sub(" ", text) if bracketed else text
    inner = [piece.strip() for group in _BRACKETS.findall(text) for piece in re.split(r"[,;/]", group)] \
        if bracketed else []
    name = _parse(main, vendor, families)
    if not with_others:
        return name
    others = [_parse(piece, vendor, families) for piece in inner if any(ch.isdigit() for ch in piece)]
    others += [_parse(word, vendor, families) for word in main.split()
               if looks_like_sku(word) and normalize(word) != name.compact]
    others = [other for other in others if other.series or other.capacity]
    connection = name.connection or next((other.connection for other in others if other.connection), None)
    narrower = _narrower(name, others, families)
    if narrower is not None:  # "Smart-UPS 750 (SMT750RMI2UC)": the SKU's SMT family within Smart-UPS leads
        rest = tuple(other for other in others if other is not narrower)
        return ModelName(narrower.text, narrower.vendor, narrower.series, narrower.capacity, narrower.unit,
                         narrower.suffix, narrower.family, connection, (name, *rest))
    return ModelName(name.text, name.vendor, name.series, name.capacity, name.unit, name.suffix, name.family,
                     connection, tuple(others))


def without_the_word_ups(text: str) -> str:
    """A first or last word "UPS" says what the thing is, not which one ("Sweex 1000VA UPS", and
    NUT's own rows "PB1300 UPS", "UPS 1200VA Management PW-4120M"): names are read without it,
    rows and typed names alike."""
    words = text.split()
    if len(words) > 1 and normalize(words[-1]) == "ups":
        words = words[:-1]
    if len(words) > 1 and normalize(words[0]) == "ups":
        words = words[1:]
    return " ".join(words) if len(words) != len(text.split()) else text


def _narrower(name: ModelName, others: list[ModelName], families: Families) -> ModelName | None:
    """A further name (a bracketed SKU) whose family lies within the name's own family."""
    if name.family is None:
        return None
    return next((other for other in others
                 if other.family is not None and name.family in families.lineage(other.family)[1:]), None)


def looks_like_sku(word: str) -> bool:
    """A word that mixes letters and a capacity-like number: "BE850G2", "SMT1500RMI2U", "CP1500PFCLCD"."""
    parts = tokens(word)
    return len(parts) >= 2 and parts[0].isalpha() and \
        any(p.isdigit() and len(p) >= MIN_CAPACITY_DIGITS for p in parts)


_THOUSANDS = lazy(r"(?<![A-Za-z\d.,])(\d{1,3})[,.](\d{3})(?![\d.,])")
"""A number written with a thousands separator ("2,200VA"), not a part number ("UB40.241")."""
_DECIMAL_KILO = lazy(r"(?<![A-Za-z\d.,])(\d{1,3})[,.](\d{1,2})\s*k(va|w)\b", re.I)
"""A rating in kVA or kW with a decimal point or comma ("1.5kVA", "1,5 kVA", "3.0 kW")."""
_DECIMAL_ALONE = lazy(r"(?<![\w.,])(\d{1,2})\.(\d)(?![\w.,])")
"""A number with one decimal standing alone ("Solis 1.5", "Rhino 7.5"): a rating in kVA, as
NUT's list writes these series ("Solis 1.5" with "1500VA" in its note)."""


def _parse(text: str, vendor: str | None, families: Families) -> ModelName:
    spaced = (_in_whole_units(text) if "," in text or "." in text else text).split()
    owners = [index for index, piece in enumerate(spaced) for _ in tokens(piece)]  # each token's word
    words = tokens(" ".join(spaced))
    connection = families.connection_in(words)
    family, rest = families.family_prefix(vendor, words)
    if family is not None:
        vendor = vendor or family.vendor
    capacity = unit = None
    position = _capacity_position(rest)
    if position is None:
        series_words, suffix = rest, []
    else:
        capacity = int(rest[position])
        following = rest[position + 1:]
        if following and following[0] in _UNITS:
            unit = _UNITS[following[0]]
            following = following[1:]
            if unit in ("kVA", "kW") and capacity < 1000:
                capacity *= 1000
        series_words, suffix = rest[:position], following
        series_words = _without_sku_letters(series_words, owners[len(words) - len(rest):][:position + 1], families)
    series_words = families.without_topology(series_words)
    series = tuple(word for index, word in enumerate(series_words)
                   if not families.is_generic(word) and word not in _UNITS and not _article_number(word)
                   and not (word.isdigit() and series_words[index + 1:index + 2] and series_words[index + 1] in _UNITS))
    if family is not None:
        series = (*family.tokens, *(word for word in series if not word.isdigit()))
    return ModelName(" ".join(text.split()), vendor, series, capacity, unit,
                     tuple(word for word in suffix if not families.is_generic(word) and not _article_number(word)),
                     family, connection)


def _in_whole_units(text: str) -> str:
    """Ratings written with a decimal or thousands separator as whole VA or W ("1.5kVA" -> "1500VA")."""
    text = _DECIMAL_KILO.sub(lambda m: f"{round(float(f'{m[1]}.{m[2]}') * 1000)}{m[3].upper()}", text)
    text = _DECIMAL_ALONE.sub(lambda m: f"{int(m[1]) * 1000 + int(m[2]) * 100}VA", text)
    return _THOUSANDS.sub(r"\1\2", text)


def _without_sku_letters(series_words: list[str], owners: list[int], families: Families) -> list[str]:
    """The series without the letters written together with the capacity ("PRC" of "NetUPS SE
    PRC2400a") when series words stand before them: a model code, not a further series word.
    Alone ("CP" of "CP1500PFCLCD") they are the series, and one letter ("P" of "PowerPal P600E")
    names a sub-series ("P-series")."""
    glued = [index for index, owner in enumerate(owners[:-1]) if owner == owners[-1]]
    before = [word for word in series_words[:glued[0]] if not families.is_generic(word)] if glued else []
    if not glued or not before or sum(len(series_words[index]) for index in glued) < MIN_CODE_LETTERS:
        return series_words
    return series_words[:glued[0]]


def _capacity_position(words: list[str]) -> int | None:
    """Index of the capacity: a number before VA (or kVA, then W), else the first number of three digits or more."""
    for units in (("va", "kva", "k"), ("w", "kw")):
        for index, word in enumerate(words):
            if word.isdigit() and index + 1 < len(words) and words[index + 1] in units:
                return index
    for index, word in enumerate(words):
        if word.isdigit() and MIN_CAPACITY_DIGITS <= len(word) <= MAX_CAPACITY_DIGITS:
            return index
    return None


def _article_number(word: str) -> bool:
    return word.isdigit() and len(word) > MAX_CAPACITY_DIGITS
