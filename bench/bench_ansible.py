"""Wall time per host of the nut_server role over an inventory of local hosts, each with its own root.

Usage: python3 bench/bench_ansible.py [--hosts 50] [--forks 5] [--json FILE]
(nut-helper and ansible-core must be installed for this interpreter: `pip install ".[test]"`.)

Each host is a local connection configuring a scratch root (etc/nut, and an etc/group with the nut
group) with two UPSes, a serial one and a USB one, standalone, then checked: the role runs the ups
module twice and ups_check once per host. Measured in the same run: the first run (everything
changed), the second run (nothing changes), a check-mode run, and the floor: the same inventory
running ansible.builtin.ping three times per host (Ansible's own cost of three module runs on a host).
The ratios are each run's time over the floor's. The benchmark fails when a host fails, when the
first run leaves a host unchanged, or when the second run changes anything.
"""

from __future__ import annotations

import argparse
import grp
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import installed_program

COLLECTIONS = Path(__file__).resolve().parents[1] / "ansible"
UPSES = [{"name": "rack", "model": "APC Smart-UPS 1500", "cable": "940-0024C", "port": "/dev/ttyS0"},
         {"name": "desk", "model": "Eaton 5E 650i", "port": "auto"}]
ROLE_PLAY = [{"name": "UPS servers", "hosts": "ups_servers", "gather_facts": False,
              "roles": [{"role": "nut_helper.nut.nut_server", "vars": {"nut_server_upses": UPSES}}]}]
FLOOR_PLAY = [{"name": "floor", "hosts": "ups_servers", "gather_facts": False,
               "tasks": [{"name": f"ping {index}", "ansible.builtin.ping": {}} for index in range(3)]}]
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def make_roots(base: Path, hosts: list[str]) -> None:
    """One minimal target system per host: etc/nut, and the nut group (this system's id, if it has one)."""
    try:
        gid = grp.getgrnam("nut").gr_gid
    except KeyError:
        gid = 999
    for host in hosts:
        root = base / host
        (root / "etc" / "nut").mkdir(parents=True)
        (root / "etc" / "group").write_text(f"root:x:0:\nnut:x:{gid}:\n")
        (root / "etc" / "passwd").write_text(f"root:x:0:0:root:/root:/bin/sh\nnut:x:{gid}:{gid}::/var/lib/nut:/bin/false\n")


def write_inventory(path: Path, roots: Path, hosts: list[str]) -> None:
    lines = ["[ups_servers]", *(f"{host} nut_server_root={roots / host}" for host in hosts), "",
             "[ups_servers:vars]", "ansible_connection=local", f"ansible_python_interpreter={sys.executable}",
             "nut_server_install_packages=false", ""]
    path.write_text("\n".join(lines))


def run(playbook: Path, inventory: Path, forks: int, env: dict[str, str], *options: str) -> tuple[float, dict]:
    """Run the playbook; its wall time and the recap (host -> ok, changed, unreachable, failed)."""
    playbook_program = installed_program("ansible-playbook", 'pip install ".[test]"')
    command = [playbook_program, "-i", str(inventory), "-f", str(forks), str(playbook), *options]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    recap = {host: dict(zip(("ok", "changed", "unreachable", "failed"), map(int, counts)))
             for host, *counts in RECAP.findall(done.stdout)}
    if done.returncode != 0:
        sys.exit(f"{playbook.name} {' '.join(options)} failed (exit {done.returncode}):\n{done.stdout[-4000:]}\n"
                 f"{done.stderr[-2000:]}")
    return seconds, recap


def measure(hosts: int, forks: int, workdir: Path) -> dict:
    names = [f"host{index:03d}" for index in range(1, hosts + 1)]
    roots = workdir / "roots"
    make_roots(roots, names)
    inventory = workdir / "inventory.ini"
    write_inventory(inventory, roots, names)
    role, floor = workdir / "role.yml", workdir / "floor.yml"
    role.write_text(json.dumps(ROLE_PLAY))       # JSON is YAML
    floor.write_text(json.dumps(FLOOR_PLAY))
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS), "ANSIBLE_HOME": str(workdir / "home"),
           "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0", "ANSIBLE_PIPELINING": "1"}
    runs = {}
    for label, playbook, options in (("floor", floor, ()), ("first run", role, ()), ("second run", role, ()),
                                     ("check mode", role, ("--check",))):
        seconds, recap = run(playbook, inventory, forks, env, *options)
        if sorted(recap) != names or any(counts["failed"] or counts["unreachable"] for counts in recap.values()):
            sys.exit(f"{label}: not every host finished cleanly: {recap}")
        runs[label] = {"seconds": seconds, "per_host": seconds / hosts,
                       "changed_hosts": sum(counts["changed"] > 0 for counts in recap.values())}
    if runs["first run"]["changed_hosts"] != hosts:
        sys.exit(f"the first run changed only {runs['first run']['changed_hosts']} of {hosts} hosts")
    if runs["second run"]["changed_hosts"] or runs["check mode"]["changed_hosts"]:
        sys.exit(f"a run after the first changed something: {runs}")
    configured = sum("[rack]" in text and "[desk]" in text
                     for text in ((roots / name / "etc/nut/ups.conf").read_text() for name in names))
    for label in ("first run", "second run", "check mode"):
        runs[label]["ratio_to_floor"] = runs[label]["seconds"] / runs["floor"]["seconds"]
    return {"hosts": hosts, "forks": forks, "cpus": os.cpu_count(), "configured_hosts": configured, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--forks", type=int, default=5, help="Ansible's forks (its default is 5)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nut-helper-bench-ansible-") as workdir:
        figures = measure(args.hosts, args.forks, Path(workdir))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    print(f"{figures['hosts']} local hosts, each with its own root; forks {figures['forks']}, {figures['cpus']} CPUs; "
          f"{figures['configured_hosts']} hosts configured")
    for label, figure in figures["runs"].items():
        ratio = f"  {figure['ratio_to_floor']:.2f}x the floor" if "ratio_to_floor" in figure else "  (floor)"
        print(f"  {label:<11} {figure['seconds']:7.1f} s  {figure['per_host'] * 1000:6.0f} ms/host"
              f"  changed hosts {figure['changed_hosts']:>3}{ratio}")


if __name__ == "__main__":
    main()
