#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: nut-helper contributors
# GNU General Public License v2.0 or later, and so also v3.0 or later (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ups_facts
short_description: The serial ports and USB UPSes of a host, and optionally what answers on the ports
version_added: 0.1.0
description:
  - Lists the host's serial ports (with their stable C(/dev/serial/by-id) and C(by-path) names, USB
    adapter, the programs holding them and whether the C(nut) user may open them) and the USB UPSes on
    the bus (with the driver and match settings NUT needs), as the nut-helper library reads them from udev.
  - With O(probe=true) it also asks the units on the serial ports which protocol they speak. Probing
    sends bytes to the ports; it never touches a port another program holds and never raises a line a
    contact-closure UPS reads as "shut down". It takes a few seconds per port.
  - The facts are C(ansible_facts.nut_helper); nothing on the host changes.
extends_documentation_fragment:
  - nut_helper.nut.library
attributes:
  check_mode:
    support: full
    description: The facts are gathered the same way; nothing is ever changed.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
  facts:
    support: full
    description: Returns C(ansible_facts.nut_helper).
  platform:
    support: full
    platforms: posix
    description: Linux with udev and Debian's NUT layout; other POSIX systems where nut-helper runs.
options:
  probe:
    description:
      - Also probe serial ports and return what answered in C(ansible_facts.nut_helper.probe).
    type: bool
    default: false
  probe_ports:
    description:
      - The ports to probe; by default every serial port found.
    type: list
    elements: str
  probe_timeout:
    description:
      - Seconds per protocol and port (nut-helper's default when not given).
    type: float
  probe_protocols:
    description:
      - The protocols to try, in order (nut-helper's default V(megatec), V(apcsmart), V(shut), V(xcp);
        V(upscode2) only when named).
    type: list
    elements: str
seealso:
  - module: nut_helper.nut.ups
"""

EXAMPLES = r"""
- name: What UPSes and ports this host has
  nut_helper.nut.ups_facts:

- name: Say which driver NUT would use for each USB UPS found
  ansible.builtin.debug:
    msg: "{{ item.usb.vendorid }}:{{ item.usb.productid }} {{ item.usb.product }}: {{ item.driver }}"
  loop: "{{ ansible_facts.nut_helper.usb_upses }}"

- name: Fail where the serial port the inventory names is held by another program
  ansible.builtin.assert:
    that: not (ansible_facts.nut_helper.serial_ports | selectattr('device', 'eq', '/dev/ttyS0') | first).lock.held

- name: Ask the unit on the first serial port
  nut_helper.nut.ups_facts:
    probe: true
    probe_ports: [/dev/ttyS0]
"""

RETURN = r"""
ansible_facts:
  description: The facts.
  returned: always
  type: dict
  contains:
    nut_helper:
      description: What nut-helper found on the host.
      type: dict
      contains:
        serial_ports:
          description:
            - One entry per serial port C(device), C(kernel_name), C(by_id), C(by_path), C(stable_name),
              C(usb) (the adapter vendorid, productid, serial...), C(kernel_driver), C(lock) (who holds it) and
              C(access) (whether user nut can open it, and why).
          type: list
          elements: dict
          sample: [{"device": "/dev/ttyS0", "kernel_name": "ttyS0", "by_id": null, "stable_name": null}]
        usb_upses:
          description:
            - One entry per USB UPS C(usb) (vendorid, productid, vendor, product, serial, bus), C(driver),
              C(options) (the match settings for C(ups.conf)), C(alternatives), C(reason), C(warnings).
          type: list
          elements: dict
          sample: [{"driver": "usbhid-ups", "options": {"port": "auto", "vendorid": "0463", "productid": "ffff"}}]
        probe:
          description:
            - With O(probe=true), one entry per probed port C(port), C(found), C(driver), C(protocol),
              C(options), C(identification), C(readings), C(stable_port), C(skipped), C(error).
          type: list
          elements: dict
          returned: when O(probe=true)
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.nut_helper.nut.plugins.module_utils.nut_helper import NutHelperError, require_nut_helper


def gather(params):
    """The facts: ports and USB UPSes, and with ``probe`` what answered on the ports."""
    from nuthelper.probe.udev import list_serial_ports, list_usb_upses

    ports = list_serial_ports()
    facts = {"serial_ports": [port.to_dict() for port in ports],
             "usb_upses": [ups.to_dict() for ups in list_usb_upses()]}
    if params["probe"]:
        from nuthelper.probe.serialprobe import ProbeSettings, probe_ports

        settings = {}
        if params["probe_timeout"] is not None:
            settings["timeout"] = params["probe_timeout"]
        if params["probe_protocols"]:
            settings["protocols"] = params["probe_protocols"]
        paths = params["probe_ports"] if params["probe_ports"] is not None else [port.device for port in ports]
        facts["probe"] = [result.to_dict() for result in probe_ports(paths, ProbeSettings(**settings))]
    return facts


def main():
    module = AnsibleModule(
        argument_spec=dict(
            probe=dict(type="bool", default=False),
            probe_ports=dict(type="list", elements="str"),
            probe_timeout=dict(type="float"),
            probe_protocols=dict(type="list", elements="str"),
        ),
        supports_check_mode=True,
    )
    require_nut_helper(module)
    try:
        facts = gather(module.params)
    except NutHelperError as error:
        module.fail_json(msg=error.message)
    module.exit_json(changed=False, ansible_facts={"nut_helper": facts})


if __name__ == "__main__":
    main()
