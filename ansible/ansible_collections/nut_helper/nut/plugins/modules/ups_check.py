#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: nut-helper contributors
# GNU General Public License v2.0 or later, and so also v3.0 or later (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ups_check
short_description: Check a ups.conf the way NUT reads it; fail on errors
version_added: 0.1.0
description:
  - Runs nut-helper's check of an existing C(ups.conf) on the managed host, the same findings as
    C(nut-helper check) parse problems (anything NUT reads differently from how it looks), duplicate
    sections, unusable section names, drivers that are not installed or not known, settings the
    installed driver does not accept, and ports that are missing or that user C(nut) cannot open.
  - Fails when there is an error; warnings and informational findings are returned.
  - Never changes anything, and never runs a program the file names.
extends_documentation_fragment:
  - nut_helper.nut.library
attributes:
  check_mode:
    support: full
    description: The check runs the same way; nothing is ever changed.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
  platform:
    support: full
    platforms: posix
    description: Linux with udev and Debian's NUT layout; other POSIX systems where nut-helper runs.
options:
  config:
    description:
      - The C(ups.conf) to check (under O(root) when given).
    type: path
    default: /etc/nut/ups.conf
  root:
    description:
      - The root of a target system; the file, its ports and the C(nut) account are looked up under it.
    type: path
  driver_path:
    description:
      - Where NUT's drivers are installed (default C(/lib/nut) and C(/usr/lib/nut)).
    type: path
seealso:
  - module: nut_helper.nut.ups
"""

EXAMPLES = r"""
- name: Check what NUT will read
  nut_helper.nut.ups_check:

- name: Check an image being built
  nut_helper.nut.ups_check:
    root: /srv/images/edge-router
"""

RETURN = r"""
path:
  description: The file checked.
  returned: always
  type: str
  sample: /etc/nut/ups.conf
sections:
  description: The UPS sections it defines.
  returned: always
  type: list
  elements: str
  sample: [rack-ups]
errors:
  description: How many findings are errors.
  returned: always
  type: int
  sample: 0
warnings_count:
  description: How many findings are warnings.
  returned: always
  type: int
  sample: 1
findings:
  description: Every finding, in line order.
  returned: always
  type: list
  elements: dict
  contains:
    severity:
      description: V(error), V(warning) or V(info).
      type: str
    code:
      description: A stable identifier, for example C(unknown-option).
      type: str
    message:
      description: What is wrong and what to do.
      type: str
    line:
      description: The line of the file, when there is one.
      type: int
    section:
      description: The section, when the finding is about one.
      type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.nut_helper.nut.plugins.module_utils.nut_helper import NutHelperError, require_nut_helper


def describe(finding, path):
    where = "%s:%s" % (path, finding.get("line")) if finding.get("line") else path
    section = " [%s]" % finding.get("section") if finding.get("section") else ""
    return "%s:%s %s" % (where, section, finding["message"])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="path", default="/etc/nut/ups.conf"),
            root=dict(type="path"),
            driver_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    require_nut_helper(module)
    from nuthelper.check import check_config

    params = module.params
    try:
        report = check_config(params["config"], root=params["root"], driver_path=params["driver_path"]).to_dict()
    except NutHelperError as error:
        module.fail_json(msg=error.message)
    output = dict(path=report["path"], sections=report["sections"], errors=report["errors"],
                  warnings_count=report["warnings"], findings=report["findings"])
    if report["errors"]:
        errors = [describe(finding, report["path"]) for finding in report["findings"] if finding["severity"] == "error"]
        module.fail_json(msg="%d error(s): %s" % (report["errors"], "; ".join(errors)), **output)
    module.exit_json(changed=False, **output)


if __name__ == "__main__":
    main()
