"""The ups.conf that `nut-helper setup --write --root DIR` writes is read by Debian's real NUT:
every documented cable and a sample of hardware-list models, all merged into one file by
successive runs; `upsdrvctl -t start` starts every section and each driver lists every key.
Escaping is proved by upsd itself: desc values with quotes, backslashes and '#' come back
unchanged from `upsc -L`."""

from __future__ import annotations

from pathlib import Path

from nuthelper.knowledge.cables import load_cables
from nuthelper.knowledge.hcl import default_hcl
from nuthelper.knowledge.ports import connection_kind
from nuthelper.upsconf import UpsConf
from support.cli import nut_helper
from support.nut import CORE_SETTINGS, DRIVER_DIR, LiveNut, NutSetup, driver_keys, free_port
from support.target import target_root

HCL_SAMPLE_STEP = 37   # every 37th hardware-list row with an installed serial or USB driver


def cable_cases() -> list[tuple[str, str, str]]:
    """(model, cable id, port kind) for every monitoring cable."""
    cases = []
    for cable in load_cables().cables:
        if cable.kind == "management-console" or not cable.drivers:
            continue
        for rule in cable.drivers:
            model = next(iter(rule.models), None) or next(iter(cable.fits.get("models", [])), "UPS")
            cases.append((f"{cable.vendor.name} {model.replace('*', '0')}", cable.id,
                          "usb" if rule.port == "auto" else "serial"))
    return list(dict.fromkeys(cases))


def hcl_cases() -> list[tuple[str, str]]:
    """(model, port kind) for a deterministic sample of hardware-list rows whose driver is installed."""
    rows = [row for row in default_hcl().entries
            if connection_kind(row) in ("serial", "usb") and (DRIVER_DIR / row.drivers[0].driver).exists()]
    return [(f"{row.manufacturer} {row.model_names[0]}", connection_kind(row)) for row in rows[::HCL_SAMPLE_STEP]]


def write_all(root: Path, cases: list[tuple[str, list[str]]]) -> dict[str, str]:
    """Run setup --write once per case into one ups.conf; return section name -> model."""
    written = {}
    for index, (model, extra) in enumerate(cases):
        name = f"ups{index}"
        done = nut_helper("setup", "--model", model, *extra, "--name", name, "--write", "--root", str(root),
                          "--no-udev-rule")
        assert done.returncode == 0, f"{model} {extra}: {done.stderr}"
        written[name] = model
    return written


def assert_nut_reads(nut: NutSetup, written: dict[str, str]) -> None:
    conf = UpsConf.parse((nut.confdir / "ups.conf").read_text(), strict=True)
    assert [section.name for section in conf.sections] == list(written)
    plan = nut.upsdrvctl_test_start()
    assert plan.returncode == 0, plan.output
    assert not plan.rejections(), plan.output
    drivers = {section.name: section.value("driver") for section in conf.sections}
    assert plan.exec_lines() == [f"{DRIVER_DIR / drivers[name]} -a {name}" for name in written], plan.output
    for section in conf.sections:
        listed = driver_keys(section.value("driver"))
        for key in [s.key for s in section.settings if s.key not in CORE_SETTINGS] + [f.name for f in section.flags]:
            assert key in listed, f"[{section.name}] {written[section.name]}: {section.value('driver')} -L lacks {key}"


def test_every_documented_cable_written_by_setup_is_read_by_nut(tmp_path):
    root = target_root(tmp_path / "root")
    # one port per UPS: setting up a second UPS on the same port would replace the first
    cases = [(model, ["--cable", cable, "--port", "auto" if kind == "usb" else f"/dev/ttyNH-none{index}"])
             for index, (model, cable, kind) in enumerate(cable_cases())]
    assert len(cases) >= 20
    written = write_all(root, cases)
    assert_nut_reads(NutSetup(root / "etc" / "nut", tmp_path / "state"), written)


def test_hardware_list_sample_written_by_setup_is_read_by_nut(tmp_path):
    root = target_root(tmp_path / "root")
    cases = hcl_cases()
    assert len(cases) >= 10
    resolvable, failed = [], []
    for index, (model, kind) in enumerate(cases):
        # a serial device path per UPS (its existence does not matter to upsdrvctl -t)
        extra = ["--port", "auto" if kind == "usb" else f"/dev/ttyS{10 + index}"]
        done = nut_helper("setup", "--model", model, *extra)
        (resolvable if done.returncode == 0 else failed).append((model, extra, done.stderr.strip()))
    assert not failed, f"every sampled hardware-list model resolves: {failed}"
    written = write_all(root, [(model, extra) for model, extra, _ in resolvable])
    assert_nut_reads(NutSetup(root / "etc" / "nut", tmp_path / "state"), written)


TRICKY_DESCS = ['Rack "A" UPS', "C:\\UPS\\one", "room #3", 'all: "q" \\ # end', "trailing backslash \\"]


def test_upsd_reads_back_escaped_descriptions(tmp_path):
    root = target_root(tmp_path / "root")
    confdir = root / "etc" / "nut"
    upsd_port = free_port()
    for index, desc in enumerate(TRICKY_DESCS):
        extra = ["--standalone", "--upsd-port", str(upsd_port)] if index == 0 else []
        done = nut_helper("setup", "--model", "Tripp Lite Internet Office 700", "--cable", "73-0844",
                          "--port", f"/dev/ttyS{index}", "--name", f"desc{index}", "--desc", desc, "--write",
                          "--root", str(root), "--no-udev-rule", *extra)
        assert done.returncode == 0, done.stderr
    with LiveNut(NutSetup(confdir, tmp_path / "state"), upsd_port) as nut:
        listing = nut.listing()
    assert listing == {f"desc{index}": desc for index, desc in enumerate(TRICKY_DESCS)}


def test_sample_is_spread_over_many_drivers():
    drivers = {default_hcl().models_for(None, model)[0].drivers[0].driver for model, _ in hcl_cases()}
    assert len(drivers) >= 4, drivers
