"""What the attached unit says: a USB UPS on the bus decides over the model's knowledge.

With ``--port auto`` the USB devices are read even when a model is given. The attached unit's
USB ID names the driver (nuthelper/data/usb-ids.json): it chooses between a series' hardware
revisions, confirms the typed model, or contradicts it, which the answer then says.
"""

from __future__ import annotations

from nuthelper.resolve.families import Families
from nuthelper.resolve.recommendation import Choice, Recommendation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def attached_usb_upses() -> tuple[list[Any], str | None]:
    """The USB UPSes on this machine's bus, and why none could be read (None when the bus was read)."""
    try:
        from nuthelper.probe.udev import list_usb_upses

        return list_usb_upses(), None
    except Exception as error:  # no udev in a container or chroot: answer from the model alone
        return [], f"the USB devices could not be read ({error.__class__.__name__}: {error})"


def apply_usb_evidence(recommendation: Recommendation, upses: list[Any], families: Families,
                       unreadable: str | None = None) -> None:
    """Let the attached USB UPS decide: keep the answer it confirms, switch to the driver its USB ID
    needs, and say when it is not the unit the model names."""
    if unreadable:
        recommendation.reasons.append(f"--port auto: {unreadable}; answering from the model alone.")
        return
    if not upses:
        recommendation.reasons.append("--port auto: no USB UPS is attached now; answering from the model alone "
                                      "(run setup again with the unit plugged in to confirm it by its USB ID).")
        return
    vendor = recommendation.vendor.id if recommendation.vendor else None
    ups = _the_one(upses, vendor, recommendation, families)
    if ups is None:
        listed = ", ".join(f"{u.usb.vendorid}:{u.usb.productid}" for u in upses)
        recommendation.warnings.append(f"Several USB UPSes are attached ({listed}) and none is clearly the "
                                       f"{recommendation.display_model}: the section matches none of them in "
                                       "particular; add vendorid/productid (see 'nut-helper ports').")
        return
    usb_id = f"{ups.usb.vendorid}:{ups.usb.productid}"
    owners = families.vendors_of_usb_id(ups.usb.vendorid)
    facts = families.vendor_facts(vendor)
    own_ids = facts.usb_vendor_ids if facts else ()
    if vendor and ((owners and vendor not in owners) or (own_ids and ups.usb.vendorid.lower() not in own_ids)):
        whose = f"a vendor ID of {', '.join(sorted(owners))}" if owners else "a vendor ID many brands' USB bridges use"
        recommendation.warnings.append(
            f"The attached UPS reports USB ID {usb_id} ({' '.join(filter(None, [ups.usb.vendor, ups.usb.product])) or 'no name'}), "
            f"{whose}, not one of {recommendation.vendor.name}'s ({', '.join(own_ids) or 'none known'}): the section "
            "is made for the attached unit; check the model you gave.")
    choice = recommendation.choice
    options = {key: value for key, value in ups.options.items() if key != "port"}
    if ups.driver == choice.driver:
        recommendation.reasons.append(f"--port auto: the attached unit ({usb_id}) confirms {ups.driver}: {ups.reason}.")
    elif choice.driver in ups.alternatives:
        shared = ", ".join([ups.driver, *ups.alternatives])
        recommendation.reasons.append(f"--port auto: the attached unit's USB ID {usb_id} is used by units that need "
                                      f"different drivers ({shared}); it fits {choice.driver}, and the model "
                                      "decides between them.")
    else:
        was = choice.summary()
        alternative = next((alt for alt in recommendation.alternatives if alt.driver == ups.driver), None)
        chosen = Choice.copy_of(alternative) if alternative else Choice(ups.driver, {}, [], "auto", None, "usb-id",
                                                                        True, ups.reason)
        recommendation.alternatives = [alt for alt in recommendation.alternatives if alt is not alternative]
        recommendation.alternatives.insert(0, choice)
        recommendation.choice = choice = chosen
        recommendation.reasons.append(f"--port auto: the attached unit's USB ID {usb_id} decides: {ups.reason}; "
                                      f"the model alone suggested {was}.")
    if choice.confidence not in ("documented", "hcl") and choice.driver not in ups.alternatives:
        choice.confidence = "usb-id"
    choice.port = "auto"
    choice.options.update(options)
    recommendation.warnings.extend(ups.warnings)
    recommendation.warnings[:] = [w for w in recommendation.warnings if "USB ID confirms the driver" not in w]


def _the_one(upses: list[Any], vendor: str | None, recommendation: Recommendation, families: Families) -> Any:
    if len(upses) == 1:
        return upses[0]
    own = [ups for ups in upses if vendor and vendor in families.vendors_of_usb_id(ups.usb.vendorid)]
    if len(own) == 1:
        return own[0]
    drivers = {recommendation.driver, *(alt.driver for alt in recommendation.alternatives)}
    fitting = [ups for ups in (own or upses) if ups.driver in drivers]
    return fitting[0] if len(fitting) == 1 else None


def apply_probe_evidence(recommendation: Recommendation, result: Any) -> None:
    """Let a serial probe's answer decide (``setup --probe``): it confirms the driver, or names the
    one the unit actually speaks; a unit that does not answer leaves the model's answer, with a note."""
    tried = ", ".join(result.protocols_tried) or "no protocol"
    if result.error or not result.found:
        why = result.error or f"no answer to {tried}"
        recommendation.warnings.append(f"--probe: the unit on {result.port} did not answer ({why}); a contact-closure "
                                       "unit never does: the answer rests on the model alone.")
        return
    from nuthelper.resolve.finish import verification_advice

    stale = verification_advice(recommendation)   # "run setup again with --probe": it has been
    if stale in recommendation.warnings:
        recommendation.warnings.remove(stale)
    choice = recommendation.choice
    options = {key: value for key, value in result.options.items() if key != "port"}
    model = result.identification.get("model")
    heard = f"{result.protocol} at {result.baud} baud" if result.baud else str(result.protocol)
    if result.driver == choice.driver:
        recommendation.reasons.append(f"--probe: the unit on {result.port} answered {heard}"
                                      f"{f' as {model!r}' if model else ''}, which confirms {choice.driver}.")
    else:
        was = choice.summary()
        recommendation.alternatives.insert(0, choice)
        choice = Choice(result.driver, {}, list(result.flags), choice.port, None, "probed", True,
                        f"the unit answered {heard}")
        recommendation.choice = choice
        recommendation.warnings.append(f"--probe: the unit on {result.port} answered {heard}"
                                       f"{f' as {model!r}' if model else ''}, so it needs {result.driver}, not {was} "
                                       "as the model suggested: check the model you gave.")
    if choice.confidence not in ("documented", "hcl"):
        choice.confidence = "probed"
    choice.options.update(options)
    choice.flags = list(dict.fromkeys([*choice.flags, *result.flags]))


def from_usb_alone(model: str, question: Any, attached: list[Any] | None) -> Recommendation:
    """A series whose units differ by USB ID: the one attached unit answers, or the question stands."""
    upses = attached
    if upses is None:
        upses, _ = attached_usb_upses()
    candidates = {entry.get("driver") for entry in question.details.get("candidates", [])}
    fitting = [ups for ups in upses if ups.driver in candidates] or upses
    if len(fitting) != 1:
        raise question
    ups = fitting[0]
    options = {key: value for key, value in ups.options.items() if key != "port"}
    usb_id = f"{ups.usb.vendorid}:{ups.usb.productid}"
    choice = Choice(ups.driver, options, [], "auto", None, "usb-id", True, ups.reason)
    reasons = [f"From the model alone: {question.message}.",
               f"--port auto: the attached unit's USB ID {usb_id} decides: {ups.reason}."]
    return Recommendation(model.strip(), None, model.strip(), choice, reasons, [], list(ups.warnings),
                          connection="usb")
