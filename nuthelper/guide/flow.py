"""The guided setup: from "I have a UPS" to a written and verified ups.conf section, one question
at a time. Each question has a default and ``<`` goes back; nothing is written before the person
says yes to the diff, and the write itself is one change that Ctrl-C cannot split."""

from __future__ import annotations

import os
import shutil
import signal
from dataclasses import dataclass, field

from nuthelper.cabledraw import cable_column, side_by_side, telling_apart
from nuthelper.confsyntax import section_name_from, validate_section_name
from nuthelper.errors import Ambiguous, EXIT_OK, NutHelperError
from nuthelper.guide.suggest import ModelSuggestions
from nuthelper.guide.terminal import BACK, Terminal
from nuthelper.knowledge.cables import Cable
from nuthelper.verify import DEFAULT_SECONDS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NEXT, SKIP, STOP = "next", "skip", "stop"


@dataclass
class GuideOptions:
    """Where to write (``root``, ``config``), which knowledge packs to read, and how long verify may take."""

    root: str | None = None
    config: str | None = None
    packs: list[str] = field(default_factory=list)
    driver_path: str | None = None
    seconds: float = DEFAULT_SECONDS
    standalone: bool = False


@dataclass
class Place:
    """Where the UPS is connected: a port, in words, and the USB UPS found there (if any)."""

    port: str
    label: str
    usb: Any = None                   # nuthelper.probe.udev.UsbUps


class Guide:
    """The questions in order; :meth:`run` asks them and returns the exit code."""

    def __init__(self, terminal: Terminal, options: GuideOptions) -> None:
        from nuthelper.knowledge.packs import load_knowledge

        self.terminal, self.options = terminal, options
        self.knowledge = load_knowledge(options.root, options.packs)
        self.suggest = ModelSuggestions(self.knowledge)
        self.places: list[Place] | None = None
        self.place: Place | None = None
        self.model: str | None = None
        self.cables: list[Cable] = []
        self.recommendation: Any = None
        self.section: Any = None
        self.replace = False
        self.written: dict[str, Any] | None = None

    def say(self, *lines: str) -> None:
        self.terminal.say(*lines)

    def run(self) -> int:
        for warning in self.knowledge.conflicts:
            self.say(f"warning: {warning}")
        self.say("nut-helper guided setup: answer each question, press Enter for the [default], type < to go "
                 "back; Ctrl-C stops without changing any file.", "")
        steps = [self.ask_place, self.ask_model, self.ask_cable, self.ask_name, self.ask_to_write]
        index, forward = 0, True
        while index < len(steps):
            outcome = steps[index]()
            if outcome is BACK and index == 0:
                self.say("  (this is the first question)")
            elif outcome is BACK or (outcome == SKIP and not forward):
                index, forward = index - 1, False
            elif outcome == STOP:
                return EXIT_OK
            else:
                index, forward = index + 1, True
        return self.verify()

    # -- where ---------------------------------------------------------------------------------

    def _discover(self) -> list[Place]:
        from nuthelper.probe.udev import list_serial_ports, list_usb_upses

        places = []
        try:
            for ups in list_usb_upses():
                name = " ".join(filter(None, [ups.usb.vendor, ups.usb.product])) or \
                    f"USB device {ups.usb.vendorid}:{ups.usb.productid}"
                places.append(Place("auto", f"USB UPS {name} ({ups.driver})", ups))
            for port in list_serial_ports():
                held = "" if port.lock.free else f" ({port.lock.describe()})"
                adapter = " ".join(filter(None, [port.usb.vendor, port.usb.product])) if port.usb else ""
                name = port.stable_name or port.device
                places.append(Place(name, f"serial port {name}{f', USB adapter {adapter}' if adapter else ''}{held}"))
        except Exception as error:   # no udev here: the person can still type the port
            self.say(f"  (the ports of this machine could not be listed: {error})")
        return places

    def ask_place(self) -> Any:
        if self.places is None:
            self.places = self._discover()
            if self.places:
                self.say("UPSes and serial ports found on this machine:",
                         *(f"  {number}) {place.label}" for number, place in enumerate(self.places, 1)))
            else:
                self.say("No USB UPS and no serial port found here: type the port the UPS cable is plugged into, "
                         "or 'auto' once a USB UPS is connected.")
        while True:
            answer = self.terminal.ask("Where is the UPS connected? A number above, a device path or 'auto'",
                                       "1" if self.places else "auto")
            if answer is BACK:
                return BACK
            place = self._place_from(answer)
            if place is not None:
                self.place = place
                return NEXT

    def _place_from(self, answer: str) -> Place | None:
        from nuthelper.configure import check_port_path

        if answer.isdigit():
            if 1 <= int(answer) <= len(self.places or []):
                return self.places[int(answer) - 1]
            self.say(f"  there is no {answer} in the list")
            return None
        if answer == "auto":
            return Place("auto", "the USB UPS found on the bus")
        if not answer.startswith("/"):
            self.say("  give a number from the list, a device path such as /dev/ttyS0, or 'auto'")
            return None
        if not os.path.exists(answer):
            self.say(f"  {answer} does not exist: plug the cable or adapter in, or check the path")
            return None
        try:
            check_port_path(answer)
        except NutHelperError as error:
            self.say(f"  {error.message}")
            return None
        return Place(answer, f"serial port {answer}")

    # -- which UPS -----------------------------------------------------------------------------

    def ask_model(self) -> Any:
        place = self.place
        if self.model:                      # asked again (after going back): the last answer
            default, label = self.model, None
        elif place.usb is not None and (place.usb.usb.vendor or place.usb.usb.product):
            default = " ".join(filter(None, [place.usb.usb.vendor, place.usb.usb.product]))
            label = None
        elif place.port == "auto":
            default, label = "", "Enter: let the UPS on the bus decide"
        else:
            default, label = "", f"Enter: ask the unit on {place.port} which protocol it speaks"
        prefill = ""
        while True:
            answer = self.terminal.ask("UPS model, as printed on it (Tab or ? for suggestions)", default, label,
                                       self.suggest, prefill)
            if answer is BACK:
                return BACK
            prefill = answer
            try:
                self.recommendation = self._resolve(answer, None) if answer else self._from_the_unit()
            except Ambiguous as question:
                candidates = question.details.get("candidates") or []
                if not candidates or not all(isinstance(item, str) for item in candidates):
                    self._explain(question, answer)
                    continue
                self.model, self.recommendation = answer, None
                self.cables = [self.knowledge.cable(item) for item in candidates]
                return NEXT
            except NutHelperError as error:
                self._explain(error, answer)
                continue
            if self.recommendation is None:
                continue
            self.model = answer or None
            self.cables = _deciding_cables(self.recommendation)
            self._show_answer()
            return NEXT

    def _explain(self, error: NutHelperError, typed: str) -> None:
        self.say(f"  {error.message}")
        close = self.suggest(typed)[:5] if typed else []
        if close:
            self.say("  names that come close (type one, or edit what you typed):", *(f"    {name}" for name in close))

    def _resolve(self, model: str | None, cable: str | None) -> Any:
        from nuthelper.resolve import resolve

        recommendation = resolve(model, cable, self.place.port, knowledge=self.knowledge,
                                 driver_path=self.options.driver_path)
        recommendation.warnings.extend(self.knowledge.conflicts)
        return recommendation

    def _from_the_unit(self) -> Any:
        """The recommendation from what the hardware says: the USB UPS on the bus, or the serial unit's answer."""
        from nuthelper.evidence import from_auto_port, from_probe
        from nuthelper.probe.auto import auto_port
        from nuthelper.probe.serialprobe import ProbeSettings, probe_ports

        if self.place.port == "auto":
            return from_auto_port(None, lambda: auto_port(probe_serial=False), self.options.driver_path)
        self.say(f"  asking the unit on {self.place.port} (a few seconds; nothing is sent that a UPS acts on)")
        found = probe_ports([self.place.port], ProbeSettings(), lambda message: self.say(f"  {message}"))[0]
        if not found.found:
            self.say("  no answer: a contact-closure UPS (signal cable) never answers; type its model")
            return None
        return from_probe(None, found, self.options.driver_path)

    def _show_answer(self) -> None:
        choice = self.recommendation.choice
        self.say(f"  -> {choice.summary()}" + (f" with the {choice.cable_label()}" if choice.cable_label() else "")
                 + f" (confidence: {choice.confidence})")

    # -- which cable ---------------------------------------------------------------------------

    def ask_cable(self) -> Any:
        if not self.cables:
            return SKIP
        columns = [[f"{number}) {column[0]}", *column[1:]]
                   for number, column in enumerate(map(cable_column, self.cables), 1)]
        width = shutil.get_terminal_size((100, 24)).columns
        self.say("", "Which cable is used decides the driver. The cables that fit this UPS:", "",
                 *side_by_side(columns, width), "", "What tells them apart:",
                 *(f"  {number}) {clue}" for number, clue in enumerate(telling_apart(self.cables), 1)))
        recommended = self.recommendation.cable if self.recommendation is not None else None
        default = self.cables.index(recommended) + 1 if recommended in self.cables else 1
        while True:
            answer = self.terminal.ask("Which cable joins the UPS and this computer? A number", str(default))
            if answer is BACK:
                return BACK
            if not answer.isdigit() or not 1 <= int(answer) <= len(self.cables):
                self.say(f"  give a number from 1 to {len(self.cables)}")
                continue
            try:
                self.recommendation = self._resolve(self.model, self.cables[int(answer) - 1].id)
            except NutHelperError as error:
                self.say(f"  {error.message}")
                continue
            self._show_answer()
            return NEXT

    # -- the name, the diff, the write ---------------------------------------------------------

    def ask_name(self) -> Any:
        from nuthelper.render import render_section

        default = self.section.name if self.section is not None else \
            section_name_from(self.recommendation.display_model)
        while True:
            answer = self.terminal.ask("Name of the UPS in ups.conf (what upsc and upsmon call it)", default)
            if answer is BACK:
                return BACK
            try:
                self.section = render_section(self.recommendation, name=validate_section_name(answer))
            except NutHelperError as error:
                self.say(f"  {error.message}")
                continue
            return NEXT

    def _write(self, dry_run: bool) -> tuple[int, dict[str, Any]]:
        from nuthelper.configure import WriteOptions, write_setup

        options = WriteOptions(root=self.options.root, config=self.options.config, replace=self.replace,
                               dry_run=dry_run, standalone=self.options.standalone)
        return write_setup(self.recommendation, self.section, options)

    def ask_to_write(self) -> Any:
        self.say("", "The section:", *(f"    {line}" for line in self.section.text.splitlines()), "")
        _, plan = self._write(dry_run=True)
        if plan["status"] == "conflict":
            self.say(f"  {plan['message']}")
            replace = self.terminal.yes_no(f"Replace the existing section [{self.section.name}]?", False)
            if replace is not True:
                return BACK
            self.replace = True
            _, plan = self._write(dry_run=True)
        for entry in plan["files"]:
            note = f"; {entry['note']}" if entry["note"] else ""
            status = "not written" if entry["status"] == "skipped" else f"would be {entry['status']}"
            self.say(f"  {entry['path']}: {status} ({entry['what']}){note}")
            self.say(*(f"    {line}" for line in entry["diff"].splitlines()))
        answer = self.terminal.yes_no("Write these changes?", False)
        if answer is BACK:
            return BACK
        if not answer:
            self.say("Nothing was written.")
            return STOP
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:                                    # Ctrl-C waits until the one change is complete
            code, self.written = self._write(dry_run=False)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        for entry in self.written["files"]:
            backup = f", previous version kept as {entry['backup']}" if entry["backup"] else ""
            self.say(f"  {entry['path']}: {entry['status']}{backup}")
        return NEXT if code == EXIT_OK else STOP

    # -- the proof -----------------------------------------------------------------------------

    def verify(self) -> int:
        from nuthelper.verify import VerifyOptions, verify_config

        name = self.section.name
        self.say("", f"Verifying [{name}] on the UPS (at most {self.options.seconds:g} s)...")
        report = verify_config(self.written["path"], None, [name],
                               options=VerifyOptions(self.options.seconds, self.options.driver_path))
        result = report.sections[0]
        self.say(*result.describe(), "", *next_steps(result.verdict, name))
        return report.exit_code


def _deciding_cables(recommendation: Any) -> list[Cable]:
    """The documented cables among the answer and its alternatives, when they lead to different settings."""
    choices = [recommendation.choice, *recommendation.alternatives]
    cables = list(dict.fromkeys(choice.cable for choice in choices if choice.cable is not None))
    settings = {choice.summary() for choice in choices if choice.cable is not None}
    return cables if len(cables) > 1 and len(settings) > 1 else []


def next_steps(verdict: str, name: str) -> list[str]:
    """What to do after the verdict, in words."""
    start = (f"start NUT's driver for it ('upsdrvctl start {name}', or 'systemctl restart nut-driver@{name}'), "
             "then upsd and upsmon, which act on a power failure")
    steps = {
        "works": ["It works. Next: " + start + "; test a real power failure once: pull the UPS's mains plug and "
                  f"watch 'upsc {name} ups.status' read OB."],
        "works-with-warnings": ["It works, with the warnings above: read them, then " + start + "."],
        "no-answer": [f"The UPS did not answer through this setup: fix what is said above, then run 'nut-helper "
                      f"verify {name}' again (or 'nut-helper guide' to choose otherwise)."],
        "misreads": [f"The setup reads the UPS wrongly: do not start monitoring with it. Fix what is said above, "
                     f"then run 'nut-helper verify {name}' again."],
        "not-run": [f"The setup could not be tried now: when the port is free, run 'nut-helper verify {name}'."],
    }
    return steps[verdict]
