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
from nuthelper.knowledge.drivers import maintained, prefer_installed
from nuthelper.knowledge.hcl import HCL, HclEntry
from nuthelper.knowledge.names import VendorIndex, normalize, one_edit_apart, tokens
from nuthelper.knowledge.ports import connection_kind
from nuthelper.resolve import cables as cable_answers
from nuthelper.resolve.answer import answer_from, not_found
from nuthelper.resolve.families import Card, Families, Family, default_families
from nuthelper.resolve.hclmatch import GRADES, RowMatch
from nuthelper.resolve.inputs import USB_PORT, SerialPortNeeded, check_line, connection_of
from nuthelper.resolve.lists import Lists, hardware_lists
from nuthelper.resolve.modelname import ModelName, understand
from nuthelper.resolve.options import (KIND_NAME, PORT_HINT, Context, Option, fits, generic_decider, needs_cable,
                                       port_option, row_option)
from nuthelper.resolve.recommendation import CONFIDENCE_LEVELS, Choice, Recommendation
from nuthelper.resolve.vendor_defaults import unknown_vendor_options, vendor_options

CONNECTION_WORDS = {"usb": "usb", "serial": "serial", "rs232": "serial", "network": "network", "snmp": "network"}


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
    if vendor_id is not None:
        vendor_id, rest, how = _sold_under_another_maker(lists, families, query, vendor_id, rest, how)
    name = _with_brand_word(understand(rest or query, vendor_id, families), query, rest, vendor_id, lists, families)
    if vendor_id is None:
        makers, why = _makers_of_the_series(lists, name, families, tokens(rest or query))
        if len(makers) > 1 or makers and makers[0] != name.vendor and name.vendor is not None:
            return _for_each_maker(query, cable, port, makers, why, lists, knowledge=knowledge, hcl=hcl,
                                   driver_path=driver_path)
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
    data = [match.row.support_level for match in rows if not needs_cable(match)]
    signal = [match.row.support_level for match in rows if needs_cable(match)]
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
    option = port_option(context, gateway.choice, kind, f"the {gateway.name} ({gateway.choice.source})")
    return answer_from(context, [option], "documented")


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
    indexes = context.lists.indexes()
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
        "web address": "its web address",
        "oem row": "a row of NUT's hardware list that names the model with the brand it is sold under"}


MISSPELT_VENDOR = 0.75
"""How alike (difflib's ratio) a first word must be to a vendor's name, unless one letter apart,
to be read as it misspelt when the words after it are a series only that vendor's rows use
("Eatn 5E 850i", "APX Back-UPS ES 700")."""


def _vendor_from_series(lists: Lists, name: ModelName, families: Families, how: str) -> tuple[ModelName, str]:
    """A model typed without its vendor whose series only one vendor's rows use is that vendor's;
    so is one whose first word, unknown, is spelt like that vendor's name."""
    if any(match.grade == "exact" for match in lists.matches(name)[0]):
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


def _makers_of_the_series(lists: Lists, name: ModelName, families: Families, words: list[str]) -> tuple[list[str], str]:
    """For a name typed without a vendor, the vendors it may be of, and why: those whose rows name
    it exactly, in the installed list or a list behind it ("ECO Network 2000": Meta System's, though
    Tripp Lite has an ECO family; "EP2000Pro": Must's, in the newer list only), else those
    whose rows or families' names and SKU letters have its series ("SU1500": APC's Smart-UPS SKUs
    and Tripp Lite's SmartOnline rows)."""
    anyone = ModelName(name.text, None, name.series, name.capacity, name.unit, name.suffix)
    exact = sorted({match.row.vendor_id for match in lists.matches(anyone)[0] if match.grade == "exact"})
    if exact:
        return exact, "NUT's hardware list names it"
    listed = lists.primary.vendors_of_series(name) if name.vendor is None else {name.vendor}
    return sorted(listed | families.vendors_of_prefix(words)), "they sell a series of that name"


def _for_each_maker(query: str, cable: str | None, port: str | None, makers: list[str], why: str, lists: Lists,
                    **given) -> Recommendation:
    """A name of several vendors' units: the answer when every vendor's units of it get the same
    one, else the question of which vendor (their answers differ)."""
    answers: dict[str, Recommendation] = {}
    for maker in makers:
        try:
            answers[maker] = resolve_model(f"{lists.vendor_name(maker)} {query}", cable, port, **given)
        except NutHelperError:
            continue
    vendors = " and ".join(lists.vendor_name(maker) for maker in makers)
    if not answers:
        raise NotFound(f"model '{query}' names no vendor, and none of the vendors it may be of ({vendors}: {why}) "
                       "has an answer for it on this port: give the vendor and model as printed on the unit")
    listed = "; ".join(f"{lists.vendor_name(maker)} -> {answer.choice.summary()}" for maker, answer in answers.items())
    if len({(answer.driver, tuple(sorted(answer.choice.options.items()))) for answer in answers.values()}) > 1:
        raise Ambiguous(f"'{query}' names no vendor, and it may be a unit of {vendors} ({why}), whose units need "
                        f"different drivers: {listed}; give the vendor with the model "
                        f"(e.g. --model '{lists.vendor_name(next(iter(answers)))} {query}')",
                        details={"candidates": [choice_candidate(answer.choice.to_dict()) for answer in answers.values()],
                                 "decided_by": ["--model"]})
    order = list(CONFIDENCE_LEVELS)
    chosen = max(answers.values(), key=lambda answer: order.index(answer.choice.confidence))  # the least certain
    chosen.query, chosen.vendor, chosen.model = query, None, query  # the vendor stays unknown
    if len(makers) == 1:
        chosen.reasons.insert(0, f"'{query}' names no vendor; {why} for {vendors} only.")
        return chosen
    chosen.reasons.insert(0, f"'{query}' names no vendor; it may be a unit of {vendors} ({why}), and each one's "
                             f"answer is the same: {listed}.")
    chosen.warnings.append(f"'{query}' may be a unit of {' or '.join(lists.vendor_name(m) for m in answers)}: the "
                           "answer is the same for each; give the vendor with the model to be sure.")
    return chosen


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


def _sold_under_another_maker(lists: Lists, families: Families, query: str, vendor_id: str, rest: str,
                              how: str) -> tuple[str, str, str]:
    """A brand and model that another maker's row names whole, where the brand's own rows do not
    name the model ("Trust 625": Powercom's row "Trust 425/625"): that maker's, model and brand."""
    first = normalize(query.split()[0])
    index = lists.primary   # the installed list only: a cable's answer never needs the newer one
    makers = {maker for maker in index.vendors_writing(first) - {vendor_id}
              if any(match.grade == "exact"
                     for match in index.match(understand(query, maker, families, with_others=False)))}
    if len(makers) != 1:
        return vendor_id, rest, how
    own = understand(rest or query, vendor_id, families, with_others=False)
    if any(match.grade == "exact" for match in lists.matches(own)[0]):
        return vendor_id, rest, how
    return makers.pop(), query, "oem row"


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
        raise InvalidInput(f"--cable {text} says the UPS is connected over {KIND_NAME[word]}, but --port "
                           f"{context.port} is a {KIND_NAME[context.connection]} port: give one that agrees")
    context.connection, context.insisted = word, True
    context.reasons.append(f"--cable {text}: a {KIND_NAME[word]} connection (a connection, not a cable part number).")


def _connection_from_name(context: Context) -> None:
    """A model naming a network card, or saying USB/serial, states the connection."""
    said = "network" if context.families.names_network(context.query) else context.name.connection
    if said is None or said == context.connection:
        return
    if context.connection is None:
        context.connection = said
        context.reasons.append(f"'{context.query}' names a {KIND_NAME[said]} connection.")
    elif said == "network":
        context.warnings.append(f"'{context.query}' names a network card, but --port {context.port} is a "
                                f"{KIND_NAME[context.connection]} port; answering for the port.")


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
        options = [row_option(context, RowMatch(row, "exact", 0, row.model, context.lists.primary.hcl), "hcl",
                              f"{cable_text} (named by NUT's hardware list)") for row in rows]
        return answer_from(context, options, "hcl")
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
    matches, named_by = context.lists.matches(name)
    by_grade = {grade: [m for m in matches if m.grade == grade] for grade in GRADES}
    if named_by is context.lists.newer and named_by is not None:
        context.reasons.append("The installed hardware list (" + context.lists.primary.hcl.source + ") does not "
                               "name this model; NUT's newer hardware list, bundled with nut-helper, does.")
    elif named_by is not None:
        context.reasons.append("NUT's hardware list does not name this model; the manual of a NUT driver does "
                               "(nut-helper's record of them: nuthelper/data/driver-manuals.list).")
        context.warnings.append("Only a NUT driver's manual names this model, and NUT rates no such unit: treat "
                                "the driver as a candidate and test it ('nut-helper verify').")
    lineage = context.families.lineage(name.family) if name.family else []
    levels: list[tuple[str, str, Callable[[], list[Option]]]] = [
        ("series", "the port, a URL, which only netxml-ups reads", lambda: _url_options(context)),
        ("hcl", "the network card the model names", lambda: _card_options(context, "card")),
        ("series", "the network knowledge of the model's family", lambda: _card_options(context, "family")),
        ("vendor-default", "the vendor's network cards", lambda: _card_options(context, "vendor")),
        ("hcl", "a row of NUT's hardware list naming this model",
         lambda: [row_option(context, m, "hcl") for m in _most_specific(context, by_grade["exact"]) + by_grade["model"]]
         + _other_revisions(context, by_grade["exact"])),
        ("series", f"the {lineage[0].name} family knowledge" if lineage else "",
         lambda: _family_options(context, lineage[:1]) if _is_the_family(name) else []),
        ("series", SAME_SERIES, lambda: _sibling_options(context, by_grade["sibling"])),
        ("series", "the series' USB rows, whose Megatec Q* units speak the same protocol on their serial port",
         lambda: _serial_from_usb_options(context, by_grade["exact"] + by_grade["model"] + by_grade["sibling"])),
        ("series", "rows of NUT's hardware list for a series named almost alike",
         lambda: _sibling_options(context, by_grade["near"])),
        ("series", "rows of NUT's hardware list and family knowledge for the broader series",
         lambda: [row_option(context, m, "series") for m in by_grade["parent"]] +
         _family_options(context, lineage[0 if not _is_the_family(name) else 1:])),
        ("series", "a documented cable's model pattern", lambda: _pattern_cable_options(context)),
        ("vendor-default", "what this vendor's units use on this connection",
         lambda: vendor_options(context, by_grade["vendor"])),
        ("inferred", "what small vendors' units use on this connection", lambda: unknown_vendor_options(context)),
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
    elsewhere_level = None          # ... and their level
    serial_only = False
    for confidence, level_name, make in levels:
        if confidence == "inferred" and _known_protocol_elsewhere(context, elsewhere, elsewhere_level):
            break  # the model speaks another protocol over another port: other vendors' units say nothing of it
        options = make()
        if not options:
            continue
        if context.connection is None:
            context.connection = _only_connection(context, options, level_name)
        fitting = [option for option in options if fits(option.connection, context.connection)]
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
            return answer_from(context, _as_the_name_says(context, fitting, confidence), confidence)
        serial_only = serial_only or {option.connection for option in options} == {"serial"}
        if not elsewhere:
            elsewhere = [option for option in options if option.connection != "network"]
            elsewhere_level = confidence
        kinds = sorted({KIND_NAME[option.connection] for option in options})
        skipped.append(f"{level_name[0].upper()}{level_name[1:]} ({' and '.join(kinds)} only) does not fit "
                       f"the {KIND_NAME[context.connection]} port")
    if lacking:
        raise lacking
    if serial_only and context.port == USB_PORT:
        bridged = any("usb" in option.origin.lower() for option in elsewhere)
        example = "/dev/ttyUSB0 (its USB port is a USB-to-serial converter)" if bridged else "/dev/ttyS0"
        raise SerialPortNeeded(f"--port auto finds USB devices, but '{context.query}' is known only as a serial "
                               f"unit: pass the serial device, e.g. --port {example}")
    raise not_found(context, elsewhere)


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
    named = port_option(context, said, "usb", f"{word.upper()} in the name", confidence)
    named.weight = sum(option.weight for option in fitting) + 1
    return [named, *fitting]


def _known_protocol_elsewhere(context: Context, elsewhere: list[Option], level: str | None) -> bool:
    """Over USB or serial, the model is known over the other port with a driver other than
    Megatec Q*'s (huawei-ups2000 on serial): what small vendors' units use says nothing of it. Q*
    units listed on one port are Q* on the other too, and a network card is no protocol of the unit.
    What the vendor's other units use on the other port ("ETA-1600 SINUS": ETA's serial rows are
    etapro) is not the model's protocol: its USB units may be another line."""
    if context.connection not in ("usb", "serial") or not elsewhere or level == "vendor-default":
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
                            f"decides: {generic_decider(context.connection)}.")


CLOSE_NAME_RATIO = 0.8
"""How alike a typed model and a listed one must be to mention the listed one."""


def _name_closest(context: Context) -> None:
    """Before falling back on what the vendor's units usually use, name the listed models of that
    vendor spelt most like the one typed: it may be one of them, mistyped."""
    import difflib

    if context.vendor is None or len(context.name.compact) < 4:
        return
    names = {normalize(row.row.model): row.row.model for row in context.lists.all_rows(context.vendor.id)}
    if context.name.compact in names:
        return  # listed, for another connection: the reasons say which rows did not fit
    close = difflib.get_close_matches(context.name.compact, list(names), n=3, cutoff=CLOSE_NAME_RATIO)
    if close:
        listed = ", ".join(f"{context.vendor.name} {names[name]}" for name in close)
        context.warnings.append(f"'{context.query}' is not in NUT's hardware list; it is spelt like {listed}: "
                                "if it is one of those, run setup again with that name.")


def _is_the_family(name: ModelName) -> bool:
    """True when the typed series is the family itself, not a more specific series within it
    ("Pulsar EXtreme" is a series of its own within the Pulsar family: its rows come first)."""
    return name.family is not None and len(name.series_key) == 1


def _only_connection(context: Context, options: list[Option], level_name: str) -> str | None:
    """With no port: the one connection the answers of this level use, or the question of which."""
    kinds = {option.connection for option in options}
    local = kinds - {"network"} or kinds
    if len(local) == 1 and "any" not in local:
        kind = local.pop()
        context.reasons.append(f"No port given; {level_name} has only {KIND_NAME[kind]} answers.")
        return kind
    listed = "; ".join(sorted({f"{option.choice.summary()} ({KIND_NAME[option.connection]})" for option in options}))
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
    hint = " or ".join(PORT_HINT[kind] for kind in has) or "another port"
    return InvalidInput(f"the {family.name} series has no {KIND_NAME[connection]} port "
                        f"({'; '.join(KIND_NAME[kind] for kind in has) or 'no other port known'} only, "
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


def _most_specific(context: Context, exact: list[RowMatch]) -> list[RowMatch]:
    """Rows named exactly by a part of the typed name ("T750" of "HP T750 G2") give way to rows named
    exactly by a longer name that contains it ("T750 G2"), when those fit the connection."""
    fitting = {normalize(match.name) for match in exact if fits(match.connection, context.connection)}
    return [match for match in exact
            if not any(len(other) > len(normalize(match.name)) and normalize(match.name) in other for other in fitting)]


_REVISION_WORDS = ("older", "newer")


def _other_revisions(context: Context, exact: list[RowMatch]) -> list[Option]:
    """An exact row that covers only the older (or newer) units of a model ("HP T500 / T750, older
    models"), and no other row of that model on the connection: the rows of the same model with a
    further name part ("T750 G2", "T750 INTL") are the other revisions, and compete with it; the
    revision decides."""
    typed = context.name.compact
    named = [match for match in exact if normalize(match.name) == typed and fits(match.connection, context.connection)]
    if not named or context.name.vendor is None or \
            not all(any(word in match.row.extra.lower() for word in _REVISION_WORDS) for match in named):
        return []
    known = {_row_key(match.row) for match in exact}
    indexes = context.lists.indexes()
    found = []
    for index in indexes:
        for name in index.names_of(context.name.vendor):
            compact, key = name.parsed.compact, _row_key(name.row)
            match = RowMatch(name.row, "model", 0, name.text, index.hcl)
            if key not in known and compact.startswith(typed) and len(compact) > len(typed) and \
                    fits(match.connection, context.connection):
                known.add(key)
                found.append(match)
    options = [row_option(context, match, "hcl") for match in found]
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
        option = row_option(context, match, "series")
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
    return [port_option(context, serial, "serial", f"NUT's hardware list over USB ({rows})")]


def _family_options(context: Context, families: list[Family]) -> list[Option]:
    """The family knowledge for each connection it documents (the first family that has it)."""
    options, seen = [], set()
    for family in families:
        for kind, port in family.ports.items():
            if port is None or kind in seen or not port.fits_capacity(context.name.capacity):
                continue
            seen.add(kind)
            options.append(port_option(context, port, kind, f"the {family.name} family ({family.source})"))
    return options


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
        return [port_option(context, card.choice, "network", f"the {card.name} ({card.choice.source})")] if card else []
    if card is not None:
        return []
    if source == "family":
        lineage = context.families.lineage(context.name.family) if context.name.family else []
        family = next((family for family in lineage if family.port("network")), None)
        return [port_option(context, family.port("network"), "network",
                            f"the {family.name} family ({family.source})")] if family else []
    facts = context.families.vendor_facts(context.name.vendor)
    default = facts.defaults.get("network") if facts is not None else None
    if default is None or context.vendor is None:
        return []
    return [port_option(context, default, "network", f"{context.vendor.name}'s network cards ({default.source})")]


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


# ---------------------------------------------------------------------------- the answer


# ---------------------------------------------------------------------------- nothing found


def _model_reason(query: str, vendor: Vendor | None, rest: str, name: ModelName, vendor_id: str | None) -> str:
    parts = name.describe()
    if vendor is None:
        return f"'{query}' names no known vendor; matching the model name alone ({parts})."
    if vendor_id is None:
        return f"'{query}' is the {vendor.name} {name.family.name if name.family else ''} series ({parts})."
    return f"'{query}' is vendor {vendor.name}, model '{rest or '(none given)'}' ({parts})."
