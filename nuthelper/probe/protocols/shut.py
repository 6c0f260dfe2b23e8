"""Eaton/MGE SHUT (Serial HID UPS Transfer): a 0x16 sync byte answered by 0x16 -> mge-shut."""

from __future__ import annotations

from dataclasses import dataclass

from nuthelper.probe.link import Detection, Link

SYNC = b"\x16"
NOT_ACKNOWLEDGED = b"\x15"


@dataclass(frozen=True)
class Shut:
    name: str = "shut"
    driver: str = "mge-shut"
    weight: float = 1.0
    default: bool = True
    baud: int = 2400
    requests: tuple[bytes, ...] = (SYNC,)

    def probe(self, link: Link, budget: float) -> Detection | None:
        link.set_baud(self.baud)
        link.set_lines({"DTR": True, "RTS": False})  # SHUT cables take their power from DTR
        reply = link.exchange(SYNC, wait=budget, max_bytes=1)
        if reply != SYNC:
            return None
        return Detection(self.name, self.driver, self.baud)


PROTOCOL = Shut()
