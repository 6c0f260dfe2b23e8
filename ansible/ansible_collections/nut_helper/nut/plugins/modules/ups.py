#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: nut-helper contributors
# GNU General Public License v2.0 or later, and so also v3.0 or later (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ups
short_description: Configure one UPS for Network UPS Tools, resolved and merged by nut-helper
version_added: 0.1.0
description:
  - Resolves the UPS O(model), O(cable) and O(port) (or a home-made cable's O(wiring)) to the NUT driver,
    its options and port with the nut-helper library on the managed host, renders the C(ups.conf)
    section with an explanation comment, and merges it into C(ups.conf). Other sections, comments and
    global settings are kept byte for byte.
  - A section of the same name (or one that already drives the same UPS) with other settings is a
    conflict; without O(replace=true) the task fails, its message shows the change replacing would make
    (one unified diff per file), and nothing is written.
  - Running it again with the same parameters changes nothing (status C(unchanged)); the file keeps its
    bytes, inode and times.
  - With O(standalone=true) it also sets up C(nut.conf), C(upsd.conf), C(upsd.users) and C(upsmon.conf) for
    a standalone machine, adding only the lines they lack. For a serial port it installs a udev rule that
    lets group C(nut) open the port (see O(udev_rule)).
  - O(state=absent) removes the section O(name), the C(MONITOR) lines of C(upsmon.conf) that watch it on
    this machine, and its udev rule, as one change.
  - Every file is written as one change (all or nothing), with the previous version kept as
    C(FILE.nut-helper.bak); files holding passwords end at mode 0640 root:nut or tighter.
extends_documentation_fragment:
  - nut_helper.nut.library
attributes:
  check_mode:
    support: full
    description: Nothing is written; RV(ignore:changed) tells whether a real run would change a file.
  diff_mode:
    support: full
    description: >-
      One unified diff per file; passwords in C(upsd.users) and C(upsmon.conf) are shown as
      C(<secret: not shown>).
  platform:
    support: full
    platforms: posix
    description: Linux with udev and Debian's NUT layout; other POSIX systems where nut-helper runs.
options:
  state:
    description:
      - V(present) resolves and writes the UPS's section; V(absent) removes section O(name).
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The section name in C(ups.conf) (what C(upsc NAME@localhost) uses).
      - Defaults to a name derived from the vendor and model, for example C(apc-smart-ups-1500).
      - Required with O(state=absent).
    type: str
  model:
    description:
      - The UPS model as printed on it, vendor first when known, for example C(APC Smart-UPS 1500).
      - Required with O(state=present) unless O(wiring) is given.
    type: str
  cable:
    description:
      - The cable joining UPS and computer, by id, part number or title (C(nut-helper cables list)).
    type: str
  port:
    description:
      - The device the cable is plugged into, such as C(/dev/ttyS0) or a C(/dev/serial/by-id/...) path, or
        V(auto) for a USB UPS (the unit attached to the bus then confirms or corrects the driver).
      - Paths are written as given; with O(root) they name devices of the target system.
    type: str
  desc:
    description:
      - The C(desc) setting. Defaults to the vendor and model. Quoted and escaped the way NUT reads it.
    type: str
  wiring:
    description:
      - A wiring file on the managed host describing a home-made contact-closure cable (nut-helper's
        docs/wiring-format.md); the section uses C(genericups) with the C(upstype) or override lines it
        derives. Cannot be combined with O(cable).
    type: path
  options:
    description:
      - Driver settings added to (or overriding) those nut-helper resolves, for example C(pollinterval) or
        C(serial). A value V(true) writes the key as a flag; V(false) drops the setting or flag.
      - C(driver), C(port) and C(desc) cannot be set here (use O(port) and O(desc); the driver is resolved).
    type: dict
    default: {}
  standalone:
    description:
      - Also set up C(nut.conf) (C(MODE=standalone)), C(upsd.conf) (listen on loopback), C(upsd.users) (a
        monitoring user with a generated password) and C(upsmon.conf) (a C(MONITOR) line for this UPS).
      - Existing files only get the lines they lack; an existing password is reused.
    type: bool
    default: false
  upsd_port:
    description:
      - The TCP port upsd listens on, with O(standalone=true).
    type: int
    default: 3493
  udev_rule:
    description:
      - For a serial port, install C(/etc/udev/rules.d/90-nut-helper-NAME.rules) giving group C(nut)
        access to exactly that port (keyed on stable attributes).
    type: bool
    default: true
  replace:
    description:
      - Replace a section of the same name, or the one driving the same UPS, when its settings differ.
      - Without it such a section is a conflict and the task fails with the diff.
    type: bool
    default: false
  root:
    description:
      - The root of a target system (an image being built); every file is read and written under it,
        and the C(nut) group is looked up in its C(etc/group).
    type: path
  config:
    description:
      - The C(ups.conf) to change (under O(root) when given); the other NUT files live beside it.
    type: path
    default: /etc/nut/ups.conf
  driver_path:
    description:
      - Where NUT's drivers are installed (default C(/lib/nut) and C(/usr/lib/nut)); installed drivers are
        preferred and known defects of the installed release worked around.
    type: path
  cables:
    description:
      - Extra cable knowledge packs (C(cables.json) format) on the managed host, besides the built-in cables
        and C(/etc/nut-helper/cables.d) (under O(root)).
    type: list
    elements: path
    default: []
notes:
  - The section's comment explains the answer; the same explanation, its confidence and the
    alternatives are returned as RV(recommendation).
seealso:
  - module: nut_helper.nut.ups_check
  - module: nut_helper.nut.ups_facts
"""

EXAMPLES = r"""
- name: A Smart-UPS on the first serial port, with its smart cable
  nut_helper.nut.ups:
    model: APC Smart-UPS 1500
    cable: 940-0024C
    port: /dev/ttyS0
    name: rack-ups
    standalone: true

- name: A USB UPS; the unit on the bus confirms the driver
  nut_helper.nut.ups:
    model: Eaton 5E 650i
    port: auto
    options:
      pollinterval: 15

- name: Into an image being built (nothing on the build host changes)
  nut_helper.nut.ups:
    model: Tripp Lite Internet Office 700
    cable: 73-0844
    port: /dev/ttyS0
    root: /srv/images/edge-router

- name: A home-made contact-closure cable
  nut_helper.nut.ups:
    model: Powerware 5119
    wiring: /etc/nut-helper/wirings/closet.json
    port: /dev/ttyS1
    name: closet

- name: Take a UPS out of the configuration
  nut_helper.nut.ups:
    name: closet
    state: absent
"""

RETURN = r"""
status:
  description:
    - What happened to the section (or, in check mode, would happen) C(added), C(replaced), C(unchanged),
      C(removed) or C(conflict) (the task then fails).
  returned: always
  type: str
  sample: added
name:
  description: The section name.
  returned: always
  type: str
  sample: rack-ups
desc:
  description: The C(desc) written.
  returned: when O(state=present)
  type: str
  sample: APC Smart-UPS 1500
section:
  description: The section's text as written into C(ups.conf), explanation comment included.
  returned: when O(state=present)
  type: str
  sample: "[rack-ups]\n\t# APC Smart-UPS 1500 on /dev/ttyS0 -- written by nut-helper ...\n\tdriver = apcsmart\n"
recommendation:
  description: The answer nut-helper resolved and why.
  returned: when O(state=present)
  type: dict
  contains:
    driver:
      description: The NUT driver.
      type: str
      sample: apcsmart
    port:
      description: The port written.
      type: str
      sample: /dev/ttyS0
    options:
      description: The driver settings written (besides C(driver), C(port) and C(desc)).
      type: dict
      sample: {"upstype": "2"}
    flags:
      description: The flags written.
      type: list
      elements: str
      sample: []
    confidence:
      description: >-
        How certain the answer is, most certain first C(documented), C(hcl), C(usb-id), C(probed), C(series),
        C(vendor-default), C(inferred).
      type: str
      sample: documented
    confirmed:
      description: Whether the source confirms the answer for this exact model.
      type: bool
      sample: true
    reasons:
      description: The reasoning, step by step.
      type: list
      elements: str
    warnings:
      description: What to check or do next (an unconfirmed answer, a driver defect worked around, ...).
      type: list
      elements: str
    alternatives:
      description: Other drivers that can fit, each with when to use it.
      type: list
      elements: dict
    model:
      description: How the model was understood (vendor, name, series, capacity).
      type: dict
    cable:
      description: The cable the answer rests on (C(id), C(title)), or null.
      type: dict
    cable_loss:
      description: For C(genericups), what a loose cable would read as.
      type: list
      elements: dict
files:
  description: Each file the change touches, with its status, diff (secrets redacted), backup and note.
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/etc/nut/ups.conf", "what": "ups.conf: section [rack-ups]", "status": "added",
            "written": true, "backup": null, "secret": false, "diff": "--- ...", "note": null}]
changed_files:
  description: The paths of the files changed (in check mode, that would change).
  returned: always
  type: list
  elements: str
  sample: [/etc/nut/ups.conf, /etc/nut/upsmon.conf]
backup:
  description: Where the previous C(ups.conf) was kept, when it was replaced.
  returned: always
  type: str
  sample: /etc/nut/ups.conf.nut-helper.bak
notes:
  description: What nut-helper kept, replaced or skipped and why (for example a serial port without a udev rule).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.nut_helper.nut.plugins.module_utils.nut_helper import (
    NutHelperError, changed_files, file_diffs, notes, require_nut_helper)

RESERVED_OPTIONS = ("driver", "port", "desc")


def apply_options(recommendation, options):
    """The user's driver settings on top of the resolved ones; a reason says what they changed."""
    from nuthelper.errors import InvalidInput
    from nuthelper.render import check_key

    choice = recommendation.choice
    for key, value in options.items():
        check_key(key)
        if key.lower() in RESERVED_OPTIONS:
            raise InvalidInput("options cannot set '%s': %s" % (
                key, "the driver is resolved from the model and cable" if key.lower() == "driver"
                else "use the module's %s parameter" % key.lower()))
        choice.options.pop(key, None)
        if key in choice.flags:
            choice.flags.remove(key)
        if value is True:
            choice.flags.append(key)
        elif value is not False and value is not None:
            choice.options[key] = str(value)
    if options:
        given = ", ".join("%s=%s" % (key, value) for key, value in options.items())
        recommendation.reasons.append("Settings given in the task's options: %s." % given)


def recommend(params):
    """The recommendation the parameters ask for: from a wiring file, or resolved from the knowledge."""
    if params["wiring"]:
        from nuthelper.evidence import from_wiring

        recommendation = from_wiring(params["model"], params["wiring"], params["port"])
    else:
        from nuthelper.knowledge.packs import load_knowledge
        from nuthelper.resolve import resolve

        knowledge = load_knowledge(params["root"], params["cables"])
        recommendation = resolve(params["model"], params["cable"], params["port"], knowledge=knowledge,
                                 driver_path=params["driver_path"])
        recommendation.warnings.extend(knowledge.conflicts)
    apply_options(recommendation, params["options"])
    return recommendation


def write_options(module):
    from nuthelper.configure import WriteOptions

    params = module.params
    return WriteOptions(root=params["root"], config=params["config"], replace=params["replace"],
                        dry_run=module.check_mode, standalone=params["standalone"], upsd_port=params["upsd_port"],
                        udev_rule=params["udev_rule"])


def run(module):
    """Write (or remove) the UPS's setup: what the module returns about the section, and the library's result."""
    from nuthelper.configure import remove_setup, write_setup

    params = module.params
    if params["state"] == "absent":
        result = remove_setup(params["name"], write_options(module))[1]
        return {"name": params["name"]}, result
    from nuthelper.render import render_section

    recommendation = recommend(params)
    section = render_section(recommendation, name=params["name"], desc=params["desc"])
    result = write_setup(recommendation, section, write_options(module))[1]   # the exit code is in the status
    return {"name": section.name, "desc": section.desc, "section": section.text,
            "recommendation": recommendation.to_dict()}, result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            name=dict(type="str"),
            model=dict(type="str"),
            cable=dict(type="str"),
            port=dict(type="str"),
            desc=dict(type="str"),
            wiring=dict(type="path"),
            options=dict(type="dict", default={}),
            standalone=dict(type="bool", default=False),
            upsd_port=dict(type="int", default=3493),
            udev_rule=dict(type="bool", default=True),
            replace=dict(type="bool", default=False),
            root=dict(type="path"),
            config=dict(type="path", default="/etc/nut/ups.conf"),
            driver_path=dict(type="path"),
            cables=dict(type="list", elements="path", default=[]),
        ),
        required_if=[("state", "absent", ("name",)), ("state", "present", ("model", "wiring"), True)],
        mutually_exclusive=[("wiring", "cable")],
        supports_check_mode=True,
    )
    require_nut_helper(module)
    try:
        output, result = run(module)
    except NutHelperError as error:
        module.fail_json(msg=error.message)
    output.update(status=result["status"], files=result["files"], changed_files=changed_files(result),
                  backup=result["backup"], notes=notes(result))
    if module._diff:
        output["diff"] = file_diffs(result)
    if result["status"] == "conflict":
        module.fail_json(msg="%s (with this module: replace: true). The change replacing would make:\n%s" % (
            result["message"], "".join(entry["diff"] for entry in result["files"])), **output)
    module.exit_json(changed=bool(output["changed_files"]), **output)


if __name__ == "__main__":
    main()
