"""APC Smart (UPS-Link): ``Y`` -> ``SM`` -> apcsmart.

Only read-only queries are sent: ``Y`` (enter smart mode), ``^A`` (model), ``b`` (firmware),
``n`` (serial number) and ``L`` (input voltage). Several other single letters start a self
test, a calibration or a shutdown on these units, which is why nothing else is ever sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from nuthelper.probe.link import Detection, Link

SMART_MODE = b"Y"
SMART_MODE_REPLY = b"SM"
IDENTITY_QUERIES = {"model": b"\x01", "firmware": b"b", "serial": b"n"}
READING_QUERIES = {"input.voltage": b"L"}
NOT_AVAILABLE = b"NA"


@dataclass(frozen=True)
class ApcSmart:
    name: str = "apcsmart"
    driver: str = "apcsmart"
    weight: float = 1.0
    default: bool = True
    baud: int = 2400
    requests: tuple[bytes, ...] = (SMART_MODE, *IDENTITY_QUERIES.values(), *READING_QUERIES.values())

    def probe(self, link: Link, budget: float) -> Detection | None:
        link.set_baud(self.baud)
        link.set_lines({"DTR": False, "RTS": False})  # the 940-0024C cable needs no line power
        reply = link.exchange(SMART_MODE, wait=budget, terminator=b"\n", max_bytes=16)
        if SMART_MODE_REPLY not in reply:
            return None
        detection = Detection(self.name, self.driver, self.baud)
        detection.identification = self._ask(link, IDENTITY_QUERIES)
        detection.readings = self._ask(link, READING_QUERIES)
        return detection

    @staticmethod
    def _ask(link: Link, queries: dict[str, bytes]) -> dict[str, str]:
        answers = {}
        for key, query in queries.items():
            reply = link.exchange(query, wait=0.3, terminator=b"\n", max_bytes=64).strip()
            if reply and reply != NOT_AVAILABLE:
                answers[key] = reply.decode("ascii", "replace")
        return answers


PROTOCOL = ApcSmart()
