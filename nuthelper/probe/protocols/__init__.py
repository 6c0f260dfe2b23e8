"""Smart-protocol probes, one module each; every probe sends read-only queries only.

A probe module exposes ``PROTOCOL``: an object with ``name``, ``driver``, ``weight`` (its share of the
per-port time budget), ``default`` (False: only run when asked for by name), ``requests`` (every byte
string it may send, checked by the tests against known action commands) and
``probe(link, budget) -> Detection | None``.
"""

from __future__ import annotations

from typing import Protocol as _Protocol

from nuthelper.probe.link import Detection, Link
from nuthelper.probe.protocols import apcsmart, megatec, shut, upscode2, xcp


class SmartProtocol(_Protocol):
    name: str
    driver: str
    weight: float
    default: bool
    requests: tuple[bytes, ...]

    def probe(self, link: Link, budget: float) -> Detection | None: ...


# Order matters: Q1 first (its "\r" terminated query is ignored by the others), then the
# single-byte APC query, then the binary Eaton protocols; UPScode II only when named.
PROTOCOLS: dict[str, SmartProtocol] = {
    module.PROTOCOL.name: module.PROTOCOL for module in (megatec, apcsmart, shut, xcp, upscode2)
}
DEFAULT_PROTOCOLS = tuple(name for name, protocol in PROTOCOLS.items() if protocol.default)
