"""The modem lines of a contact-closure port, read after genericups has let go of it.

The reading is the probe's contact stage (:mod:`nuthelper.probe.serialprobe`) with no protocol
tried: the port is opened only when no other program holds it, only the section's own cable
power is raised (never a line any type uses to shut down), and the types of the genericups table
that read those lines as on line come from the one decoding, :meth:`SignalSet.status`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nuthelper.knowledge.genericups import INPUT_LINES, load_table
from nuthelper.probe.contact import lines_on


@dataclass
class LineReading:
    """The input lines seen with the section's cable power raised, and what they mean."""

    lines: dict[str, bool] | None = None     # None: not read (``error`` says why)
    raised: list[str] = field(default_factory=list)
    types_on_line: list[int] = field(default_factory=list)
    error: str | None = None

    @property
    def on(self) -> frozenset[str]:
        return lines_on(self.lines or {})

    def describe(self) -> str:
        """``CTS off, DCD off, DSR off, RNG off`` in the order the table names the inputs."""
        return ", ".join(f"{line} {'on' if (self.lines or {}).get(line) else 'off'}" for line in INPUT_LINES)

    def to_dict(self) -> dict:
        return {"lines": self.lines, "cable_power": self.raised, "types_reading_on_line": self.types_on_line,
                "error": self.error}


def read_contact_lines(port: str, upstype: int) -> LineReading:
    """Open ``port`` as the probe does, raise type ``upstype``'s cable power and read the inputs."""
    from nuthelper.probe.serialprobe import ProbeSettings, probe_ports

    result = probe_ports([port], ProbeSettings(protocols=(), table=load_table(), named_type=upstype))[0]
    if result.error:
        return LineReading(error=result.error)
    if result.modem_lines is None:
        return LineReading(error="the port has no modem-control lines to read (a pseudo-terminal or an adapter "
                                 "without them)")
    return LineReading(result.modem_lines, list(result.lines_raised), list(result.contact_types))
