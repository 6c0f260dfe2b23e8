"""Reading a UPS through a running upsd: ``LIST VAR`` over the NUT network protocol, on loopback.

The addresses come from the ``LISTEN`` lines of the upsd.conf beside ups.conf: loopback ones as
they are, the wildcards (0.0.0.0, ::) as their loopback address; other addresses are never
contacted. Without LISTEN lines upsd listens on localhost port 3493 (upsd.conf(5)).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field

DEFAULT_PORT = 3493
DEFAULT_ADDRESSES = (("127.0.0.1", DEFAULT_PORT), ("::1", DEFAULT_PORT))
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "*": "127.0.0.1"}
CONNECT_TIMEOUT = 2.0
POLL_INTERVAL = 0.5


class UpsdError(Exception):
    """upsd answered ``ERR CODE``; ``code`` is e.g. UNKNOWN-UPS, DATA-STALE, DRIVER-NOT-CONNECTED."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class UpsdReading:
    """What upsd at ``address`` said about one UPS: its variables, or the error it gave."""

    address: tuple[str, int]
    variables: dict[str, str] = field(default_factory=dict)
    error: str | None = None                 # DATA-STALE, DRIVER-NOT-CONNECTED, or WAIT (no dump yet)

    @property
    def where(self) -> str:
        host, port = self.address
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen_addresses(upsd_conf: str | None) -> list[tuple[str, int]]:
    """The loopback addresses upsd listens on, from the text of upsd.conf (None: no file)."""
    listens = []
    for line in (upsd_conf or "").splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and words[0].upper() == "LISTEN":
            port = int(words[2]) if len(words) > 2 and words[2].isdigit() else DEFAULT_PORT
            listens.append((words[1].strip("[]"), port))
    if not listens:
        return list(DEFAULT_ADDRESSES)
    found = []
    for host, port in listens:
        host = _WILDCARDS.get(host, host)
        if _is_loopback(host) and (host, port) not in found:
            found.append((host, port))
    return found


def _unquote(text: str) -> str:
    """A quoted protocol word: ``"a \\"b\\""`` -> ``a "b"``."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    out, escaped = [], False
    for char in text:
        if escaped or char != "\\":
            out.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(out)


def list_vars(address: tuple[str, int], ups: str, timeout: float = CONNECT_TIMEOUT) -> dict[str, str]:
    """Every variable upsd at ``address`` has for ``ups``; UpsdError for an ``ERR`` answer, OSError
    when nothing answers there."""
    with socket.create_connection(address, timeout=timeout) as connection:
        connection.sendall(f"LIST VAR {ups}\nLOGOUT\n".encode("ascii"))
        stream = connection.makefile("r", encoding="utf-8", errors="replace", newline="\n")
        variables: dict[str, str] = {}
        for line in stream:
            line = line.rstrip("\r\n")
            if line.startswith("ERR "):
                raise UpsdError(line.split()[1])
            if line.startswith("END LIST VAR"):
                return variables
            if line.startswith("VAR "):
                _, _, rest = line.split(" ", 2)          # "VAR", the UPS, then NAME "VALUE"
                name, _, value = rest.partition(" ")
                variables[name] = _unquote(value)
    raise OSError(f"upsd at {address[0]}:{address[1]} closed the connection mid-answer")


def read_through_upsd(addresses: list[tuple[str, int]], ups: str, seconds: float) -> UpsdReading | None:
    """The UPS as the first upsd that knows it reports it, waiting up to ``seconds`` for a reading
    (upsd says WAIT until its driver's first dump, DATA-STALE while the driver hears nothing);
    None when no upsd answers for ``ups``."""
    for address in addresses:
        try:
            variables = list_vars(address, ups)
        except UpsdError as error:
            if error.code == "UNKNOWN-UPS":
                continue
            return _wait_for_data(address, ups, seconds, UpsdReading(address, error=error.code))
        except OSError:
            continue
        return _wait_for_data(address, ups, seconds, UpsdReading(address, variables))
    return None


def _waiting(reading: UpsdReading) -> bool:
    return reading.error == "DATA-STALE" or reading.variables.get("ups.status") == "WAIT"


def _wait_for_data(address: tuple[str, int], ups: str, seconds: float, reading: UpsdReading) -> UpsdReading:
    deadline = time.monotonic() + seconds
    while _waiting(reading) and time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL)
        try:
            reading = UpsdReading(address, list_vars(address, ups))
        except UpsdError as error:
            reading = UpsdReading(address, error=error.code)
        except OSError:
            break
    if reading.variables.get("ups.status") == "WAIT":
        reading.error = "WAIT"
    return reading
