"""What a bootstrapped target's own NUT (support/debian_root.py) makes of the files nut-helper wrote
into it: its upsdrvctl plans the driver, and the driver lists every setting written."""

from __future__ import annotations

import re

from support.debian_root import DebianRoot
from support.nut import CONFIG_REJECTIONS, CORE_SETTINGS


def section_settings(target: DebianRoot, name: str, config: str = "/etc/nut/ups.conf") -> dict[str, str]:
    """The key = value settings of section [name] in the target's ups.conf (comments left out)."""
    text = target.path(config).read_text()
    body = re.search(rf"^\[{re.escape(name)}\]\n(.*?)(?=^\[|\Z)", text, flags=re.M | re.S).group(1)
    return dict(re.findall(r"^\s*([a-z_.]+)\s*=\s*(.*?)\s*$", body, flags=re.M))


def assert_target_nut_reads(target: DebianRoot, name: str, driver: str, confdir: str = "/etc/nut") -> None:
    """upsdrvctl (reading ``confdir``) plans exactly this driver, and the driver lists every setting written."""
    env = {"NUT_CONFPATH": confdir}
    plan = target.run(["/sbin/upsdrvctl", "-t", "start"], env=env)
    output = plan.stdout + plan.stderr
    assert plan.returncode == 0, output
    assert re.findall(r"\] exec:\s+(.+?)\s*$", output, flags=re.M) == [f"/lib/nut/{driver} -a {name}"], output
    assert not [line for line in output.splitlines() if any(text in line for text in CONFIG_REJECTIONS)], output
    listing = target.run([f"/lib/nut/{driver}", "-a", name, "-L"], env=env)
    listed = set(re.findall(r"^(?:VALUE|FLAG) (\S+) ", listing.stdout, flags=re.M))
    assert listed, listing.stdout + listing.stderr
    assert set(section_settings(target, name, f"{confdir}/ups.conf")) - CORE_SETTINGS <= listed
