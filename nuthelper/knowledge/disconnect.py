"""What genericups reports when a contact-closure cable comes loose (NUT issue #111).

genericups only sees the modem status lines, and an RS-232 receiver reads an input that nothing
drives as "off". So a loose cable is not an error to the driver: it is a status, decoded by the
type's signals like any other. Two cases are told apart:

- ``computer``: the cable is off the computer (or the port has no cable): every input reads off.
- ``ups``: the cable is off the UPS (or cut) but still on the computer: the inputs the cable pulls
  up from the cable-power lines (DTR, RTS) read on, every other input reads off. This needs the
  cable's wiring, so it is only judged for a documented or described cable.

Each case gets the status the driver reports and its consequence: an immediate shutdown by upsmon
(on battery and low battery), a false alarm, or a power failure that would go unnoticed.
"""

from __future__ import annotations

from nuthelper.knowledge.genericups import SignalSet, written_signals
from nuthelper.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

WHERE = {
    "computer": "unplugged from the computer (or the port has no cable)",
    "ups": "unplugged from the UPS or cut, still on the computer",
}
CONSEQUENCES = {
    "shutdown": "upsmon sees on battery with a low battery and shuts this machine down at once",
    "false-alarm": "NUT reports a condition that is not happening (no shutdown follows by itself)",
    "unnoticed": "the UPS still reads as on line with a good battery, so a real power failure would go unnoticed",
}
ADVICE = {
    "shutdown": "; screw both connectors in",
    "false-alarm": "",
    "unnoticed": "; after installing, test a real power failure (pull the UPS's mains plug)",
}


class CableLoss(Record):
    """What the driver reports in one disconnection case, and what follows from it."""

    __slots__ = ("case", "lines_on", "status", "verdict")

    def __init__(self, case: str, lines_on: tuple[str, ...], status: tuple[str, ...], verdict: str) -> None:
        self.case = case            # "computer" or "ups"
        self.lines_on = lines_on    # input lines that still read on
        self.status = status        # e.g. ("OB", "LB")
        self.verdict = verdict      # "shutdown", "false-alarm" or "unnoticed"

    @property
    def sentence(self) -> str:
        return _sentence(WHERE[self.case], self.status, self.verdict) + "."

    def to_dict(self) -> dict[str, object]:
        return {"case": self.case, "where": WHERE[self.case], "lines_on": list(self.lines_on),
                "status": list(self.status), "verdict": self.verdict, "consequence": self.sentence}


def _verdict(status: tuple[str, ...]) -> str:
    if "OB" in status and "LB" in status:
        return "shutdown"
    if status == ("OL",):
        return "unnoticed"
    return "false-alarm"


def cable_losses(signals: SignalSet, pulled_up: frozenset[str] | None = None) -> list[CableLoss]:
    """The ``computer`` case, and the ``ups`` case when the lines the cable pulls up are known."""
    cases = [("computer", frozenset())]
    if pulled_up is not None:
        cases.append(("ups", pulled_up))
    losses = []
    for case, lines_on in cases:
        status = signals.status(lines_on)
        losses.append(CableLoss(case, tuple(sorted(lines_on)), status, _verdict(status)))
    return losses


def section_cable_losses(options: dict[str, str], wiring: dict[str, Any] | None = None) -> list[CableLoss]:
    """What genericups, with a section's settings (``upstype`` and any ``CP``/``OL``/... override),
    reports when the cable comes loose; the UPS-end case needs the cable's ``wiring``. [] without a
    valid upstype."""
    signals = written_signals(options)
    if signals is None:
        return []
    held_on = None
    if wiring:
        from nuthelper.knowledge.derive import inputs_held_on
        held_on = inputs_held_on(wiring, set(signals.asserted_lines("CP")))
    return cable_losses(signals, held_on)


def loss_warnings(losses: list[CableLoss]) -> list[str]:
    """One warning per distinct outcome: cases that read the same are said together."""
    by_status: dict[tuple[str, ...], list[CableLoss]] = {}
    for loss in losses:
        by_status.setdefault(loss.status, []).append(loss)
    warnings = []
    for status, same in by_status.items():
        where = WHERE[same[0].case] if len(same) == 1 else "unplugged from the computer or from the UPS"
        verdict = same[0].verdict
        warnings.append(f"{_sentence(where, status, verdict)}{ADVICE[verdict]} (NUT issue #111).")
    return warnings


def _sentence(where: str, status: tuple[str, ...], verdict: str) -> str:
    return f"If the cable is {where}, genericups reports {' '.join(status)}: {CONSEQUENCES[verdict]}"
