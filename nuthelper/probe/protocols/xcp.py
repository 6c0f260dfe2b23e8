"""Powerware/Eaton XCP: the identification-block request, answered in 0xAB frames -> bcmxcp.

A request is ``AB, length, command, checksum``; the UPS answers a block request 0x3N with block N
(the identification block 0x31 comes back as block 1) in frames of ``AB, block, length, sequence,
data, checksum``: the sequence counts from 1, its top bit marks the last frame, and every frame's
bytes add up to zero. The identification block gives the firmware, the rating and the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from nuthelper.probe.link import Detection, Link

START = 0xAB
ID_BLOCK_REQUEST = 0x31
LAST_FRAME = 0x80
BAUDS = (19200, 9600)


def frame(command: int) -> bytes:
    """A one-byte XCP request: start, length 1, command, two's-complement checksum."""
    body = bytes((START, 0x01, command))
    return body + bytes(((-sum(body)) & 0xFF,))


def answer_block(reply: bytes, command: int) -> bytes | None:
    """The data of the block that answers ``command``, from complete, well-formed frames; else None."""
    data, sequence, offset = b"", 0, reply.find(bytes((START,)))
    while 0 <= offset and offset + 4 <= len(reply):
        block, length, flags = reply[offset + 1], reply[offset + 2], reply[offset + 3]
        end = offset + 4 + length
        if block != command - 0x30 or length < 1 or end >= len(reply) or (flags & 0x07) != sequence + 1:
            return None
        if sum(reply[offset:end + 1]) & 0xFF:
            return None
        data += reply[offset + 4:end]
        if flags & LAST_FRAME:
            return data
        sequence, offset = flags & 0x07, end + 1
    return None


def identification(block: bytes) -> dict[str, str]:
    """Firmware of the first CPU, rating and model, read the way bcmxcp reads the block."""
    try:
        cpus = block[0]
        index = 1 + 2 * cpus
        firmware = f"{block[2]:02x}.{block[1]:02x}" if cpus else ""
        rating = block[index] * 1000
        index += 1
        if not rating:
            rating, index = int.from_bytes(block[index:index + 2], "little") * 50, index + 2
        index += 2  # phases, phase angle
        model = block[index + 1:index + 1 + block[index]].decode("ascii", "replace").strip("\0 ")
    except IndexError:
        return {}
    found = {"model": model, "firmware": firmware, "power_rating_va": str(rating) if rating else ""}
    return {key: value for key, value in found.items() if value}


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
            reply = link.exchange(frame(ID_BLOCK_REQUEST), wait=budget / len(BAUDS), max_bytes=1024, gap=0.05)
            block = answer_block(reply, ID_BLOCK_REQUEST)
            if block is not None:
                detection = Detection(self.name, self.driver, baud, options={"baud_rate": str(baud)})
                detection.identification.update(identification(block))
                return detection
        return None


PROTOCOL = Xcp()
