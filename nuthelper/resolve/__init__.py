"""Resolution: a model as a person types it, an optional cable and port → a recommendation.

The recommendation names the driver, its options and port, how certain that is, the reasons
step by step and the ranked alternatives. It never produces configuration text; that is
``nuthelper.render``'s job. The stages live in their own modules: understanding the name
(``modelname``, ``families``), matching NUT's hardware list (``hclmatch``, ``lists``), the
cables (``cables``), deciding (``decide``, with ``options``, ``vendor_defaults`` and
``answer``), what the attached unit says (``attached``) and the finishing touches every answer
gets (``finish``).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nuthelper.knowledge.cables import CableBase
    from nuthelper.knowledge.hcl import HCL
    from nuthelper.resolve.recommendation import Recommendation

# The names below are imported when first used (PEP 562), so that importing one stage (lookup
# imports only the name understanding and the list matching) does not load all of them.
_EXPORTS = {
    "CONFIDENCE_LEVELS": "recommendation", "Choice": "recommendation", "Recommendation": "recommendation",
    "cable_ref": "recommendation", "NotMonitoringCable": "cables", "SerialPortNeeded": "inputs",
    "USB_PORT": "inputs", "check_line": "inputs", "check_port": "inputs", "judge_cable_loss": "finish",
    "work_around_driver_defects": "finish",
}
__all__ = [*_EXPORTS, "resolve"]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"nuthelper.resolve.{_EXPORTS[name]}"), name)


def resolve(model: str, cable: str | None = None, port: str | None = None, *,
            knowledge: CableBase | None = None, hcl: HCL | None = None,
            driver_path: str | None = None, attached: list | None = None) -> Recommendation:
    """Recommend a driver, options and port for ``model`` (and ``cable``/``port`` when known).

    A cable decides first, then NUT's hardware list and the vendors' family knowledge, from the
    exact model down to the vendor's default for the connection the port implies. Installed
    drivers are preferred, deprecated ones replaced by their maintained successor, and known
    defects of the installed driver worked around. With ``port="auto"`` (or a USB device node, which
    NUT's USB drivers read as ``auto``) the USB UPSes attached (``attached``, read from the bus when
    None) decide over the model's knowledge.
    """
    from nuthelper.errors import Ambiguous
    from nuthelper.resolve.attached import apply_usb_evidence, attached_usb_upses, from_usb_alone
    from nuthelper.resolve.decide import resolve_model
    from nuthelper.resolve.families import default_families
    from nuthelper.resolve.finish import (advise_verification, judge_cable_loss, prefer_installed_driver,
                                          work_around_driver_defects)
    from nuthelper.resolve.inputs import USB_PORT, connection_of

    try:
        recommendation = resolve_model(model, cable, port, knowledge=knowledge, hcl=hcl, driver_path=driver_path)
    except Ambiguous as question:
        if question.details.get("decided_by") != ["usb-id"] or connection_of(port) != "usb":
            raise
        recommendation = from_usb_alone(model, question, attached)
    if connection_of(port) == "usb" and recommendation.port == USB_PORT and recommendation.choice.confidence != "usb-id":
        unreadable = None
        if attached is None:
            attached, unreadable = attached_usb_upses()
        apply_usb_evidence(recommendation, attached, default_families(), unreadable)
    prefer_installed_driver(recommendation, driver_path)
    work_around_driver_defects(recommendation, driver_path)
    judge_cable_loss(recommendation)
    advise_verification(recommendation)
    return recommendation
