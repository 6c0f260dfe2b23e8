"""Deciding the driver from the most specific evidence down.

Order: a cable the person names → a documented cable that names the model → an exact row of
NUT's hardware list → the vendor's family knowledge → rows of the same series → rows of the
broader series → the vendor's default for the connection → nothing. The port decides the
connection (``auto``: USB, a /dev path: serial, a host: network); the attached USB unit and a
probe's answer, when there are any, decide over the model's knowledge (``evidence``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from nuthelper.errors import (Ambiguous, InvalidInput, NotFound, NutHelperError, cable_candidate, candidate,
                              choice_candidate)
from nuthelper.knowledge.cables import CableBase, Vendor, load_cables
from nuthelper.knowledge.drivers import connection_kind as driver_connection
from nuthelper.knowledge.drivers import installed_drivers, maintained, prefer_installed, program_name, replacement_for
from nuthelper.knowledge.hcl import HCL, DriverChoice, HclEntry
from nuthelper.knowledge.names import VendorIndex, normalize, one_edit_apart, tokens
from nuthelper.knowledge.ports import connection_kind
from nuthelper.records import Record
from nuthelper.resolve import cables as cable_answers
from nuthelper.resolve.families import Card, Families, Family, PortChoice, default_families
from nuthelper.resolve.hclmatch import GRADES, RowMatch
from nuthelper.resolve.inputs import USB_PORT, SerialPortNeeded, check_line, check_port, connection_of
from nuthelper.resolve.lists import Lists, hardware_lists
from nuthelper.resolve.modelname import ModelName, understand
from nuthelper.resolve.recommendation import Choice, Recommendation

CONNECTION_WORDS = {"usb": "usb", "serial": "serial", "rs232": "serial", "network": "network", "snmp": "network"}
_PORT_HINT = {"usb": "--port auto", "serial": "the serial device as --port (e.g. /dev/ttyS0)",
              "network": "the card's address as --port (e.g. 192.0.2.10)"}
_KIND_NAME = {"usb": "USB", "serial": "serial", "network": "network", "any": "USB or serial"}
CLOSE_RIVAL = 0.5
"""A second driver weighing at least this share of the first is named as equally plausible."""


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


def resolve_model(model: str, cable: str | None, port: str | None, *, knowledge: CableBase | None,
                  hcl: HCL | None, driver_path: str | None) -> Recommendation:
    """The recommendation from what is known about the model, its cable and the port."""
    knowledge = knowledge or load_cables()
    query = _underscores_as_spaces(check_line(model, "--model"))
    if not normalize(query):
        raise InvalidInput("--model is empty: give the UPS model as printed on it, e.g. 'APC Smart-UPS 1500'")
    if port is not None:
        port = check_line(port, "--port")
        if not port:
            raise InvalidInput("--port is empty: give a device such as /dev/ttyS0, or 'auto' for USB")
    families = default_families()
    lists = hardware_lists(hcl, families)
    vendor_id, rest, how = _split_vendor(lists.split_vendor, lists.vendors, query, families)
    if vendor_id is None:  # vendors of knowledge packs
        vendor_id, rest, how = _split_vendor(knowledge.vendor_index.split_loosely, knowledge.vendor_index, query,
                                             families)
    name = _with_brand_word(understand(rest or query, vendor_id, families), query, rest, vendor_id, lists, families)
    if name.vendor is None:
        name, how = _vendor_from_series(lists, name, families, how)
    vendor = _vendor(knowledge, lists, name.vendor)
    connection = connection_of(port)
    context = Context(query, name, vendor, connection, port, knowledge, families, lists, driver_path,
                      [_model_reason(query, vendor, rest, name, vendor_id)])
    if how:
        context.reasons.append(f"The vendor was read from {_HOW[how]}: {vendor.name}.")
    if cable is not None:
        cable_text = check_line(cable, "--cable")
        word = CONNECTION_WORDS.get(normalize(cable_text))
        gateway = families.gateway_named(cable_text) if word is None else None
        if gateway is not None and not _documented_cable(knowledge, cable_text):
            return _from_gateway(context, gateway, cable_text)
        if word is None and families.names_network(cable_text) and not _documented_cable(knowledge, cable_text):
            word = "network"  # "--cable 'Tripp Lite SNMPWEBCARD'": a network card, not a cable
            context.query_extra = cable_text
        if word is None:
            return _from_named_cable(context, cable_text)
        _connection_from_cable_word(context, cable_text, word)
    _connection_from_name(context)
    named = cable_answers.cables_fitting(knowledge, vendor, rest or query, context.connection)
    data, signal = _data_cables_first(named)
    if data and not _a_data_row_outranks(context, data):
        recommendation = _from_cable(context, cable_answers.one_cable(data, query, rest or query, context.reasons))
        if not recommendation.choice.confirmed:
            _name_what_the_series_also_uses(context, recommendation)
        if signal:
            _name_the_signal_cables(context, recommendation, signal)
        return recommendation
    recommendation = _from_knowledge(context)
    if named:
        _name_the_signal_cables(context, recommendation, named)
    return recommendation


def _underscores_as_spaces(query: str) -> str:
    """A name written as a ups.conf section or host name ("apc_smartups_1500", "EATON_9130"): its
    underscores part words, as NUT's list never writes one between a vendor and a series."""
    return " ".join(query.replace("_", " ").split()) if "_" in query else query


def _data_cables_first(cables: list) -> tuple[list, list]:
    """The cables to answer with and the contact-closure ones to name beside them: when both data
    cables and signal cables name the model, the data cables, as a unit that speaks a protocol ships
    with its data cable ("APC Smart-UPS": the 940-0024C, not the 940-0095A); otherwise all of them."""
    data = [cable for cable in cables if cable.kind != "contact-closure"]
    signal = [cable for cable in cables if cable.kind == "contact-closure"]
    return (data, signal) if data and signal else (cables, [])


def _a_data_row_outranks(context: Context, cables: list) -> bool:
    """No --cable, only contact-closure cables name the model, and NUT's list gives the model itself
    a data protocol on a serial port with at least the support of its contact-closure rows
    ("Powerware 5119 RM": upscode2 at level 5, genericups at 4): the unit's own protocol is the
    answer, as its data cable is what it ships with; the signal cables become alternatives."""
    if any(cable.kind != "contact-closure" for cable in cables) or context.connection not in (None, "serial"):
        return False
    rows = [match for match in context.lists.primary.match(context.name)
            if match.grade == "exact" and match.connection in ("serial", "any")]
    data = [match.row.support_level for match in rows if not _needs_cable(match)]
    signal = [match.row.support_level for match in rows if _needs_cable(match)]
    return bool(data) and max(data) >= max(signal, default=0)


def _name_the_signal_cables(context: Context, recommendation: Recommendation, cables: list) -> None:
    """The contact-closure cables that name the model, as alternatives, and what decides."""
    answers = []
    for cable in cables:
        try:
            answer = cable_answers.from_cable(context.query, context.vendor, context.name.text, cable, context.port, [])
        except NutHelperError:
            continue
        alternative = Choice.copy_of(answer.choice)
        alternative.note = (f"with the {cable.title}" + (": the signal lines, not the data protocol"
                                                         if alternative.driver == "genericups" else ""))
        same = (alternative.driver, alternative.options)
        recommendation.alternatives = [*(other for other in recommendation.alternatives
                                         if (other.driver, other.options) != same), alternative]
        answers.append(f"the {cable.title} -> {alternative.summary()}")
    if answers:
        recommendation.warnings.append(f"What decides is the cable: {recommendation.choice.summary()} needs the unit's "
                                       f"data cable; with a contact-closure cable, pass --cable: {'; '.join(answers)}.")


def _from_gateway(context: Context, gateway: Card, cable_text: str) -> Recommendation:
    """A gateway between UPS and computer (a Modbus remote I/O) decides the driver, whatever the UPS."""
    if context.connection == "usb":
        raise InvalidInput(f"--cable '{cable_text}' is a {gateway.name}, reached over its serial port or the "
                           "network: pass its serial device (e.g. --port /dev/ttyUSB0) or its address as --port")
    context.reasons.append(f"--cable '{cable_text}' is a {gateway.name}: it, not the UPS behind it, decides the driver.")
    context.reasons.append("Decided by the gateway the cable names.")
    kind = context.connection or "serial"
    return _answer(context, [_port_option(context, gateway.choice, kind, f"the {gateway.name} ({gateway.choice.source})")],
                   "documented")


def _name_what_the_series_also_uses(context: Context, recommendation: Recommendation) -> None:
    """A cable's driver that is only assumed for the model, while NUT's list gives rows of the same
    series on that connection another protocol driver: name those as alternatives, and the probe
    (which asks the unit) as what decides."""
    chosen = recommendation.choice
    if chosen.cable is None or chosen.cable.kind != "serial-protocol":
        return
    vendor, series = context.name.vendor, context.name.series_key
    if vendor is None or not series:
        return
    indexes = [context.lists.primary] + ([context.lists.newer] if context.lists.newer is not None else [])
    rows = {id(name.row): name.row for index in indexes for name in index.names_of(vendor)
            if name.parsed.series_key == series}  # the same series words, however short ("T" of T700h, T1500h)
    others: dict[str, list[str]] = {}
    for row in rows.values():
        if connection_kind(row) not in ("serial", "any") or any(c.driver == "genericups" for c in row.drivers):
            continue
        driver = prefer_installed(row.drivers, context.driver_path)[0].driver
        if driver != chosen.driver:
            others.setdefault(driver, []).append(f"{row.manufacturer} {row.model}")
    if not others:
        return
    listed = "; ".join(f"{driver} ({', '.join(models[:3])})" for driver, models in others.items())
    recommendation.alternatives += [Choice(driver, {}, [], recommendation.port, None, "series", True,
                                           f"NUT's hardware list gives it to {', '.join(models[:3])}",
                                           note=f"as NUT's hardware list gives {', '.join(models[:3])}")
                                    for driver, models in others.items()
                                    if all(alt.driver != driver for alt in recommendation.alternatives)]
    recommendation.warnings.append(f"The {chosen.cable_label() or 'documented cable'} only assumes {chosen.summary()} "
                                   f"for this model, and NUT's hardware list gives units of the same series other "
                                   f"protocols: {listed}; what decides: how the unit answers: run setup again with "
                                   "--probe to ask it.")


def _vendor(knowledge: CableBase, lists: Lists, vendor_id: str | None) -> Vendor | None:
    """The vendor as the cable knowledge has it, named as the hardware list writes it when only the list knows it."""
    if vendor_id is None:
        return None
    vendor = knowledge.vendor(vendor_id)
    if vendor.name == vendor_id:
        vendor = Vendor(vendor_id, lists.vendor_name(vendor_id), vendor.aliases)
    return vendor


_HOW = {"glued": "a name written together with the model", "first word": "the first word of its name",
        "spelling": "a name spelt close to it", "series": "the series, which only this vendor's rows use",
        "hyphen": "a name joined to the model by a hyphen",
        "web address": "its web address"}


MISSPELT_VENDOR = 0.75
"""How alike (difflib's ratio) a first word must be to a vendor's name, unless one letter apart,
to be read as it misspelt when the words after it are a series only that vendor's rows use
("Eatn 5E 850i", "APX Back-UPS ES 700")."""


def _vendor_from_series(lists: Lists, name: ModelName, families: Families, how: str) -> tuple[ModelName, str]:
    """A model typed without its vendor whose series only one vendor's rows use is that vendor's;
    so is one whose first word, unknown, is spelt like that vendor's name."""
    if any(match.grade == "exact" for match in lists.primary.match(name)):
        return name, how
    vendors = lists.primary.vendors_of_series(name)
    if len(vendors) == 1:
        return understand(name.text, vendors.pop(), families), "series"
    first, _, after = name.text.partition(" ")
    if not after or len(normalize(first)) < 3:
        return name, how
    behind = understand(after, None, families)
    vendors = lists.primary.vendors_of_series(behind)
    if len(vendors) != 1:
        return name, how
    vendor = vendors.pop()
    import difflib

    typed = normalize(first)
    if not any(one_edit_apart(typed, key) or difflib.SequenceMatcher(None, typed, key).ratio() >= MISSPELT_VENDOR
               for key in lists.vendors.keys(vendor)):
        return name, how
    return understand(after, vendor, families), "spelling"


def _with_brand_word(name: ModelName, query: str, rest: str, vendor_id: str | None, lists: Lists,
                     families: Families) -> ModelName:
    """A vendor read from a second name of it ("Powerware" for Eaton) may be how its rows write the
    model ("Eaton | Powerware 9130"): the model with that name kept is a further name of it."""
    if vendor_id is None or not rest or not query.endswith(rest):
        return name
    canonical = normalize(lists.vendor_name(vendor_id))
    said = [word for word in query[:len(query) - len(rest)].split()
            if normalize(word) and normalize(word) != canonical and not families.is_generic(normalize(word))]
    if not said or normalize(" ".join(said)) in canonical:
        return name
    kept = understand(f"{' '.join(said)} {rest}", vendor_id, families, with_others=False)
    if not any(match.grade == "exact" for match in lists.matches(kept)[0]):
        return name
    return name.with_others((*name.others, kept))


def _split_vendor(split: Callable, vendors: VendorIndex, query: str, families: Families) -> tuple[str | None, str, str]:
    """The vendor, the model text, and how the vendor was read; a second name of the same vendor
    is dropped too ("Eaton Powerware 9110" -> eaton, "9110")."""
    vendor_id, rest, how = split(query, families.generic, families.series_names)
    if vendor_id is not None and rest:
        again, after = vendors.split(rest)
        if again == vendor_id and after:
            rest = after
    return vendor_id, rest, how


# ---------------------------------------------------------------------------- connection

def _connection_from_cable_word(context: Context, text: str, word: str) -> None:
    """``--cable usb|serial|network`` states the connection, it names no cable."""
    if context.connection not in (None, word):
        raise InvalidInput(f"--cable {text} says the UPS is connected over {_KIND_NAME[word]}, but --port "
                           f"{context.port} is a {_KIND_NAME[context.connection]} port: give one that agrees")
    context.connection, context.insisted = word, True
    context.reasons.append(f"--cable {text}: a {_KIND_NAME[word]} connection (a connection, not a cable part number).")


def _connection_from_name(context: Context) -> None:
    """A model naming a network card, or saying USB/serial, states the connection."""
    said = "network" if context.families.names_network(context.query) else context.name.connection
    if said is None or said == context.connection:
        return
    if context.connection is None:
        context.connection = said
        context.reasons.append(f"'{context.query}' names a {_KIND_NAME[said]} connection.")
    elif said == "network":
        context.warnings.append(f"'{context.query}' names a network card, but --port {context.port} is a "
                                f"{_KIND_NAME[context.connection]} port; answering for the port.")


# ---------------------------------------------------------------------------- cables

def _from_named_cable(context: Context, cable_text: str) -> Recommendation:
    try:
        found = context.knowledge.find_cable(cable_text)
    except NotFound as missing:
        rows = [row for row in context.lists.primary.hcl.entries_for_cable(cable_text)]
        if context.vendor is not None:
            rows = [row for row in rows if row.vendor_id == context.vendor.id] or rows
        if not rows:
            return _despite_unknown_cable(context, cable_text, missing)
        context.reasons.append(f"--cable '{cable_text}' is not in the cable knowledge base, but NUT's hardware "
                               f"list names it in {len(rows)} row(s).")
        options = [_row_option(context, RowMatch(row, "exact", 0, row.model, context.lists.primary.hcl), "hcl",
                               f"{cable_text} (named by NUT's hardware list)") for row in rows]
        return _answer(context, options, "hcl")
    context.reasons.append(f"--cable '{cable_text}' is the documented '{found.title}' ({found.id}), "
                           f"{cable_answers.KIND_WORDS[found.kind]}.")
    return _from_cable(context, found)


CABLE_TYPO_RATIO = 0.8
"""How alike an unknown cable name and a documented one must be to take it for a misspelling."""


def _documented_cable(knowledge: CableBase, text: str) -> bool:
    try:
        knowledge.find_cable(text)
    except NotFound:
        return False
    return True


def _spelt_like(knowledge: CableBase, text: str) -> list:
    """The documented cables whose names are spelt like ``text`` (a mistyped or other-revision part)."""
    import difflib

    names = {normalize(name): cable for cable in knowledge.cables for name in cable.identifiers()}
    return list({id(names[name]): names[name]
                 for name in difflib.get_close_matches(normalize(text), names, n=3, cutoff=CABLE_TYPO_RATIO)}.values())


def _despite_unknown_cable(context: Context, cable_text: str, missing: NotFound) -> Recommendation:
    """A cable nobody documents: answer from the model when its answer does not hang on a cable's
    wiring; a name spelt like a documented cable is more likely that cable mistyped."""
    alike = _spelt_like(context.knowledge, cable_text)
    if any(cable.kind != "serial-protocol" for cable in alike):
        raise missing  # a signal cable mistyped: its wiring, which the answer hangs on, is not known
    if alike:  # spelt like data cables only ("940-0024B"): the driver reads the protocol, not the wiring
        context.warnings.append(f"--cable '{cable_text}' is spelt like the documented "
                                f"{', '.join(cable.title for cable in alike)}: if it is one of those, pass its id; "
                                "a data cable's revision does not change the driver.")
    if "usb" in normalize(cable_text) and context.connection is None:
        context.connection = "usb"
    try:
        recommendation = _from_knowledge(context)
    except Ambiguous as question:
        if question.details.get("decided_by") != ["--cable"]:
            raise
        recommendation = None
    if recommendation is None or recommendation.driver == "genericups":
        raise NotFound(f"--cable '{cable_text}' is not documented, and for '{context.query}' on this port the "
                       "settings depend on the cable's wiring: describe it with --wiring FILE (docs/wiring-format.md) "
                       "or pass a documented cable (nut-helper cables list)")
    recommendation.warnings.insert(0, f"--cable '{cable_text}' is in neither the cable knowledge base nor NUT's "
                                      "hardware list; the answer comes from the model and the port alone.")
    return recommendation


def _from_cable(context: Context, cable) -> Recommendation:
    if context.port is None and cable.kind != "usb":
        _refuse_when_usb_also_listed(context, cable)
    recommendation = cable_answers.from_cable(context.query, context.vendor, context.name.text, cable,
                                              context.port, context.reasons)
    recommendation.understood = context.name
    recommendation.warnings[:0] = context.warnings
    return recommendation


def _refuse_when_usb_also_listed(context: Context, cable) -> None:
    """With no port, a model that NUT lists over USB too is ambiguous: the port decides."""
    rows = [match for match in context.lists.primary.match(context.name) if match.grade in ("exact", "model")]
    drivers = sorted({choice.driver for match in rows if match.connection == "usb" for choice in match.row.drivers})
    if drivers:
        raise Ambiguous(f"'{context.query}' connects through the {cable.title} (serial) or over USB "
                        f"({', '.join(drivers)}, per NUT's hardware list): pass --port auto for USB, or the serial "
                        "device (e.g. --port /dev/ttyS0)",
                        details={"candidates": [cable_candidate(cable), *(candidate("driver", driver) for driver in drivers)],
                                 "decided_by": ["--port"]})


# ---------------------------------------------------------------------------- knowledge levels

def _from_knowledge(context: Context) -> Recommendation:
    """Walk the levels from the most specific down; the first that has an answer for the connection decides."""
    name = context.name
    matches, newer = context.lists.matches(name)
    by_grade = {grade: [m for m in matches if m.grade == grade] for grade in GRADES}
    if newer:
        context.reasons.append("The installed hardware list (" + context.lists.primary.hcl.source + ") does not "
                               "name this model; NUT's newer hardware list, bundled with nut-helper, does.")
    lineage = context.families.lineage(name.family) if name.family else []
    levels: list[tuple[str, str, Callable[[], list[Option]]]] = [
        ("series", "the port, a URL, which only netxml-ups reads", lambda: _url_options(context)),
        ("hcl", "the network card the model names", lambda: _card_options(context, "card")),
        ("series", "the network knowledge of the model's family", lambda: _card_options(context, "family")),
        ("vendor-default", "the vendor's network cards", lambda: _card_options(context, "vendor")),
        ("hcl", "a row of NUT's hardware list naming this model",
         lambda: [_row_option(context, m, "hcl") for m in _most_specific(context, by_grade["exact"]) + by_grade["model"]]
         + _other_revisions(context, by_grade["exact"])),
        ("series", f"the {lineage[0].name} family knowledge" if lineage else "",
         lambda: _family_options(context, lineage[:1]) if _is_the_family(name) else []),
        ("series", SAME_SERIES, lambda: _sibling_options(context, by_grade["sibling"])),
        ("series", "the series' USB rows, whose Megatec Q* units speak the same protocol on their serial port",
         lambda: _serial_from_usb_options(context, by_grade["exact"] + by_grade["model"] + by_grade["sibling"])),
        ("series", "rows of NUT's hardware list for a series named almost alike",
         lambda: _sibling_options(context, by_grade["near"])),
        ("series", "rows of NUT's hardware list and family knowledge for the broader series",
         lambda: [_row_option(context, m, "series") for m in by_grade["parent"]] +
         _family_options(context, lineage[0 if not _is_the_family(name) else 1:])),
        ("series", "a documented cable's model pattern", lambda: _pattern_cable_options(context)),
        ("vendor-default", "what this vendor's units use on this connection",
         lambda: _vendor_options(context, by_grade["vendor"])),
        ("inferred", "what small vendors' units use on this connection", lambda: _unknown_vendor_options(context)),
    ]
    lacking = _lacking_port(context, lineage)
    if lacking is not None and context.port is not None and context.connection == "serial" and not context.insisted:
        other = _only_other_port(lineage)
        if other == "usb":
            context.warnings.append(f"The {_family_lacking(lineage, 'serial').name} series has no serial port, so "
                                    f"--port {context.port} cannot be its port; answering for its USB port, which "
                                    "NUT's USB drivers find themselves (port = auto).")
            context.connection, context.port, lacking = "usb", None, None
    skipped: list[str] = []
    elsewhere: list[Option] = []  # the most specific answers found, for other connections
    serial_only = False
    for confidence, level_name, make in levels:
        if confidence == "inferred" and _known_protocol_elsewhere(context, elsewhere):
            break  # the model speaks another protocol over another port: other vendors' units say nothing of it
        options = make()
        if not options:
            continue
        if context.connection is None:
            context.connection = _only_connection(context, options, level_name)
        fitting = [option for option in options if _fits(option.connection, context.connection)]
        if fitting and confidence in ("vendor-default", "inferred"):
            _name_closest(context)
        if fitting:
            closest = max(option.score for option in fitting)
            fitting = [option for option in fitting if option.score == closest]
            if lacking and confidence != "hcl":
                raise lacking
            if level_name == SAME_SERIES and closest == 0:
                _warn_when_the_series_is_mixed(context, fitting)
            if skipped:
                context.reasons.append("; ".join(skipped) + ".")
            context.reasons.append(f"Decided by {level_name}.")
            return _answer(context, _as_the_name_says(context, fitting, confidence), confidence)
        serial_only = serial_only or {option.connection for option in options} == {"serial"}
        elsewhere = elsewhere or [option for option in options if option.connection != "network"]
        kinds = sorted({_KIND_NAME[option.connection] for option in options})
        skipped.append(f"{level_name[0].upper()}{level_name[1:]} ({' and '.join(kinds)} only) does not fit "
                       f"the {_KIND_NAME[context.connection]} port")
    if lacking:
        raise lacking
    if serial_only and context.port == USB_PORT:
        bridged = any("usb" in option.origin.lower() for option in elsewhere)
        example = "/dev/ttyUSB0 (its USB port is a USB-to-serial converter)" if bridged else "/dev/ttyS0"
        raise SerialPortNeeded(f"--port auto finds USB devices, but '{context.query}' is known only as a serial "
                               f"unit: pass the serial device, e.g. --port {example}")
    raise _not_found(context, elsewhere)


def _as_the_name_says(context: Context, fitting: list[Option], confidence: str) -> list[Option]:
    """Over USB, a word of the name that says the protocol ("PowerWalker VI 1500 RT HID") outweighs
    rows and defaults of units that speak another one; they stay as the alternatives."""
    if context.connection != "usb":
        return fitting
    words = context.families.protocol_words
    word = next((word for word in tokens(context.query) if word in words), None)
    said = words.get(word)
    if said is None or all(option.choice.driver == said.driver for option in fitting):
        return fitting
    context.reasons.append(f"The name says {word.upper()}: {said.because} ({said.source}).")
    named = _port_option(context, said, "usb", f"{word.upper()} in the name", confidence)
    named.weight = sum(option.weight for option in fitting) + 1
    return [named, *fitting]


def _known_protocol_elsewhere(context: Context, elsewhere: list[Option]) -> bool:
    """Over USB or serial, the model is known over the other port with a driver other than
    Megatec Q*'s (huawei-ups2000 on serial): what small vendors' units use says nothing of it. Q*
    units listed on one port are Q* on the other too, and a network card is no protocol of the unit."""
    if context.connection not in ("usb", "serial") or not elsewhere:
        return False
    return any(maintained(option.choice.driver) != "nutdrv_qx" for option in elsewhere)


SAME_SERIES = "rows of NUT's hardware list for the same series"


def _warn_when_the_series_is_mixed(context: Context, siblings: list[Option]) -> None:
    """Rows of the series that share neither the model's capacity nor its suffix and give different
    drivers: the series has units of both kinds (a HID and a Q* sub-line); say so, and what decides."""
    drivers = list(dict.fromkeys(option.choice.driver for option in siblings))
    if len(drivers) < 2:
        return
    context.warnings.append(f"NUT's hardware list has units of this series with different drivers ({', '.join(drivers)}) "
                            "and none with this model's capacity or suffix, so the answer follows most of them; what "
                            f"decides: {_generic_decider(context.connection)}.")


CLOSE_NAME_RATIO = 0.8
"""How alike a typed model and a listed one must be to mention the listed one."""


def _name_closest(context: Context) -> None:
    """Before falling back on what the vendor's units usually use, name the listed models of that
    vendor spelt most like the one typed: it may be one of them, mistyped."""
    import difflib

    if context.vendor is None or len(context.name.compact) < 4:
        return
    names = {normalize(row.row.model): row.row.model for row in context.lists.all_rows(context.vendor.id)}
    close = difflib.get_close_matches(context.name.compact, list(names), n=3, cutoff=CLOSE_NAME_RATIO)
    if close:
        listed = ", ".join(f"{context.vendor.name} {names[name]}" for name in close)
        context.warnings.append(f"'{context.query}' is not in NUT's hardware list; it is spelt like {listed}: "
                                "if it is one of those, run setup again with that name.")


def _is_the_family(name: ModelName) -> bool:
    """True when the typed series is the family itself, not a more specific series within it
    ("Pulsar EXtreme" is a series of its own within the Pulsar family: its rows come first)."""
    return name.family is not None and len(name.series_key) == 1


def _fits(kind: str, connection: str | None) -> bool:
    return connection is None or kind == connection or (kind == "any" and connection in ("usb", "serial"))


def _only_connection(context: Context, options: list[Option], level_name: str) -> str | None:
    """With no port: the one connection the answers of this level use, or the question of which."""
    kinds = {option.connection for option in options}
    local = kinds - {"network"} or kinds
    if len(local) == 1 and "any" not in local:
        kind = local.pop()
        context.reasons.append(f"No port given; {level_name} has only {_KIND_NAME[kind]} answers.")
        return kind
    listed = "; ".join(sorted({f"{option.choice.summary()} ({_KIND_NAME[option.connection]})" for option in options}))
    raise Ambiguous(f"'{context.query}' is known over several connections: {listed}; pass --port auto for USB, "
                    "or the serial device (e.g. --port /dev/ttyS0)",
                    details={"candidates": [choice_candidate(option.choice.to_dict()) for option in options],
                             "decided_by": ["--port"]})


def _lacking_port(context: Context, lineage: list[Family]) -> InvalidInput | None:
    """The error for a port the model's family is documented not to have."""
    connection = context.connection
    family = _family_lacking(lineage, connection) if connection else None
    if family is None:
        return None
    has = [kind for kind, choice in family.ports.items() if choice is not None]
    hint = " or ".join(_PORT_HINT[kind] for kind in has) or "another port"
    return InvalidInput(f"the {family.name} series has no {_KIND_NAME[connection]} port "
                        f"({'; '.join(_KIND_NAME[kind] for kind in has) or 'no other port known'} only, "
                        f"per {family.source.split(';')[0]}): pass {hint}",
                        details={"candidates": [candidate("driver", port.driver, options=dict(port.options),
                                                          connection=kind)
                                                for kind, port in family.ports.items() if port is not None],
                                 "decided_by": ["--port"]})


def _family_lacking(lineage: list[Family], connection: str) -> Family | None:
    """The nearest family that documents the connection, when it documents the units lack it."""
    family = next((family for family in lineage if connection in family.ports), None)
    return family if family is not None and family.lacks(connection) else None


def _only_other_port(lineage: list[Family]) -> str | None:
    family = next((family for family in lineage if family.ports), None)
    if family is None:
        return None
    has = [kind for kind, choice in family.ports.items() if choice is not None and kind != "network"]
    return has[0] if len(has) == 1 else None


def _row_option(context: Context, match: RowMatch, confidence: str, cable_title: str | None = None) -> Option:
    row = match.row
    chosen, notes = prefer_installed(_drivers_for(row, context.connection), context.driver_path)
    kind = match.connection
    extra = f" ({row.extra})" if row.extra else ""
    newer = "" if match.hcl is context.lists.primary.hcl else " (newer list, bundled)"
    because = (f"NUT's hardware list{newer}: {row.manufacturer} {row.model}{extra} -> {row.driver_text}, "
               f"support level {row.support_level} of 5")
    choice = Choice(chosen.driver, dict(chosen.options), list(chosen.flags), chosen.port, None, confidence, True,
                    because, cable_title, f"NUT hardware list {match.hcl.source}, line {row.line}")
    if chosen.optional_options:
        notes = notes + ["the list says some units may also need: " + " ".join(
            f"{key}={value}" for key, value in chosen.optional_options.items())]
    choice.note = "; ".join(notes)
    weight = 1 + row.support_level / 5 + (0.5 if match.grade == "exact" else 0)
    if not _installed(context, chosen.driver):
        weight /= 2
    others = [Choice(other.driver, dict(other.options), list(other.flags), other.port, None, confidence, True,
                     because, cable_title, choice.source, note=f"the same row of NUT's list also gives {other.driver}")
              for other in _drivers_for(row, context.connection)
              if program_name(other.driver) != program_name(chosen.driver) and replacement_for(other.driver) is None]
    decides = _decides_from_extra(row) or (f"both work for these units, per NUT's list ({row.driver_text}); "
                                           f"{_generic_decider(kind if kind != 'any' else context.connection)}"
                                           if others else "")
    return Option(choice, kind, weight, because, others, decides=decides)


def _most_specific(context: Context, exact: list[RowMatch]) -> list[RowMatch]:
    """Rows named exactly by a part of the typed name ("T750" of "HP T750 G2") give way to rows named
    exactly by a longer name that contains it ("T750 G2"), when those fit the connection."""
    fitting = {normalize(match.name) for match in exact if _fits(match.connection, context.connection)}
    return [match for match in exact
            if not any(len(other) > len(normalize(match.name)) and normalize(match.name) in other for other in fitting)]


_REVISION_WORDS = ("older", "newer")


def _other_revisions(context: Context, exact: list[RowMatch]) -> list[Option]:
    """An exact row that covers only the older (or newer) units of a model ("HP T500 / T750, older
    models"), and no other row of that model on the connection: the rows of the same model with a
    further name part ("T750 G2", "T750 INTL") are the other revisions, and compete with it; the
    revision decides."""
    typed = context.name.compact
    named = [match for match in exact if normalize(match.name) == typed and _fits(match.connection, context.connection)]
    if not named or context.name.vendor is None or \
            not all(any(word in match.row.extra.lower() for word in _REVISION_WORDS) for match in named):
        return []
    known = {_row_key(match.row) for match in exact}
    indexes = [context.lists.primary] + ([context.lists.newer] if context.lists.newer is not None else [])
    found = []
    for index in indexes:
        for name in index.names_of(context.name.vendor):
            compact, key = name.parsed.compact, _row_key(name.row)
            match = RowMatch(name.row, "model", 0, name.text, index.hcl)
            if key not in known and compact.startswith(typed) and len(compact) > len(typed) and \
                    _fits(match.connection, context.connection):
                known.add(key)
                found.append(match)
    options = [_row_option(context, match, "hcl") for match in found]
    decides = "the unit's revision: " + "; ".join(
        f"{match.row.model}{f' ({match.row.extra})' if match.row.extra else ''} -> {match.row.driver_text}"
        for match in named + found)
    for option in options:
        option.decides = decides
    return options


def _row_key(row: HclEntry) -> tuple[str, str, str]:
    """A row as both hardware lists write it (the bundled one may differ in its extra cell)."""
    return (row.manufacturer, row.model, row.driver_text)


def _sibling_options(context: Context, siblings: list[RowMatch]) -> list[Option]:
    """The rows of the series closest to the model: those sharing its capacity or suffix when any do."""
    if not siblings:
        return []
    options = []
    for match in siblings:
        option = _row_option(context, match, "series")
        option.score = match.score
        options.append(option)
    return options


def _serial_from_usb_options(context: Context, matches: list[RowMatch]) -> list[Option]:
    """On a serial port, rows of the series whose USB units are a Q* protocol behind a USB-to-serial
    bridge: the serial port speaks that protocol too (nuthelper/data/model-families.json, serial_from_usb)."""
    if context.connection != "serial" or context.families.serial_from_usb is None:
        return []
    drivers, serial = context.families.serial_from_usb
    bridged = [match for match in matches if match.connection == "usb"
               and any(choice.driver in drivers for choice in match.row.drivers)]
    if not bridged:
        return []
    rows = ", ".join(dict.fromkeys(f"{match.row.manufacturer} {match.row.model} -> {match.row.driver_text}"
                                   for match in bridged[:3]))
    return [_port_option(context, serial, "serial", f"NUT's hardware list over USB ({rows})")]


def _family_options(context: Context, families: list[Family]) -> list[Option]:
    """The family knowledge for each connection it documents (the first family that has it)."""
    options, seen = [], set()
    for family in families:
        for kind, port in family.ports.items():
            if port is None or kind in seen or not port.fits_capacity(context.name.capacity):
                continue
            seen.add(kind)
            options.append(_port_option(context, port, kind, f"the {family.name} family ({family.source})"))
    return options


def _port_option(context: Context, port: PortChoice, kind: str, origin: str, confidence: str = "series") -> Option:
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


def _url_options(context: Context) -> list[Option]:
    """An http(s):// port is a card's web interface: netxml-ups is the NUT driver that reads one (netxml-ups(8))."""
    if context.connection != "network" or not re.match(r"^https?://", context.port or ""):
        return []
    because = "the port is the URL of a card's XML/HTTP interface, which netxml-ups reads (netxml-ups(8))"
    return [Option(Choice("netxml-ups", {}, [], None, None, "series", True, because), "network", 1.0, because)]


def _card_options(context: Context, source: str) -> list[Option]:
    """Over the network the card decides, not the UPS behind it: a card the model names, else the
    network knowledge of the model's family, else the vendor's (all before rows naming the UPS)."""
    if context.connection != "network":
        return []
    card = context.families.card_named(context.name.vendor, f"{context.query} {context.query_extra}")
    if source == "card":
        return [_port_option(context, card.choice, "network", f"the {card.name} ({card.choice.source})")] if card else []
    if card is not None:
        return []
    if source == "family":
        lineage = context.families.lineage(context.name.family) if context.name.family else []
        family = next((family for family in lineage if family.port("network")), None)
        return [_port_option(context, family.port("network"), "network",
                             f"the {family.name} family ({family.source})")] if family else []
    facts = context.families.vendor_facts(context.name.vendor)
    default = facts.defaults.get("network") if facts is not None else None
    if default is None or context.vendor is None:
        return []
    return [_port_option(context, default, "network", f"{context.vendor.name}'s network cards ({default.source})")]


def _pattern_cable_options(context: Context) -> list[Option]:
    """Documented cables whose model pattern covers the model, for a serial port."""
    if context.connection not in (None, "serial"):
        return []
    fitting = cable_answers.cables_fitting(context.knowledge, context.vendor, context.name.text or context.query,
                                           "serial", fits=("pattern",))
    options = []
    for cable in fitting:
        for rule in cable_answers.rules_for(cable, context.name.text):
            choice = Choice.from_rule(rule, cable, None)
            choice.confidence = "series"
            options.append(Option(choice, "serial", 1.0, f"the {cable.title}'s documented model pattern"))
    return options


def _vendor_options(context: Context, various: list[RowMatch]) -> list[Option]:
    """The vendor's default per connection: the family file's, the list's "(various)" rows, the
    maker that builds the vendor's units, or what nearly all the vendor's rows use."""
    vendor = context.name.vendor
    if vendor is None:
        return []
    facts = context.families.vendor_facts(vendor)
    options = []
    if facts is not None:
        name = context.vendor.name if context.vendor else vendor
        brand = facts.brand_named(context.query)
        defaults = dict(facts.defaults, **(brand.defaults if brand else {}))
        for kind, port in defaults.items():
            if port is not None:
                owner = brand.name if brand and kind in brand.defaults else name
                options.append(_port_option(context, port, kind, f"{owner}'s default for {_KIND_NAME[kind]} "
                                            f"({port.source})", "vendor-default"))
    covered = {option.connection for option in options}
    options += [_row_option(context, match, "vendor-default") for match in various
                if match.connection not in covered and not _needs_cable(match)]
    options += [option for option in _majority_options(context, vendor) if option.connection not in covered]
    if not options and facts is not None and facts.built_by:
        context.reasons.append(f"{context.vendor.name if context.vendor else vendor} units are built by "
                               f"{context.lists.vendor_name(facts.built_by)} ({facts.built_by_source}).")
        builder = context.families.vendor_facts(facts.built_by)
        if builder is not None:
            options = [_port_option(context, port, kind, f"the default of {facts.built_by}, who builds them",
                                    "vendor-default") for kind, port in builder.defaults.items() if port is not None]
        covered = {option.connection for option in options}
        options += [option for option in _majority_options(context, facts.built_by) if option.connection not in covered]
    return options


MAJORITY = 0.5
"""A vendor's driver for a connection: the one more than half of its rows for it use."""
INFERENCE_SHARE = 2 / 3
"""An unknown brand is answered only where at least two small vendors in three use one driver:
below that, a guess is more often wrong than a question is costly."""
MIN_RATING = 400
"""The smallest rating (VA or W) of a mains UPS: an answer inferred for a name without one warns
that it may be no mains UPS at all."""
SMALL_VENDOR_ROWS = 10
"""Vendors with at most this many rows are the "small vendors" an unknown brand is compared with."""


def _majority_options(context: Context, vendor: str) -> list[Option]:
    """Per connection, the driver most of the vendor's rows use (deprecated drivers counted as their
    replacement), with the runner-up as a rival when there is one."""
    rows = [row for row in context.lists.all_rows(vendor) if not _needs_cable(row)]
    options = []
    for kind in ("usb", "serial", "network"):
        counted = _count_drivers(context, [row for row in rows if _fits(row.connection, kind)], kind)
        total = sum(counted.values())
        ranked = sorted(counted.items(), key=lambda item: -item[1])
        if not ranked or ranked[0][1] / total <= MAJORITY and len(ranked) > 1:
            continue
        for driver, count in ranked[:2]:
            because = f"{count} of {total} {_KIND_NAME[kind]} rows of this vendor in NUT's hardware list use {driver}"
            options.append(Option(Choice(driver, {}, [], None, None, "vendor-default", True, because), kind, count,
                                  because))
    return options


def _needs_cable(match: RowMatch) -> bool:
    """A contact-closure row: its settings depend on the cable, so it says nothing of other units."""
    return any(choice.driver == "genericups" for choice in match.row.drivers)


def _drivers_for(row: HclEntry, connection: str | None) -> list[DriverChoice]:
    """The row's drivers that speak over the connection ("bcmxcp or usbhid-ups" over USB: usbhid-ups),
    all of them when none does or the connection is not known."""
    if connection not in ("usb", "serial"):
        return row.drivers
    return [choice for choice in row.drivers if driver_connection(choice.driver) in (connection, "any", None)] \
        or row.drivers


def _count_drivers(context: Context, rows: list[RowMatch], kind: str | None = None) -> dict[str, int]:
    counted: dict[str, int] = {}
    for row in rows:
        driver = prefer_installed(_drivers_for(row.row, kind), context.driver_path)[0].driver
        counted[driver] = counted.get(driver, 0) + 1
    return counted


def _unknown_vendor_options(context: Context) -> list[Option]:
    """For a brand nobody lists: what most small vendors of NUT's hardware list use on the
    connection (most small brands sell Megatec Q1 units), clearly marked as inferred."""
    if context.vendor is not None and any(_fits(row.connection, context.connection)
                                          for row in context.lists.all_rows(context.vendor.id)):
        return []
    unrated = max((name.capacity or 0) for name in context.name.all_names()) < MIN_RATING
    if unrated and context.vendor is None and not _names_a_unit(context):
        return []  # no maker NUT lists, no rating, model code or word UPS: nothing says it is one
    per_kind: dict[str, dict[str, int]] = {}
    for vendor in context.lists.primary.vendors():
        rows = context.lists.all_rows(vendor)
        if len(rows) > SMALL_VENDOR_ROWS:
            continue
        for kind in ("usb", "serial", "network"):
            counted = _count_drivers(context, [row for row in rows if _fits(row.connection, kind)
                                               and not _needs_cable(row)], kind)
            if counted:
                top = max(counted.items(), key=lambda item: item[1])[0]
                per_kind.setdefault(kind, {}).setdefault(top, 0)
                per_kind[kind][top] += 1
    options = []
    for kind, counted in per_kind.items():
        total = sum(counted.values())
        ranked = sorted(counted.items(), key=lambda item: -item[1])
        if ranked[0][1] / total < INFERENCE_SHARE:
            continue
        for driver, count in ranked[:2]:
            unknown = ("the brand is in no list nut-helper has" if context.vendor is None else
                       f"NUT's hardware list has no {_KIND_NAME[kind]} unit of {context.vendor.name}")
            because = (f"{unknown}; {count} of the {total} small vendors of NUT's hardware list with "
                       f"{_KIND_NAME[kind]} units use {driver}")
            options.append(Option(Choice(driver, {}, [], None, None, "inferred", True, because), kind, count, because))
    if options and unrated:
        context.warnings.append(f"The name gives no rating of {MIN_RATING} VA or more: if this is no mains UPS (a "
                                "DC or DIN-rail unit, a power bank), what small vendors' mains UPSes use says "
                                "nothing of it; look it up with 'nut-helper lookup' or ask the unit (--probe, or "
                                "--port auto with it plugged in).")
    return options


def _names_a_unit(context: Context) -> bool:
    """A name with a model code ("ZEUS02ES", "EA-305") or a word for a UPS ("gembird ups")."""
    words = context.query.split()
    return any(normalize(word) in context.families.device_words for word in words) or \
        any(any(ch.isdigit() for ch in word) and any(ch.isalpha() for ch in word) for word in words)


def _installed(context: Context, driver: str) -> bool:
    found = installed_drivers(context.driver_path)
    return found is None or driver in found


def _decides_from_extra(row: HclEntry) -> str:
    return row.extra if any(word in row.extra.lower() for word in ("product id", "usb id", "vendor id", "older",
                                                                     "newer", "models")) else ""


# ---------------------------------------------------------------------------- the answer

def _answer(context: Context, options: list[Option], confidence: str) -> Recommendation:
    """Group the options of the deciding level by driver and settings; the heaviest is the answer."""
    grouped: dict[tuple, list[Option]] = {}
    for option in options:
        grouped.setdefault(option.key, []).append(option)
    ranked = sorted(grouped.values(), key=lambda group: -sum(option.weight for option in group))
    best = ranked[0][0]
    if best.needs == "cable":
        listed = "; ".join(f"{alt.cable_label()} -> {alt.summary()}" for alt in best.alternatives)
        raise Ambiguous(f"'{context.query}' on a {_KIND_NAME[best.connection]} port: {best.choice.because}; pass "
                        f"--cable ({listed})",
                        details={"candidates": [choice_candidate(alt.to_dict()) for alt in best.alternatives],
                                 "decided_by": ["--cable"]})
    if best.needs == "usb-id":
        listed = "; ".join(f"{alt.summary()} ({alt.note})" if alt.note else alt.summary() for alt in best.alternatives)
        raise Ambiguous(f"'{context.query}': {best.choice.because}; what decides: {best.decides}; plug the unit in and "
                        f"run setup with --port auto, which reads its USB ID ({listed})",
                        details={"candidates": [choice_candidate(alt.to_dict()) for alt in best.alternatives],
                                 "decided_by": ["usb-id"]})
    if confidence == "hcl" and len(ranked) > 1:
        _ask_when_rows_tie(context, ranked)
    choice = Choice.copy_of(best.choice)
    choice.confidence = confidence
    reasons, warnings = context.reasons, context.warnings
    reasons.append(f"{choice.summary()}: {choice.because}.")
    if choice.note:
        reasons.append(f"{choice.note[0].upper()}{choice.note[1:]}.")
    alternatives = [alternative for option in ranked[0] for alternative in option.alternatives]
    rivals = [group[0] for group in ranked[1:]]
    alternatives += [Choice.copy_of(rival.choice) for rival in rivals]
    weight = sum(option.weight for option in ranked[0])
    close = [rival for rival, group in zip(rivals, ranked[1:])
             if sum(option.weight for option in group) >= CLOSE_RIVAL * weight]
    decides = best.decides or "; ".join(dict.fromkeys(o.decides for group in ranked for o in group if o.decides))
    revisions = [o for group in ranked[1:] for o in group if o.decides]  # rivals the unit's revision decides
    if close or revisions or any(option.alternatives and option.decides for option in ranked[0]):
        names = ", ".join(dict.fromkeys([choice.summary(), *(alt.summary() for alt in alternatives)]))
        what = decides or _generic_decider(best.connection if best.connection != "any" else context.connection)
        if not any(f"what decides: {what}" in warning for warning in warnings):  # said of the mixed series
            warnings.append(f"More than one driver is plausible ({names}); what decides: {what}.")
    elif rivals:
        reasons.append("Other rows: " + "; ".join(rival.choice.summary() for rival in rivals) + ".")
    connection = context.connection or (best.connection if best.connection != "any" else None)
    if connection == "network":
        _network_settings(context, choice)
    choice.port = _port_for(context, choice, connection)
    for alternative in alternatives:
        alternative.port = alternative.port or choice.port
    return Recommendation(context.query, context.vendor, context.name.text, choice, reasons,
                          _unique(alternatives, choice), warnings, understood=context.name, connection=connection)


def _ask_when_rows_tie(context: Context, ranked: list[list[Option]]) -> None:
    """On a serial port, rows naming the model that give different drivers with equal weight (a smart
    and a contact-closure variant, two revisions): no choice is defensible, the unit must answer."""
    weight = sum(option.weight for option in ranked[0])
    tied = [group for group in ranked if abs(sum(option.weight for option in group) - weight) < 1e-9]
    if len({group[0].choice.driver for group in tied}) < 2:
        return
    if (context.connection or ranked[0][0].connection) != "serial":
        return  # over USB, --port auto reads the attached unit's USB ID, which confirms or switches the answer
    listed = "; ".join(f"{group[0].choice.summary()} ({group[0].choice.because})" for group in tied)
    decides = "; ".join(dict.fromkeys(group[0].decides for group in tied if group[0].decides))
    raise Ambiguous(f"'{context.query}': NUT's hardware list names this model in rows with different drivers, none "
                    f"better supported: {listed}; what decides: {decides or 'how the unit answers on its port'}; run "
                    "setup again with --probe to ask the unit",
                    details={"candidates": [choice_candidate(group[0].choice.to_dict()) for group in tied],
                             "decided_by": ["--probe"]})


def _network_settings(context: Context, choice: Choice) -> None:
    """A row that names only the driver gets the settings the named card or the vendor's network
    default gives that driver (snmp-ups's mibs)."""
    card = context.families.card_named(context.name.vendor, context.query)
    facts = context.families.vendor_facts(context.name.vendor)
    defaults = [card.choice] if card else []
    if facts is not None and facts.defaults.get("network"):
        defaults.append(facts.defaults["network"])
    for default in defaults:
        if default.driver == choice.driver:
            added = {key: value for key, value in default.options.items() if key not in choice.options}
            if added:
                choice.options.update(added)
                context.reasons.append(" ".join(f"{key}={value}" for key, value in added.items()) +
                                       f": {'the ' + card.name if card and default is card.choice else 'the vendor' + chr(39) + 's cards'}"
                                       " need it.")
            return


def _unique(alternatives: list[Choice], chosen: Choice) -> list[Choice]:
    seen = {(chosen.driver, tuple(chosen.options.items()))}
    result = []
    for alternative in alternatives:
        key = (alternative.driver, tuple(alternative.options.items()))
        if key not in seen:
            seen.add(key)
            result.append(alternative)
    return result


def _generic_decider(connection: str | None) -> str:
    if connection == "usb":
        return "the USB ID the unit reports (lsusb); run setup with --port auto while the unit is plugged in"
    if connection == "serial":
        return "how the unit answers on its port: run setup again with --probe to ask it"
    return "the unit's documentation"


def _port_for(context: Context, choice: Choice, connection: str | None) -> str:
    """The ups.conf port: the driver's own (``auto`` for USB), the serial device, or the card's address."""
    if choice.port:
        if context.port not in (None, choice.port) and context.connection != "usb":
            raise InvalidInput(f"{choice.driver} needs port = {choice.port}, not '{context.port}': drop --port")
        context.reasons.append(f"Port {choice.port}: set by NUT's hardware list for {choice.driver}.")
        return choice.port
    if connection == "usb":
        context.reasons.append("Port auto: the driver finds the USB device itself.")
        return USB_PORT
    if connection == "network":
        if context.port is None:
            raise InvalidInput(f"'{context.query}' is reached over the network: pass the card's address as --port "
                               "(e.g. --port 192.0.2.10)")
        port = context.port
        if choice.driver == "netxml-ups" and "://" not in port:
            port = f"http://{port}"
        context.reasons.append(f"Port {port}: the network card's address.")
        return port
    port = check_port(context.port, f"'{context.query}' ({choice.summary()})")
    context.reasons.append(f"Port {port}, as given.")
    return port


# ---------------------------------------------------------------------------- nothing found

def _not_found(context: Context, elsewhere: list[Option]) -> NutHelperError:
    """Nothing fits: say what almost did (the series over another connection), else the closest names."""
    if elsewhere and context.connection:
        kinds = sorted({option.connection for option in elsewhere if option.connection != "any"})
        drivers = ", ".join(dict.fromkeys(option.choice.summary() for option in elsewhere))
        where = " or ".join(_KIND_NAME[kind] for kind in kinds) or "another connection"
        hint = " or ".join(_PORT_HINT[kind] for kind in kinds) or "another port"
        series = context.name.family.name if context.name.family else context.name.text
        return InvalidInput(f"'{context.query}' is known only over {where}, not on a {_KIND_NAME[context.connection]} "
                            f"port: NUT's list and the family knowledge give the {series} series {drivers}; pass "
                            f"{hint}", details={"candidates": [choice_candidate(option.choice.to_dict()) for option in elsewhere],
                                                "decided_by": ["--port"]})
    from nuthelper.knowledge.search import search

    closest = [f"{match.entry.manufacturer} {match.matched_name}" for match in search(context.query, limit=6)
               if match.kind == "hcl" and match.matched_name.strip()]
    closest = list(dict.fromkeys(closest))[:6]
    hint = f"closest known: {', '.join(closest)}" if closest else "see 'nut-helper lookup'"
    who = f"'{context.query}'"
    if context.vendor is None:
        return NotFound(f"model {who} is neither in the cable knowledge base nor in NUT's hardware list, and names no "
                        f"vendor nut-helper knows ({hint}); give the vendor and model as printed on the unit, or pass "
                        "--cable", details={"candidates": [candidate("model", name) for name in closest]})
    port = f" on a {_KIND_NAME[context.connection]} port" if context.connection else ""
    return NotFound(f"model {who} is neither in the cable knowledge base nor in NUT's hardware list, and nothing "
                    f"is known of {context.vendor.name}'s units{port} ({hint}); pass --cable if you know which cable "
                    "joins it to the computer", details={"candidates": [candidate("model", name) for name in closest]})


def _model_reason(query: str, vendor: Vendor | None, rest: str, name: ModelName, vendor_id: str | None) -> str:
    parts = name.describe()
    if vendor is None:
        return f"'{query}' names no known vendor; matching the model name alone ({parts})."
    if vendor_id is None:
        return f"'{query}' is the {vendor.name} {name.family.name if name.family else ''} series ({parts})."
    return f"'{query}' is vendor {vendor.name}, model '{rest or '(none given)'}' ({parts})."
