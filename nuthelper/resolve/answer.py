"""From the options of the level that decides to a ``Recommendation``: the heaviest option, its
rivals and what decides between them, the port; and the error when nothing fits."""

from __future__ import annotations

from nuthelper.errors import Ambiguous, InvalidInput, NotFound, NutHelperError, candidate, choice_candidate
from nuthelper.resolve.inputs import USB_PORT, check_port
from nuthelper.resolve.options import KIND_NAME, PORT_HINT, Context, Option, generic_decider
from nuthelper.resolve.recommendation import Choice, Recommendation


CLOSE_RIVAL = 0.5
"""A second driver weighing at least this share of the first is named as equally plausible."""


def answer_from(context: Context, options: list[Option], confidence: str) -> Recommendation:
    """Group the options of the deciding level by driver and settings; the heaviest is the answer."""
    grouped: dict[tuple, list[Option]] = {}
    for option in options:
        grouped.setdefault(option.key, []).append(option)
    ranked = sorted(grouped.values(), key=lambda group: -sum(option.weight for option in group))
    best = ranked[0][0]
    if best.needs == "cable":
        listed = "; ".join(f"{alt.cable_label()} -> {alt.summary()}" for alt in best.alternatives)
        raise Ambiguous(f"'{context.query}' on a {KIND_NAME[best.connection]} port: {best.choice.because}; pass "
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
        what = decides or generic_decider(best.connection if best.connection != "any" else context.connection)
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


def _port_for(context: Context, choice: Choice, connection: str | None) -> str:
    """The ups.conf port: the driver's own (``auto`` for USB), the serial device, or the card's address."""
    if choice.port:
        if choice.port.startswith("/") and context.connection == "serial" and context.port not in (None, choice.port):
            port = check_port(context.port, f"'{context.query}' ({choice.summary()})")
            context.reasons.append(f"Port {port}, as given: NUT's hardware list writes port = {choice.port} for these "
                                   "units, the device their USB-to-serial converter usually is.")
            return port
        if context.port not in (None, choice.port) and context.connection != "usb":
            raise InvalidInput(f"{choice.driver} needs port = {choice.port}, not '{context.port}': drop --port")
        context.reasons.append(f"Port {choice.port}: set by NUT's hardware list for {choice.driver}.")
        return choice.port
    if connection == "usb":
        given = f" (not {context.port}, a USB device node the driver does not read)" \
            if context.port not in (None, USB_PORT) else ""
        context.reasons.append(f"Port auto{given}: the driver finds the USB device itself.")
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


def not_found(context: Context, elsewhere: list[Option]) -> NutHelperError:
    """Nothing fits: say what almost did (the series over another connection), else the closest names."""
    if elsewhere and context.connection:
        kinds = sorted({option.connection for option in elsewhere if option.connection != "any"})
        drivers = ", ".join(dict.fromkeys(option.choice.summary() for option in elsewhere))
        where = " or ".join(KIND_NAME[kind] for kind in kinds) or "another connection"
        hint = " or ".join(PORT_HINT[kind] for kind in kinds) or "another port"
        series = context.name.family.name if context.name.family else context.name.text
        return InvalidInput(f"'{context.query}' is known only over {where}, not on a {KIND_NAME[context.connection]} "
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
    port = f" on a {KIND_NAME[context.connection]} port" if context.connection else ""
    return NotFound(f"model {who} is neither in the cable knowledge base nor in NUT's hardware list, and nothing "
                    f"is known of {context.vendor.name}'s units{port} ({hint}); pass --cable if you know which cable "
                    "joins it to the computer", details={"candidates": [candidate("model", name) for name in closest]})
