"""Answers from the cable knowledge base (cables.json): the cable a person names, or the
documented cable that names their model."""

from __future__ import annotations

from nuthelper.errors import Ambiguous, InvalidInput, NotFound, cable_candidate, choice_candidate
from nuthelper.knowledge.cables import Cable, CableBase, DriverRule, Vendor
from nuthelper.knowledge.names import normalize
from nuthelper.resolve.inputs import check_port
from nuthelper.resolve.recommendation import Choice, Recommendation

KIND_WORDS = {
    "serial-protocol": "a serial data-protocol cable",
    "contact-closure": "a contact-closure (signal-line) cable",
    "usb": "a USB cable",
    "management-console": "a management card console cable",
}


class NotMonitoringCable(NotFound):
    """The cable reaches a management card's console: it cannot monitor the UPS."""


def _first_rule_summary(cable: Cable, model: str) -> str | None:
    try:
        return rules_for(cable, model)[0].summary()
    except NotFound:
        return None


def cables_fitting(knowledge: CableBase, vendor: Vendor | None, model: str, connection: str | None,
                   fits: tuple[str, ...] = ("named",)) -> list[Cable]:
    """The documented cables that fit the model in one of the ways ``fits`` allows ("named",
    "pattern") and suit the connection: the cable's vendor must be the model's (a cable of
    another maker never fits by a shared number), and a knowledge pack never overrides a
    built-in answer."""
    if vendor is None:
        return []
    fitting = [cable for cable in knowledge.cables
               if cable.vendor.id == vendor.id and cable.fit_for(vendor, model) in fits]
    fitting = [cable for cable in fitting if knowledge.is_builtin(cable)] or fitting
    if connection == "usb":
        fitting = [cable for cable in fitting if cable.kind == "usb"]
    elif connection in ("serial", "network"):
        fitting = [cable for cable in fitting if cable.kind != "usb"]
    return fitting


def one_cable(fitting: list[Cable], query: str, model: str, reasons: list[str]) -> Cable:
    """The cable to answer with when several fit: the one, or the first when all give the same
    driver; otherwise the question is the user's."""
    if len(fitting) == 1:
        return fitting[0]
    if len({_first_rule_summary(cable, model) for cable in fitting} - {None}) == 1:
        others = ", ".join(cable.title for cable in fitting[1:])
        reasons.append(f"Several documented cables fit '{model}' and all give the same driver; "
                       f"using the {fitting[0].title} (also: {others}).")
        return fitting[0]
    listed = ", ".join(f"{cable.id} ({KIND_WORDS[cable.kind]})" for cable in fitting)
    raise Ambiguous(f"several documented cables fit '{query}': {listed}; pass --cable with one of "
                    "these ids, or --port (auto for USB, a /dev path for serial)",
                    details={"candidates": [cable_candidate(cable) for cable in fitting],
                             "decided_by": ["--cable", "--port"]})


def closest_models(knowledge: CableBase, vendor: Vendor | None, model: str) -> list[str]:
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


def from_cable(query: str, vendor: Vendor | None, rest: str, cable: Cable, port: str | None,
                reasons: list[str]) -> Recommendation:
    warnings = list(cable.warnings)
    model = rest or query
    twin = cable.same_wiring_as
    if twin is not None:
        reasons.append(f"The document says it is wired like the {twin.title} ({twin.id}).")
    confidence_cap = _fit_reasons(cable, vendor, model, reasons, warnings)
    if cable.kind == "management-console":
        _refuse_console_cable(cable)
    rules = rules_for(cable, model)
    chosen, *others = rules
    choice = Choice.from_rule(chosen, cable, port)
    warnings.extend(chosen.warnings)  # a rule's own warnings belong only to a section that uses it
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
    documented = ", ".join(cable.fits.get("models", [])) or "; ".join(cable.fits.get("families", [])) or \
        f"{cable.vendor.name} UPSes"
    printed = f"that the cable is marked {cable.part_numbers[0]}" if cable.part_numbers else \
        "that this is the cable joining the UPS and the computer"
    warnings.append(f"The {cable.title}'s document names {documented}, and not '{model}' by name: the answer rests "
                    f"on the cable you named, so check {printed}.")
    return "inferred"


def _refuse_console_cable(cable: Cable) -> None:
    instead = "; ".join(f"{rule.driver} ({rule.because})" if rule.because else rule.driver
                        for rule in cable.use_instead)
    raise NotMonitoringCable(
        f"the {cable.title} connects to a Network Management Card's console port, not to the UPS's "
        f"monitoring port, so no serial ups.conf section can come from it; monitor the UPS through the "
        f"card over the network instead: {instead}",
        details={"use_instead": [Choice.from_rule(rule, None, None).to_dict() for rule in cable.use_instead]})


def rules_for(cable: Cable, model: str) -> list[DriverRule]:
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
                    details={"candidates": [choice_candidate(Choice.from_rule(rule, cable, None).to_dict())
                                            for rule in cable.drivers],
                             "decided_by": ["--model"]})


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
