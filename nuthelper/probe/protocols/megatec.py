"""Megatec/Q1 (the Voltronic family and its many rebrands): ``Q1\\r`` -> nutdrv_qx."""

from __future__ import annotations

from dataclasses import dataclass

from nuthelper.probe.link import Detection, Link

STATUS_QUERY = b"Q1\r"
INFO_QUERY = b"I\r"
MIN_STATUS_LENGTH = 46  # "(MMM.M NNN.N PPP.P QQQ RR.R S.SS TT.T b7b6b5b4b3b2b1b0"
STATUS_FIELDS = ("input.voltage", "input.voltage.fault", "output.voltage", "ups.load",
                 "input.frequency", "battery.voltage", "ups.temperature")


@dataclass(frozen=True)
class Megatec:
    name: str = "megatec"
    driver: str = "nutdrv_qx"
    weight: float = 1.0
    default: bool = True
    baud: int = 2400
    requests: tuple[bytes, ...] = (STATUS_QUERY, INFO_QUERY)

    def probe(self, link: Link, budget: float) -> Detection | None:
        link.set_baud(self.baud)
        link.set_lines({"DTR": True, "RTS": False})  # nutdrv_qx's default cable power
        reply = link.exchange(STATUS_QUERY, wait=budget, terminator=b"\r")
        if not (reply.startswith(b"(") and len(reply.rstrip(b"\r")) >= MIN_STATUS_LENGTH):
            return None
        values = reply[1:].decode("ascii", "replace").split()
        readings = dict(zip(STATUS_FIELDS, values))
        if len(values) > len(STATUS_FIELDS):
            readings["status_bits"] = values[len(STATUS_FIELDS)]
        detection = Detection(self.name, self.driver, self.baud)
        detection.identification.update(self._identify(link))
        detection.readings = readings
        return detection

    def _identify(self, link: Link) -> dict[str, str]:
        """'#' + manufacturer (15) + model (10) + firmware (10); units without it echo the query."""
        reply = link.exchange(INFO_QUERY, wait=0.3, terminator=b"\r").rstrip(b"\r")
        if not reply.startswith(b"#"):
            return {}
        text = reply[1:].decode("ascii", "replace")
        fields = {"manufacturer": text[0:15], "model": text[16:26], "firmware": text[27:37]}
        return {key: value.strip() for key, value in fields.items() if value.strip()}


PROTOCOL = Megatec()
