"""cloud-init config module ``nut_helper``: set up Network UPS Tools for the UPS of this machine with
nut-helper, from the ``nut_helper:`` key of the cloud-config.

The keys are those of :class:`nuthelper.installer.InstallerSettings` (model, cable, port, name,
standalone, ...; schema: nut_helper.schema.json beside this file), plus ``activate`` (run what makes
the new files live: udev, the driver, upsd, upsmon) and ``root`` (write under that directory instead
of /, e.g. an image being built; not with ``activate``). A failure raises, so that cloud-init reports
the module as failed with nut-helper's one-line message.

cloud-init finds a top-level module ``cc_nut_helper`` anywhere on its Python's import path; it runs
when listed in ``cloud_final_modules`` (or given to ``cloud-init single --name nut_helper``) and the
cloud-config has the ``nut_helper`` key. docs/installer-guide.md shows both.
"""

from cloudinit.settings import PER_INSTANCE

meta = {
    "id": "cc_nut_helper",
    "name": "NUT helper",
    "title": "Set up Network UPS Tools for the attached UPS",
    "description": "Resolve the UPS (model, cable, port) to a NUT driver with nut-helper and write ups.conf, "
                   "and with standalone also nut.conf, upsd.conf, upsd.users and upsmon.conf.",
    "distros": ["debian", "ubuntu"],      # NUT in /etc/nut, group nut
    "frequency": PER_INSTANCE,
    "activate_by_schema_keys": ["nut_helper"],
    "examples": ["nut_helper:\n  model: Tripp Lite Internet Office 700\n  cable: 73-0844\n  port: /dev/ttyS0\n"
                 "  standalone: true\n  activate: true\n"],
}

KEY = "nut_helper"
OWN_SETTINGS = ("activate", "root")


class NutHelperFailed(RuntimeError):
    """nut-helper could not set the UPS up; the message says why and what to do."""


def handle(name, cfg, cloud, log, args):
    """Called by cloud-init 22.4 as handle(name, cfg, cloud, log, args); newer releases pass the same
    five by keyword (with a deprecation notice for ``log``)."""
    values = cfg.get(KEY)
    if values is None:
        log.debug("Skipping module named %s, no '%s' key in configuration", name, KEY)
        return
    from nuthelper.activate import activation_report
    from nuthelper.errors import NutHelperError
    from nuthelper.installer import InstallerSettings, setting, setup_from_settings

    try:
        settings = InstallerSettings.from_mapping(values, KEY, own=OWN_SETTINGS)
        root = setting(values, "root", str, KEY)
        activate = setting(values, "activate", bool, KEY, default=False)
        if activate and root:
            raise NutHelperFailed(f"{KEY}: activate makes the configuration live on this machine, so it cannot go "
                                  "with root; leave one of them out")
        code, report = setup_from_settings(settings, root)
    except NutHelperError as error:
        raise NutHelperFailed(error.message) from None
    write = report["write"]
    if code != 0:
        raise NutHelperFailed(write.get("message", f"nut-helper stopped with exit code {code}"))
    if write["status"] == "skipped":
        log.info("%s: %s; nothing written (if_unconfigured)", KEY, write["reason"])
        return
    log.info("%s: [%s] driver %s on %s", KEY, report["name"], report["driver"], report["port"])
    for entry in write["files"]:
        log.info("%s: %s: %s%s", KEY, entry["path"], entry["status"], f"; {entry['note']}" if entry["note"] else "")
    for warning in report.get("warnings", []):
        log.warning("%s: %s", KEY, warning)
    if root:
        return
    ok, fields = activation_report(write, report["name"], report["port"], activate=activate)
    for step in fields.get("next_steps", []):
        log.info("%s: to make it live, run: %s (or set activate: true)", KEY, step["command"])
    for step in fields.get("activation", {}).get("steps", []):
        log.info("%s: %s: %s%s", KEY, step["status"], step["command"], f"\n{step['output']}" if step["output"] else "")
    if not ok:
        failed = next(step for step in fields["activation"]["steps"] if step["status"] == "failed")
        raise NutHelperFailed(f"{KEY}: the configuration is written but not live: {failed['command']} failed "
                              f"(exit {failed['exit_code']}): {failed['output'].splitlines()[-1:] or ''}")
