"""Scoring nut-helper's answers on real people's UPSes (tests/data/realworld-cases.json).

Each case is a model as somebody typed it in a public thread, the port (and cable) they used,
and the driver the thread confirms working. An answer counts as right when its driver is that
driver, one the thread also confirms, or the maintained successor of either (blazer_usb and
nutdrv_qx). A wrong driver counts against the score twice, a refusal once.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from nuthelper.errors import InvalidInput, NutHelperError
from nuthelper.knowledge.drivers import maintained
from nuthelper.probe.udev import UsbInfo, UsbUps, known_usb_ups, usb_id_table
from nuthelper.resolve import resolve
from nuthelper.resolve.inputs import connection_of

CASES = Path(__file__).resolve().parent.parent / "data" / "realworld-cases.json"
HELDOUT = CASES.with_name("realworld-heldout.json")   # collected later, never tuned on


@dataclass
class Outcome:
    case: dict
    verdict: str          # "right", "wrong", "refused"
    answer: str           # the driver given, or the error
    confidence: str | None = None


def load_cases(path: Path = CASES) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cases"]


def same_driver(given: str, wanted: str) -> bool:
    return given == wanted or maintained(given) == maintained(wanted)


def attached_unit(case: dict) -> list[UsbUps]:
    """What ``--port auto`` (or a USB device node as the port) reads from the bus of the case's
    machine: the unit whose USB ID the thread reports, when nut-helper's USB ID table knows it (an
    unknown ID would need the device's interface class, which threads do not give: such a unit, and
    a case without an ID, reads as no unit at all)."""
    if not _usb_port(case.get("port")) or not case.get("usb_id"):
        return []
    vendorid, productid = case["usb_id"].lower().split(":")
    info = UsbInfo(vendorid, productid, None, None, None, "001", "002", "/sys/bus/usb/devices/1-1")
    ups = known_usb_ups(info, usb_id_table())
    if ups is None:
        return []
    ups.options = {"port": "auto", "vendorid": vendorid, "productid": productid}
    return [ups]


def _usb_port(port: str | None) -> bool:
    try:
        return port is not None and connection_of(port) == "usb"
    except InvalidInput:   # a Windows port name: refused before the bus would be read
        return False


def judge(case: dict, with_bus: bool = True) -> Outcome:
    """Resolve the case as setup does; ``with_bus=False`` answers from the model alone, as with no unit attached."""
    try:
        answer = resolve(case["model"], case.get("cable"), case.get("port"),
                         attached=attached_unit(case) if with_bus else [])
    except NutHelperError as error:
        return Outcome(case, "refused", error.message)
    accepted = [case["driver"], *case.get("also_works", [])]
    verdict = "right" if any(same_driver(answer.driver, wanted) for wanted in accepted) else "wrong"
    return Outcome(case, verdict, answer.driver, answer.choice.confidence)


def score(outcomes: list[Outcome]) -> float:
    """1.0 when every answer is right; a wrong driver costs two cases' worth, a refusal one."""
    counts = Counter(outcome.verdict for outcome in outcomes)
    return (len(outcomes) - 2 * counts["wrong"] - counts["refused"]) / len(outcomes)


def report(outcomes: list[Outcome]) -> str:
    """The score overall and per connection, and every answer that was not right."""
    lines = []
    for connection in ("usb", "serial", "network"):
        part = [outcome for outcome in outcomes if outcome.case["connection"] == connection]
        if part:
            counts = Counter(outcome.verdict for outcome in part)
            lines.append(f"{connection:8} {len(part):4} cases  right {counts['right']:4}  wrong {counts['wrong']:3}  "
                         f"refused {counts['refused']:3}  score {score(part):.3f}")
    for outcome in outcomes:
        if outcome.verdict != "right":
            case = outcome.case
            lines.append(f"  {outcome.verdict:7} {case['model']!r} port={case.get('port')} cable={case.get('cable')}: "
                         f"wanted {case['driver']}, got {outcome.answer[:160]}")
    counts = Counter(outcome.verdict for outcome in outcomes)
    lines.append(f"all      {len(outcomes):4} cases  right {counts['right']:4}  wrong {counts['wrong']:3}  "
                 f"refused {counts['refused']:3}  score {score(outcomes):.3f}  "
                 f"wrong-driver share {counts['wrong'] / len(outcomes):.3f}")
    return "\n".join(lines)
