"""Recommendations from evidence outside the knowledge base: the user's own wiring file
(a home-made cable), the genericups type the user knows (``--upstype``) and what probing the
machine found (``--port auto``, ``--probe``)."""

from __future__ import annotations

from collections.abc import Callable

from nuthelper.knowledge.derive import Derivation
from nuthelper.knowledge.names import normalize
from nuthelper.resolve import (Choice, Recommendation, check_line, check_port, judge_cable_loss,
                               work_around_driver_defects)
from nuthelper.errors import InvalidInput, NotFound

HOME_MADE = "UPS on a home-made cable"


def from_wiring(model: str | None, wiring_file: str, port: str | None) -> Recommendation:
    """genericups with the upstype (and override lines) that a user's wiring file derives."""
    from nuthelper.knowledge.user_wiring import derive_from_file

    derivation = derive_from_file(wiring_file)
    query = check_line(model, "--model") if model else HOME_MADE
    if not normalize(query):
        query = HOME_MADE
    if derivation.upstype is None:
        raise InvalidInput(f"--wiring {wiring_file}: the wiring gives no usable genericups signals "
                           f"({'; '.join(derivation.problems) or 'no status line is wired'}); fix the file")
    choice = Choice("genericups", wiring_options(derivation), [], check_port(port, "the home-made cable"),
                    None, "inferred", True, _wiring_because(derivation),
                    cable_title=f"home-made cable described in {wiring_file}", source=wiring_file)
    reasons = [f"--wiring {wiring_file} describes a home-made contact-closure cable.", *derivation.reasons,
               f"{choice.summary()}: {choice.because}.", f"Port {choice.port}, as given."]
    warnings = [f"Wiring problem: {problem}" for problem in derivation.problems]
    recommendation = Recommendation(query, None, query, choice, reasons, [], warnings)
    judge_cable_loss(recommendation, derivation.cable_losses())
    return recommendation


def from_upstype(model: str | None, number: int, port: str | None, driver_path: str | None = None) -> Recommendation:
    """genericups with the type the user names (``setup --upstype N``), judged like any genericups
    answer: the type's known disagreements between manual and driver, a loose cable's reading, the
    installed driver and its defects. It is the user's word, which nothing here can check, so
    its confidence is "inferred"."""
    from nuthelper.knowledge.genericups import load_table
    from nuthelper.resolve.finish import prefer_installed_driver

    try:
        ups_type = load_table().get(number)
    except NotFound as unknown:
        raise InvalidInput(f"--upstype {number}: {unknown.message}") from None
    query = check_line(model, "--model") if model else ""
    if not normalize(query):
        query = f"UPS of genericups type {number}"
    given = f"--upstype {number}"
    choice = Choice("genericups", {"upstype": str(number)}, [], check_port(port, f"genericups type {number}"),
                    None, "inferred", True, f"{given} as given: {ups_type.driver_label}, {ups_type.signals.format()}",
                    source=f"{given} on the command line")
    reasons = [f"{given} names genericups type {number} ({ups_type.driver_label}); nut-helper takes the type as "
               "given: neither the model nor a cable confirms it.",
               f"{choice.summary()}: signals {ups_type.signals.format()}.", f"Port {choice.port}, as given."]
    warnings = [f"Type {number}: {disagreement.sentence(ups_type.signals)}."
                for disagreement in ups_type.manual_disagreements]
    warnings.append(f"Nothing but {given} says this is type {number}: before relying on it, pull the UPS's mains "
                    "plug and check that upsc reports OB (on battery), then LB (low battery) as the battery runs down.")
    recommendation = Recommendation(query, None, query, choice, reasons, [], warnings, connection="serial")
    prefer_installed_driver(recommendation, driver_path)
    work_around_driver_defects(recommendation, driver_path)
    judge_cable_loss(recommendation)
    return recommendation


def wiring_options(derivation: Derivation) -> dict[str, str]:
    """upstype first, then the override lines genericups reads after it."""
    return {"upstype": str(derivation.upstype), **derivation.overrides}


def _wiring_because(derivation: Derivation) -> str:
    signals = derivation.signals.format()
    if derivation.overrides:
        return (f"the wiring gives {signals}; no genericups type has exactly that, so type "
                f"{derivation.upstype} is the base and the differing signals are overridden")
    same = ", ".join(str(number) for number in derivation.types[1:])
    also = f" (types {same} behave the same with this cable)" if same else ""
    return f"the wiring gives {signals}, which is genericups type {derivation.upstype}{also}"


def from_auto_port(model: str | None, find: Callable[[], object], driver_path: str | None = None) -> Recommendation:
    """The single UPS probing found on this machine (a USB UPS, or one serial port that answered),
    with the settings a known defect of its installed driver needs."""
    found = find()
    query = check_line(model, "--model") if model else _identified_model(found.identification)
    options = {key: value for key, value in found.options.items() if key != "port"}
    confidence = "usb-id" if found.source == "usb" else "probed"   # the unit itself, by its USB ID or its answer
    choice = Choice(found.driver, options, list(found.flags), found.port, None, confidence, True,
                    f"{found.explanation} ({found.source})", source=f"nut-helper {found.source}")
    reasons = [f"--port auto: {found.explanation}.", f"{choice.summary()} on port {found.port}."]
    if found.alternatives:
        reasons.append("Other drivers for it: " + "; ".join(found.alternatives) + ".")
    recommendation = Recommendation(query, None, query, choice, reasons, [], [])
    work_around_driver_defects(recommendation, driver_path)
    return recommendation


def from_probe(model: str | None, found: object, driver_path: str | None = None) -> Recommendation:
    """The driver a serial unit's answer to the probe names (``setup --probe``), for a model the
    knowledge alone could not answer."""
    query = check_line(model, "--model") if model else _identified_model(found.identification)
    options = {key: value for key, value in found.options.items() if key != "port"}
    heard = f"{found.protocol} at {found.baud} baud" if found.baud else str(found.protocol)
    choice = Choice(found.driver, options, list(found.flags), found.options.get("port", found.port), None, "probed",
                    True, f"the unit on {found.port} answered {heard}", source="nut-helper serial probe")
    reasons = [f"--probe: the unit on {found.port} answered {heard}.", f"{choice.summary()} on port {choice.port}."]
    recommendation = Recommendation(query, None, query, choice, reasons, [], [], connection="serial")
    work_around_driver_defects(recommendation, driver_path)
    return recommendation


def _identified_model(identification: dict[str, str]) -> str:
    words = [identification.get("manufacturer", ""), identification.get("model", "")]
    return " ".join(word.strip() for word in words if word.strip()) or "UPS found by nut-helper"
