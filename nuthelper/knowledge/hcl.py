"""NUT's hardware compatibility list (driver.list): parsing, loading and model look-ups.

Sources, in order: ``--hcl FILE`` (a raw driver.list or the project's JSON), the copy NUT
installs (``/usr/share/nut/driver.list``), the snapshot bundled as ``nuthelper/data/hcl.json``
(made by ``tools/convert_hcl.py``).

A row has six double-quoted, tab-separated fields — manufacturer, device type, support level
(1-5), model, model extra, driver column — and may end with a ``# comment``. The driver column
holds one or more alternatives separated by ``or``; each is a driver name followed by
``key=value`` options, bare-word flags, parenthesised qualifiers or notes, and sometimes
``, may need key=value`` (optional settings).
"""

from __future__ import annotations

import json
import os
import re
from functools import cached_property

from nuthelper.errors import InvalidInput
from nuthelper.knowledge.names import VendorIndex, default_vendor_index, normalize
from nuthelper.patterns import lazy
from nuthelper.records import Record
from nuthelper.resources import data_file

SYSTEM_HCL = "/usr/share/nut/driver.list"
JSON_FORMAT = 1

_ROW = lazy(r'^"([^"]*)"\t"([^"]*)"\t"([^"]*)"\t"([^"]*)"\t"([^"]*)"\t"([^"]*)"[ \t]*(?:#[ \t]*(.*?))?[ \t]*$')
_HEADER_VERSION = lazy(r"^#\s*version=(\d+)")
_HEADER_NUT = lazy(r"^#\s*Network UPS Tools - (\S+) - Hardware Compatibility List")
_DRIVER_NAME = lazy(r"^[a-z][a-z0-9_-]*$")
_SETTING_NAME = lazy(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_PLACEHOLDER = lazy(r"^[A-Z]$")
_QUALIFIER = lazy(r"^experimental\b")
_DRIVER_TOKEN = lazy(r"\([^)]*\)|[^\s()]+")
_NOISE_WORDS = ("with",)
_MAY_NEED = ("may", "need")


class DriverChoice(Record):
    """One alternative of a driver column: ``genericups upstype=1``, ``upscode2 use_pre_lf`` ...

    ``optional_options`` are settings the list says a unit *may* need, or names without a
    usable value (``lbrb_log_delay_sec=N``): show them, never write them unasked.
    """

    __slots__ = ("driver", "options", "flags", "port", "qualifier", "notes", "optional_options")

    def __init__(self, driver: str, options: dict[str, str] | None = None, flags: tuple[str, ...] = (),
                 port: str | None = None, qualifier: str | None = None, notes: tuple[str, ...] = (),
                 optional_options: dict[str, str] | None = None) -> None:
        self.driver = driver
        self.options = {} if options is None else options
        self.flags = flags
        self.port = port
        self.qualifier = qualifier
        self.notes = notes
        self.optional_options = {} if optional_options is None else optional_options

    def format(self) -> str:
        """The canonical driver-column text of this alternative."""
        parts = [self.driver]
        if self.port:
            parts.append(f"port={self.port}")
        parts += [f"{key}={value}" for key, value in self.options.items()]
        parts += list(self.flags)
        if self.qualifier:
            parts.append(f"({self.qualifier})")
        parts += [f"({note})" for note in self.notes]
        text = " ".join(parts)
        if self.optional_options:
            text += ", may need " + " ".join(f"{k}={v}" for k, v in self.optional_options.items())
        return text

    def to_json(self) -> dict:
        return {"driver": self.driver, "options": dict(self.options), "flags": list(self.flags),
                "port": self.port, "qualifier": self.qualifier, "notes": list(self.notes),
                "optional_options": dict(self.optional_options)}

    @classmethod
    def from_json(cls, data: dict) -> "DriverChoice":
        return cls(driver=data["driver"], options=dict(data.get("options", {})),
                   flags=tuple(data.get("flags", ())), port=data.get("port"),
                   qualifier=data.get("qualifier"), notes=tuple(data.get("notes", ())),
                   optional_options=dict(data.get("optional_options", {})))


class HclEntry(Record):
    """One row of the hardware list."""

    __slots__ = ("manufacturer", "device_type", "support_level", "model", "model_names", "extra", "drivers",
                 "driver_text", "comment", "line", "vendor_id")

    def __init__(self, manufacturer: str, device_type: str, support_level: int, model: str,
                 model_names: tuple[str, ...], extra: str, drivers: tuple[DriverChoice, ...], driver_text: str,
                 comment: str, line: int, vendor_id: str = "") -> None:
        self.manufacturer = manufacturer
        self.device_type = device_type
        self.support_level = support_level
        self.model = model
        self.model_names = model_names
        self.extra = extra
        self.drivers = drivers
        self.driver_text = driver_text
        self.comment = comment
        self.line = line
        self.vendor_id = vendor_id

    def to_json(self) -> dict:
        return {"manufacturer": self.manufacturer, "device_type": self.device_type,
                "support_level": self.support_level, "model": self.model,
                "model_names": list(self.model_names), "extra": self.extra,
                "drivers": [d.to_json() for d in self.drivers], "driver_text": self.driver_text,
                "comment": self.comment, "line": self.line}

    @classmethod
    def from_json(cls, data: dict) -> "HclEntry":
        return cls(manufacturer=data["manufacturer"], device_type=data["device_type"],
                   support_level=int(data["support_level"]), model=data["model"],
                   model_names=tuple(data.get("model_names", [data["model"]] if data["model"] else [])),
                   extra=data.get("extra", ""),
                   drivers=tuple(DriverChoice.from_json(d) for d in data["drivers"]),
                   driver_text=data["driver_text"], comment=data.get("comment", ""),
                   line=int(data["line"]))


class HCL:
    """The whole hardware list and where it came from."""

    def __init__(self, entries: list[HclEntry], source: str, nut_version: str | None = None,
                 list_version: int | None = None, commit: str | None = None,
                 vendors: VendorIndex | None = None, vendor_ids: dict[str, str] | None = None) -> None:
        """``vendor_ids``: each manufacturer's vendor id in ``vendors``, when known (from the cache)."""
        self.entries = entries
        self.source = source
        self.nut_version = nut_version
        self.list_version = list_version
        self.commit = commit
        self.vendors = vendors if vendors is not None else default_vendor_index().copy()
        ids: dict[str, str] = dict(vendor_ids or {})  # the rows name a few hundred manufacturers, each many times
        for entry in self.entries:
            manufacturer = entry.manufacturer
            vendor_id = ids.get(manufacturer)
            if vendor_id is None:
                vendor_id = ids[manufacturer] = (self.vendors.canonical(manufacturer)
                                                 or self.vendors.add(normalize(manufacturer), manufacturer))
            entry.vendor_id = vendor_id

    @cached_property
    def by_vendor(self) -> dict[str, list[HclEntry]]:
        grouped: dict[str, list[HclEntry]] = {}
        for entry in self.entries:
            grouped.setdefault(entry.vendor_id, []).append(entry)
        return grouped

    def models_for(self, vendor: str | None, model: str) -> list[HclEntry]:
        """Rows whose model cell (or one of the names split from it) is ``model``, ignoring case and punctuation.

        ``vendor`` may be a name or alias; when None, a vendor written at the start of ``model``
        is recognised ("APC Back-UPS"). ``*`` in a cell ("BK****M2-CH") matches any characters.
        """
        if vendor is None:
            # The longest vendor name first ("Eaton Powerware 9125"), then shorter ones ("Eaton").
            for words in range(5, 0, -1):
                vendor_id, rest = self.vendors.split(model, max_words=words)
                found = self.models_for(vendor_id, rest) if vendor_id and rest else []
                if found:
                    return found
            vendor_id = None
        else:
            vendor_id = self.vendors.canonical(vendor)
            if vendor_id is None:
                return []
        wanted = normalize(model)
        pool = self.by_vendor.get(vendor_id, []) if vendor_id else self.entries
        return [entry for entry in pool if any(_name_matches(name, wanted) for name in entry.model_names)]

    @cached_property
    def _cable_rows(self) -> list[tuple[HclEntry, set[str]]]:
        """The rows whose model-extra cell names a cable, with the cable parts it names."""
        found = [(entry, cable_parts(entry.extra)) for entry in self.entries if "cable" in entry.extra.lower()]
        return [(entry, parts) for entry, parts in found if parts]

    def entries_for_cable(self, part: str) -> list[HclEntry]:
        """Rows whose model-extra column names cable ``part`` ("940-0095A" -> "940-0095A/C cables").

        Exact part numbers win; only when none matches exactly, a cell naming the part without its
        revision letter ("940-0020 cable" for "940-0020C") counts.
        """
        wanted = normalize(part)
        if not wanted:
            return []
        exact, loose = [], []
        for entry, parts in self._cable_rows:
            if wanted in parts:
                exact.append(entry)
            elif any(len(p) >= 4 and wanted.startswith(p) and wanted[len(p):].isalpha()
                     and len(wanted) - len(p) <= 1 for p in parts):
                loose.append(entry)
        return exact or loose


def _name_matches(name: str, wanted: str) -> bool:
    if "*" in name:
        return re.fullmatch(_wildcard_regex(name), wanted) is not None
    return normalize(name) == wanted


def _wildcard_regex(name: str) -> str:
    """A regex over normalised text for a model cell with ``*`` wildcards."""
    return ".+".join(re.escape(normalize(piece)) for piece in re.split(r"\*+", name))


# ---------------------------------------------------------------------------- parsing


def parse_driver_column(text: str) -> tuple[DriverChoice, ...]:
    """Parse a driver column into its alternatives; raises ValueError on anything not understood."""
    alternatives: list[list[str]] = [[]]
    for word in _DRIVER_TOKEN.findall(text):
        # a comma ending a word separates ("tripplite_usb, may need ..."); inside a value it does not
        for token in ([word[:-1], ","] if word.endswith(",") and len(word) > 1 else [word]):
            if token == "or":
                alternatives.append([])
            else:
                alternatives[-1].append(token)
    if any(not alt for alt in alternatives):
        raise ValueError(f"empty driver alternative in {text!r}")
    return tuple(_parse_alternative(alt, text) for alt in alternatives)


def _parse_alternative(parts: list[str], text: str) -> DriverChoice:
    first, rest = parts[0], parts[1:]
    if first.startswith("driver="):
        first = first[len("driver="):]
    if not _DRIVER_NAME.match(first):
        raise ValueError(f"no driver name at the start of {text!r}")
    options: dict[str, str] = {}
    optional: dict[str, str] = {}
    flags: list[str] = []
    notes: list[str] = []
    qualifier = None
    port = None
    target = options
    index = 0
    while index < len(rest):
        token = rest[index]
        index += 1
        if token.startswith("("):
            inner = token[1:-1].strip()
            if _QUALIFIER.match(inner) and qualifier is None:
                qualifier = inner
            else:
                notes.append(inner)
        elif token == ",":
            if [t.lower() for t in rest[index:index + 2]] != list(_MAY_NEED):
                raise ValueError(f"unexpected ',' in {text!r}")
            index += 2
            target = optional
        elif token in _NOISE_WORDS:
            continue
        elif "=" in token:
            key, value = token.split("=", 1)
            if not _SETTING_NAME.match(key) or not value:
                raise ValueError(f"bad setting {token!r} in {text!r}")
            if key == "port" and target is options:
                port = value
            elif _PLACEHOLDER.match(value):
                optional[key] = value
            else:
                target[key] = value
        elif _SETTING_NAME.match(token):
            flags.append(token)
        else:
            raise ValueError(f"cannot read {token!r} in {text!r}")
    return DriverChoice(driver=first, options=options, flags=tuple(flags), port=port,
                        qualifier=qualifier, notes=tuple(notes), optional_options=optional)


def parse_driver_list(text: str, source: str = "driver.list") -> HCL:
    """Parse the text of a raw driver.list; a malformed row raises InvalidInput naming the line."""
    entries: list[HclEntry] = []
    nut_version = list_version = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if match := _HEADER_VERSION.match(line):
                list_version = int(match.group(1))
            elif (match := _HEADER_NUT.match(line)) and not match.group(1).startswith("@"):
                nut_version = match.group(1)
            continue
        match = _ROW.match(line)
        if not match:
            raise InvalidInput(f"{source}:{number}: not a hardware-list row (six double-quoted fields "
                               "separated by tabs expected); fix the line or use another --hcl file")
        manufacturer, device_type, level, model, extra, driver_text, comment = match.groups()
        if not level.isdigit() or not 0 <= int(level) <= 5:
            raise InvalidInput(f"{source}:{number}: support level {level!r} is not a number from 1 to 5")
        try:
            drivers = parse_driver_column(driver_text)
        except ValueError as error:
            raise InvalidInput(f"{source}:{number}: {error}") from None
        entries.append(HclEntry(manufacturer=manufacturer, device_type=device_type,
                                support_level=int(level), model=model,
                                model_names=tuple(searchable_names(model, extra)), extra=extra,
                                drivers=drivers, driver_text=driver_text, comment=comment or "",
                                line=number))
    if not entries:
        raise InvalidInput(f"{source}: no hardware-list rows found; give NUT's driver.list or nut-helper's hcl.json")
    return HCL(entries=entries, source=source, nut_version=nut_version, list_version=list_version)


# ---------------------------------------------------------------------------- model names

_LIST_SEPARATORS = lazy(r"\s+/\s+|,\s+|\s+or\s+|\s+and\s+")
_PAREN = lazy(r"\s*\(([^)]*)\)")
_ALPHA_PREFIX = lazy(r"^[^\W\d_]+")
_USB_ID = lazy(r"USB ID|:")


def expand_model_names(cell: str) -> list[str]:
    """The searchable names in a model cell: the cell itself plus the models it lists.

    "5119, 5125" -> 5119, 5125; "R3000 / R3000j" -> R3000, R3000j;
    "Ellipse MAX USBS 600/850/1100/1500 VA" -> "Ellipse MAX USBS 600 VA", ... ;
    "Back-UPS XS 1000M (Back-UPS Pro 1000, Model BX1000M)" -> also "Back-UPS Pro 1000", "BX1000M".
    """
    names = [cell]
    base = _PAREN.sub("", cell).strip()
    inner = [piece.strip() for group in _PAREN.findall(cell) for piece in re.split(r"[,;]", group)]
    inner = [re.sub(r"^(?:Model|ref\.?)\s+", "", piece, flags=re.I) for piece in inner]
    candidates = [base] if base else []
    candidates += [piece for piece in inner
                   if any(ch.isdigit() for ch in piece) and len(piece.split()) <= 3 and not _USB_ID.search(piece)]
    for candidate in candidates:
        parts = _split_list(candidate)
        if len(parts) > 1:
            names.append(candidate)
        for part in parts:
            names += _expand_slashes(part)
    names += [word for name in names[1:] for word in name.split() if "*" in word and len(word) > 3]
    return list(dict.fromkeys(n for n in names if n))


def searchable_names(model: str, extra: str) -> list[str]:
    """The model's names, plus "model part" and "part" for each cable part its extra cell names ("Back-UPS 940-0095A")."""
    names = expand_model_names(model)
    parts = cable_part_names(extra)
    return names + [f"{model} {part}" for part in parts] + parts


def _split_list(text: str) -> list[str]:
    """Split "R5000 / R7000", "5119, 5125", "Tower 500W LV / HV" into whole model names."""
    parts = [p.strip() for p in _LIST_SEPARATORS.split(text) if p.strip()]
    if len(parts) < 2:
        return [text]
    first = parts[0].split()
    result = [parts[0]]
    for part in parts[1:]:
        words = part.split()
        if len(words) < len(first):
            words = first[:len(first) - len(words)] + words
        result.append(" ".join(words))
    return result


def _expand_slashes(name: str, depth: int = 0) -> list[str]:
    """Expand one word with slashes ("600/850/1100", "SMT/SMX", "MP110/210") into one name per piece."""
    words = name.split()
    for position, word in enumerate(words):
        pieces = word.split("/")
        if len(pieces) < 2 or any(len(p) < 2 for p in pieces) or depth > 2:
            continue
        prefix = _ALPHA_PREFIX.match(pieces[0])
        fixed = [pieces[0]]
        for piece in pieces[1:]:
            if piece.startswith("-") and prefix:
                piece = prefix.group(0) + piece[1:]
            elif piece.isdigit() and prefix and not pieces[0].isdigit():
                piece = prefix.group(0) + piece
            fixed.append(piece)
        result = [name]
        for piece in fixed:
            result += _expand_slashes(" ".join(words[:position] + [piece] + words[position + 1:]), depth + 1)
        return result
    return [name]


# ---------------------------------------------------------------------------- comment column

_CABLE_WORD = lazy(r"\bcables?\b", re.I)
_PART = lazy(r"[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*(?:/[A-Za-z0-9]{1,2})*")


def cable_part_names(extra: str) -> list[str]:
    """Cable part numbers written in a model-extra cell that mentions a cable.

    "940-0095A/C cables" -> 940-0095A, 940-0095C; "HP 5061-2575 cable" -> 5061-2575.
    """
    if not _CABLE_WORD.search(extra):
        return []
    parts: list[str] = []
    for word in _PART.findall(extra):
        head, *revisions = word.split("/")
        if not any(ch.isdigit() for ch in head) or len(normalize(head)) < 3:
            continue
        parts.append(head)
        parts += [head[: len(head) - len(revision)] + revision for revision in revisions]
    return parts


def cable_parts(extra: str) -> set[str]:
    """The normalised ``cable_part_names`` of a model-extra cell ({"9400095a", "9400095c"})."""
    return {normalize(part) for part in cable_part_names(extra)}


# ---------------------------------------------------------------------------- loading

def load_hcl(path: str | os.PathLike | None = None) -> HCL:
    """Load the hardware list: ``path`` if given, else NUT's installed copy, else the bundled snapshot.

    ``path`` may be a raw driver.list or the project's hcl.json.
    """
    from nuthelper.knowledge.hclcache import cached

    if path is None:
        path = SYSTEM_HCL if os.path.isfile(SYSTEM_HCL) else data_file("hcl.json")
    source = str(path)
    try:
        info = os.stat(source)
    except FileNotFoundError:
        raise InvalidInput(f"hardware list {source} does not exist; give an existing driver.list or hcl.json with --hcl") from None
    except OSError as error:
        raise InvalidInput(f"cannot read hardware list {source}: {error.strerror}; check the --hcl path") from None
    from nuthelper.knowledge.hclcache import file_state, without_gc

    depends = (file_state(data_file("vendors.json")),)  # the vendor table the cached vendor ids come from
    plain = cached(source, info, lambda: _to_plain(_parse_file(source)), depends=depends)
    try:
        return without_gc(_from_plain, plain, source)
    except (TypeError, ValueError):  # trusted but not of this format: read the list itself
        return _parse_file(source)


def _parse_file(source: str) -> HCL:
    try:
        with open(source, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError as error:
        raise InvalidInput(f"cannot read hardware list {source}: {error.strerror}; check the --hcl path") from None
    if text.lstrip().startswith("{"):
        return hcl_from_json(text, source)
    return parse_driver_list(text, source)


def _to_plain(hcl: HCL) -> tuple:
    """The parsed list as plain tuples (what the cache stores), with its vendor table and each
    manufacturer's vendor id (adding a few hundred makers to the table costs more than reading it)."""
    rows = tuple((e.manufacturer, e.device_type, e.support_level, e.model, e.model_names, e.extra,
                  tuple((d.driver, d.options, d.flags, d.port, d.qualifier, d.notes, d.optional_options)
                        for d in e.drivers), e.driver_text, e.comment, e.line) for e in hcl.entries)
    ids = {entry.manufacturer: entry.vendor_id for entry in hcl.entries}
    return (hcl.nut_version, hcl.list_version, hcl.commit, rows, hcl.vendors.state(), ids)


def _from_plain(plain: tuple, source: str) -> HCL:
    nut_version, list_version, commit, rows, vendor_state, ids = plain
    entries = [HclEntry(manufacturer, device_type, level, model, tuple(names), extra,
                        tuple(DriverChoice(*driver) for driver in drivers), driver_text, comment, line)
               for manufacturer, device_type, level, model, names, extra, drivers, driver_text, comment, line in rows]
    try:
        vendors = VendorIndex.from_state(vendor_state)
    except (TypeError, ValueError):
        vendors, ids = None, None  # the table is made again from vendors.json
    return HCL(entries=entries, source=source, nut_version=nut_version, list_version=list_version, commit=commit,
               vendors=vendors, vendor_ids=ids if isinstance(ids, dict) else None)


def hcl_from_json(text: str, source: str) -> HCL:
    """Read the project's hcl.json format (docs/data-formats.md, "hcl.json")."""
    try:
        data = json.loads(text)
        if data.get("format") != JSON_FORMAT:
            raise ValueError(f"format {data.get('format')!r} is not {JSON_FORMAT}")
        origin = data.get("source", {})
        entries = [HclEntry.from_json(row) for row in data["entries"]]
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidInput(f"{source}: not a nut-helper hcl.json ({error}); regenerate it with tools/convert_hcl.py") from None
    return HCL(entries=entries, source=source, nut_version=origin.get("nut_version"),
               list_version=origin.get("list_version"), commit=origin.get("commit"))


def hcl_to_json(hcl: HCL, origin: dict) -> dict:
    """The project's hcl.json document for ``hcl``; ``origin`` records where the list came from.

    Empty fields of a row and of its drivers are left out (readers supply the defaults).
    """
    rows = []
    for entry in hcl.entries:
        row = entry.to_json()
        row["drivers"] = [{k: v for k, v in d.items() if v or k == "driver"} for d in row["drivers"]]
        if row["model_names"] == ([row["model"]] if row["model"] else []):
            del row["model_names"]
        rows.append({k: v for k, v in row.items() if v != "" or k in ("model", "manufacturer")})
    return {"format": JSON_FORMAT,
            "source": {"nut_version": hcl.nut_version, "list_version": hcl.list_version, **origin},
            "entries": rows}


_default: dict[str, HCL] = {}


def default_hcl() -> HCL:
    """The hardware list ``load_hcl()`` finds, loaded once per process."""
    if "hcl" not in _default:
        _default["hcl"] = load_hcl()
    return _default["hcl"]


def models_for(vendor: str | None, model: str, hcl: HCL | None = None) -> list[HclEntry]:
    """Rows of the (default) hardware list for a model; see ``HCL.models_for``."""
    return (hcl or default_hcl()).models_for(vendor, model)


def entries_for_cable(part: str, hcl: HCL | None = None) -> list[HclEntry]:
    """Rows of the (default) hardware list whose comment column names cable ``part``."""
    return (hcl or default_hcl()).entries_for_cable(part)
