"""Judging what a driver read: the status words, the identification against the model the section
was made for, for genericups the input lines, and why a driver that read nothing failed."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from functools import lru_cache

from nuthelper.knowledge.genericups import load_table, written_signals
from nuthelper.knowledge.names import normalize, tokens
from nuthelper.patterns import lazy
from nuthelper.resources import data_path
from nuthelper.verify.driver import DriverRun
from nuthelper.verify.lines import LineReading
from nuthelper.verify.section import VerifySection

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CONTACT_DRIVER = "genericups"
IDENTIFICATION = {"mfr": ("device.mfr", "ups.mfr"), "model": ("device.model", "ups.model"),
                  "serial": ("device.serial", "ups.serial"), "firmware": ("ups.firmware", "device.firmware")}
_CONFIG_REFUSALS = ("is not a valid variable name", "unknown UPS type", "No upstype set", "unusable configuration",
                    "Parse error", "you must specify a port name")
_UNABLE_TO_OPEN = lazy(r"Unable to open (?P<port>.+?): (?P<why>.+)$")
_CURRENT_USER = lazy(r"Current user id: (?P<user>\S+)")


@dataclass(frozen=True)
class Finding:
    """One reason for a verdict: ``problem`` (it does not work), ``warning`` (look at this) or ``note``."""

    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def problem(message: str) -> Finding:
    return Finding("problem", message)


def warning(message: str) -> Finding:
    return Finding("warning", message)


def note(message: str) -> Finding:
    return Finding("note", message)


@lru_cache(maxsize=1)
def status_table() -> dict[str, dict[str, Any]]:
    """The ups.status words and their meanings (``nuthelper/data/ups-status.json``)."""
    return json.loads(data_path("ups-status.json").read_text(encoding="utf-8"))["words"]


def status_words(readings: dict[str, str]) -> list[str]:
    return (readings.get("ups.status") or "").split()


def describe_status(words: list[str]) -> str:
    """``OB LB (on battery (mains is not present), low battery)``."""
    table = status_table()
    meanings = [table[word]["meaning"] if word in table else "a word NUT's clients do not know" for word in words]
    return f"{' '.join(words)} ({', '.join(meanings)})"


def identification(readings: dict[str, str]) -> dict[str, str | None]:
    """Maker, model, serial number and firmware as the UPS reported them (device.* before ups.*)."""
    return {field: next((readings[key] for key in keys if readings.get(key)), None)
            for field, keys in IDENTIFICATION.items()}


def same_model(expected: str, mfr: str | None, model: str) -> bool:
    """Whether the model a UPS reports names the expected model: one contains the other, or every
    number of the reported model is in the expected one and they share a word."""
    reported, wanted = normalize(f"{mfr or ''} {model}"), normalize(expected)
    if normalize(model) and (normalize(model) in wanted or wanted in reported):
        return True
    got, want = tokens(model), set(tokens(expected))
    numbers = [token for token in got if token.isdigit()]
    return bool(numbers) and all(number in want for number in numbers) and \
        any(token in want for token in got if not token.isdigit())


def judge_identification(section: VerifySection, readings: dict[str, str]) -> list[Finding]:
    """The identification against the model the section was made for (smart protocols only: genericups
    reports the name of its type, not the unit's)."""
    ident = identification(readings)
    model = ident["model"]
    if section.expected_model is None:
        return [note("no model to compare the identification with: the section has no nut-helper explanation "
                     "comment (pass --model)")]
    origin = "given with --model" if section.model_from == "--model" else "named in the section's comment"
    if not model:
        return [note(f"the UPS did not report its model, so it cannot be compared with {section.expected_model!r} "
                     f"({origin})")]
    said = " ".join(part for part in (ident["mfr"], model) if part)
    if same_model(section.expected_model, ident["mfr"], model):
        return [note(f"the UPS identifies itself as {said!r}: the model the section was made for ({origin})")]
    return [warning(f"the UPS identifies itself as {said!r}, but the section was made for "
                    f"{section.expected_model!r} ({origin}): if this is another UPS, run 'nut-helper setup' "
                    "for it; some units report only a generic name")]


def judge_status(section: VerifySection, words: list[str]) -> list[Finding]:
    """The status words of a smart protocol: on line is fine, anything that needs attention is said."""
    if not words:
        return [problem("the driver reported no ups.status, so upsmon cannot tell on line from on battery")]
    table = status_table()
    findings = []
    for word in words:
        entry = table.get(word)
        if entry is None:
            findings.append(note(f"ups.status has {word}, a word NUT's clients do not know"))
        elif entry.get("attention"):
            advice = (": if the mains is present, the UPS is not getting it (check its plug, fuse and input "
                      "breaker)") if word == "OB" else ""
            findings.append(warning(f"the UPS reports {word} ({entry['meaning']}){advice}"))
    if "OL" not in words and "OB" not in words:
        findings.append(warning("ups.status says neither OL nor OB, so upsmon cannot tell whether the mains is "
                                "present"))
    return findings


def _type_number(section: VerifySection) -> int | None:
    value = section.settings.get("upstype", "")
    return int(value) if value.isdigit() else None


def contact_reading_is_normal(words: list[str]) -> bool:
    return "OL" in words and "LB" not in words


def overrides_cable_power(section: VerifySection) -> bool:
    """Whether the section sets CP itself, so its upstype's cable power is not what the driver raises."""
    return any(key.upper() == "CP" for key in section.settings)


def judge_contact(section: VerifySection, words: list[str], lines: LineReading | None) -> list[Finding]:
    """A genericups reading: on line is all it can say, and a loose cable may say it too; anything
    else right after start, with mains present, is a loose cable or a wrong upstype, explained by
    the input ``lines`` (read only for such a reading)."""
    signals = written_signals(section.settings)
    number = _type_number(section)
    if signals is None or number is None:
        return [problem("the section has no valid upstype, so genericups cannot decode the lines")]
    if contact_reading_is_normal(words):
        unplugged = signals.status(frozenset())
        if contact_reading_is_normal(list(unplugged)):
            return [warning(f"genericups reads {describe_status(words)}; but type {number} reads "
                            f"{' '.join(unplugged)} with every line off too (a cable unplugged from the computer), "
                            "so this does not prove the cable: pull the UPS's mains plug and verify again (it must "
                            "read OB), then plug it back in")]
        return [note(f"genericups reads {describe_status(words)}; with every line off (a loose cable) type "
                     f"{number} would read {' '.join(unplugged)}, so the cable is connected and powered")]
    findings = [problem(f"genericups reads {describe_status(words)} right after start: if the mains is present, "
                        f"the cable is loose or unplugged, or upstype {number} is not this cable's type; upsmon "
                        "would take this for a power failure" + (" and shut this machine down at once"
                                                                 if "LB" in words and "OB" in words else ""))]
    return findings + _line_findings(number, signals.text("CP"), lines or LineReading(error="not read"))


def _line_findings(number: int, cable_power: str, lines: LineReading) -> list[Finding]:
    if lines.lines is None:
        return [note(f"the input lines could not be read: {lines.error}")]
    seen = f"with the cable powered as type {number} powers it (CP={cable_power}): {lines.describe()}"
    findings = [note(f"the lines read {seen}" + ("; no input line is on: the cable is unplugged at one end, or the "
                                                 "UPS's signals need cable power from other lines"
                                                 if not lines.on else ""))]
    others = [other for other in lines.types_on_line if other != number]
    if number in lines.types_on_line:
        findings.append(note(f"read again, the lines now mean on line for type {number}: the reading changed since "
                             "the driver started (a cable just plugged in?); verify again"))
    if others:
        table = load_table()
        named = "; ".join(f"{other} ({table.get(other).driver_label})" for other in others[:6])
        more = f" and {len(others) - 6} more" if len(others) > 6 else ""
        findings.append(note(f"types that read these lines as on line with a good battery: {named}{more}; compare "
                             "the cable with 'nut-helper upstype N' before choosing one, since types that power the "
                             "cable from other lines may read differently"))
    elif number not in lines.types_on_line:
        findings.append(note("no type of the genericups table reads these lines as on line: check the cable, "
                             "its pinout ('nut-helper cables show') and that the UPS's communication port is on"))
    return findings


def judge_failed_run(section: VerifySection, run: DriverRun, seconds: float) -> list[Finding]:
    """Why a driver that read nothing failed, and what to do."""
    messages = run.messages()
    refused = [line for line in messages if any(text in line for text in _CONFIG_REFUSALS)]
    opening = next((match for match in map(_UNABLE_TO_OPEN.search, messages) if match), None)
    missing = opening is not None and not os.path.exists(opening.group("port"))
    if opening and "Permission denied" in opening.group("why") and not missing:
        return [problem(_permission_message(section, opening.group("port"), messages))]
    if opening and ("No such file" in opening.group("why") or missing):
        return [problem(f"the port {opening.group('port')} does not exist: plug the cable or adapter in, or "
                        "correct 'port' in ups.conf ('nut-helper ports' lists the ports found)")]
    if any("is locked by another process" in line for line in messages):
        return [problem("another program took the port while the driver was starting; stop it and verify again")]
    if refused:
        return [problem(f"the driver refuses the section: {refused[0]} (run 'nut-helper check' for the details)")]
    if run.timed_out:
        return [problem(f"no answer from the UPS within {seconds:g} s"), *_no_answer_advice(section)]
    if run.returncode == 0:
        return [problem("the driver printed no reading")]
    last = messages[-1] if messages else f"exit status {run.returncode}"
    return [problem(f"the driver gave up: {last}"), *_no_answer_advice(section)]


def _no_answer_advice(section: VerifySection) -> list[Finding]:
    from nuthelper.knowledge.drivers import talks_usb

    if section.driver == CONTACT_DRIVER:
        return []
    if section.driver and talks_usb(section.driver, {key.lower(): value for key, value in section.settings.items()}):
        return [note("check the USB cable and that no other program holds the UPS ('nut-helper ports' lists the "
                     "USB UPSes found)")]
    port = section.port or "PORT"
    return [note(f"check the cable (a smart protocol needs the UPS's data cable, not a contact-closure one) and the "
                 f"port; ask the unit which protocol it speaks with 'nut-helper probe {port}'")]


def _permission_message(section: VerifySection, port: str, messages: list[str]) -> str:
    from nuthelper.probe.udev import nut_user_access
    from nuthelper.udevrule import rule_path

    user = next((match.group("user") for match in map(_CURRENT_USER.search, messages) if match), "nut")
    access = nut_user_access(os.path.realpath(port), user)
    if access is not None and access.can_open:
        return (f"the driver, running as user {user}, may not reach {port}: the device lets {user} in, but a "
                "directory on the way does not (give the port's path through directories everyone may enter, "
                "such as /dev/serial/by-id)")
    device = f" ({access.mode} {access.owner}:{access.group})" if access else ""
    rule = rule_path(section.name)
    fix = (f"the udev rule {rule} exists: reload it with 'udevadm control --reload-rules && udevadm trigger' "
           "(or replug the adapter)" if os.path.exists(rule) else
           f"install the udev rule that gives group nut this port ('nut-helper setup ... --write' writes {rule}), "
           "then run 'udevadm control --reload-rules && udevadm trigger'")
    return f"the driver, running as user {user}, may not open {port}{device}: {fix}"

