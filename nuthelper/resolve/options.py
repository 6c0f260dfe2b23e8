"""The building blocks of the resolver's answers: a candidate answer at one level (``Option``),
what the resolver knows while it decides (``Context``), and the options made from a row of NUT's
hardware list or from a port of the family knowledge."""

from __future__ import annotations

from nuthelper.errors import NotFound
from nuthelper.knowledge.cables import CableBase, Vendor
from nuthelper.knowledge.drivers import connection_kind as driver_connection
from nuthelper.knowledge.drivers import installed_drivers, prefer_installed, program_name, replacement_for
from nuthelper.knowledge.hcl import DriverChoice, HclEntry
from nuthelper.records import Record
from nuthelper.resolve.families import Families, PortChoice
from nuthelper.resolve.hclmatch import RowMatch
from nuthelper.resolve.lists import Lists
from nuthelper.resolve.modelname import ModelName
from nuthelper.resolve.recommendation import Choice

PORT_HINT = {"usb": "--port auto", "serial": "the serial device as --port (e.g. /dev/ttyS0)",
             "network": "the card's address as --port (e.g. 192.0.2.10)"}
KIND_NAME = {"usb": "USB", "serial": "serial", "network": "network", "any": "USB or serial"}


class Option(Record):
    """One candidate answer at one level, before the port is settled."""

    __slots__ = ("choice", "connection", "weight", "origin", "alternatives", "decides", "needs", "score")

    def __init__(self, choice: Choice, connection: str, weight: float, origin: str = "",
                 alternatives: list[Choice] | None = None, decides: str = "", needs: str = "",
                 score: int = 0) -> None:
        self.choice = choice
        self.connection = connection
        self.weight = weight
        self.origin = origin
        self.alternatives = [] if alternatives is None else alternatives
        self.decides = decides
        self.needs = needs
        self.score = score  # for rows of a series: how closely the row's name follows the model's

    @property
    def key(self) -> tuple:
        return (self.choice.driver, tuple(sorted(self.choice.options.items())), tuple(self.choice.flags))


class Context(Record):
    __slots__ = ("query", "name", "vendor", "connection", "port", "knowledge", "families", "lists", "driver_path",
                 "reasons", "warnings", "query_extra", "insisted")

    def __init__(self, query: str, name: ModelName, vendor: Vendor | None, connection: str | None, port: str | None,
                 knowledge: CableBase, families: Families, lists: Lists, driver_path: str | None, reasons: list[str],
                 warnings: list[str] | None = None, query_extra: str = "", insisted: bool = False) -> None:
        self.query = query
        self.name = name
        self.vendor = vendor
        self.connection = connection
        self.port = port
        self.knowledge = knowledge
        self.families = families
        self.lists = lists
        self.driver_path = driver_path
        self.reasons = reasons
        self.warnings = [] if warnings is None else warnings
        self.query_extra = query_extra  # further text that may name a network card (a --cable naming one)
        self.insisted = insisted  # the connection was stated (--cable usb|serial|network), not read off the port


def fits(kind: str, connection: str | None) -> bool:
    return connection is None or kind == connection or (kind == "any" and connection in ("usb", "serial"))


def row_option(context: Context, match: RowMatch, confidence: str, cable_title: str | None = None) -> Option:
    row = match.row
    chosen, notes = prefer_installed(drivers_for(row, context.connection), context.driver_path)
    kind = match.connection
    extra = f" ({row.extra})" if row.extra else ""
    if context.lists.is_manual(match.hcl):
        because = f"NUT's {row.comment}: {row.manufacturer} {row.model}{extra} -> {row.driver_text}, not rated"
        source = f"{match.hcl.source}, line {row.line}"
    else:
        newer = "" if match.hcl is context.lists.primary.hcl else " (newer list, bundled)"
        because = (f"NUT's hardware list{newer}: {row.manufacturer} {row.model}{extra} -> {row.driver_text}, "
                   f"support level {row.support_level} of 5")
        source = f"NUT hardware list {match.hcl.source}, line {row.line}"
    choice = Choice(chosen.driver, dict(chosen.options), list(chosen.flags), chosen.port, None, confidence, True,
                    because, cable_title, source)
    if chosen.optional_options:
        notes = notes + ["the list says some units may also need: " + " ".join(
            f"{key}={value}" for key, value in chosen.optional_options.items())]
    choice.note = "; ".join(notes)
    weight = 1 + row.support_level / 5 + (0.5 if match.grade == "exact" else 0)
    if not driver_installed(context, chosen.driver):
        weight /= 2
    others = [Choice(other.driver, dict(other.options), list(other.flags), other.port, None, confidence, True,
                     because, cable_title, choice.source, note=f"the same row of NUT's list also gives {other.driver}")
              for other in drivers_for(row, context.connection)
              if program_name(other.driver) != program_name(chosen.driver) and replacement_for(other.driver) is None]
    decides = _decides_from_extra(row) or (f"both work for these units, per NUT's list ({row.driver_text}); "
                                           f"{generic_decider(kind if kind != 'any' else context.connection)}"
                                           if others else "")
    return Option(choice, kind, weight, because, others, decides=decides)


def port_option(context: Context, port: PortChoice, kind: str, origin: str, confidence: str = "series") -> Option:
    cable, cable_title = _cable_of(context, port.cable)
    because = f"{origin}: {port.because}" if port.because else origin
    choice = Choice(port.driver, dict(port.options), list(port.flags), None, cable, confidence, True, because,
                    cable_title, port.source)
    alternatives = []
    for alternative in port.alternatives:
        alt_cable, alt_title = _cable_of(context, alternative.cable)
        alternatives.append(Choice(alternative.driver, dict(alternative.options), list(alternative.flags), None,
                                   alt_cable, confidence, True, alternative.because or origin, alt_title,
                                   alternative.source, note=alternative.because))
    return Option(choice, kind, 10.0, because, alternatives, port.decides, port.needs)


def _cable_of(context: Context, part: str | None):
    if not part:
        return None, None
    try:
        return context.knowledge.find_cable(part), None
    except NotFound:
        return None, f"{part} cable"


def needs_cable(match: RowMatch) -> bool:
    """A contact-closure row: its settings depend on the cable, so it says nothing of other units."""
    return any(choice.driver == "genericups" for choice in match.row.drivers)


def drivers_for(row: HclEntry, connection: str | None) -> list[DriverChoice]:
    """The row's drivers that speak over the connection ("bcmxcp or usbhid-ups" over USB: usbhid-ups),
    all of them when none does or the connection is not known."""
    if connection not in ("usb", "serial"):
        return row.drivers
    return [choice for choice in row.drivers if driver_connection(choice.driver) in (connection, "any", None)] \
        or row.drivers


def count_drivers(context: Context, rows: list[RowMatch], kind: str | None = None) -> dict[str, int]:
    counted: dict[str, int] = {}
    for row in rows:
        driver = prefer_installed(drivers_for(row.row, kind), context.driver_path)[0].driver
        counted[driver] = counted.get(driver, 0) + 1
    return counted


def driver_installed(context: Context, driver: str) -> bool:
    found = installed_drivers(context.driver_path)
    return found is None or driver in found


_DECIDING_WORDS = ("product id", "usb id", "vendor id", "older", "newer", "models")
"""Words of a row's extra cell that say what tells its units from others of the same name."""


def _decides_from_extra(row: HclEntry) -> str:
    return row.extra if any(word in row.extra.lower() for word in _DECIDING_WORDS) else ""


def generic_decider(connection: str | None) -> str:
    if connection == "usb":
        return "the USB ID the unit reports (lsusb); run setup with --port auto while the unit is plugged in"
    if connection == "serial":
        return "how the unit answers on its port: run setup again with --probe to ask it"
    return "the unit's documentation"
