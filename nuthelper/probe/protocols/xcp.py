"""Powerware/Eaton XCP: an identification-block request answered by an 0xAB frame -> bcmxcp."""

from __future__ import annotations

from dataclasses import dataclass

from nuthelper.probe.link import Detection, Link

START = 0xAB
ID_BLOCK_REQUEST = 0x31
BAUDS = (19200, 9600)


def frame(command: int) -> bytes:
    """A one-byte XCP request: start, length 1, command, two's-complement checksum."""
    body = bytes((START, 0x01, command))
    return body + bytes(((-sum(body)) & 0xFF,))


def valid_reply(reply: bytes, command: int) -> bool:
    """Start byte, the block asked for, and (when the frame is complete) a zero byte sum."""
    if len(reply) < 2 or reply[0] != START or reply[1] != command:
        return False
    if len(reply) >= 4 and len(reply) >= reply[2] + 5:
        return sum(reply[: reply[2] + 5]) & 0xFF == 0
    return True


@dataclass(frozen=True)
class Xcp:
    name: str = "xcp"
    driver: str = "bcmxcp"
    weight: float = 1.0
    default: bool = True
    requests: tuple[bytes, ...] = (frame(ID_BLOCK_REQUEST),)

    def probe(self, link: Link, budget: float) -> Detection | None:
        link.set_lines({"DTR": True, "RTS": False})
        for baud in BAUDS:
            link.set_baud(baud)
            reply = link.exchange(frame(ID_BLOCK_REQUEST), wait=budget / len(BAUDS), max_bytes=512, gap=0.05)
            if valid_reply(reply, ID_BLOCK_REQUEST):
                return Detection(self.name, self.driver, baud, options={"baud_rate": str(baud)})
        return None


PROTOCOL = Xcp()
