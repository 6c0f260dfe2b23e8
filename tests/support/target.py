"""A target system for ``--root``: its etc/nut, and the nut user and group in its etc/passwd and etc/group.

nut-helper looks the nut group up in the target (and refuses a target without one); the tests give
the target the host's ids, so that the host's real NUT, run by the tests, can read what was written.
"""

from __future__ import annotations

import grp
import pwd
from pathlib import Path


def target_root(root: Path) -> Path:
    """Make ``root`` a minimal target system (etc/nut, etc/group, etc/passwd) and return it."""
    (root / "etc" / "nut").mkdir(parents=True, exist_ok=True)
    gid = grp.getgrnam("nut").gr_gid          # nut-server (tests/run.sh) creates the user and group
    uid = pwd.getpwnam("nut").pw_uid
    group, passwd = root / "etc" / "group", root / "etc" / "passwd"
    if not group.exists():
        group.write_text(f"root:x:0:\nnut:x:{gid}:\n")
    if not passwd.exists():
        passwd.write_text(f"root:x:0:0:root:/root:/bin/sh\nnut:x:{uid}:{gid}::/var/lib/nut:/usr/sbin/nologin\n")
    return root
