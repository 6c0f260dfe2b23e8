"""Calamares job module "nut": the UPS of the machine being installed, set up in the target system.

Reads the target from global storage (``rootMountPoint``) and the UPS from this module's
configuration (``nut.conf``: model, cable, port, name, standalone, ...; see
:class:`nuthelper.installer.InstallerSettings`), then has nut-helper resolve it with the target's
own NUT and write the files under the target. Returns None when done, or (title, message) for
Calamares' error dialog. nut-helper must be installed in the live system (python3 -m nuthelper).
"""

import html

import libcalamares

FAILED = "UPS setup failed"


def pretty_name():
    return "Setting up the UPS (Network UPS Tools)."


def _failure(message):
    libcalamares.utils.warning(f"nut: {message}")
    return FAILED, html.escape(message, quote=False)     # Calamares shows the message as rich text


def run():
    root = libcalamares.globalstorage.value("rootMountPoint")
    if not root:
        libcalamares.utils.warning("nut: rootMountPoint is empty")
        return "Configuration Error", "No root mount point is given for <pre>nut</pre> to use."
    try:
        from nuthelper.errors import NutHelperError
        from nuthelper.installer import InstallerSettings, setup_from_settings
    except ImportError as error:
        return _failure(f"nut-helper is not installed in the live system ({error}); install the nut-helper "
                        "package into the live image")
    try:
        settings = InstallerSettings.from_mapping(libcalamares.job.configuration or {}, "nut.conf")
        code, report = setup_from_settings(settings, root)
    except NutHelperError as error:
        return _failure(error.message)
    write = report["write"]
    if code != 0:
        return _failure(write.get("message", f"nut-helper stopped with exit code {code}"))
    if write["status"] == "skipped":
        libcalamares.utils.debug(f"nut: {write['reason']}; nothing written (if_unconfigured)")
        return None
    libcalamares.utils.debug(f"nut: [{report['name']}] driver {report['driver']} on {report['port']}")
    for entry in write["files"]:
        libcalamares.utils.debug(f"nut: {entry['path']}: {entry['status']}" +
                                 (f"; {entry['note']}" if entry["note"] else ""))
    for warning in report.get("warnings", []):
        libcalamares.utils.warning(f"nut: {warning}")
    return None
