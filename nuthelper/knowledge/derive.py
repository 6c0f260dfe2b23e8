"""From a contact-closure cable's wiring to genericups signals and upstype.

The reasoning an expert does with a diagram: which PC output powers the pull-ups (CP), which
PC input carries the UPS's on-battery and low-battery contacts and with which polarity (OL,
LB, RB, BYPASS), and what the PC must do to the UPS's shutdown input (SD). The result is the
*derived* signal set, the genericups types that work with the cable (those with exactly the
derived signals first, then those that differ only in ways the cable does not notice), or,
when none works, ``CP = …`` style override lines to put after the closest type's ``upstype``.

Entry point: :func:`derive_signals` on a WIRING object (docs/cables-format.md).
"""

from __future__ import annotations

from nuthelper.knowledge import serial_pins
from nuthelper.knowledge.disconnect import CableLoss, cable_losses
from nuthelper.knowledge.genericups import (BREAK, BREAK_SIGNAL, INPUT_LINES, OUTPUT_LINES, SIGNAL_NAMES,
                                            UNKNOWN_SIGNAL, GenericupsTable, Signal, SignalSet, format_signal,
                                            load_table)
from nuthelper.knowledge.wiring import validate_wiring
from nuthelper.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

STATUS_ROLES = {"on-battery": "OL", "low-battery": "LB", "replace-battery": "RB", "bypass": "BYPASS"}
CONDITIONS = {"OL": "on battery", "LB": "the battery is low", "RB": "the battery needs replacing",
              "BYPASS": "the UPS is on bypass"}


class Derivation(Record):
    """What a wiring means for genericups, with the reasons, step by step."""

    __slots__ = ("signals", "types", "exact_types", "overrides", "base_type", "reasons", "problems", "written",
                 "held_on")

    def __init__(self, signals: SignalSet, types: list[int], exact_types: list[int], overrides: dict[str, str],
                 base_type: int | None, reasons: list[str], problems: list[str], written: SignalSet | None = None,
                 held_on: frozenset[str] = frozenset()) -> None:
        self.signals = signals
        self.types = types
        self.exact_types = exact_types
        self.overrides = overrides
        self.base_type = base_type
        self.reasons = reasons
        self.problems = problems
        self.written = written  # what the driver uses: the upstype's signals plus overrides
        self.held_on = held_on  # inputs the cable itself keeps on when its UPS end is loose

    def cable_losses(self) -> list[CableLoss]:
        """What genericups, as written, reports when this cable comes off the computer or off the UPS."""
        return cable_losses(self.written or self.signals, self.held_on)

    @property
    def upstype(self) -> int | None:
        """The upstype to write: the best matching type, else the base for the overrides."""
        return self.types[0] if self.types else self.base_type

    def override_lines(self) -> list[str]:
        """``CP = DTR`` style lines to write after ``upstype`` (empty when a type matches)."""
        return [f"{name} = {value}" for name, value in self.overrides.items()]

    def to_dict(self) -> dict[str, Any]:
        return {"signals": self.signals.to_dict(), "signal_text": self.signals.format(),
                "upstype": self.upstype, "types": self.types, "exact_types": self.exact_types,
                "overrides": self.overrides, "reasons": self.reasons, "problems": self.problems,
                "cable_loss": [loss.to_dict() for loss in self.cable_losses()]}


class _Requirement(Record):
    """What the cable needs from one signal; ``canonical`` is the derived value."""

    __slots__ = ("canonical", "determined", "candidates", "active_high", "must_high", "must_low", "any_value")

    def __init__(self, canonical: Signal, determined: bool = True, candidates: frozenset[str] = frozenset(),
                 active_high: bool = True, must_high: frozenset[str] = frozenset(),
                 must_low: frozenset[str] = frozenset(), any_value: bool = False) -> None:
        self.canonical = canonical
        self.determined = determined
        self.candidates = candidates    # inputs: any of these lines carries the signal
        self.active_high = active_high  # inputs: polarity of the signal on those lines
        self.must_high = must_high      # outputs: lines that must be asserted
        self.must_low = must_low        # outputs: lines that must not be asserted
        self.any_value = any_value      # SD with no shutdown wire


class _PcPin(Record):
    __slots__ = ("number", "line", "direction")

    def __init__(self, number: str, line: str, direction: str | None) -> None:
        self.number = number
        self.line = line
        self.direction = direction


class _Nets:
    """PC pins joined electrically (through one UPS pin, or a jumper)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, pin: str) -> str:
        self.parent.setdefault(pin, pin)
        while self.parent[pin] != pin:
            pin = self.parent[pin]
        return pin

    def join(self, pins: Iterable[str]) -> None:
        pins = list(pins)
        for pin in pins[1:]:
            self.parent[self.find(pin)] = self.find(pins[0])

    def members(self, pin: str) -> list[str]:
        root = self.find(pin)
        return [other for other in list(self.parent) if self.find(other) == root]


def _ohms_text(ohms: float | None) -> str:
    if not ohms:
        return ""
    if ohms >= 1000:
        return f" through {ohms / 1000:g} kΩ"
    return f" through {ohms:g} Ω"


class _Analysis:
    """One pass over a wiring: pins, nets, pull-ups, then each signal."""

    def __init__(self, wiring: dict[str, Any], pc_connector: str | None) -> None:
        self.wiring = wiring
        self.wires: list[dict[str, Any]] = wiring["wires"]
        self.reasons: list[str] = []
        self.problems: list[str] = []
        self.connector = pc_connector or self._guess_connector()
        self.pinout = serial_pins.pinout(self.connector) if self.connector in serial_pins.connectors() else {}
        self.pins: dict[str, _PcPin] = {}
        self.nets = _Nets()
        self._read_pins()
        self.pullups = self._read_pullups()
        self.normal_high: set[str] = set()  # outputs that must stay high while monitoring
        self.normal_low: set[str] = set()   # outputs that must stay low while monitoring

    # --- pins and nets ------------------------------------------------------------------
    def _guess_connector(self) -> str:
        def agreement(connector: str) -> int:
            table = serial_pins.pinout(connector)
            return sum(1 for wire in self.wires if wire.get("pc_signal")
                       and str(wire["pc"]) in table
                       and table[str(wire["pc"])].line == serial_pins.line_name(wire["pc_signal"]))
        return max(serial_pins.connectors(), key=lambda connector: (agreement(connector), connector == "DB9"))

    def _pin(self, number: Any, named: str | None = None) -> _PcPin:
        number = str(number)
        known = self.pinout.get(number)
        line = serial_pins.line_name(named) if named else (known.line if known else number)
        if known and named and line != known.line:
            self.problems.append(f"PC pin {number} is labelled {named}, but pin {number} of a {self.connector} "
                                 f"serial port is {known.line}; the pin number is used")
            line = known.line
        pin = self.pins.get(number)
        if pin is None:
            pin = self.pins[number] = _PcPin(number, line, serial_pins.direction_of(line))
        self.nets.find(number)
        return pin

    def _read_pins(self) -> None:
        by_ups_pin: dict[str, list[str]] = {}
        for wire in self.wires:
            pin = self._pin(wire["pc"], wire.get("pc_signal"))
            by_ups_pin.setdefault(str(wire["ups"]), []).append(pin.number)
        for pins in by_ups_pin.values():
            self.nets.join(pins)
        for jumper in self.wiring.get("jumpers", []):
            if jumper["side"] == "pc":
                self.nets.join(self._pin(pin).number for pin in jumper["pins"])
        for label in self.wiring.get("pin_labels", []):
            if label["side"] == "pc":
                self._pin(label["pin"])

    def describe_pin(self, number: str) -> str:
        return f"PC pin {number} ({self.pins[number].line})"

    def lines_in_net(self, number: str, direction: str) -> list[str]:
        return [self.pins[pin].line for pin in self.nets.members(number) if self.pins[pin].direction == direction]

    def _read_pullups(self) -> dict[str, list[tuple[str, float | None]]]:
        """Input pin → [(output pin feeding it, ohms)] from resistors between PC pins."""
        pullups: dict[str, list[tuple[str, float | None]]] = {}
        for part in self.wiring.get("components", []):
            if part["type"] != "resistor" or part.get("side", "pc") != "pc":
                continue
            first, second = (self._pin(pin) for pin in part["between"])
            directions = {first.direction, second.direction}
            if directions == {"output", "input"}:
                source, target = (first, second) if first.direction == "output" else (second, first)
                pullups.setdefault(target.number, []).append((source.number, part.get("ohms")))
            else:
                self.problems.append(f"a resistor joins PC pins {first.number} ({first.line}) and "
                                     f"{second.number} ({second.line}); only a pull-up from an output "
                                     "(DTR, RTS) to an input is understood, so it is ignored")
        return pullups

    def inputs_held_on(self, cable_power: set[str]) -> frozenset[str]:
        """Input lines that read on from the cable alone, with the UPS end loose: those joined to a
        cable-power output, directly or through a pull-up resistor."""
        sources = {number for number, pin in self.pins.items() if pin.direction == "output" and pin.line in cable_power}
        fed = {target for target, feeds in self.pullups.items() if any(source in sources for source, _ in feeds)}
        held = {member for pin in sources | fed for member in self.nets.members(pin)}
        return frozenset(self.pins[pin].line for pin in held if self.pins[pin].direction == "input")

    def wires_with(self, role: str) -> list[dict[str, Any]]:
        return [wire for wire in self.wires if wire.get("role") == role]

    # --- cable power ----------------------------------------------------------------------
    def cable_power(self) -> set[str]:
        sources: dict[str, list[str]] = {}
        for target, feeds in self.pullups.items():
            for source, ohms in feeds:
                sources.setdefault(source, []).append(f"{target} ({self.pins[target].line}){_ohms_text(ohms)}")
        for label in self.wiring.get("pin_labels", []):
            if label["side"] == "pc" and label.get("role") == "pull-up-source":
                pin = self.pins[str(label["pin"])]
                if pin.direction == "output":
                    sources.setdefault(pin.number, [])
                else:
                    self.problems.append(f"PC pin {pin.number} ({pin.line}) is labelled as a pull-up source, "
                                         "but the PC cannot supply power on an input")
        for wire in self.wires_with("pull-up-source"):
            outputs = [pin for pin in self.nets.members(str(wire["pc"])) if self.pins[pin].direction == "output"]
            if not outputs:
                self.problems.append(f"the wire from UPS pin {wire['ups']} is a pull-up source, but it reaches "
                                     f"no PC output (DTR, RTS) that could power it")
            for pin in outputs:
                self.reasons.append(f"{self.describe_pin(pin)} is wired to UPS pin {wire['ups']}"
                                    f"{' (' + wire['ups_signal'] + ')' if wire.get('ups_signal') else ''}, "
                                    "which takes its supply from the PC")
                sources.setdefault(pin, [])
        for pin, targets in sorted(sources.items()):
            if targets:
                plural = "s" if len(targets) > 1 else ""
                self.reasons.append(f"{self.describe_pin(pin)} feeds the pull-up resistor{plural} to pin{plural} "
                                    f"{', '.join(targets)}, so the driver must keep {self.pins[pin].line} high")
        return {self.pins[pin].line for pin in sources}

    # --- status inputs --------------------------------------------------------------------
    def status_signal(self, role: str, name: str) -> _Requirement:
        wires = self.wires_with(role)
        if not wires:
            self.reasons.append(f"No wire carries the UPS's {role} signal: {name}=none")
            return _Requirement(canonical=None)
        candidates: list[str] = []
        for wire in wires:
            for line in self.lines_in_net(str(wire["pc"]), "input"):
                if line not in candidates:
                    candidates.append(line)
        described = ", ".join(f"{self.describe_pin(str(wire['pc']))}" for wire in wires)
        if not candidates:
            self.problems.append(f"the {role} wire reaches {described}, which the PC cannot read as a "
                                 f"modem-status input (CTS, DCD, RNG, DSR): {name} cannot be derived")
            return _Requirement(canonical=None, determined=False)
        candidates.sort(key=INPUT_LINES.index)
        line = candidates[0]
        pin = next(pin for pin in self.nets.members(str(wires[0]["pc"])) if self.pins[pin].line == line)
        levels = {wire.get("active_level") for wire in wires} - {None}
        pulled = self.pullups.get(pin, [])
        pull_text = ""
        if pulled:
            source, ohms = pulled[0]
            pull_text = f" is pulled up from {self.pins[source].line}{_ohms_text(ohms)} and"
        if len(levels) > 1:
            self.problems.append(f"the {role} wires disagree about their active level: {name} cannot be derived")
            return _Requirement(canonical=None, determined=False)
        if levels:
            level = levels.pop()
        elif pulled:
            level = "low"
            self.reasons.append(f"The {role} wire gives no active level; {line} is pulled up, so the UPS's "
                                "contact is taken to pull it low")
        else:
            self.problems.append(f"the {role} wire to {self.describe_pin(pin)} gives no active_level and the "
                                 f"line has no pull-up: {name}'s polarity cannot be derived")
            return _Requirement(canonical=None, determined=False)
        source = wires[0]
        ups_text = (f"the UPS's {source['ups_signal']} output" if source.get("ups_signal")
                    else f"the UPS's {role} signal") + f" (UPS pin {source['ups']})"
        if name == "OL":
            active_high = level == "low"
            meaning = f"{line} {'high' if active_high else 'low'} means on line"
        else:
            active_high = level == "high"
            meaning = f"{line} {'high' if active_high else 'low'} means {CONDITIONS[name]}"
        canonical: Signal = ((line, active_high),)
        self.reasons.append(f"{self.describe_pin(pin)}{pull_text} carries {ups_text}, {level} while "
                            f"{CONDITIONS['OL' if name == 'OL' else name]}, so {meaning}: "
                            f"{name}={format_signal(canonical)}")
        if len(candidates) > 1:
            self.reasons.append(f"The same signal also reaches {', '.join(candidates[1:])}; "
                                f"{name} reads {line}")
        return _Requirement(canonical=canonical, candidates=frozenset(candidates), active_high=active_high)

    # --- shutdown ---------------------------------------------------------------------------
    def shutdown(self, cable_power: set[str]) -> _Requirement:
        wires = self.wires_with("shutdown")
        if not wires:
            self.reasons.append("No wire reaches a shutdown input of the UPS: the driver cannot switch the UPS "
                                "off, and any SD value does the same")
            return _Requirement(canonical=None, any_value=True)
        raise_lines: set[str] = set()
        drop_lines: set[str] = set()
        return_lines: set[str] = set()
        use_break = False
        for wire in wires:
            number = str(wire["pc"])
            net = self.nets.members(number)
            outputs = [self.pins[pin].line for pin in net if self.pins[pin].direction == "output"]
            on_txd = any(self.pins[pin].line == "TxD" for pin in net)
            name = f"shutdown input{' ' + wire['ups_signal'] if wire.get('ups_signal') else ''} (UPS pin {wire['ups']})"
            diodes = [part for part in wire.get("components", []) if part["type"] == "diode"]
            in_series = [f"a {part['part']} diode" if part["type"] == "diode" and part.get("part")
                         else f"a{_ohms_text(part.get('ohms')).replace(' through', '')} {part['type']}"
                         for part in wire.get("components", [])]
            diode_text = f" through {' and '.join(in_series)}" if in_series else ""
            level = wire.get("active_level")
            if level is None and any(part.get("conducts") == "ups-to-pc" for part in diodes):
                level = "low"
                self.reasons.append(f"The diode on the {name} lets current flow only towards the PC, so the PC "
                                    "shuts the UPS down by dropping the line")
            level = level or "high"
            if on_txd and not outputs:
                use_break = True
                self.reasons.append(f"The UPS's {name} is wired to {self.describe_pin(number)}{diode_text}: "
                                    "the driver shuts the UPS down with a break on TxD: SD=ST")
            elif outputs:
                target = raise_lines if level == "high" else drop_lines
                target.update(outputs)
                action = "raising" if level == "high" else "dropping"
                self.reasons.append(f"The UPS's {name} is driven from {self.describe_pin(number)}"
                                    f"{diode_text}: {action} "
                                    f"{' and '.join(outputs)} shuts the UPS down")
            else:
                self.problems.append(f"the UPS's {name} is wired to {self.describe_pin(number)}, which the PC "
                                     "cannot drive (only DTR, RTS or a break on TxD can): SD cannot be derived")
        for wire in self.wires_with("shutdown-return"):
            net = self.nets.members(str(wire["pc"]))
            outputs = [self.pins[pin].line for pin in net if self.pins[pin].direction == "output"]
            if outputs:
                return_lines.update(outputs)
                self.reasons.append(f"The shutdown input returns to {' and '.join(outputs)}, which must stay low "
                                    "while shutting down")
            else:
                self.reasons.append(f"The shutdown input returns to {self.describe_pin(str(wire['pc']))}")
        if use_break and (raise_lines or drop_lines):
            self.problems.append("the shutdown wires need both a break on TxD and a modem line; genericups "
                                 "does only one of them: SD uses the break")
        if use_break:
            return _Requirement(canonical=BREAK_SIGNAL)
        if not (raise_lines or drop_lines):
            return _Requirement(canonical=None, determined=False)
        for line in sorted(raise_lines & cable_power):
            self.problems.append(f"{line} powers the cable's pull-ups and also drives the shutdown input: "
                                 "the UPS would shut down as soon as the driver starts")
        self.normal_high = drop_lines
        self.normal_low = raise_lines
        powered = cable_power | drop_lines
        asserted = (powered | raise_lines) - drop_lines - return_lines
        kept = sorted(powered & asserted - raise_lines, key=OUTPUT_LINES.index)
        if asserted:
            canonical: Signal = tuple((line, True) for line in OUTPUT_LINES if line in asserted)
        else:
            canonical = tuple((line, False) for line in OUTPUT_LINES if line in drop_lines | return_lines)
        self.reasons.append((f"The cable-power line{'s' if len(kept) > 1 else ''} {' and '.join(kept)} "
                             f"stay{'' if len(kept) > 1 else 's'} high meanwhile: " if kept else "")
                            + f"SD={format_signal(canonical)}")
        return _Requirement(canonical=canonical, must_high=frozenset(raise_lines),
                            must_low=frozenset(drop_lines | return_lines))


def _output_lines(signal: Signal) -> frozenset[str]:
    return frozenset(line for line, high in signal or () if high)


def _works(name: str, requirement: _Requirement, value: Signal) -> bool:
    """True when a type's value for ``name`` does what the cable needs."""
    if not requirement.determined or requirement.any_value:
        return True
    if name == "CP":
        if value in (UNKNOWN_SIGNAL, BREAK_SIGNAL):
            return False
        raised = _output_lines(value)
        return requirement.must_high <= raised and not raised & requirement.must_low
    if name == "SD":
        if requirement.canonical == BREAK_SIGNAL:
            return value == BREAK_SIGNAL
        if value in (UNKNOWN_SIGNAL, BREAK_SIGNAL):
            return False
        raised = _output_lines(value)
        return requirement.must_high <= raised and not raised & requirement.must_low
    if requirement.canonical is None:
        return value is None
    if value is None or value == UNKNOWN_SIGNAL:
        return False
    return all(line in requirement.candidates and high == requirement.active_high for line, high in value)


def _why_also(name: str, value: Signal, requirement: _Requirement, wired: set[str]) -> str:
    """Why a type's value that differs from the derived one still works with the cable."""
    text = f"{name}={format_signal(value)}"
    if name in ("CP", "SD"):
        raised, wanted = _output_lines(value), _output_lines(requirement.canonical)
        parts = []
        for line in sorted(raised - wanted):
            parts.append(f"also raises {line}, which " + ("is not wired" if line not in wired
                                                           else "feeds neither a pull-up nor the shutdown input"))
        if wanted - raised:
            parts.append(f"leaves {' and '.join(sorted(wanted - raised))} low, which only powers the pull-ups "
                         + ("and no longer matters once the UPS shuts down" if name == "SD" else ""))
        if name == "SD" and requirement.must_high:
            parts.insert(0, f"still raises {' and '.join(sorted(requirement.must_high))}")
        return f"{text} " + ", ".join(parts)
    line = format_signal(requirement.canonical).lstrip("-")
    return f"{text} reads a line that carries the same signal as {line}"


def _check_claim(analysis: _Analysis, claimed: SignalSet, derived: SignalSet) -> list[str]:
    """Where a document's stated signals disagree with its own wiring."""
    problems: list[str] = []
    wired = {pin.line for pin in analysis.pins.values()}
    by_line = {info.line: number for number, info in analysis.pinout.items()}
    for name in SIGNAL_NAMES:
        if name not in claimed.given:
            continue
        value = claimed.get(name)
        needed = [line for line, high in value or () if high or name not in ("CP", "SD")]
        needed = ["TxD" if line == BREAK else line for line in needed if line != "???"]
        missing = [line for line in needed if line not in wired]
        for line in missing:
            pin = by_line.get(line)
            where = f"pin {pin} ({line})" if pin else line
            problems.append(f"the document says {name}={format_signal(value)}, but {where} is not wired")
        if not missing and name in derived.given and not claimed.same_as(name, derived):
            problems.append(f"the document says {name}={format_signal(value)}, but its wiring gives "
                            f"{name}={derived.text(name)}")
    return problems


def _requirements(analysis: _Analysis) -> dict[str, _Requirement]:
    """What the cable needs from each of the six signals, with the reasons in reading order."""
    cable_power = analysis.cable_power()
    cp_reasons, analysis.reasons = analysis.reasons, []
    requirements: dict[str, _Requirement] = {"SD": analysis.shutdown(cable_power)}
    shutdown_reasons, analysis.reasons = analysis.reasons, cp_reasons
    powered = cable_power | analysis.normal_high
    for line in sorted(analysis.normal_high - cable_power):
        analysis.reasons.append(f"{line} must stay high while monitoring, since dropping it shuts the UPS "
                                f"down: CP includes {line}")
    cp_signal: Signal = tuple((line, True) for line in OUTPUT_LINES if line in powered) or None
    analysis.reasons.append(f"Cable power: CP={format_signal(cp_signal)}"
                            + ("" if cp_signal else " (nothing in the cable takes power from the PC)"))
    requirements["CP"] = _Requirement(canonical=cp_signal, must_high=frozenset(powered),
                                      must_low=frozenset(analysis.normal_low))
    for role, name in STATUS_ROLES.items():
        requirements[name] = analysis.status_signal(role, name)
    analysis.reasons.extend(shutdown_reasons)
    return requirements


def inputs_held_on(cable_wiring: dict[str, Any], cable_power: set[str], *,
                   pc_connector: str | None = None) -> frozenset[str]:
    """Input lines a cable keeps on by itself, from the ``cable_power`` lines, when its UPS end is loose."""
    return _Analysis(validate_wiring(cable_wiring), pc_connector).inputs_held_on(cable_power)


def derive_signals(cable_wiring: dict[str, Any], *, pc_connector: str | None = None,
                   claimed: SignalSet | None = None, table: GenericupsTable | None = None) -> Derivation:
    """Derive the genericups signals, matching upstype(s) or overrides from a WIRING object.

    ``pc_connector`` is ``DB9`` or ``DB25`` (guessed from the wires' ``pc_signal`` when not
    given); ``claimed`` is what a document states about the cable, checked against its wiring.
    """
    table = table or load_table()
    analysis = _Analysis(validate_wiring(cable_wiring), pc_connector)
    requirements = _requirements(analysis)
    given = frozenset(name for name in SIGNAL_NAMES
                      if requirements[name].determined and not requirements[name].any_value)
    signals = SignalSet(**{name.lower(): requirements[name].canonical for name in SIGNAL_NAMES}, given=given)
    reasons = analysis.reasons

    def failing_signals(ups_type: Any) -> list[str]:
        """The signals of ``ups_type`` that do not do what this cable needs."""
        return [name for name in SIGNAL_NAMES if not _works(name, requirements[name], ups_type.signals.get(name))]

    exact = table.types_matching(signals)
    if exact:
        reasons.append(f"Type{'s' if len(exact) > 1 else ''} {', '.join(map(str, exact))} "
                       f"{'have' if len(exact) > 1 else 'has'} exactly these signals: {signals.format()}")
    failing = {number: failing_signals(ups_type) for number, ups_type in table.types.items()}
    differing = {number: ups_type.signals.differing(signals) for number, ups_type in table.types.items()}
    others = sorted((number for number in table.types if not failing[number] and number not in exact),
                    key=lambda number: (len(differing[number]), number))
    wired = {pin.line for pin in analysis.pins.values()}
    for number in others:
        why = "; ".join(_why_also(name, table.get(number).signals.get(name), requirements[name], wired)
                        for name in differing[number])
        reasons.append(f"Type {number} also works with this cable: {why}")
    types = exact + others
    overrides: dict[str, str] = {}
    base: int | None = None
    if not types:
        base = min(failing, key=lambda number: (len(failing[number]), len(differing[number]), number))
        overrides = {name: signals.text(name) for name in failing[base]}
        reasons.append(f"No genericups type fits; type {base} comes closest: use upstype = {base} followed by "
                       + ", ".join(f"{name} = {value}" for name, value in overrides.items()))
    problems = analysis.problems
    if claimed is not None:
        problems.extend(_check_claim(analysis, claimed, signals))
    written = table.get(types[0] if types else base).signals
    if overrides:
        written = SignalSet.from_mapping({**written.to_dict(), **overrides})
    cable_power = {line for line, high in written.cp or () if high}
    return Derivation(signals=signals, types=types, exact_types=exact, overrides=overrides, base_type=base,
                      reasons=reasons, problems=problems, written=written,
                      held_on=analysis.inputs_held_on(cable_power))
