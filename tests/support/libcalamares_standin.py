"""A small stand-in for Calamares' ``libcalamares`` Python module, for running a job module's
``run()`` in pytest: Debian 12's calamares package (3.2.61) ships no tool that loads one module
(upstream's ``loadmodule`` is built but not installed).

It offers what job modules use (Debian's own modules, e.g. networkcfg/main.py): ``globalstorage``
(``value``, ``insert``, ``contains``, ``keys``), ``job.configuration`` (the module's .conf as a dict)
and ``job.setprogress``, and ``utils.debug``/``warning``/``error``, whose messages it keeps.
"""

from __future__ import annotations

import types
from typing import Any


class GlobalStorage:
    def __init__(self, values: dict[str, Any]) -> None:
        self._values = dict(values)

    def value(self, key: str) -> Any:
        return self._values.get(key)

    def insert(self, key: str, value: Any) -> None:
        self._values[key] = value

    def contains(self, key: str) -> bool:
        return key in self._values

    def keys(self) -> list[str]:
        return list(self._values)


def libcalamares(global_storage: dict[str, Any], configuration: dict[str, Any] | None) -> types.ModuleType:
    """A ``libcalamares`` module with this global storage and job configuration; ``.logged`` holds
    (level, message) of every utils call."""
    module = types.ModuleType("libcalamares")
    module.logged = []
    module.globalstorage = GlobalStorage(global_storage)
    module.job = types.SimpleNamespace(configuration=configuration, pretty_name="nut", working_path="",
                                       setprogress=lambda progress: None)
    module.utils = types.SimpleNamespace(**{level: (lambda message, level=level: module.logged.append((level, message)))
                                            for level in ("debug", "warning", "error")})
    return module
