"""docs/fleet-guide.md's inventory and playbook, read from the page as they are, run with ansible-playbook
against one scratch root per inventory host (the overrides the guide's section 5 names); Debian's real NUT
reads every host's result, and a second run changes nothing."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from support.ansible import assert_nut_reads, run_playbook
from support.target import target_root

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "fleet-guide.md"


def guide_file(name: str) -> str:
    """The YAML block that follows "`NAME`:" in the guide."""
    found = re.findall(rf"^`{re.escape(name)}`:\n\n```yaml\n(.*?)^```$", GUIDE.read_text(), flags=re.M | re.S)
    assert len(found) == 1, f"docs/fleet-guide.md must hold exactly one `{name}` block"
    return found[0]


def test_the_fleet_guide_playbook_configures_every_host_of_its_inventory(tmp_path):
    (tmp_path / "inventory.yml").write_text(guide_file("inventory.yml"))
    (tmp_path / "site.yml").write_text(guide_file("site.yml"))
    hosts = yaml.safe_load(guide_file("inventory.yml"))["ups_servers"]["hosts"]
    assert len(hosts) >= 3
    scratch = tmp_path / "roots"
    for host in hosts:
        target_root(scratch / host)
    overrides = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                 "ansible_become": False, "nut_server_install_packages": False,
                 "nut_server_root": f"{scratch}/{{{{ inventory_hostname }}}}"}

    first = run_playbook(tmp_path / "site.yml", tmp_path, inventory=tmp_path / "inventory.yml", extra_vars=overrides)
    assert first.returncode == 0, first
    assert sorted(first.stats) == sorted(hosts)
    for host, variables in hosts.items():
        assert first.stats[host]["changed"] > 0 and first.stats[host]["failures"] == 0
        names = [ups["name"] for ups in variables["nut_server_upses"]]
        assert_nut_reads(scratch / host, tmp_path / "state" / host, names)
        shown = [item["msg"] for item in first.result(
            "Show what nut-helper decided for each UPS, and how certain it is", host)["result"]["results"]]
        assert [message.split("]")[0] for message in shown] == [f"[{name}" for name in names]

    second = run_playbook(tmp_path / "site.yml", tmp_path, inventory=tmp_path / "inventory.yml", extra_vars=overrides)
    assert second.returncode == 0, second
    assert all(second.stats[host]["changed"] == 0 for host in hosts), second
    assert second.handlers(next(iter(hosts))) == []
