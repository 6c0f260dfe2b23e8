"""A serial line opened the safe way, with bounded reads for the protocol probes."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

POLL = 0.05  # seconds between looks at the port (and at a request to stop)


class ConversationStopped(Exception):
    """The probe was asked to stop (Ctrl-C) while this conversation was running."""


@dataclass
class Detection:
    """What a protocol probe recognised on a port."""

    protocol: str
    driver: str
    baud: int
    options: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)  # ups.conf flags the driver needs (use_pre_lf)
    identification: dict[str, str] = field(default_factory=dict)
    readings: dict[str, str] = field(default_factory=dict)


class Link:
    """An open pyserial port plus the output-line policy the probes must respect; setting ``stop``
    ends the conversation at its next read (within :data:`POLL` seconds)."""

    def __init__(self, serial_port: Any, allowed_lines: frozenset[str],
                 stop: threading.Event | None = None) -> None:
        self.port = serial_port
        self.allowed_lines = allowed_lines
        self.stop = stop
        self.lines_raised: list[str] = []
        self.lines_withheld: list[str] = []

    def set_baud(self, baud: int) -> None:
        if self.port.baudrate != baud:
            self.port.baudrate = baud

    def set_lines(self, wanted: dict[str, bool]) -> None:
        """Apply the line states a protocol wants, raising only lines the safety rule allows."""
        for line, level in wanted.items():
            if level and line not in self.allowed_lines:
                if line not in self.lines_withheld:
                    self.lines_withheld.append(line)
                level = False
            if level and line not in self.lines_raised:
                self.lines_raised.append(line)
            try:
                setattr(self.port, line.lower(), level)
            except OSError:
                pass  # pseudo-terminals and some adapters have no modem-control lines

    def lower_lines(self) -> None:
        self.set_lines({"DTR": False, "RTS": False})

    def exchange(self, request: bytes, *, wait: float, terminator: bytes | None = None,
                 max_bytes: int = 256, gap: float = 0.15) -> bytes:
        """Send ``request`` and collect the reply.

        Waits at most ``wait`` seconds for the first byte, then reads until ``terminator``,
        ``max_bytes``, or a pause of ``gap`` seconds between bytes. Raises :class:`ConversationStopped`
        when ``stop`` is set.
        """
        self._check_stop()
        self.port.reset_input_buffer()
        if request:
            self.port.write(request)
            self.port.flush()
        reply = b""
        deadline = time.monotonic() + wait
        while len(reply) < max_bytes:
            self._check_stop()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.port.timeout = min(remaining, POLL)
            chunk = self.port.read(max_bytes - len(reply))
            if chunk:
                reply += chunk
                if terminator is not None and terminator in reply:
                    break
                deadline = time.monotonic() + gap
        return reply

    def _check_stop(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise ConversationStopped()
