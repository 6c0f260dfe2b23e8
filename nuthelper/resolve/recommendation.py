"""What resolution answers: a ``Recommendation`` (the chosen driver, options and port with the
reasons, warnings and alternatives) made of ``Choice`` objects.

Confidence levels, most certain first (docs/user-guide.md, "How certain is the answer"):
``documented`` (a documented cable names the model), ``hcl`` (a row of NUT's hardware list names
the model), ``usb-id`` (the attached unit's USB ID decides), ``probed`` (the serial unit answered
the probe), ``series`` (NUT's list or the vendor's family knowledge covers the series, not this
model), ``vendor-default`` (what the vendor's units use on this connection), ``inferred`` (a
cable or reading used outside what is documented for it).
"""

from __future__ import annotations

from nuthelper.knowledge.cables import Cable, DriverRule, Vendor
from nuthelper.knowledge.disconnect import CableLoss
from nuthelper.records import Record
from nuthelper.resolve.modelname import ModelName

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CONFIDENCE_LEVELS = ("documented", "hcl", "usb-id", "probed", "series", "vendor-default", "inferred")
BELOW_A_ROW = ("series", "vendor-default", "inferred")


class Choice(Record):
    """One way to drive the UPS: a driver, its settings, and why."""

    __slots__ = ("driver", "options", "flags", "port", "cable", "confidence", "confirmed", "because", "cable_title",
                 "source", "note")

    def __init__(self, driver: str, options: dict[str, str], flags: list[str], port: str | None, cable: Cable | None,
                 confidence: str, confirmed: bool, because: str, cable_title: str | None = None, source: str = "",
                 note: str = "") -> None:
        self.driver = driver
        self.options = options
        self.flags = flags
        self.port = port
        self.cable = cable
        self.confidence = confidence
        self.confirmed = confirmed
        self.because = because
        self.cable_title = cable_title
        self.source = source
        self.note = note  # for an alternative: when to use it instead

    @classmethod
    def copy_of(cls, other: Choice) -> Choice:
        return cls(other.driver, dict(other.options), list(other.flags), other.port, other.cable, other.confidence,
                   other.confirmed, other.because, other.cable_title, other.source, other.note)

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
            **({"note": self.note} if self.note else {}),
        }


class Recommendation(Record):
    """The answer to "which driver, options and port for this UPS?"."""

    __slots__ = ("query", "vendor", "model", "choice", "reasons", "alternatives", "warnings", "cable_loss",
                 "understood", "connection")

    def __init__(self, query: str, vendor: Vendor | None, model: str, choice: Choice, reasons: list[str],
                 alternatives: list[Choice] | None = None, warnings: list[str] | None = None,
                 cable_loss: list[CableLoss] | None = None, understood: ModelName | None = None,
                 connection: str | None = None) -> None:
        self.query = query
        self.vendor = vendor
        self.model = model
        self.choice = choice
        self.reasons = reasons
        self.alternatives = [] if alternatives is None else alternatives
        self.warnings = [] if warnings is None else warnings
        self.cable_loss = [] if cable_loss is None else cable_loss  # genericups only: a loose cable's reading
        self.understood = understood  # what the model name was understood to say
        self.connection = connection  # "usb", "serial" or "network" when the answer rests on one

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
                      "name": self.model, **_understood(self.understood)},
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


def _understood(name: ModelName | None) -> dict[str, Any]:
    if name is None:
        return {}
    return {"series": name.family.name if name.family else " ".join(name.series) or None,
            "family": name.family.id if name.family else None, "capacity": name.capacity,
            "suffix": "".join(name.suffix) or None}
