# Copyright: nut-helper contributors
# GNU General Public License v2.0 or later, and so also v3.0 or later (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ups_facts module's main() on the machine running the tests (its real udev database): the facts'
shape, and a probe of a port that does not exist (the emulated machine is tests/test_ansible_facts.py's)."""

from __future__ import annotations

from ansible_collections.nut_helper.nut.plugins.modules import ups_facts


def test_facts_hold_the_ports_and_usb_upses(run_module):
    done = run_module(ups_facts, {}, check_mode=True)
    assert not done.failed and not done.result["changed"]
    facts = done.result["ansible_facts"]["nut_helper"]
    assert set(facts) == {"serial_ports", "usb_upses"}
    assert all(port["device"].startswith("/dev/") for port in facts["serial_ports"])


def test_probing_a_missing_port_reports_it_and_a_bad_protocol_fails(run_module):
    done = run_module(ups_facts, {"probe": True, "probe_ports": ["/dev/nut-helper-no-such-port"]})
    (result,) = done.result["ansible_facts"]["nut_helper"]["probe"]
    assert (result["port"], result["found"], result["error"]) == ("/dev/nut-helper-no-such-port", False, "no such port")
    failed = run_module(ups_facts, {"probe": True, "probe_ports": [], "probe_protocols": ["morse"]})
    assert failed.failed and failed.result["msg"].startswith("unknown protocol morse")
