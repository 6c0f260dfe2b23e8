"""The Debian package: `dpkg-buildpackage -us -uc -b` builds nut-helper_VERSION_all.deb from a copy of
the checkout in a fresh Debian 12 holding only build-essential and the Build-Depends
(tests/support/debian_root.py); lintian finds nothing but the tags debian/README.source keeps; and
`apt-get install ./nut-helper_*.deb` into another fresh Debian 12 pulls Debian's own libraries and gives a working /usr/bin/nut-helper: the README's example, every data file, a
knowledge pack checked by Debian's jsonschema, a probe through Debian's pyserial, ports through its
pyudev, and units that `systemd-analyze verify` accepts and that stay off until enabled."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import nuthelper
from nuthelper.resources import cables_path
from support.checkout import CHECKOUT, copy_checkout, readme_example
from support.debian_root import Bind, DebianRoot, bootstrap_tarball, system_env

UNITS = ["nut-helper-firstboot.service", "nut-helper-detect@.service"]
UDEV_RULE = "/lib/udev/rules.d/90-nut-helper.rules"
HOTPLUG_FLAG = "/etc/nut-helper/usb-hotplug"


def package_version() -> str:
    first = (CHECKOUT / "debian" / "changelog").read_text().splitlines()[0]
    return re.match(r"nut-helper \(([^)]+)\)", first).group(1)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The .deb, .buildinfo and .changes that dpkg-buildpackage made from a copy of the checkout, in a
    fresh Debian 12 given only build-essential and the package's Build-Depends."""
    out = tmp_path_factory.mktemp("debian-build")
    with DebianRoot.extract(bootstrap_tarball(), out / "root") as target:
        copy_checkout(target.path("/build/nut-helper"))
        for arguments in (["update"], ["install", "--no-install-recommends", "build-essential"],
                          ["build-dep", "--no-install-recommends", "/build/nut-helper"]):
            done = target.apt_get(*arguments)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr
        done = target.run(["sh", "-c", "cd /build/nut-helper && dpkg-buildpackage -us -uc -b"], timeout=900)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        for result in target.path("/build").glob("nut-helper_*"):
            shutil.copy(result, out)
    return out


@pytest.fixture(scope="module")
def deb(built) -> Path:
    return built / f"nut-helper_{package_version()}_all.deb"


@pytest.fixture(scope="module")
def installed(tmp_path_factory, deb):
    """A bootstrapped Debian 12 (with nut-server and nut-client) into which apt installed the package."""
    with DebianRoot.extract(bootstrap_tarball(), tmp_path_factory.mktemp("installed") / "root") as target:
        shutil.copy(deb, target.path("/tmp"))
        for arguments in (["update"], ["install", f"./tmp/{deb.name}"],
                          ["install", "--no-install-recommends", "systemd"]):   # for systemd-analyze
            done = target.apt_get(*arguments)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr
        yield target


def test_versions_agree():
    pyproject = re.search(r'^version = "([^"]+)"', (CHECKOUT / "pyproject.toml").read_text(), flags=re.M).group(1)
    manual = re.search(r'^\.TH .* "nut-helper ([^"]+)"', (CHECKOUT / "docs/nut-helper.8").read_text(), flags=re.M)
    assert package_version() == pyproject == nuthelper.__version__ == manual.group(1)


def test_package_metadata(deb):
    fields = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends", "Recommends", "Architecture"],
                            capture_output=True, text=True, check=True).stdout
    control = dict(line.split(": ", 1) for line in fields.splitlines())
    depends = {word.split()[0] for word in control["Depends"].split(", ")}
    assert {"python3-jinja2", "python3-serial", "python3-pyudev", "python3-jsonschema"} <= depends
    assert set(control["Recommends"].split(", ")) == {"nut-client", "nut-server"}
    assert control["Architecture"] == "all"


def test_package_contents(deb):
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    files = {line.split()[-1].lstrip(".") for line in listing.splitlines()}
    package_dir = "/usr/lib/python3/dist-packages/nuthelper"
    assert {"/usr/bin/nut-helper", "/usr/share/man/man8/nut-helper.8.gz", UDEV_RULE,
            *(f"/lib/systemd/system/{unit}" for unit in UNITS),
            f"{package_dir}/shipped/cables.json", f"{package_dir}/shipped/cables.schema.json",
            f"{package_dir}/shipped/templates/ups.conf.section.j2", f"{package_dir}/data/hcl.json"} <= files


def kept_lintian_tags() -> set[str]:
    """The tags debian/README.source lists as kept ("- TAG (severity): reason")."""
    text = (CHECKOUT / "debian" / "README.source").read_text()
    return set(re.findall(r"^- (\S+) \(", text.split("\nlintian\n", 1)[1], flags=re.M))


def test_lintian_reports_only_kept_tags(built):
    changes = next(built.glob("nut-helper_*.changes"))
    done = subprocess.run(["lintian", "--display-info", "--tag-display-limit", "0", str(changes)],
                          capture_output=True, text=True, timeout=600, env=system_env())
    tags = re.findall(r"^([EWIP]): nut-helper\S*: (\S+)", done.stdout, flags=re.M)
    assert not [tag for severity, tag in tags if severity in "EW"], done.stdout
    assert {tag for _, tag in tags} == kept_lintian_tags(), done.stdout


def test_readme_example_with_the_installed_command(installed):
    command, output = readme_example()
    done = installed.run(["/usr/bin/nut-helper", *command[1:]])
    assert done.returncode == 0, done.stderr
    assert done.stdout == output


def test_installed_package_finds_its_data(installed):
    code = ("from nuthelper import resources as r; import json; print(json.dumps([str(p) for p in "
            "(r.cables_path(), r.cables_schema_path(), r.templates_directory(), r.data_path('hcl.json'))]))")
    done = installed.run(["/usr/bin/python3", "-c", code])
    assert done.returncode == 0, done.stderr
    paths = json.loads(done.stdout)
    assert paths == ["/usr/lib/python3/dist-packages/nuthelper/shipped/cables.json",
                     "/usr/lib/python3/dist-packages/nuthelper/shipped/cables.schema.json",
                     "/usr/lib/python3/dist-packages/nuthelper/shipped/templates",
                     "/usr/lib/python3/dist-packages/nuthelper/data/hcl.json"]
    assert all(installed.path(path).exists() for path in paths)


def test_installed_write_standalone_is_read_by_nut(installed):
    done = installed.run(["nut-helper", "setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844",
                          "--port", "/dev/ttyS0", "--name", "tripp", "--write", "--standalone"])
    assert done.returncode == 0, done.stderr
    plan = installed.run(["/sbin/upsdrvctl", "-t", "start"])
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "exec:  /lib/nut/genericups -a tripp" in plan.stderr + plan.stdout
    assert "MODE=standalone" in installed.path("/etc/nut/nut.conf").read_text()


def acme_pack() -> dict:
    """A pack with one new cable, built from a real entry so it fits the schema."""
    cable = copy.deepcopy(next(cable for cable in json.loads(cables_path().read_text())["cables"]
                               if cable["id"] == "tripplite-73-0844"))
    cable.update(id="acme-home-made-1", title="ACME home-made signal cable", vendor="acme",
                 part_numbers=["HM-0001"], other_names=[])
    return {"format": 1, "vendors": [{"id": "acme", "name": "ACME", "aliases": []}], "cables": [cable]}


def test_knowledge_packs_are_checked_by_debians_jsonschema(installed):
    packs = installed.path("/etc/nut-helper/cables.d")
    packs.mkdir(parents=True)
    try:
        (packs / "acme.json").write_text(json.dumps(acme_pack()))
        done = installed.run(["nut-helper", "cables", "show", "HM-0001"])
        assert done.returncode == 0 and "ACME home-made signal cable" in done.stdout, done.stderr
        broken = acme_pack()
        broken["cables"][0]["kind"] = "telepathy"
        (packs / "acme.json").write_text(json.dumps(broken))
        done = installed.run(["nut-helper", "cables", "list"])
        assert done.returncode == 2
        assert done.stderr.startswith("nut-helper: error: knowledge pack /etc/nut-helper/cables.d/acme.json: "
                                      "field cables[0].kind: "), done.stderr
    finally:
        shutil.rmtree(packs.parent)


def test_probe_through_debians_pyserial(installed, sim_bench):
    sim = sim_bench.add("ttyq1", "q1")
    done = installed.run(["nut-helper", "probe", "/dev/ttyUPS0", "--yes", "--json"],
                         binds=[Bind(Path(sim.device), "/dev/ttyUPS0")])
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)["results"][0]
    assert (result["found"], result["driver"], result["protocol"]) == (True, "nutdrv_qx", "megatec"), result


def test_ports_through_debians_pyudev(installed):
    done = installed.run(["nut-helper", "ports", "--json"], binds=[Bind(Path("/sys"), "/sys")])
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) == {"serial_ports", "usb_upses"}


@pytest.mark.parametrize("unit", ["nut-helper-firstboot.service", "nut-helper-detect@ttyUSB0.service"])
def test_installed_units_verify(installed, unit):
    done = installed.run(["systemd-analyze", "verify", f"/lib/systemd/system/{unit}"])
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_nothing_is_enabled_by_default(installed):
    done = installed.run(["systemctl", "is-enabled", "nut-helper-firstboot.service"])
    assert done.stdout.strip() == "disabled", done.stdout + done.stderr
    # The udev rule starts nut-helper-detect@DEVICE; Debian's drop-in skips it until the admin opts in.
    assert 'ENV{SYSTEMD_WANTS}+="nut-helper-detect@%k.service"' in installed.path(UDEV_RULE).read_text()
    condition = ["systemd-analyze", "condition", "--unit=nut-helper-detect@1-2.service"]
    skipped = installed.run(condition)
    assert skipped.returncode == 1 and f"ConditionPathExists={HOTPLUG_FLAG} failed" in skipped.stderr
    flag = installed.path(HOTPLUG_FLAG)
    flag.parent.mkdir(parents=True)
    try:
        flag.touch()
        opted_in = installed.run(condition)
        assert opted_in.returncode == 0, opted_in.stderr
    finally:
        shutil.rmtree(flag.parent)
