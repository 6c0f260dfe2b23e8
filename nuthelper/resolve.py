"""Resolution: a model as a person types it, an optional cable and port → a recommendation.

The recommendation names the driver, its options and port, how certain that is, the reasons
step by step and the ranked alternatives. It never produces configuration text; that is
``nuthelper.render``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nuthelper.errors import Ambiguous, InvalidInput, NotFound
from nuthelper.knowledge.cables import Cable, CableBase, DriverRule, Vendor, load_cables
from nuthelper.knowledge.disconnect import CableLoss, cable_losses, loss_warnings
from nuthelper.knowledge.drivers import prefer_installed
from nuthelper.knowledge.genericups import written_signals
from nuthelper.knowledge.hcl import HCL, DriverChoice, HclEntry, default_hcl
from nuthelper.knowledge.names import normalize
from nuthelper.knowledge.ports import connection_kind, entries_for_port

USB_PORT = "auto"
KIND_WORDS = {
    "serial-protocol": "a serial data-protocol cable",
    "contact-closure": "a contact-closure (signal-line) cable",
    "usb": "a USB cable",
    "management-console": "a management card console cable",
}


class SerialPortNeeded(InvalidInput):
    """``--port auto`` was given for a serial connection: probing must find the device."""


class NotMonitoringCable(NotFound):
    """The cable reaches a management card's console: it cannot monitor the UPS."""


@dataclass
class Choice:
    """One way to drive the UPS: a driver, its settings, and why."""

    driver: str
    options: dict[str, str]
    flags: list[str]
    port: str | None
    cable: Cable | None
    confidence: str
    confirmed: bool
    because: str
    cable_title: str | None = None
    source: str = ""

    @classmethod
    def from_rule(cls, rule: DriverRule, cable: Cable | None, port: str | None) -> Choice:
        return cls(rule.driver, dict(rule.options), list(rule.flags), rule.port or port, cable,
                   rule.confidence, rule.confirmed, rule.because)

    def cable_label(self) -> str:
        """The cable in words: a documented cable with its id, or a cable named by NUT's hardware list."""
        if self.cable is not None:
            return f"{self.cable.title} ({self.cable.id})"
        return self.cable_title or ""

    def summary(self) -> str:
        words = [self.driver, *(f"{key}={value}" for key, value in self.options.items()), *self.flags]
        return " ".join(words)

    def to_dict(self) -> dict[str, Any]:
        return {
            "driver": self.driver,
            "options": dict(self.options),
            "flags": list(self.flags),
            "port": self.port,
            "cable": cable_ref(self.cable, self.cable_title),
            "confidence": self.confidence,
            "confirmed": self.confirmed,
            "because": self.because,
        }


@dataclass
class Recommendation:
    """The answer to "which driver, options and port for this UPS?"."""

    query: str
    vendor: Vendor | None
    model: str
    choice: Choice
    reasons: list[str]
    alternatives: list[Choice] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cable_loss: list[CableLoss] = field(default_factory=list)  # genericups only: a loose cable's reading

    @property
    def driver(self) -> str:
        return self.choice.driver

    @property
    def port(self) -> str | None:
        return self.choice.port

    @property
    def cable(self) -> Cable | None:
        return self.choice.cable

    @property
    def display_model(self) -> str:
        """Vendor and model as a person would write them."""
        if self.vendor is None:
            return self.query.strip()
        return f"{self.vendor.name} {self.model}".strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": {"query": self.query, "vendor": self.vendor.name if self.vendor else None,
                      "name": self.model},
            "driver": self.choice.driver,
            "port": self.choice.port,
            "options": dict(self.choice.options),
            "flags": list(self.choice.flags),
            "cable": cable_ref(self.choice.cable, self.choice.cable_title),
            "confidence": self.choice.confidence,
            "confirmed": self.choice.confirmed,
            "reasons": list(self.reasons),
            "warnings": list(self.warnings),
            "alternatives": [alternative.to_dict() for alternative in self.alternatives],
            "cable_loss": [loss.to_dict() for loss in self.cable_loss],
        }


def cable_ref(cable: Cable | None, title: str | None = None) -> dict[str, str | None] | None:
    """``{"id", "title"}`` of the cable an answer rests on (id null for a cable only the HCL names)."""
    if cable is not None:
        return {"id": cable.id, "title": cable.title}
    return {"id": None, "title": title} if title else None


def check_line(value: str, flag: str) -> str:
    """A one-line text flag, stripped; line breaks and control characters are refused."""
    value = value.strip()
    if any(char in value for char in "\r\n\t") or any(ord(char) < 0x20 for char in value):
        raise InvalidInput(f"{flag} contains a line break or control character: give it on one line")
    return value


def resolve(model: str, cable: str | None = None, port: str | None = None, *,
            knowledge: CableBase | None = None, hcl: HCL | None = None,
            driver_path: str | None = None) -> Recommendation:
    """Recommend a driver, options and port for ``model`` (and ``cable``/``port`` when known).

    The documented cables decide first; NUT's hardware list decides when no cable entry does.
    Installed drivers are preferred, deprecated ones replaced by their maintained successor, and
    known defects of the installed driver worked around.
    """
    recommendation = _resolve(model, cable, port, knowledge, hcl, driver_path)
    work_around_driver_defects(recommendation, driver_path)
    judge_cable_loss(recommendation)
    return recommendation


def judge_cable_loss(recommendation: Recommendation, losses: list[CableLoss] | None = None) -> None:
    """For genericups: what the driver reports when the cable comes off the computer, and (when the
    cable's wiring is known) off the UPS; each outcome becomes a warning in the section."""
    if losses is None:
        losses = _cable_losses(recommendation)
    recommendation.cable_loss = losses
    recommendation.warnings.extend(loss_warnings(losses))


def _cable_losses(recommendation: Recommendation) -> list[CableLoss]:
    if recommendation.driver != "genericups":
        return []
    signals = written_signals(recommendation.choice.options)
    if signals is None:
        return []
    wiring = recommendation.cable.wiring if recommendation.cable is not None else None
    held_on = None
    if wiring and recommendation.cable.kind == "contact-closure":
        from nuthelper.knowledge.derive import inputs_held_on
        held_on = inputs_held_on(wiring, {line for line, high in signals.cp or () if high})
    return cable_losses(signals, held_on)


def work_around_driver_defects(recommendation: Recommendation, driver_path: str | None = None) -> None:
    """Add the settings a known defect of the installed driver needs (driver-defects.json) to the
    choice and the alternatives, saying why for the choice."""
    from nuthelper.knowledge.defects import workarounds

    for alternative in recommendation.alternatives:
        for key, value in workarounds(alternative.driver, driver_path)[0].items():
            alternative.options.setdefault(key, value)
    settings, reasons, warnings = workarounds(recommendation.driver, driver_path)
    choice = recommendation.choice
    added = {key: value for key, value in settings.items() if key not in choice.options}
    choice.options.update(added)
    if added:
        note = " ".join(f"{key}={value}" for key, value in added.items()) + \
            f" works around a defect of the installed {choice.driver}"
        choice.because = f"{choice.because}; {note}" if choice.because else note
    recommendation.reasons.extend(reasons)
    recommendation.warnings.extend(warnings)


def _resolve(model: str, cable: str | None, port: str | None, knowledge: CableBase | None, hcl: HCL | None,
             driver_path: str | None) -> Recommendation:
    knowledge = knowledge or load_cables()
    query = check_line(model, "--model")
    if not normalize(query):
        raise InvalidInput("--model is empty: give the UPS model as printed on it, e.g. 'APC Smart-UPS 1500'")
    if port is not None:
        port = check_line(port, "--port")
        if not port:
            raise InvalidInput("--port is empty: give a device such as /dev/ttyS0, or 'auto' for USB")
    vendor, rest = knowledge.split_vendor(query)
    reasons = [_model_reason(query, vendor, rest)]
    if cable is not None:
        cable_text = check_line(cable, "--cable")
        try:
            found = knowledge.find_cable(cable_text)
        except NotFound as missing:
            rows = _hcl_rows_for_cable(hcl or default_hcl(), cable_text, vendor)
            if not rows:
                raise missing
            reasons.append(f"--cable '{cable_text}' is not in the cable knowledge base, but NUT's hardware "
                           f"list names it in {len(rows)} row(s).")
            return _from_hcl(query, vendor, rest, rows, port, reasons, driver_path, hcl or default_hcl(),
                             f"{cable_text} (named by NUT's hardware list)")
        reasons.append(f"--cable '{cable_text}' is the documented '{found.title}' ({found.id}), "
                       f"{KIND_WORDS[found.kind]}.")
    else:
        try:
            found = _cable_for_model(knowledge, query, vendor, rest, port, reasons)
            hcl = hcl or default_hcl()
            rows = _hcl_rows_for_model(hcl, vendor, rest, query)
            if found.fit_for(vendor, rest or query) == "pattern" and rows and \
                    not any(connection_kind(row) in ("serial", "any") for row in rows):
                raise NotFound(f"the {found.title} fits '{query}' only by a name pattern, and NUT's hardware "
                               "list names the model with no serial connection")
        except NotFound as missing:
            hcl = hcl or default_hcl()
            rows = _hcl_rows_for_model(hcl, vendor, rest, query)
            if not rows:
                closest = _closest_anywhere(query, missing.details.get("candidates", []))
                hint = f"closest known: {', '.join(closest)}" if closest else "see 'nut-helper lookup'"
                raise NotFound(f"model '{query}' is neither in the cable knowledge base nor in NUT's hardware "
                               f"list ({hint}); pass --cable if you know which cable joins it to the computer",
                               details={"candidates": closest}) from None
            reasons.append(f"No documented cable names '{rest or query}'; NUT's hardware list has "
                           f"{len(rows)} row(s) for it.")
            return _from_hcl(query, vendor, rest, rows, port, reasons, driver_path, hcl, None)
        if port is None and found.kind != "usb":
            _refuse_when_usb_also_listed(query, vendor, rest, found, hcl or default_hcl())
    recommendation = _from_cable(query, vendor, rest, found, port, reasons)
    _prefer_installed_driver(recommendation, driver_path)
    return recommendation


def _refuse_when_usb_also_listed(query: str, vendor: Vendor | None, rest: str, cable: Cable, hcl: HCL) -> None:
    """With no port, a model that NUT lists over USB too is ambiguous: the port decides."""
    rows = _hcl_rows_for_model(hcl, vendor, rest, query)
    drivers = sorted({choice.driver for row in rows if connection_kind(row) == "usb" for choice in row.drivers})
    if drivers:
        raise Ambiguous(f"'{query}' connects through the {cable.title} (serial) or over USB ({', '.join(drivers)}, "
                        "per NUT's hardware list): pass --port auto for USB, or the serial device "
                        "(e.g. --port /dev/ttyS0)",
                        details={"candidates": [cable.id, *drivers], "decided_by": ["--port"]})


def _closest_anywhere(query: str, cable_candidates: list[str]) -> list[str]:
    """Closest known models: those near a documented cable's models, then a search of NUT's hardware list."""
    from nuthelper.knowledge.search import search

    found = list(cable_candidates)
    found += [f"{match.entry.manufacturer} {match.matched_name}" for match in search(query, limit=5)
              if match.kind == "hcl"]
    return list(dict.fromkeys(found))[:6]


def _hcl_rows_for_model(hcl: HCL, vendor: Vendor | None, rest: str, query: str) -> list[HclEntry]:
    """Hardware-list rows for the model; when the vendor's name swallowed part of the model
    ("Eaton Powerware 9125"), the whole text is tried as well."""
    return hcl.models_for(vendor.id if vendor else None, rest or query) or hcl.models_for(None, query)


def _hcl_rows_for_cable(hcl: HCL, part: str, vendor: Vendor | None) -> list[HclEntry]:
    rows = hcl.entries_for_cable(part)
    if vendor is not None:
        rows = [row for row in rows if row.vendor_id == vendor.id] or rows
    return rows


def _from_hcl(query: str, vendor: Vendor | None, rest: str, rows: list[HclEntry], port: str | None,
              reasons: list[str], driver_path: str | None, hcl: HCL, cable_title: str | None) -> Recommendation:
    """A recommendation from NUT's hardware list rows: the port decides between serial and USB rows."""
    fitting = entries_for_port(rows, port)
    if not fitting:
        kinds = " and ".join(sorted({connection_kind(row) for row in rows}))
        raise InvalidInput(f"NUT's hardware list has only {kinds} entries for '{query}', which do not fit "
                           f"--port {port}: pass {'--port auto' if 'usb' in kinds else 'a serial device as --port'}")
    candidates: dict[tuple, tuple[Choice, list[str], str]] = {}
    for row in sorted(fitting, key=lambda row: -row.support_level):
        chosen, notes = prefer_installed(row.drivers, driver_path)
        kind = connection_kind(row)
        extra = f" ({row.extra})" if row.extra else ""
        choice = Choice(chosen.driver, dict(chosen.options), list(chosen.flags),
                        chosen.port or port or ("auto" if kind == "usb" else None), None, "hcl", True,
                        f"NUT's hardware list: {row.manufacturer} {row.model}{extra} -> {row.driver_text}, "
                        f"support level {row.support_level} of 5", cable_title,
                        f"NUT hardware list {hcl.source}, line {row.line}")
        if chosen.optional_options:
            notes = notes + ["the list says some units may also need: " + " ".join(
                f"{key}={value}" for key, value in chosen.optional_options.items())]
        candidates.setdefault((choice.driver, tuple(choice.options.items()), tuple(choice.flags), choice.port),
                              (choice, notes, kind))
    ranked = list(candidates.values())
    kinds = {kind for _, _, kind in ranked}
    if port is None and len(ranked) > 1 and {"serial", "usb"} <= kinds:
        listed = "; ".join(f"{choice.summary()} ({kind})" for choice, _, kind in ranked)
        raise Ambiguous(f"NUT's hardware list has serial and USB variants of '{query}': {listed}; pass --port auto "
                        "for the USB one, or the serial device (e.g. --port /dev/ttyS0)",
                        details={"candidates": [choice.to_dict() for choice, _, _ in ranked], "decided_by": ["--port"]})
    choice, notes, kind = ranked[0]
    reasons.append(f"{choice.summary()}: {choice.because}.")
    reasons.extend(f"{note[0].upper()}{note[1:]}." for note in notes)
    if len(ranked) > 1:
        reasons.append("Other rows: " + "; ".join(other.summary() for other, _, _ in ranked[1:]) + ".")
    if kind == "network" and choice.port is None:
        raise InvalidInput(f"'{query}' is reached over the network: pass its address as --port (e.g. --port 192.0.2.10)")
    if kind in ("serial", "any") and choice.port != USB_PORT:
        choice.port = check_port(choice.port, f"'{query}'")
    reasons.append(f"Port {choice.port}" + (", as given." if port else ": the driver finds the USB device itself."))
    return Recommendation(query, vendor, rest, choice, reasons, [other for other, _, _ in ranked[1:]], [])


def _prefer_installed_driver(recommendation: Recommendation, driver_path: str | None) -> None:
    """Swap a deprecated driver for its installed successor, or warn that the driver is missing."""
    choice = recommendation.choice
    chosen, notes = prefer_installed([DriverChoice(choice.driver, dict(choice.options), tuple(choice.flags))],
                                     driver_path)
    if chosen.driver != choice.driver:
        choice.driver = chosen.driver
        recommendation.reasons.extend(f"{note[0].upper()}{note[1:]}." for note in notes)
    elif notes:
        recommendation.warnings.extend(f"{note[0].upper()}{note[1:]}." for note in notes)


def _model_reason(query: str, vendor: Vendor | None, rest: str) -> str:
    if vendor is None:
        return f"'{query}' names no known vendor; matching the model name alone."
    return f"'{query}' is vendor {vendor.name}, model '{rest or '(none given)'}'."


def _first_rule_summary(cable: Cable, model: str) -> str | None:
    try:
        return _rules_for(cable, model)[0].summary()
    except NotFound:
        return None


def _cable_for_model(knowledge: CableBase, query: str, vendor: Vendor | None, rest: str,
                     port: str | None, reasons: list[str]) -> Cable:
    """The one documented cable that fits the model, or a not-found/ambiguous error."""
    model = rest or query
    fitting = [cable for cable in knowledge.cables
               if (vendor is None or cable.vendor.id == vendor.id)
               and cable.fit_for(vendor, model) in ("named", "pattern")]
    builtin = [cable for cable in fitting if knowledge.is_builtin(cable)]
    fitting = builtin or fitting  # a knowledge pack never overrides a built-in answer
    if port is not None:
        wants_usb = port == USB_PORT
        fitting = [cable for cable in fitting if (cable.kind == "usb") == wants_usb]
    if len(fitting) == 1:
        return fitting[0]
    if len({_first_rule_summary(cable, model) for cable in fitting} - {None}) == 1:
        others = ", ".join(cable.title for cable in fitting[1:])
        reasons.append(f"Several documented cables fit '{model}' and all give the same driver; "
                       f"using the {fitting[0].title} (also: {others}).")
        return fitting[0]
    if fitting:
        listed = ", ".join(f"{cable.id} ({KIND_WORDS[cable.kind]})" for cable in fitting)
        raise Ambiguous(f"several documented cables fit '{query}': {listed}; pass --cable with one of "
                        "these ids, or --port (auto for USB, a /dev path for serial)",
                        details={"candidates": [cable.id for cable in fitting], "decided_by": ["--cable", "--port"]})
    closest = _closest_models(knowledge, vendor, model)
    hint = f"closest known: {', '.join(closest)}" if closest else "see 'nut-helper cables list'"
    raise NotFound(f"model '{query}' is not in the cable knowledge base ({hint}); "
                   "pass --cable if you know which cable joins it to the computer",
                   details={"candidates": closest})


def _closest_models(knowledge: CableBase, vendor: Vendor | None, model: str) -> list[str]:
    import difflib

    known = {normalize(f"{owner.name} {name}"): f"{owner.name} {name}"
             for owner, name in knowledge.known_models() if vendor is None or owner.id == vendor.id}
    known.update({normalize(name): f"{owner.name} {name}"
                  for owner, name in knowledge.known_models() if vendor is None or owner.id == vendor.id})
    wanted = normalize(f"{vendor.name} {model}") if vendor else normalize(model)
    matches = difflib.get_close_matches(wanted, known, n=8, cutoff=0.4)
    if vendor is not None:
        matches += difflib.get_close_matches(normalize(model), known, n=8, cutoff=0.4)
    return list(dict.fromkeys(known[match] for match in matches))[:5]


def _from_cable(query: str, vendor: Vendor | None, rest: str, cable: Cable, port: str | None,
                reasons: list[str]) -> Recommendation:
    warnings = list(cable.warnings)
    model = rest or query
    twin = cable.same_wiring_as
    if twin is not None:
        reasons.append(f"The document says it is wired like the {twin.title} ({twin.id}).")
    confidence_cap = _fit_reasons(cable, vendor, model, reasons, warnings)
    if cable.kind == "management-console":
        _refuse_console_cable(cable)
    rules = _rules_for(cable, model)
    chosen, *others = rules
    choice = Choice.from_rule(chosen, cable, port)
    if confidence_cap and choice.confidence == "documented":
        choice.confidence = confidence_cap
    reasons.append(f"{choice.summary()}: {chosen.because or 'documented for this cable'}.")
    if not chosen.confirmed:
        warnings.append(f"Unconfirmed: nobody has reported {chosen.driver} working with the {cable.title}; "
                        "treat it as a candidate and test it before relying on it.")
    if others:
        reasons.append("Other candidates: " + "; ".join(rule.summary() for rule in others) + ".")
    choice.port = _port_for(cable, chosen, port, reasons)
    alternatives = [Choice.from_rule(rule, cable, choice.port if not rule.port else None) for rule in others]
    return Recommendation(query, vendor, rest, choice, reasons, alternatives, warnings)


def _fit_reasons(cable: Cable, vendor: Vendor | None, model: str, reasons: list[str],
                 warnings: list[str]) -> str | None:
    """Explain how the model fits the cable; return a lower confidence when the fit is not documented."""
    if vendor is not None and vendor.id != cable.vendor.id:
        warnings.append(f"The {cable.title} is documented for {cable.vendor.name} UPSes, not {vendor.name}.")
    fit = cable.fit_for(vendor, model)
    if fit == "named":
        reasons.append(f"'{model}' is named among the models documented for this cable.")
        return None
    if fit == "pattern":
        patterns = ", ".join(cable.fits.get("patterns", []))
        reasons.append(f"'{model}' matches the documented model pattern {patterns}.")
        return None
    if fit == "vendor":
        families = "; ".join(cable.fits.get("families", [])) or f"various {cable.vendor.name} models"
        reasons.append(f"The document gives this cable for {families}; '{model}' is not named there "
                       f"but is a {cable.vendor.name} model.")
        return None
    warnings.append(f"'{model}' is not among the models documented for the {cable.title}: "
                    "make sure this is the cable that came with the UPS.")
    return "inferred"


def _refuse_console_cable(cable: Cable) -> None:
    instead = "; ".join(f"{rule.driver} ({rule.because})" if rule.because else rule.driver
                        for rule in cable.use_instead)
    raise NotMonitoringCable(
        f"the {cable.title} connects to a Network Management Card's console port, not to the UPS's "
        f"monitoring port, so no serial ups.conf section can come from it; monitor the UPS through the "
        f"card over the network instead: {instead}",
        details={"use_instead": [Choice.from_rule(rule, None, None).to_dict() for rule in cable.use_instead]})


def _rules_for(cable: Cable, model: str) -> list[DriverRule]:
    """The cable's driver rules for this model: those naming it first, then the general ones,
    each group in the order of preference cables.json gives."""
    specific = [rule for rule in cable.drivers if rule.models and rule.applies_to(model)]
    general = [rule for rule in cable.drivers if not rule.models]
    if specific or general:
        return specific + general
    if not cable.drivers:
        why = f": {cable.notes[0]}" if cable.notes else ""
        raise NotFound(f"no driver is documented for the {cable.title}{why} Pass the cable that joins it to the UPS "
                       "as --cable.")
    families = "; ".join(f"{', '.join(rule.models)} → {rule.summary()}" for rule in cable.drivers)
    models = sorted({model for rule in cable.drivers for model in rule.models})
    raise Ambiguous(f"with the {cable.title} the driver depends on the UPS model ({families}); "
                    f"pass --model with one of: {', '.join(models)}",
                    details={"candidates": [Choice.from_rule(rule, cable, None).to_dict() for rule in cable.drivers],
                             "decided_by": ["--model"]})


def check_port(port: str | None, what: str) -> str:
    """A serial device path for ``what``: given, absolute, and not something that is no device."""
    import os
    import stat

    if port is None:
        raise InvalidInput(f"{what} is a serial connection: pass --port with the serial device it is plugged into, "
                           "e.g. --port /dev/ttyS0 or a /dev/serial/by-id/... path")
    if port == USB_PORT:
        raise SerialPortNeeded(f"--port auto finds USB devices, but {what} is a serial connection: "
                               "pass the serial device, e.g. --port /dev/ttyS0")
    if not port.startswith("/"):
        raise InvalidInput(f"--port '{port}' is not a device path: give an absolute path such as /dev/ttyS0")
    try:
        mode = os.stat(port).st_mode
    except OSError:
        return port  # not on this machine (yet): a configuration for another system is fine
    if not stat.S_ISCHR(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "a regular file" if stat.S_ISREG(mode) else "not a device"
        raise InvalidInput(f"--port {port} is {kind}, not a serial device: give the device the cable is plugged into")
    return port


def _port_for(cable: Cable, rule: DriverRule, port: str | None, reasons: list[str]) -> str:
    if rule.port:
        if port not in (None, rule.port):
            raise InvalidInput(f"the {cable.title} needs port = {rule.port} (the driver finds the device "
                               f"itself), not '{port}': drop --port or pass --port {rule.port}")
        reasons.append(f"Port '{rule.port}': {rule.driver} finds the UPS on the bus by itself.")
        return rule.port
    port = check_port(port, f"the {cable.title}")
    reasons.append(f"Port {port}, as given.")
    return port
