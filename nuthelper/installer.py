"""What installer integrations share (integrations/: Calamares, cloud-init): their settings, checked
with one-line errors naming the key, and one setup from them.

The settings are the keys of Calamares' ``nut.conf`` and of cloud-init's ``nut_helper:`` (the flags
of ``nut-helper setup`` without dashes). :func:`setup_from_settings` resolves the UPS with the
target's own NUT when the target has one (its drivers and driver.list, as ``--driver-path`` and
``--hcl`` would name them), renders the section and writes it with
:func:`nuthelper.configure.write_setup`; it returns the exit code and the same JSON object
``nut-helper setup --write --json`` prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from nuthelper.configure import (DEFAULT_UPSD_PORT, USB_PORT, WriteOptions, setup_report, skip_if_configured,
                                 write_setup)
from nuthelper.errors import InvalidInput
from nuthelper.tree import Tree

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@dataclass(frozen=True)
class InstallerSettings:
    """One UPS to set up, as an installer's configuration gives it."""

    model: str | None = None
    cable: str | None = None
    port: str | None = None
    wiring: str | None = None
    name: str | None = None
    desc: str | None = None
    standalone: bool = False
    replace: bool = False
    if_unconfigured: bool = False
    udev_rule: bool = True
    upsd_port: int = DEFAULT_UPSD_PORT
    config: str | None = None

    @classmethod
    def from_mapping(cls, values: Any, where: str, own: tuple[str, ...] = ()) -> InstallerSettings:
        """The settings in ``values`` (a mapping from YAML), or InvalidInput naming ``where`` and the key.

        ``own``: more keys the integration reads itself (with :func:`setting`), e.g. cloud-init's ``activate``."""
        known = [field.name for field in fields(cls)]
        if not isinstance(values, Mapping):
            raise InvalidInput(f"{where}: expected a mapping of settings ({', '.join(known)}), got {_kind(values)}")
        unknown = sorted(str(key) for key in values if key not in known and key not in own)
        if unknown:
            raise InvalidInput(f"{where}: unknown setting {unknown[0]!r}; the settings are "
                               f"{', '.join([*known, *own])}")
        chosen = {key: setting(values, key, SETTING_TYPES[key], where) for key in known if values.get(key) is not None}
        settings = cls(**chosen)
        if not settings.port:
            raise InvalidInput(f"{where}: port is missing; give the serial device (e.g. /dev/ttyS0) or auto")
        if not settings.model and not settings.wiring and settings.port != USB_PORT:
            raise InvalidInput(f"{where}: model is missing; give the UPS model (or port auto, or a wiring file)")
        return settings

    def write_options(self, root: str | None) -> WriteOptions:
        return WriteOptions(root=root, config=self.config, replace=self.replace,
                            standalone=self.standalone, upsd_port=self.upsd_port, udev_rule=self.udev_rule,
                            if_unconfigured=self.if_unconfigured)


# Each setting's type, from its annotation ("bool", "int", "str | None").
SETTING_TYPES = {field.name: {"bool": bool, "int": int}.get(field.type.split(" | ")[0], str)
          for field in fields(InstallerSettings)}


def setting(values: Mapping[str, Any], key: str, wanted: type, where: str, default: Any = None) -> Any:
    """``values[key]`` when it is a ``wanted`` (exactly: YAML's true is no port number), else InvalidInput."""
    value = values.get(key)
    if value is None:
        return default
    if type(value) is not wanted:
        raise InvalidInput(f"{where}: {key} must be {_article(wanted)}, got {_kind(value)} ({value!r})")
    return value


def _article(wanted: type) -> str:
    return {bool: "true or false", int: "a whole number", str: "a string"}[wanted]


def _kind(value: Any) -> str:
    return {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a mapping", type(None): "nothing"}.get(type(value), type(value).__name__)


def target_nut(root: str | None) -> tuple[str | None, Any]:
    """The driver directory and hardware list of the NUT installed under ``root`` (None, None: this system's)."""
    if root is None:
        return None, None
    from nuthelper.knowledge.drivers import nut_install
    from nuthelper.knowledge.hcl import load_hcl

    install = nut_install(root)
    listing = install.release_source
    inside = listing is not None and Path(listing).resolve().is_relative_to(Path(root).resolve())
    return install.driver_path, load_hcl(listing) if inside else None


def recommend(settings: InstallerSettings, root: str | None = None):
    """The recommendation for ``settings``: from the wiring file, from the UPS found on this machine
    (port auto, no model), or resolved with the target's knowledge packs and NUT."""
    if settings.wiring:
        from nuthelper.evidence import from_wiring

        return from_wiring(settings.model, settings.wiring, settings.port)
    driver_path, hcl = target_nut(root)
    if settings.model is None:
        from nuthelper.evidence import from_auto_port
        from nuthelper.probe.auto import auto_port

        return from_auto_port(None, lambda: auto_port(probe_serial=True), driver_path)
    from nuthelper.knowledge.packs import load_knowledge
    from nuthelper.resolve import resolve

    knowledge = load_knowledge(root)
    recommendation = resolve(settings.model, settings.cable, settings.port, knowledge=knowledge, hcl=hcl,
                             driver_path=driver_path)
    recommendation.warnings.extend(knowledge.conflicts)
    return recommendation


def setup_from_settings(settings: InstallerSettings, root: str | None = None) -> tuple[int, dict[str, Any]]:
    """Resolve, render and write one setup under ``root``: the exit code and the result (as ``setup --json``)."""
    from nuthelper.render import render_section

    options = settings.write_options(root)
    if settings.if_unconfigured:
        with Tree(root) as tree:
            skipped = skip_if_configured(options, tree)
        if skipped:
            return 0, {"write": skipped}
    recommendation = recommend(settings, root)
    section = render_section(recommendation, name=settings.name, desc=settings.desc)
    code, result = write_setup(recommendation, section, options)
    return code, setup_report(recommendation, section, result)
