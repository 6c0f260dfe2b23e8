"""The collection's ``ups_facts`` and ``ups_check`` modules in real playbooks: the ports and USB UPSes of a
machine emulated by umockdev (tests/data/probe-devices.umockdev: an FTDI adapter, an onboard UART and three
USB UPSes), probing a simulated UPS on a real pseudo-terminal, and NUT-check findings failing a host."""

from __future__ import annotations

from pathlib import Path

from support.ansible import run_playbook, write_playbook
from support.target import target_root
from support.umockdev import umockdev_prefix

MACHINE = Path(__file__).resolve().parent / "data" / "probe-devices.umockdev"


def play(tmp_path: Path, name: str, tasks: list[dict]) -> Path:
    return write_playbook(tmp_path / f"{name}.yml",
                          [{"name": name, "hosts": "all", "gather_facts": False, "tasks": tasks}])


def test_ups_facts_lists_the_ports_and_usb_upses_of_an_emulated_machine(tmp_path):
    tasks = [{"name": "facts", "nut_helper.nut.ups_facts": {}},
             {"name": "facts are host variables", "ansible.builtin.assert": {"that": [
                 "ansible_facts.nut_helper.usb_upses | length == 3",
                 "ansible_facts.nut_helper.serial_ports | map(attribute='device') | list"
                 " == ['/dev/ttyS0', '/dev/ttyUSB0']"]}}]
    for mode in ((), ("--check",)):
        run = run_playbook(play(tmp_path, "facts", tasks), tmp_path, *mode, prefix=umockdev_prefix(MACHINE))
        assert run.returncode == 0, run
        record = run.result("facts")
        assert record["status"] == "ok" and not record["result"]["changed"]
        facts = record["result"]["ansible_facts"]["nut_helper"]
        ports = {port["device"]: port for port in facts["serial_ports"]}
        assert ports["/dev/ttyUSB0"]["by_id"] == "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1234-if00-port0"
        assert (ports["/dev/ttyUSB0"]["usb"]["vendorid"], ports["/dev/ttyUSB0"]["usb"]["serial"]) == ("0403", "A10K1234")
        assert ports["/dev/ttyS0"]["usb"] is None
        upses = {(ups["usb"]["vendorid"], ups["usb"]["productid"]): ups for ups in facts["usb_upses"]}
        assert {key: ups["driver"] for key, ups in upses.items()} == \
            {("0463", "ffff"): "usbhid-ups", ("051d", "0002"): "usbhid-ups", ("0665", "5161"): "nutdrv_qx"}
        assert upses[("051d", "0002")]["options"] == {"port": "auto", "vendorid": "051d", "productid": "0002"}
        assert "probe" not in facts
        assert run.result("facts are host variables")["status"] == "ok"


def test_ups_facts_probes_the_ports_it_is_given(tmp_path, sim_bench):
    q1, silent = sim_bench.add("ttyq1", "q1"), sim_bench.add("ttysilent", "silent")
    tasks = [{"name": "probe", "nut_helper.nut.ups_facts": {
        "probe": True, "probe_ports": [q1.path, silent.path], "probe_protocols": ["megatec", "apcsmart"],
        "probe_timeout": 1.5}}]
    run = run_playbook(play(tmp_path, "probe", tasks), tmp_path)
    assert run.returncode == 0, run
    results = {result["port"]: result for result in run.result("probe")["result"]["ansible_facts"]["nut_helper"]["probe"]}
    assert (results[q1.path]["found"], results[q1.path]["driver"], results[q1.path]["baud"]) == (True, "nutdrv_qx", 2400)
    assert results[q1.path]["identification"]["model"] == "SIMMODEL"
    assert results[q1.path]["options"]["port"] == q1.path
    assert (results[silent.path]["found"], results[silent.path]["protocols_tried"]) == (False, ["megatec", "apcsmart"])

    refused = run_playbook(play(tmp_path, "bad", [{"name": "probe", "nut_helper.nut.ups_facts": {
        "probe": True, "probe_ports": [q1.path], "probe_protocols": ["morse"]}}]), tmp_path)
    assert refused.returncode == 2
    assert refused.result("probe")["result"]["msg"].startswith("unknown protocol morse: choose from ")


def test_ups_check_fails_on_errors_and_returns_every_finding(tmp_path):
    root = target_root(tmp_path / "root")
    conf = root / "etc/nut/ups.conf"
    tasks = [{"name": "check", "nut_helper.nut.ups_check": {"root": str(root)}}]
    conf.write_text("[good]\n\tdriver = usbhid-ups\n\tport = auto\n")
    clean = run_playbook(play(tmp_path, "check", tasks), tmp_path)
    assert clean.returncode == 0, clean
    result = clean.result("check")["result"]
    assert (result["sections"], result["errors"], result["changed"]) == (["good"], 0, False)

    conf.write_text("[good]\n\tdriver = usbhid-ups\n\tport = auto\n\n[bad]\n\tdriver = usbhid-ups\n\tport = auto\n"
                    "\tbaudrate = 2400\n")
    before = conf.read_bytes()
    failed = run_playbook(play(tmp_path, "check", tasks), tmp_path)
    assert failed.returncode == 2, failed
    result = failed.result("check")["result"]
    assert result["errors"] >= 1 and result["sections"] == ["good", "bad"]
    errors = [finding for finding in result["findings"] if finding["severity"] == "error"]
    assert any(finding["section"] == "bad" and finding["line"] == 8 and "baudrate" in finding["message"]
               for finding in errors), errors
    assert result["msg"].startswith(f"{result['errors']} error(s): {conf}:8: [bad] ")
    assert conf.read_bytes() == before

    missing = run_playbook(play(tmp_path, "check", [{"name": "check", "nut_helper.nut.ups_check": {
        "root": str(root), "config": "/etc/nut/other.conf"}}]), tmp_path)
    assert missing.returncode == 2
    assert "other.conf does not exist" in missing.result("check")["result"]["msg"]
