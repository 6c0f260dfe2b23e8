"""The genericups signal model: which serial line carries which contact-closure signal.

NUT's ``genericups`` driver reads a UPS's status from the RS-232 modem lines and signals a
shutdown by setting output lines (or sending a break). Each of its numbered types fixes six
signals; ups.conf may override them after ``upstype`` with the same syntax used here:

    CP=DTR OL=CTS LB=-DCD SD=DTR+RTS

``CP`` (cable power) and ``SD`` (shutdown) name the output lines the PC asserts (``ST`` for a
break on TxD); ``OL``, ``LB``, ``RB`` and ``BYPASS`` name the input lines that show the
condition. A leading ``-`` means active low, ``+`` joins lines, ``none`` disables the signal
and ``???`` marks a value the driver does not define. The types live in
``nuthelper/data/genericups.json``; :func:`load_table` is the one reader of that file, and
:meth:`SignalSet.status` the one decoding of input lines into the status the driver reports.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache

from nuthelper.errors import InvalidInput, NotFound
from nuthelper.records import Record
from nuthelper.resources import data_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

SIGNAL_NAMES = ("CP", "OL", "LB", "RB", "BYPASS", "SD")
OUTPUT_SIGNALS = frozenset({"CP", "SD"})
INPUT_SIGNALS = frozenset({"OL", "LB", "RB", "BYPASS"})
OUTPUT_LINES = ("DTR", "RTS")
INPUT_LINES = ("CTS", "DCD", "RNG", "DSR")
BREAK = "ST"
UNKNOWN = "???"
LINE_ALIASES = {"CD": "DCD", "RI": "RNG", "RING": "RNG"}
_LINE_ORDER = {name: index for index, name in enumerate(OUTPUT_LINES + INPUT_LINES + (BREAK, UNKNOWN))}

MEANINGS = {
    "CP": "cable power",
    "OL": "on line (mains present)",
    "LB": "low battery",
    "RB": "replace battery",
    "BYPASS": "on bypass",
    "SD": "shutdown",
}

Line = tuple[str, bool]
"""A serial line and its polarity: ``("CTS", True)`` is CTS active high, ``("DCD", False)`` -DCD."""

Signal = tuple[Line, ...] | None
"""The lines of one signal; ``None`` is ``none`` (disabled)."""

UNKNOWN_SIGNAL: Signal = ((UNKNOWN, True),)
BREAK_SIGNAL: Signal = ((BREAK, True),)


def _sorted_lines(lines: Iterable[Line]) -> tuple[Line, ...]:
    return tuple(sorted(lines, key=lambda line: _LINE_ORDER[line[0]]))


def parse_signal(name: str, text: str) -> Signal:
    """One signal value (``-DCD``, ``DTR+RTS``, ``ST``, ``none``) for signal ``name``."""
    name = name.upper()
    if name not in SIGNAL_NAMES:
        raise InvalidInput(f"unknown genericups signal {name!r}: use one of {', '.join(SIGNAL_NAMES)}")
    value = text.strip()
    if value.lower() in ("none", "null"):
        return None
    if value == UNKNOWN:
        return UNKNOWN_SIGNAL
    allowed = OUTPUT_LINES if name in OUTPUT_SIGNALS else INPUT_LINES
    lines: list[Line] = []
    for token in value.split("+"):
        token = token.strip().upper()
        active_high = not token.startswith("-")
        line = LINE_ALIASES.get(token.lstrip("-"), token.lstrip("-"))
        if name == "SD" and line == BREAK and active_high and value.upper() == BREAK:
            return BREAK_SIGNAL
        if line not in allowed:
            kind = "an output (DTR, RTS" + (", or ST alone)" if name == "SD" else ")") \
                if name in OUTPUT_SIGNALS else "an input (CTS, DCD, RNG, DSR)"
            raise InvalidInput(f"bad genericups value {name}={text}: {line or 'nothing'} is not {kind}; "
                               "write e.g. 'OL=-CTS', 'SD=DTR+RTS' or 'LB=none'")
        if any(seen == line for seen, _ in lines):
            raise InvalidInput(f"bad genericups value {name}={text}: {line} is named twice")
        lines.append((line, active_high))
    return _sorted_lines(lines)


def format_signal(signal: Signal) -> str:
    """The override syntax for one signal value (inverse of :func:`parse_signal`)."""
    if signal is None:
        return "none"
    return "+".join(("" if active_high else "-") + line for line, active_high in signal)


def _normalized(name: str, signal: Signal) -> tuple:
    """What the driver actually does with a value, so that equal behaviour compares equal.

    For outputs only the asserted lines matter (the driver sets exactly those and drops the
    rest, so ``SD=-RTS`` behaves as ``SD=none``).
    """
    if signal == UNKNOWN_SIGNAL:
        return ("unknown",)
    if signal == BREAK_SIGNAL:
        return ("break",)
    if name in OUTPUT_SIGNALS:
        return ("lines", frozenset(line for line, high in signal or () if high))
    if signal is None:
        return ("none",)
    return ("lines", frozenset(signal))


class SignalSet(Record):
    """The six genericups signals; ``given`` names those this set states (a query may be partial)."""

    __slots__ = ("cp", "ol", "lb", "rb", "bypass", "sd", "given")

    def __init__(self, cp: Signal = None, ol: Signal = None, lb: Signal = None, rb: Signal = None,
                 bypass: Signal = None, sd: Signal = None, given: frozenset[str] = frozenset(SIGNAL_NAMES)) -> None:
        self.cp = cp
        self.ol = ol
        self.lb = lb
        self.rb = rb
        self.bypass = bypass
        self.sd = sd
        self.given = given

    @classmethod
    def from_mapping(cls, values: dict[str, str], *, partial: bool = False) -> SignalSet:
        """From ``{"CP": "DTR", "OL": "CTS", ...}``; missing names are ``none`` unless ``partial``."""
        parsed = {name.upper(): parse_signal(name, text) for name, text in values.items()}
        given = frozenset(parsed) if partial else frozenset(SIGNAL_NAMES)
        return cls(**{name.lower(): signal for name, signal in parsed.items()}, given=given)

    def get(self, name: str) -> Signal:
        return getattr(self, name.lower())

    def text(self, name: str) -> str:
        return format_signal(self.get(name))

    def format(self, *, brief: bool = True) -> str:
        """``CP=DTR OL=CTS LB=-DCD SD=DTR+RTS``; ``brief`` leaves out RB and BYPASS when disabled."""
        names = [name for name in SIGNAL_NAMES if name in self.given]
        if brief:
            names = [name for name in names if not (name in ("RB", "BYPASS") and self.get(name) is None)]
        return " ".join(f"{name}={self.text(name)}" for name in names)

    def to_dict(self) -> dict[str, str]:
        return {name: self.text(name) for name in SIGNAL_NAMES if name in self.given}

    def same_as(self, name: str, other: SignalSet) -> bool:
        """True when signal ``name`` makes the driver behave the same in both sets."""
        return _normalized(name, self.get(name)) == _normalized(name, other.get(name))

    def differing(self, other: SignalSet) -> list[str]:
        """The signal names, among those both sets give, whose behaviour differs."""
        return [name for name in SIGNAL_NAMES
                if name in self.given and name in other.given and not self.same_as(name, other)]

    def agrees_with(self, other: SignalSet) -> bool:
        return not self.differing(other)

    def status(self, lines_on: frozenset[str]) -> tuple[str, ...]:
        """The status words genericups reports while exactly ``lines_on`` of the inputs are on:
        OL or OB, then LB, RB and BYPASS when present."""
        def present(name: str) -> bool:
            signal = self.get(name)
            if signal is None:  # "none": OL always on line, the others never reported
                return name == "OL"
            return all((line in lines_on) == active_high for line, active_high in signal)

        return ("OL" if present("OL") else "OB", *(name for name in ("LB", "RB", "BYPASS") if present(name)))

    def asserted_lines(self, name: str) -> frozenset[str]:
        """The output lines (DTR, RTS) the driver sets for ``CP`` or ``SD``; the others it drops."""
        return frozenset(line for line, high in self.get(name) or () if high and line in OUTPUT_LINES)

    def shutdown_lines(self) -> frozenset[str]:
        """The output lines that tell the UPS to shut down. When the driver defines no shutdown
        (``SD=???``) the UPS's shutdown input is unknown, so both DTR and RTS count."""
        if self.sd == UNKNOWN_SIGNAL:
            return frozenset(OUTPUT_LINES)
        return self.asserted_lines("SD")


def parse_match(text: str) -> SignalSet:
    """A (possibly partial) set written as ``CP=DTR OL=CTS LB=-DCD SD=DTR+RTS``.

    Commas, ``[ ]`` brackets (as NUT's manual writes them) and spaces around ``=`` are allowed.
    """
    cleaned = text.replace("[", " ").replace("]", " ").replace(",", " ")
    pairs = re.findall(r"([A-Za-z]+)\s*=\s*(\S+)", cleaned)
    leftover = re.sub(r"([A-Za-z]+)\s*=\s*(\S+)", " ", cleaned).strip()
    if not pairs or leftover:
        raise InvalidInput(f"cannot read signal set {text!r}: write NAME=VALUE pairs such as "
                           "'CP=DTR OL=CTS LB=-DCD SD=DTR+RTS'")
    values: dict[str, str] = {}
    for name, value in pairs:
        if name.upper() in values:
            raise InvalidInput(f"signal set {text!r} gives {name.upper()} twice: keep one")
        values[name.upper()] = value
    return SignalSet.from_mapping(values, partial=True)


def describe(name: str, signal: Signal) -> str:
    """One sentence saying what the driver does with a signal."""
    if signal == UNKNOWN_SIGNAL:
        return f"{name}: not defined, the driver refuses to shut this type down"
    if name == "CP":
        if signal is None:
            return "CP=none: no line is raised to power the cable"
        return f"CP={format_signal(signal)}: the driver keeps " + \
            " and ".join(line for line, high in signal if high) + " high to power the cable"
    if name == "SD":
        if signal == BREAK_SIGNAL:
            return "SD=ST: to shut down, the driver sends a break on TxD"
        raised = [line for line, high in signal or () if high]
        what = "raises only " + " and ".join(raised) if raised else "drops every output line"
        return f"SD={format_signal(signal)}: to shut down, the driver {what}"
    if signal is None:
        return f"{name}=none: never reported" if name != "OL" else "OL=none: always on line"
    levels = " and ".join(f"{line} {'high' if high else 'low'}" for line, high in signal)
    return f"{name}={format_signal(signal)}: {MEANINGS[name]} while {levels}"


class ManualDisagreement(Record):
    """A signal that NUT's genericups manual page gives otherwise than the driver's source.

    The type's ``signals`` hold what the driver does (its source, checked against the binary);
    ``manual`` is what the manual page says instead, ``manual_source`` and ``driver_source`` where.
    """

    __slots__ = ("signal", "manual", "manual_source", "driver_source")

    def __init__(self, signal: str, manual: str, manual_source: str, driver_source: str) -> None:
        self.signal = signal
        self.manual = manual
        self.manual_source = manual_source
        self.driver_source = driver_source

    def sentence(self, signals: SignalSet) -> str:
        return (f"the genericups manual ({self.manual_source}) gives {self.signal}={self.manual}, but the driver's "
                f"source ({self.driver_source}) and the driver itself use {self.signal}={signals.text(self.signal)}, "
                "which nut-helper follows")

    def to_dict(self) -> dict[str, str]:
        return {"signal": self.signal, "manual": self.manual, "manual_source": self.manual_source,
                "driver_source": self.driver_source}


class UpsType(Record):
    """One genericups type."""

    __slots__ = ("number", "driver_label", "models", "cable", "signals", "notes", "manual_disagreements")

    def __init__(self, number: int, driver_label: str, models: tuple[str, ...], cable: str | None,
                 signals: SignalSet, notes: tuple[str, ...] = (),
                 manual_disagreements: tuple[ManualDisagreement, ...] = ()) -> None:
        self.number = number
        self.driver_label = driver_label
        self.models = models
        self.cable = cable
        self.signals = signals
        self.notes = notes
        self.manual_disagreements = manual_disagreements

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "driver_label": self.driver_label, "models": list(self.models),
                "cable": self.cable, "signals": self.signals.to_dict(), "notes": list(self.notes),
                "manual_disagreements": [item.to_dict() for item in self.manual_disagreements]}


class GenericupsTable:
    """All genericups types, with matching and identical-type groups."""

    def __init__(self, types: Iterable[UpsType], nut_version: str) -> None:
        self.types = {ups_type.number: ups_type for ups_type in types}
        self.nut_version = nut_version

    def get(self, number: int) -> UpsType:
        try:
            return self.types[number]
        except KeyError:
            raise NotFound(f"genericups has no type {number} (types are {min(self.types)} to "
                           f"{max(self.types)}): run 'nut-helper upstype' for the list") from None

    def types_matching(self, wanted: SignalSet) -> list[int]:
        """Numbers of the types whose signals agree with every signal ``wanted`` gives."""
        return [number for number, ups_type in self.types.items() if ups_type.signals.agrees_with(wanted)]

    def closest_types(self, wanted: SignalSet) -> list[tuple[int, list[str]]]:
        """Every type with the signals it would need overridden to agree, fewest first."""
        ranked = [(number, ups_type.signals.differing(wanted)) for number, ups_type in self.types.items()]
        return sorted(ranked, key=lambda item: (len(item[1]), item[0]))

    def identical_to(self, number: int) -> list[int]:
        """Other types with exactly the same behaviour as type ``number``."""
        signals = self.get(number).signals
        return [other for other in self.types_matching(signals) if other != number]

    def identical_groups(self) -> list[list[int]]:
        """Groups of two or more types that behave identically."""
        groups: list[list[int]] = []
        for number in self.types:
            if any(number in group for group in groups):
                continue
            group = self.types_matching(self.types[number].signals)
            if len(group) > 1:
                groups.append(group)
        return groups


def _type_from_json(data: dict[str, Any], path: str | os.PathLike) -> UpsType:
    try:
        disagreements = tuple(ManualDisagreement(item["signal"], item["manual"], item["manual_source"],
                                                 item["driver_source"])
                              for item in data.get("manual_disagreements", ()))
        return UpsType(number=int(data["number"]), driver_label=data["driver_label"],
                       models=tuple(data["models"]), cable=data.get("cable"),
                       signals=SignalSet.from_mapping(data["signals"]), notes=tuple(data.get("notes", ())),
                       manual_disagreements=disagreements)
    except KeyError as missing:
        raise InvalidInput(f"{path}: a genericups type lacks the field {missing}") from None


@lru_cache(maxsize=4)
def load_table(path: str | os.PathLike | None = None) -> GenericupsTable:
    """The genericups types of ``path`` (default: the shipped ``genericups.json``)."""
    path = path or data_file("genericups.json")
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return GenericupsTable((_type_from_json(entry, path) for entry in data["types"]), data["nut_version"])


def types_matching(signal_set: SignalSet) -> list[int]:
    """Numbers of the shipped types that agree with every signal ``signal_set`` gives."""
    return load_table().types_matching(signal_set)


def identical_groups() -> list[list[int]]:
    """Groups of shipped types that behave identically (e.g. 7, 10 and 22)."""
    return load_table().identical_groups()


def written_signals(options: dict[str, str], table: GenericupsTable | None = None) -> SignalSet | None:
    """The signals genericups uses for a section's settings: its ``upstype`` with the ``CP``/``OL``/...
    override lines applied; None without a valid upstype."""
    table = table or load_table()
    try:
        signals = table.get(int(options.get("upstype", ""))).signals
    except (ValueError, NotFound):
        return None
    overrides = {key.upper(): value for key, value in options.items() if key.upper() in SIGNAL_NAMES}
    return SignalSet.from_mapping({**signals.to_dict(), **overrides}) if overrides else signals
