"""Ranked fuzzy search over the hardware list and the cable knowledge base.

A query is cut into tokens (runs of letters, runs of digits, lower case). Tokens that name the
vendor of a candidate count as matched; the rest are matched against each searchable name of
the candidate (an HCL model and the names split from it; a cable's title, part numbers, other
names and fitted models): exactly (1.0), with one typo (0.8) or as the start of a word (0.6).
Numbers only match exactly. A query whose letters and digits equal a name's ("omni 900 lcd"
and "OMNI900LCD") scores 1.0. The score of a candidate is the share of the query it explains,
slightly lowered when the name has many words the query does not mention.
"""

from __future__ import annotations

import marshal
import os
import re
from array import array

from nuthelper.records import Record
from nuthelper.knowledge.cables import CableBase, load_cables
from nuthelper.knowledge.hcl import HCL, default_hcl
from nuthelper.knowledge.names import normalize, tokens

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FOUND = 0.6
"""Scores from here up are answers; lower ones are only offered as suggestions."""

EXACT, TYPO, PREFIX = 1.0, 0.8, 0.6
_FUZZY_MIN_LENGTH = 4
_PREFIX_MIN_LENGTH = 3


class Match(Record):
    """One search result: ``entry`` is an HclEntry (kind "hcl") or a cables.json cable dict (kind "cable")."""

    __slots__ = ("score", "kind", "entry", "matched_name")

    def __init__(self, score: float, kind: str, entry: Any, matched_name: str) -> None:
        self.score = score
        self.kind = kind
        self.entry = entry
        self.matched_name = matched_name


class _Name:
    """A searchable name; ``pattern`` matches the normalised text of its ``*`` word ("BK****M2-CH")."""

    __slots__ = ("text", "tokens", "compact", "wild", "_pattern")

    def __init__(self, text: str, parts: tuple | None = None) -> None:
        self.text = text
        self.tokens, self.compact, self.wild = parts or name_parts(text)
        self._pattern = None

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """The wildcard word as a regular expression, compiled when a query first needs it."""
        if self.wild is not None and self._pattern is None:
            self._pattern = re.compile(".+".join(re.escape(normalize(p)) for p in re.split(r"\*+", self.wild)))
        return self._pattern

    @property
    def pattern_tokens(self) -> set[str]:
        return set(tokens(self.wild)) if self.wild else set()


def name_parts(text: str) -> tuple:
    """What the search keeps of a name: its tokens, its letters and digits, its wildcard word."""
    wild = next((word for word in text.split() if "*" in word), None) if "*" in text else None
    return tuple(dict.fromkeys(tokens(text))), normalize(text), wild


class _Doc:
    """One searchable row or cable; its names become :class:`_Name` objects only when it is scored."""

    __slots__ = ("kind", "entry", "vendor_id", "parts", "rank", "_names")

    def __init__(self, kind: str, entry: Any, vendor_id: str, parts: list[tuple], rank: int) -> None:
        self.kind = kind
        self.entry = entry
        self.vendor_id = vendor_id
        self.parts = parts     # (name, name_parts(name)) for each name
        self.rank = rank
        self._names: list[_Name] | None = None

    @property
    def names(self) -> list[_Name]:
        if self._names is None:
            self._names = [_Name(name, part) for name, part in self.parts]
        return self._names


class _Docs:
    """The index's documents by number: the hardware-list rows (made into :class:`_Doc` when first
    asked for: a query looks at a few of thousands), then the cables. A row's searchable names
    are kept packed (``marshal`` bytes) until then."""

    def __init__(self, rows: list, parts: list[bytes]) -> None:
        self._rows, self._parts = rows, parts
        self._made: dict[int, _Doc] = {}
        self.cables: list[_Doc] = []

    def __len__(self) -> int:
        return len(self._rows) + len(self.cables)

    def __getitem__(self, number: int) -> _Doc:
        if number >= len(self._rows):
            return self.cables[number - len(self._rows)]
        doc = self._made.get(number)
        if doc is None:
            row = self._rows[number]
            doc = self._made[number] = _Doc("hcl", row, row.vendor_id, _unpacked(self._parts[number], row),
                                            row.support_level)
        return doc

    def __iter__(self):
        return (self[number] for number in range(len(self)))


def _row_parts(entry: Any) -> list[tuple]:
    return [(name, name_parts(name)) for name in dict.fromkeys(entry.model_names) if name.strip()]


def _unpacked(packed: bytes, entry: Any) -> list[tuple]:
    """A row's names with their parts, from their packed form (made again if it cannot be read)."""
    try:
        parts = marshal.loads(packed)
    except (EOFError, ValueError, TypeError):
        parts = None
    return parts if isinstance(parts, list) else _row_parts(entry)


def _hcl_search_data(hcl: HCL) -> tuple[list[bytes], dict[str, bytes]]:
    """For each row, its searchable names with their parts (packed), and which rows each token is
    in (packed row numbers): from the cache when the list came from a file whose cache is fresh
    (nuthelper.knowledge.hclcache). Packed, they load at once and are unpacked for the few rows
    and words a query reaches."""
    def build() -> tuple[list[bytes], dict[str, bytes]]:
        parts = [_row_parts(entry) for entry in hcl.entries]
        postings: dict[str, list[int]] = {}
        for number, names in enumerate(parts):
            for token in {token for _, part in names for token in part[0]}:
                postings.setdefault(token, []).append(number)
        return ([marshal.dumps(names) for names in parts],
                {token: array(_ROW_NUMBER, numbers).tobytes() for token, numbers in postings.items()})

    from nuthelper.knowledge.hclcache import cached

    try:
        info = os.stat(hcl.source)
    except OSError:
        return build()
    found = cached(hcl.source, info, build, kind="search")
    fits = (isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], list)
            and isinstance(found[1], dict) and len(found[0]) == len(hcl.entries)
            and all(isinstance(packed, bytes) and len(packed) % _ROW_BYTES == 0 for packed in found[1].values()))
    return found if fits else build()


_ROW_NUMBER = "I"
_ROW_BYTES = array(_ROW_NUMBER).itemsize


class SearchIndex:
    """An index over the HCL rows and cables, built once and queried many times.

    The rows come first (doc number = row number), then the cables; ties between equal scores go
    by rank first (a cable's is above every row's), then by doc number."""

    def __init__(self, hcl: HCL, knowledge: CableBase | None = None) -> None:
        self.vendors = hcl.vendors.copy()  # the HCL's own table is shared: never change it
        parts, self._row_postings = _hcl_search_data(hcl)
        self._cable_postings: dict[str, list[int]] = {}
        self.docs = _Docs(hcl.entries, parts)
        self.by_vendor: dict[str, list[int]] = {}
        for number, entry in enumerate(hcl.entries):
            self.by_vendor.setdefault(entry.vendor_id, []).append(number)
        if knowledge is not None:
            vendor_ids = {vendor.id: self.vendors.add(vendor.id, vendor.name, vendor.aliases)
                          for vendor in knowledge.vendors.values()}
            for cable in knowledge.cables:
                data = cable.data
                names = [data.get("title", ""), *data.get("part_numbers", ()), *data.get("other_names", ()),
                         *data.get("fits", {}).get("models", ())]
                vendor_id = vendor_ids.get(cable.vendor.id) or self.vendors.add(cable.vendor.id, cable.vendor.name)
                cable_parts = [(name, name_parts(name)) for name in dict.fromkeys(names) if name.strip()]
                number = len(self.docs)
                self.docs.cables.append(_Doc("cable", data, vendor_id, cable_parts, 6))
                self.by_vendor.setdefault(vendor_id, []).append(number)
                for token in {token for _, part in cable_parts for token in part[0]}:
                    self._cable_postings.setdefault(token, []).append(number)
        self._deletions: dict[str, set[str]] | None = None
        self._words: set[str] | None = None

    # -- the words and where they are

    def _vocabulary(self) -> set[str]:
        if self._words is None:
            self._words = self._row_postings.keys() | self._cable_postings.keys()
        return self._words

    def _has_word(self, word: str) -> bool:
        return word in self._row_postings or word in self._cable_postings

    def _docs_with(self, word: str) -> list[int]:
        """The numbers of the documents (rows, then cables) one of whose names has ``word``."""
        numbers = array(_ROW_NUMBER)
        numbers.frombytes(self._row_postings.get(word, b""))
        return [*numbers, *self._cable_postings.get(word, ())]

    # -- token similarity

    def _similar(self, token: str, fuzzy: bool) -> dict[str, float]:
        """Vocabulary tokens that ``token`` may stand for, with their weight."""
        weights: dict[str, float] = {}
        if token.isalpha() and len(token) >= _PREFIX_MIN_LENGTH:
            for word in self._vocabulary():
                if len(word) > len(token) and word.startswith(token):
                    weights[word] = PREFIX
        if fuzzy and token.isalpha() and len(token) >= _FUZZY_MIN_LENGTH:
            deletions = self._deletion_index()
            for key in (token, *_deletes(token)):
                for word in deletions.get(key, ()):
                    weights[word] = max(weights.get(word, 0.0), TYPO)
        if self._has_word(token):
            weights[token] = EXACT
        return weights

    def _deletion_index(self) -> dict[str, set[str]]:
        if self._deletions is None:
            self._deletions = {}
            for word in self._vocabulary():
                if word.isalpha() and len(word) >= _FUZZY_MIN_LENGTH - 1:
                    for key in (word, *_deletes(word)):
                        self._deletions.setdefault(key, set()).add(word)
        return self._deletions

    # -- search

    def search(self, query: str, vendor: str | None = None, limit: int = 10, *, spelling: bool = True) -> list[Match]:
        """The best ``limit`` candidates for ``query``, best first (scores in 0..1; see ``FOUND``).

        Words spelt one letter off count when no word matches well, and names spelt like the query
        when no word matches at all; ``spelling=False`` leaves both out (the caller has understood
        the query already)."""
        vendor_id = None
        if vendor:
            vendor_id = self.vendors.canonical(vendor)
            if vendor_id is None:
                return []
        matches = self._search(query, vendor_id, fuzzy=False)
        if spelling and (not matches or matches[0].score < 0.9):
            matches = self._search(query, vendor_id, fuzzy=True)
        if spelling and not matches:
            matches = self._closest_by_spelling(query, vendor_id)
        return matches[:limit]

    def _closest_by_spelling(self, query: str, vendor_id: str | None) -> list[Match]:
        """When no word of the query matches, the names spelled most like it (low scores: suggestions only)."""
        import difflib
        wanted = normalize(query)
        scored = []
        for number, doc in enumerate(self.docs):
            if vendor_id is not None and doc.vendor_id != vendor_id:
                continue
            for text, (_, compact, _) in doc.parts:
                matcher = difflib.SequenceMatcher(None, wanted, compact)
                if matcher.real_quick_ratio() > 0.5 and matcher.quick_ratio() > 0.5:
                    scored.append((round(matcher.ratio() * 0.5, 4), doc.rank, -number, doc, text))
        scored.sort(key=lambda item: item[:3], reverse=True)
        seen, matches = set(), []
        for score, _, _, doc, text in scored:
            if id(doc) not in seen:
                seen.add(id(doc))
                matches.append(Match(score, doc.kind, doc.entry, text))
        return matches

    def _search(self, query: str, vendor_id: str | None, fuzzy: bool) -> list[Match]:
        query_tokens = list(dict.fromkeys(tokens(query)))
        if not query_tokens:
            return []
        similar = {token: self._similar(token, fuzzy) for token in query_tokens}
        candidates: set[int] = set()
        for weights in similar.values():
            for word in weights:
                candidates.update(self._docs_with(word))
        for named in self._vendors_named_in(query, query_tokens):
            candidates.update(self.by_vendor.get(named, ()))
        if vendor_id is not None:
            candidates &= set(self.by_vendor.get(vendor_id, ()))
        results = []
        for number in candidates:
            doc = self.docs[number]
            score, name = self._score(doc, query_tokens, similar)
            if score > 0:
                results.append((score, doc.rank, -number, Match(round(score, 4), doc.kind, doc.entry, name)))
        results.sort(key=lambda item: item[:3], reverse=True)
        return [item[3] for item in results]

    def _vendors_named_in(self, query: str, query_tokens: list[str]) -> set[str]:
        """Vendors named by a query word or by the query's leading words ("Tripp Lite ...")."""
        named = {self.vendors.canonical(token) for token in query_tokens}
        named.add(self.vendors.split(query)[0])
        return named - {None}

    def _score(self, doc: _Doc, query_tokens: list[str], similar: dict[str, dict[str, float]]) -> tuple[float, str]:
        vendor_words = self.vendors.words(doc.vendor_id) | {doc.vendor_id}
        rest = [token for token in query_tokens if token not in vendor_words]
        vendor_hits = len(query_tokens) - len(rest)
        if not rest:
            return 0.6, doc.names[0].text if doc.names else ""
        best, best_name = 0.0, ""
        compact = "".join(rest)
        for name in doc.names:
            score = _name_score(rest, compact, name, similar)
            if score > best:
                best, best_name = score, name.text
        return (vendor_hits + best * len(rest)) / len(query_tokens), best_name


def _name_score(rest: list[str], compact: str, name: _Name, similar: dict[str, dict[str, float]]) -> float:
    if compact == name.compact:
        return 1.0
    total = 0.0
    count = len(rest)
    hit: set[str] = set()
    if name.pattern is not None:
        span = _wildcard_span(rest, name.pattern)
        if span:
            total += 0.97 * (span[1] - span[0])
            hit.update(name.pattern_tokens)
            rest = rest[:span[0]] + rest[span[1]:]
    for token in rest:
        weights = similar[token]
        best_weight, best_word = 0.0, None
        for word in name.tokens:
            weight = weights.get(word, 0.0)
            if weight > best_weight:
                best_weight, best_word = weight, word
        if best_word is not None:
            total += best_weight
            hit.add(best_word)
    if not name.tokens:
        return 0.0
    coverage = total / count
    precision = len(hit) / len(name.tokens)
    return coverage * (0.8 + 0.15 * precision)


def _wildcard_span(rest: list[str], pattern: re.Pattern) -> tuple[int, int] | None:
    """The longest run of query tokens whose joined text the wildcard word matches."""
    best = None
    for start in range(len(rest)):
        for end in range(start + 1, len(rest) + 1):
            if pattern.fullmatch("".join(rest[start:end])) and (best is None or end - start > best[1] - best[0]):
                best = (start, end)
    return best


def _deletes(word: str) -> list[str]:
    return [word[:i] + word[i + 1:] for i in range(len(word))]


def build_index(hcl: HCL | None = None, knowledge: CableBase | None = None) -> SearchIndex:
    """An index over ``hcl`` (default: ``default_hcl()``) and the cables of ``knowledge`` (default:
    the built-in cables; pass ``load_knowledge(...)`` to include knowledge packs)."""
    return SearchIndex(hcl or default_hcl(), knowledge or load_cables())


_default_index: list[SearchIndex] = []


def search(query: str, vendor: str | None = None, limit: int = 10) -> list[Match]:
    """Search the default hardware list and built-in cables (index built on first use)."""
    if not _default_index:
        _default_index.append(build_index())
    return _default_index[0].search(query, vendor=vendor, limit=limit)

