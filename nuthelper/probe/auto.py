"""``setup --port auto``: pick the one UPS attached to this machine, or explain why not."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from nuthelper.errors import Ambiguous, NotFound, candidate
from nuthelper.probe.serialprobe import DEFAULT_TIMEOUT, ProbeResult, ProbeSettings, Progress, probe_ports
from nuthelper.probe.udev import UsbUps, list_serial_ports, list_usb_upses

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Sequence


@dataclass
class AutoPortResult:
    """The port, driver and ups.conf options for the single UPS found, and how it was found."""

    port: str
    driver: str
    options: dict[str, str]
    source: str  # "usb" or "serial probe"
    explanation: str
    alternatives: list[str] = field(default_factory=list)
    identification: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _usb_label(ups: UsbUps) -> str:
    options = " ".join(f"{key}={value}" for key, value in ups.options.items())
    name = " ".join(filter(None, [ups.usb.vendor, ups.usb.product])) or "USB UPS"
    return f"{name}: driver={ups.driver} {options}"


def _usb_candidate(ups: UsbUps) -> dict[str, Any]:
    name = " ".join(filter(None, [ups.usb.vendor, ups.usb.product])) or f"USB UPS {ups.usb.vendorid}:{ups.usb.productid}"
    return candidate("device", name, port=ups.options.get("port"), **ups.to_dict())


def _serial_label(result: ProbeResult) -> str:
    model = result.identification.get("model", "")
    return f"{result.stable_port}: driver={result.driver}{' (' + model + ')' if model else ''}"


def _from_usb(ups: UsbUps) -> AutoPortResult:
    return AutoPortResult(port=ups.options["port"], driver=ups.driver, options=dict(ups.options), source="usb",
                          explanation=ups.reason, alternatives=ups.alternatives,
                          identification={k: v for k, v in (("manufacturer", ups.usb.vendor),
                                                            ("model", ups.usb.product),
                                                            ("serial", ups.usb.serial)) if v})


def _from_probe(result: ProbeResult) -> AutoPortResult:
    how = f"answered the {result.protocol} protocol at {result.baud} baud"
    return AutoPortResult(port=result.stable_port, driver=result.driver or "", options=dict(result.options),
                          source="serial probe", explanation=f"{result.port} {how}",
                          identification=result.identification, flags=list(result.flags))


def auto_port(timeout: float = DEFAULT_TIMEOUT, ports: Sequence[str] | None = None,
              protocols: Sequence[str] | None = None, probe_serial: bool = True,
              context: Any = None, progress: Progress | None = None) -> AutoPortResult:
    """Find the single UPS on this machine.

    A USB UPS wins (its driver and port=auto, vendorid, productid, serial when needed). Otherwise the
    serial ports (``ports`` or every free port) are probed and exactly one must answer. Raises
    :class:`NotFound` or :class:`Ambiguous` with a one-line message listing candidates and what to pass.
    """
    usb = list_usb_upses(context) if ports is None else []
    if len(usb) == 1:
        return _from_usb(usb[0])
    if len(usb) > 1:
        listing = "; ".join(_usb_label(u) for u in usb)
        raise Ambiguous(f"{len(usb)} USB UPSes found ({listing}): pick one and pass its driver and "
                        "vendorid/productid/serial options instead of --port auto",
                        details={"candidates": [_usb_candidate(u) for u in usb]})
    if ports is None:
        free = [p for p in list_serial_ports(context) if p.lock.free]
        ports = [p.device for p in free]
    if not probe_serial or not ports:
        raise NotFound("no USB UPS found and no serial port to probe: connect the UPS, or pass its serial "
                       "device as --port (/dev/ttyS0 or its /dev/serial/by-id name) with --model, --cable or "
                       "--upstype N")
    settings = ProbeSettings(timeout=timeout, **({"protocols": protocols} if protocols else {}))
    results = probe_ports(list(ports), settings, progress)
    found = [r for r in results if r.found]
    if len(found) == 1:
        return _from_probe(found[0])
    details = {"probed": [r.to_dict() for r in results]}
    if not found:
        tried = ", ".join(f"{r.port} ({r.error})" if r.error else r.port for r in results)
        raise NotFound(f"no UPS answered on {tried}: a contact-closure (genericups) UPS cannot be detected, "
                       "so pass its serial device as --port with --cable, or with --upstype N when you know its genericups "
                       "type ('nut-helper upstype' lists them)", details=details)
    listing = "; ".join(_serial_label(r) for r in found)
    candidates = [candidate("device", r.stable_port, port=r.stable_port, driver=r.driver, options=dict(r.options),
                            flags=list(r.flags), identification=dict(r.identification)) for r in found]
    raise Ambiguous(f"{len(found)} serial UPSes answered ({listing}): pass --port with the one to configure",
                    details={**details, "candidates": candidates, "decided_by": ["--port"]})
