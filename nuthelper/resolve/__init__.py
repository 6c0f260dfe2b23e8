"""Resolution: a model as a person types it, an optional cable and port → a recommendation.

The recommendation names the driver, its options and port, how certain that is, the reasons
step by step and the ranked alternatives. It never produces configuration text; that is
``nuthelper.render``'s job. The stages live in their own modules: understanding the name
(``modelname``, ``families``), matching NUT's hardware list (``hclmatch``, ``lists``), the
cables (``cables``), deciding (``decide``), what the attached unit says (``evidence``) and
the finishing touches every answer gets (``finish``).
"""

from __future__ import annotations

from nuthelper.knowledge.cables import CableBase
from nuthelper.knowledge.hcl import HCL
from nuthelper.resolve.cables import NotMonitoringCable
from nuthelper.resolve.decide import resolve_model
from nuthelper.errors import Ambiguous
from nuthelper.resolve.attached import apply_usb_evidence, attached_usb_upses, from_usb_alone
from nuthelper.resolve.families import default_families
from nuthelper.resolve.finish import (advise_verification, judge_cable_loss, prefer_installed_driver,
                                      work_around_driver_defects)
from nuthelper.resolve.inputs import USB_PORT, SerialPortNeeded, check_line, check_port
from nuthelper.resolve.recommendation import CONFIDENCE_LEVELS, Choice, Recommendation, cable_ref

__all__ = ["CONFIDENCE_LEVELS", "Choice", "NotMonitoringCable", "Recommendation", "SerialPortNeeded", "USB_PORT",
           "cable_ref", "check_line", "check_port", "judge_cable_loss", "resolve", "work_around_driver_defects"]


def resolve(model: str, cable: str | None = None, port: str | None = None, *,
            knowledge: CableBase | None = None, hcl: HCL | None = None,
            driver_path: str | None = None, attached: list | None = None) -> Recommendation:
    """Recommend a driver, options and port for ``model`` (and ``cable``/``port`` when known).

    A cable decides first, then NUT's hardware list and the vendors' family knowledge, from the
    exact model down to the vendor's default for the connection the port implies. Installed
    drivers are preferred, deprecated ones replaced by their maintained successor, and known
    defects of the installed driver worked around. With ``port="auto"`` the USB UPSes attached
    (``attached``, read from the bus when None) decide over the model's knowledge.
    """
    try:
        recommendation = resolve_model(model, cable, port, knowledge=knowledge, hcl=hcl, driver_path=driver_path)
    except Ambiguous as question:
        if question.details.get("decided_by") != ["usb-id"] or port != USB_PORT:
            raise
        recommendation = from_usb_alone(model, question, attached)
    if port == USB_PORT and recommendation.port == USB_PORT and recommendation.choice.confidence != "usb-id":
        unreadable = None
        if attached is None:
            attached, unreadable = attached_usb_upses()
        apply_usb_evidence(recommendation, attached, default_families(), unreadable)
    prefer_installed_driver(recommendation, driver_path)
    work_around_driver_defects(recommendation, driver_path)
    judge_cable_loss(recommendation)
    advise_verification(recommendation)
    return recommendation
