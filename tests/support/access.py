"""Device permissions as a udev rule would set them: the nut group may open a (pseudo-)terminal.

nut-helper's verify starts real drivers as root, and they drop to the nut user as in service, so a
simulated port must let that user in, exactly as the udev rule nut-helper writes lets it into a
real one. Without this a pty stays root's alone (mode 0600), which is the "no permission" case.
The same goes for the files through which the modem-line shim gives a driver its lines.
"""

from __future__ import annotations

import grp
import os
from pathlib import Path

from support.shim import ModemLines


def let_nut_open(device: str) -> None:
    """Give the device node behind ``device`` to group nut, mode 0660 (GROUP="nut", MODE="0660")."""
    node = os.path.realpath(device)
    os.chown(node, 0, grp.getgrnam("nut").gr_gid)
    os.chmod(node, 0o660)


def lines_nut_can_use(directory: Path, shim: Path) -> ModemLines:
    """Modem-line files in ``directory`` (which the nut user must be able to reach) that a shimmed
    driver can still read and write after it drops to the nut user."""
    lines = ModemLines(directory, shim)
    lines.outputs_file.touch()
    for path in (lines.inputs_file, lines.outputs_file, lines.log_file):
        path.chmod(0o666)
    directory.chmod(0o755)
    return lines
