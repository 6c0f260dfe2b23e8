"""What every answer gets once the driver is chosen: the installed driver preferred, known
defects of the installed driver worked around, and a loose cable's reading judged."""

from __future__ import annotations

from nuthelper.knowledge.disconnect import CableLoss, loss_warnings, section_cable_losses
from nuthelper.knowledge.drivers import prefer_installed, program_name
from nuthelper.knowledge.hcl import DriverChoice
from nuthelper.resolve.recommendation import Recommendation


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
    cable = recommendation.cable
    wiring = cable.wiring if cable is not None and cable.kind == "contact-closure" else None
    return section_cable_losses(recommendation.choice.options, wiring or None)


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


def prefer_installed_driver(recommendation: Recommendation, driver_path: str | None) -> None:
    """Swap a deprecated driver for its installed successor, or warn that the driver is missing."""
    choice = recommendation.choice
    choice.driver = program_name(choice.driver)  # the program NUT installs (nutdrv_siemens-sitop)
    chosen, notes = prefer_installed([DriverChoice(choice.driver, dict(choice.options), tuple(choice.flags))],
                                     driver_path)
    if chosen.driver != choice.driver:
        choice.driver = chosen.driver
        recommendation.reasons.extend(f"{note[0].upper()}{note[1:]}." for note in notes)
    elif notes:
        recommendation.warnings.extend(f"{note[0].upper()}{note[1:]}." for note in notes)


_LEVEL_WORDS = {"series": "for its series, not for this exact model",
                "vendor-default": "only from what this vendor's units usually use",
                "inferred": "only by inference"}
_CHECKS = {"usb": "plug the unit in and run setup with --port auto (its USB ID confirms the driver), then "
                  "'nut-helper verify'",
           "serial": "run setup again with --probe to ask the unit, then 'nut-helper verify'",
           "network": "check that the card answers ('nut-helper verify')"}


def verification_advice(recommendation: Recommendation) -> str | None:
    """Below an exact row, what to check before relying on the answer; None when nothing is owed."""
    level = _LEVEL_WORDS.get(recommendation.choice.confidence)
    if level is None:
        return None
    check = _CHECKS.get(recommendation.connection or "", "run 'nut-helper verify' once it is written")
    return f"{recommendation.driver} is known {level}: {check}."


def advise_verification(recommendation: Recommendation) -> None:
    """Below an exact row, say what to check before relying on the answer."""
    advice = verification_advice(recommendation)
    if advice is not None:
        recommendation.warnings.append(advice)
