"""UPScode II (Fiskars, Powerware 9110/9150/9305, older Compaq): ``UPCL\\r`` -> upscode2.

Opt-in only (``--protocols upscode2``): its command words start with ``U``, which an APC Smart-UPS
takes as "simulate a power failure", so it never runs in the default probe sequence.
A unit answers UPCL with the commands it supports, one per line, the last being UPCL itself. Some
units (the Compaq T1500h) only take a command that follows a line feed: when the plain query gets
no answer, it is repeated with a leading line feed, and a unit answering that gets ``use_pre_lf``.
"""

from __future__ import annotations

from dataclasses import dataclass

from nuthelper.probe.link import Detection, Link

COMMAND_LIST = b"UPCL\r"
MODEL_QUERY = b"UPTP\r"
LINE_FEED = b"\n"
PRE_LF_FLAG = "use_pre_lf"


def reply_lines(reply: bytes) -> list[str]:
    """The non-empty lines of a reply (LF-terminated; CRs ignored, as the driver's tty does)."""
    text = reply.replace(b"\r", b"").decode("ascii", "replace")
    return [line.strip() for line in text.split("\n") if line.strip()]


@dataclass(frozen=True)
class UpsCode2:
    name: str = "upscode2"
    driver: str = "upscode2"
    weight: float = 1.0
    baud: int = 1200
    default: bool = False  # see the module docstring
    requests: tuple[bytes, ...] = (COMMAND_LIST, LINE_FEED + COMMAND_LIST, MODEL_QUERY, LINE_FEED + MODEL_QUERY)

    def probe(self, link: Link, budget: float) -> Detection | None:
        link.set_baud(self.baud)
        link.set_lines({"DTR": True, "RTS": False})  # the serial layer's usual cable power
        for prefix in (b"", LINE_FEED):
            commands = self._command_list(link, prefix, budget / 2)
            if commands:
                break
        else:
            return None
        detection = Detection(self.name, self.driver, self.baud)
        if prefix:
            detection.flags.append(PRE_LF_FLAG)
        detection.identification["commands"] = " ".join(commands)
        model = self._model(link, prefix)
        if model:
            detection.identification["model"] = model
        return detection

    @staticmethod
    def _command_list(link: Link, prefix: bytes, wait: float) -> list[str]:
        lines = reply_lines(link.exchange(prefix + COMMAND_LIST, wait=wait, terminator=b"UPCL", max_bytes=1024))
        if "UPCL" not in lines or not all(len(line) == 4 and line.isalnum() for line in lines):
            return []
        return lines[: lines.index("UPCL") + 1]

    @staticmethod
    def _model(link: Link, prefix: bytes) -> str | None:
        """UPTP answers the variable name NNAME, then the model on the next line."""
        lines = reply_lines(link.exchange(prefix + MODEL_QUERY, wait=0.5))
        if len(lines) >= 2 and lines[0] == "NNAME":
            return lines[1]
        return None


PROTOCOL = UpsCode2()
