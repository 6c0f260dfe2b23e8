# Copyright: nut-helper contributors
# GNU General Public License v2.0 or later, and so also v3.0 or later (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a module's main() in-process: its arguments patched in, exit_json and fail_json caught.

The modules use the real nut-helper library (installed in the Python that runs ansible-test units);
the files they write go to a scratch target root with the nut group in its etc/group.
"""

from __future__ import annotations

import grp

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ModuleExit(Exception):
    """What the module returned: ``failed`` tells exit_json from fail_json."""

    def __init__(self, failed, result):
        super().__init__(result.get("msg", ""))
        self.failed = failed
        self.result = result


def _exit(self, **result):
    raise ModuleExit(False, result)


def _fail(self, msg, **result):
    raise ModuleExit(True, dict(result, msg=msg))


@pytest.fixture
def run_module(monkeypatch):
    """``run_module(module, args, check_mode=False, diff=False)`` -> ModuleExit."""
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail)

    def run(module, args, check_mode=False, diff=False):
        with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)):
            with pytest.raises(ModuleExit) as done:
                module.main()
        return done.value

    return run


@pytest.fixture
def root(tmp_path):
    """A scratch target system: etc/nut, and etc/group and etc/passwd with the nut account."""
    try:
        gid = grp.getgrnam("nut").gr_gid
    except KeyError:
        gid = 999
    (tmp_path / "root" / "etc" / "nut").mkdir(parents=True)
    (tmp_path / "root" / "etc" / "group").write_text("root:x:0:\nnut:x:%d:\n" % gid)
    (tmp_path / "root" / "etc" / "passwd").write_text("nut:x:%d:%d::/var/lib/nut:/bin/false\n" % (gid, gid))
    return tmp_path / "root"
