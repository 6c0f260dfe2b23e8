"""The probing engine: ports checked first, then each conversation in its own thread, opened safely,
each protocol on a time budget; Ctrl-C stops every conversation at once."""

from __future__ import annotations

import itertools
import os
import stat
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from collections.abc import Callable


from nuthelper.errors import InvalidInput, NotFound
from nuthelper.knowledge.genericups import GenericupsTable, UpsType, load_table
from nuthelper.probe.contact import allowed_output_lines, consistent_types, lines_on
from nuthelper.probe.link import ConversationStopped, Detection, Link
from nuthelper.probe.locks import PortLocked, PortLockFile, lock_states
from nuthelper.probe.protocols import DEFAULT_PROTOCOLS, PROTOCOLS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Sequence

DEFAULT_TIMEOUT = 1.3  # seconds of protocol waiting a silent port costs
CABLE_POWER_SETTLE = 0.05
INTERRUPTED = "interrupted (Ctrl-C) before the probe of this port finished"
MODEM_INPUTS = {"CTS": "cts", "DCD": "cd", "DSR": "dsr", "RNG": "ri"}

Progress = Callable[[str], None]


@dataclass
class ProbeResult:
    """Everything learnt about one port."""

    port: str  # as given
    device: str  # the real node behind it, symlinks resolved
    by_id: str | None = None
    by_path: str | None = None
    driver: str | None = None
    protocol: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    baud: int | None = None
    identification: dict[str, str] = field(default_factory=dict)
    readings: dict[str, str] = field(default_factory=dict)
    modem_lines: dict[str, bool] | None = None
    contact_types: list[int] = field(default_factory=list)
    named_type_status: dict[str, bool] | None = None
    lines_raised: list[str] = field(default_factory=list)
    lines_withheld: list[str] = field(default_factory=list)
    protocols_tried: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped: bool = False
    interrupted: bool = False
    error: str | None = None

    @property
    def found(self) -> bool:
        return self.driver is not None

    @property
    def stable_port(self) -> str:
        """The name to write into ups.conf: /dev/serial/by-id when it exists, else the port given."""
        for name in (self.by_id, self.by_path):
            if name and os.path.exists(name):
                return name
        return self.port

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["found"] = self.found
        data["stable_port"] = self.stable_port
        return data


class ProbeInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`probe_ports`: every conversation has stopped and closed its port;
    ``results`` holds what was learnt (ports still talking are marked ``interrupted``)."""

    def __init__(self, results: list[ProbeResult]) -> None:
        super().__init__("probe interrupted")
        self.results = results


@dataclass
class ProbeSettings:
    """What to probe with: protocol names in order, time budget, genericups knowledge."""

    protocols: Sequence[str] = DEFAULT_PROTOCOLS
    timeout: float = DEFAULT_TIMEOUT
    table: GenericupsTable | None = None  # None: the shipped genericups table
    named_type: int | None = None

    def __post_init__(self) -> None:
        unknown = [name for name in self.protocols if name not in PROTOCOLS]
        if unknown:
            raise InvalidInput(f"unknown protocol {', '.join(unknown)}: choose from {', '.join(PROTOCOLS)}")
        if not self.timeout > 0:
            raise InvalidInput(f"--timeout must be a positive number of seconds, not {self.timeout}")
        if self.table is None:
            self.table = load_table()
        if self.named_type is not None:
            try:
                self.table.get(self.named_type)
            except NotFound as error:
                raise InvalidInput(f"--upstype: {error.message}") from None

    @property
    def types(self) -> list[UpsType]:
        return list(self.table.types.values()) if self.table is not None else []

    def named(self) -> UpsType | None:
        if self.named_type is None or self.table is None:
            return None
        return self.table.get(self.named_type)


def _read_modem_lines(port: Any) -> dict[str, bool] | None:
    try:
        return {line: bool(getattr(port, attribute)) for line, attribute in MODEM_INPUTS.items()}
    except OSError:
        return None  # no modem-control lines (pseudo-terminal, some adapters)


def _check_node(path: str) -> str | None:
    """A one-line reason the path cannot be a serial port, or None."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "no such port"
    except PermissionError as error:
        return f"permission denied: {error.strerror}"
    if not stat.S_ISCHR(st.st_mode):
        kind = "a regular file" if stat.S_ISREG(st.st_mode) else "not a character device"
        return f"not a serial port ({kind})"
    return None


def _open(path: str) -> Any:
    import serial
    port = serial.Serial()
    port.port = path
    port.baudrate = 2400
    port.timeout = 0.05
    port.write_timeout = 1.0
    port.exclusive = True
    port.dtr = False  # stored before open: pyserial clears both lines right after opening
    port.rts = False
    port.open()
    return port


def _contact_stage(port: Any, result: ProbeResult, settings: ProbeSettings) -> frozenset[str]:
    """Decide which outputs may be raised, read the modem lines (with the named type's cable power
    raised) and list the upstypes that read them as a normal state."""
    named = settings.named()
    allowed = allowed_output_lines(settings.types, named)
    reading = _read_modem_lines(port)
    if named is not None and reading is not None:
        link = Link(port, allowed)
        link.set_lines({line: True for line in named.signals.asserted_lines("CP")})
        time.sleep(CABLE_POWER_SETTLE)
        reading = _read_modem_lines(port) or reading
        status = named.signals.status(lines_on(reading))
        result.named_type_status = {"on_line": "OL" in status, "low_battery": "LB" in status}
        result.lines_raised += link.lines_raised
        link.lower_lines()
    result.modem_lines = reading
    if reading is not None:
        result.contact_types = [t.number for t in consistent_types(settings.types, reading)]
    return allowed


def _budgets(settings: ProbeSettings) -> dict[str, float]:
    total = sum(PROTOCOLS[name].weight for name in settings.protocols)
    return {name: settings.timeout * PROTOCOLS[name].weight / total for name in settings.protocols}


def _apply(result: ProbeResult, detection: Detection) -> None:
    result.driver = detection.driver
    result.protocol = detection.protocol
    result.baud = detection.baud
    result.identification = detection.identification
    result.readings = detection.readings
    result.options = {"port": result.stable_port, **detection.options}
    result.flags = list(detection.flags)


def _preflight(paths: list[str]) -> list[ProbeResult]:
    """Results for ``paths`` with the reason not to open a port already filled in.

    Runs in the calling thread before any port is opened: node checks and the lock scan (one pass
    over /proc for all ports) need no parallelism, and only the conversations run in threads.
    """
    results = [ProbeResult(port=path, device=os.path.realpath(path)) for path in paths]
    for result in results:
        result.error = _check_node(result.port)
    candidates = [result for result in results if result.error is None]
    for result, state in zip(candidates, lock_states([result.port for result in candidates])):
        if not state.free:
            result.skipped = True
            result.error = f"skipped, not opened: {state.describe()}"
    return results


def _converse(result: ProbeResult, settings: ProbeSettings, say: Progress, stop: threading.Event) -> ProbeResult:
    """Open a port that passed the preflight and try the protocols; port trouble ends up in the result."""
    started = time.monotonic()
    if result.error is None:
        try:
            with PortLockFile(result.device):
                _open_and_probe(result, settings, say, stop)
        except PortLocked as error:
            result.skipped = True
            result.error = f"skipped, not opened: {error}"
        except ConversationStopped:
            result.interrupted, result.error = True, INTERRUPTED
        except Exception as error:  # the port vanished or misbehaved mid-probe
            result.error = f"port failed during the probe: {error}"
    result.seconds = round(time.monotonic() - started, 3)
    if result.found:
        say(f"{result.port}: {result.protocol} -> {result.driver} at {result.baud} baud")
    elif result.error:
        say(f"{result.port}: {result.error}")
    else:
        say(f"{result.port}: no answer to {', '.join(result.protocols_tried)}")
    return result


def _open_and_probe(result: ProbeResult, settings: ProbeSettings, say: Progress, stop: threading.Event) -> None:
    if stop.is_set():
        raise ConversationStopped()
    try:
        port = _open(result.port)
    except Exception as error:
        errno = getattr(error, "errno", None)
        if isinstance(error, PermissionError) or errno == 13:
            result.error = "permission denied opening the port (run as root or as a member of its group)"
        elif errno == 11 or "lock" in str(error).lower():
            result.skipped = True
            result.error = "skipped: another process holds an exclusive lock on the port"
        else:
            result.error = f"cannot open: {error}"
        return
    link = None
    try:
        allowed = _contact_stage(port, result, settings)
        link = Link(port, allowed, stop)
        budgets = _budgets(settings)
        for name in settings.protocols:
            say(f"{result.port}: trying {name}")
            result.protocols_tried.append(name)
            detection = PROTOCOLS[name].probe(link, budgets[name])
            if detection is not None:
                _apply(result, detection)
                break
    finally:
        if link is not None:
            result.lines_raised = list(dict.fromkeys(result.lines_raised + link.lines_raised))
            result.lines_withheld = link.lines_withheld
        try:
            Link(port, frozenset()).lower_lines()
            port.close()
        except Exception:
            pass


def _attach_stable_names(results: Iterable[ProbeResult]) -> None:
    """Fill by-id/by-path from udev where the port is known there (quietly skipped otherwise)."""
    try:
        from nuthelper.probe.udev import list_serial_ports
        known = {os.path.realpath(p.device): p for p in list_serial_ports(with_locks=False)}
    except Exception:
        return
    for result in results:
        port = known.get(os.path.realpath(result.port))
        if port is not None:
            result.by_id, result.by_path = port.by_id, port.by_path


def probe_ports(paths: Sequence[str], settings: ProbeSettings | None = None,
                progress: Progress | None = None) -> list[ProbeResult]:
    """Probe all ``paths`` at once (one conversation thread each) and return results in the same order.

    Ctrl-C (KeyboardInterrupt) stops every conversation at its next read, closes the ports and raises
    :class:`ProbeInterrupted` with the results so far.
    """
    settings = settings or ProbeSettings()
    paths = list(dict.fromkeys(paths))
    if not paths:
        return []
    lock = threading.Lock()
    stop = threading.Event()

    def report(message: str) -> None:
        if progress is not None:
            with lock:
                progress(message)

    results = _preflight(paths)
    pool = ThreadPoolExecutor(max_workers=len(paths))
    futures = []
    try:
        for result in results:
            futures.append(pool.submit(_converse, result, settings, report, stop))
        for future in futures:
            future.result()
    except KeyboardInterrupt:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        for result, future in itertools.zip_longest(results, futures):
            if future is None or future.cancelled():
                result.interrupted, result.error = True, INTERRUPTED
        raise ProbeInterrupted(results) from None
    pool.shutdown(wait=True)
    _attach_stable_names(results)
    for result in results:
        if result.found:
            result.options["port"] = result.stable_port
    return results
