"""Text normalisation and vendor names, shared by every knowledge source.

Matching in nut-helper ignores case, spaces, hyphens and punctuation: ``normalize`` reduces a
text to its lower-case letters and digits. A ``VendorIndex`` maps every name and alias of a
maker (from ``nuthelper/data/vendors.json``, cables.json's vendors, the hardware list's
manufacturers) to one stable vendor id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Container, Iterable
from functools import lru_cache

from nuthelper.patterns import lazy
from nuthelper.resources import data_file

_TOKEN = lazy(r"[^\W\d_]+|\d+")
_WORD = lazy(r"\S+")
_NOT_ALNUM = lazy(r"[\W_]+")


def normalize(text: str) -> str:
    """Lower-case letters and digits of ``text``, everything else dropped ("Tripp-Lite" -> "tripplite")."""
    return _NOT_ALNUM.sub("", text.lower())


def tokens(text: str) -> list[str]:
    """Lower-case runs of letters and runs of digits ("OMNI900LCD" -> omni, 900, lcd)."""
    return _TOKEN.findall(text.lower())


def one_edit_apart(first: str, second: str) -> bool:
    """True when one letter added, dropped, changed or two swapped turns ``first`` into ``second``."""
    if first == second or abs(len(first) - len(second)) > 1:
        return False
    if len(first) == len(second):
        differ = [index for index, (a, b) in enumerate(zip(first, second)) if a != b]
        return len(differ) == 1 or (len(differ) == 2 and differ[1] == differ[0] + 1
                                    and first[differ[0]] == second[differ[1]] and first[differ[1]] == second[differ[0]])
    shorter, longer = sorted((first, second), key=len)
    return any(longer[:index] + longer[index + 1:] == shorter for index in range(len(longer)))


class VendorIndex:
    """Every name and alias of each vendor, looked up on normalised text."""

    def __init__(self, vendors: Iterable[tuple[str, str, Iterable[str]]] = ()) -> None:
        self._by_key: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._keys: dict[str, list[str]] = {}
        self._words: dict[str, set[str]] = {}
        self._first_words: dict[str, set[str]] = {}
        for vendor_id, name, aliases in vendors:
            self.add(vendor_id, name, aliases)

    def add(self, vendor_id: str, name: str, aliases: Iterable[str] = ()) -> str:
        """Register a vendor (or more names for a known one); returns the id names now map to.

        A name already known under another id keeps that id: the first source wins.
        """
        known = self._by_key.get(normalize(name)) or self._by_key.get(normalize(vendor_id))
        vendor_id = known or vendor_id
        self._names.setdefault(vendor_id, name)
        keys = self._keys.setdefault(vendor_id, [])
        words = self._words.setdefault(vendor_id, set())
        for text in (vendor_id, name, *aliases):
            key, long_words, first = _name_keys(text)
            words.update(long_words)
            if first is not None:
                self._first_words.setdefault(first, set()).add(vendor_id)
            if len(key) >= 3:
                words.add(key)
            if key and key not in self._by_key:
                self._by_key[key] = vendor_id
                keys.append(key)
        return vendor_id

    def state(self) -> tuple:
        """The index as plain data (what the hardware list's cache keeps)."""
        return (self._by_key, self._names, self._keys, self._words, self._first_words)

    @classmethod
    def from_state(cls, state: tuple) -> VendorIndex:
        """An index made from ``state()`` data; ValueError when the data is not of that shape."""
        by_key, names, keys, words, first_words = state
        if not all(isinstance(part, dict) for part in state):
            raise ValueError("not a vendor index")
        index = cls()
        index._by_key, index._names, index._keys, index._words, index._first_words = \
            by_key, names, keys, words, first_words
        return index

    def copy(self) -> VendorIndex:
        """An independent copy: names added to it do not reach this index."""
        other = VendorIndex()
        other._by_key = dict(self._by_key)
        other._names = dict(self._names)
        other._keys = {key: list(value) for key, value in self._keys.items()}
        other._words = {key: set(value) for key, value in self._words.items()}
        other._first_words = {key: set(value) for key, value in self._first_words.items()}
        return other

    def canonical(self, text: str) -> str | None:
        """The vendor id ``text`` names, or None."""
        return self._by_key.get(normalize(text))

    def name(self, vendor_id: str) -> str:
        """The display name of a vendor id."""
        return self._names.get(vendor_id, vendor_id)

    def keys(self, vendor_id: str) -> list[str]:
        """Every normalised name that maps to ``vendor_id``."""
        return list(self._keys.get(vendor_id, ()))

    def words(self, vendor_id: str) -> set[str]:
        """The tokens (3 characters or more) of every name of ``vendor_id``: what a query may contain to name it."""
        return self._words.get(vendor_id, set())

    def all_keys(self) -> dict[str, str]:
        """Every normalised name or alias known, mapped to its vendor id."""
        return dict(self._by_key)

    def ids(self) -> list[str]:
        return list(self._names)

    def split(self, query: str, max_words: int = 5) -> tuple[str | None, str]:
        """Split a free-text query into (vendor id, the rest): "Tripp Lite OMNI900LCD" -> ("tripplite", "OMNI900LCD").

        The longest run of leading words that names a vendor is taken; (None, query) when none does.
        """
        words = _WORD.findall(query)
        for count in range(min(max_words, len(words)), 0, -1):
            vendor_id = self.canonical("".join(words[:count]))
            if vendor_id:
                return vendor_id, " ".join(words[count:])
        return None, query.strip()

    def split_loosely(self, query: str, generic: Iterable[str] = (),
                      series: Container[str] = ()) -> tuple[str | None, str, str]:
        """Like ``split``, also for a vendor written the way people do: glued to the model ("APC1500"),
        or by a hyphen ("SNR-UPS-LID-1200"), by the first word of a longer name ("Forza" for "Forza
        Power Technologies"), or misspelt
        ("Cyper Power Systems"); never a misspelt vendor where the leading words are one of the
        ``series`` names (normalised: "backups"), or by its web address ("Mini-Box.com"); leading
        ``generic`` words are passed over ("my APC ..."). Returns (vendor id, rest, how it was read:
        "" when exactly)."""
        generic = set(generic)
        words = _WORD.findall(query)
        while len(words) > 1 and normalize(words[0]) in generic:
            words.pop(0)
        query = " ".join(words)
        vendor_id, rest = self.split(query)
        if vendor_id is not None:
            return vendor_id, rest, ""
        words = _WORD.findall(query)
        if not words:
            return None, query.strip(), ""
        glued = _GLUED.match(words[0])
        if glued and self.canonical(glued.group(1)):
            return self.canonical(glued.group(1)), " ".join([glued.group(2), *words[1:]]), "glued"
        web = _WEB_NAME.match(words[0]) if "." in words[0] else None
        if web and self.canonical(web.group(1)):
            return self.canonical(web.group(1)), " ".join(words[1:]), "web address"
        parts = words[0].split("-") if normalize(words[0]) not in series else []
        for count in range(len(parts) - 1, 0, -1):  # the longest head first: "Tripp-Lite-SMART1050SLT"
            head, tail = "-".join(parts[:count]), "-".join(parts[count:])
            if tail and len(normalize(head)) >= 3 and self.canonical(head):
                return self.canonical(head), " ".join([tail, *words[1:]]), "hyphen"
        first = normalize(words[0])
        owners = self._first_words.get(first, set())
        if len(owners) == 1 and len(first) >= 3 and first not in generic:
            return next(iter(owners)), " ".join(words[1:]), "first word"
        if any(normalize("".join(words[:count])) in series for count in range(1, min(3, len(words)) + 1)):
            return None, query.strip(), ""
        import difflib
        best: tuple[float, int, str] | None = None   # the closest reading wins: "Powrwalker VI" is one word misspelt
        for count in range(min(3, len(words)), 0, -1):
            typed = normalize("".join(words[:count]))
            if len(typed) < MIN_FUZZY_VENDOR:
                continue
            for close in difflib.get_close_matches(typed, list(self._by_key), n=1, cutoff=FUZZY_VENDOR_CUTOFF):
                ratio = difflib.SequenceMatcher(None, typed, close).ratio()
                if best is None or ratio > best[0]:
                    best = (ratio, count, close)
        if best is not None:
            return self._by_key[best[2]], " ".join(words[best[1]:]), "spelling"
        return None, query.strip(), ""


@lru_cache(maxsize=None)
def _name_keys(text: str) -> tuple[str, tuple[str, ...], str | None]:
    """What a vendor index keeps of a name: its key, its words of three letters or more, and its
    first word when it has several (both hardware lists name the same makers: read once)."""
    first = _WORD.findall(text)
    return (normalize(text), tuple(word for word in tokens(text) if len(word) >= 3),
            normalize(first[0]) if len(first) > 1 else None)


_GLUED = lazy(r"^([A-Za-z][A-Za-z&.-]{1,})(\d.*)$")
_WEB_NAME = lazy(r"^(?:www\.)?([A-Za-z0-9][A-Za-z0-9&-]*)\.(?:com|net|org|info|biz|[a-z]{2})(?:\.[a-z]{2})?$", re.I)
MIN_FUZZY_VENDOR = 6
FUZZY_VENDOR_CUTOFF = 0.86


def load_vendor_index(path: str | None = None) -> VendorIndex:
    """The vendor table shipped in ``nuthelper/data/vendors.json`` (or another file of that format)."""
    with open(path or data_file("vendors.json"), encoding="utf-8") as handle:
        data = json.load(handle)
    return VendorIndex((v["id"], v["name"], v.get("aliases", ())) for v in data["vendors"])


_default_index: VendorIndex | None = None


def default_vendor_index() -> VendorIndex:
    """The shipped vendor table, loaded once: shared, so a reader that adds names to it takes a ``copy()``."""
    global _default_index
    if _default_index is None:
        _default_index = load_vendor_index()
    return _default_index


def canonical_vendor(text: str) -> str | None:
    """The vendor id for a name or alias in the shipped table ("MGE" -> "eaton"), or None."""
    return default_vendor_index().canonical(text)


def split_vendor(query: str) -> tuple[str | None, str]:
    """Split a query into (vendor id, model text) using the shipped table."""
    return default_vendor_index().split(query)
