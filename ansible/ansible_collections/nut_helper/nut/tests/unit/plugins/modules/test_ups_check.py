# Copyright: nut-helper contributors
# GNU General Public License v2.0 or later, and so also v3.0 or later (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ups_check module's main(): findings returned, errors fail, nothing changed."""

from __future__ import annotations

from ansible_collections.nut_helper.nut.plugins.modules import ups_check


def test_a_clean_file_passes_and_an_error_fails(run_module, root):
    conf = root / "etc" / "nut" / "ups.conf"
    conf.write_text("[good]\n\tdriver = usbhid-ups\n\tport = auto\n")
    clean = run_module(ups_check, {"root": str(root)})
    assert not clean.failed and not clean.result["changed"]
    assert (clean.result["sections"], clean.result["errors"]) == (["good"], 0)
    conf.write_text("[bad name]\n\tdriver = usbhid-ups\n\tport = auto\n")
    failed = run_module(ups_check, {"root": str(root)})
    assert failed.failed and failed.result["errors"] >= 1
    assert failed.result["msg"].startswith("%d error(s): %s:1: " % (failed.result["errors"], conf))
    assert "section name with blanks" in failed.result["msg"]


def test_a_missing_file_is_a_failure_naming_it(run_module, root):
    failed = run_module(ups_check, {"root": str(root)})
    assert failed.failed and "ups.conf does not exist" in failed.result["msg"]
