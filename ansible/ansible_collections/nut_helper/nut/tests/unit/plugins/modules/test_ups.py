# Copyright: nut-helper contributors
# GNU General Public License v2.0 or later, and so also v3.0 or later (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ups module's main(): changed reported truthfully, check and diff modes, conflicts, absent, options."""

from __future__ import annotations

import pytest

from ansible_collections.nut_helper.nut.plugins.module_utils import nut_helper
from ansible_collections.nut_helper.nut.plugins.modules import ups

SMART = {"model": "APC Smart-UPS 1500", "cable": "940-0024C", "port": "/dev/ttyS0", "name": "rack"}


def test_changed_only_when_a_file_changes(run_module, root):
    first = run_module(ups, dict(SMART, root=str(root)))
    assert not first.failed and first.result["changed"] and first.result["status"] == "added"
    assert first.result["recommendation"]["driver"] == "apcsmart"
    conf = root / "etc" / "nut" / "ups.conf"
    inode, text = conf.stat().st_ino, conf.read_text()
    assert first.result["section"] in text and "diff" not in first.result
    second = run_module(ups, dict(SMART, root=str(root)))
    assert not second.result["changed"] and second.result["status"] == "unchanged"
    assert second.result["changed_files"] == []
    assert (conf.stat().st_ino, conf.read_text()) == (inode, text)


def test_check_mode_predicts_and_writes_nothing_and_diff_mode_shows_each_file(run_module, root):
    done = run_module(ups, dict(SMART, root=str(root), standalone=True), check_mode=True, diff=True)
    assert done.result["changed"] and done.result["status"] == "added"
    assert not (root / "etc" / "nut" / "ups.conf").exists()
    prepared = [entry["prepared"] for entry in done.result["diff"]]
    assert len(prepared) == 6 and "+[rack]\n" in prepared[0]
    assert any("<secret: not shown>" in entry for entry in prepared)


def test_a_conflict_fails_with_the_diff_and_replace_replaces(run_module, root):
    run_module(ups, dict(SMART, root=str(root)))
    before = (root / "etc" / "nut" / "ups.conf").read_text()
    other = dict(SMART, model="Tripp Lite Internet Office 700", cable="73-0844", root=str(root))
    failed = run_module(ups, other)
    assert failed.failed and failed.result["status"] == "conflict"
    assert "-\tdriver = apcsmart\n+" in failed.result["msg"] and "\n+\tdriver = genericups\n" in failed.result["msg"]
    assert failed.result["files"][0]["diff"] in failed.result["msg"]
    assert (root / "etc" / "nut" / "ups.conf").read_text() == before
    replaced = run_module(ups, dict(other, replace=True))
    assert replaced.result["changed"] and replaced.result["status"] == "replaced"


def test_absent_removes_the_section(run_module, root):
    run_module(ups, dict(SMART, root=str(root)))
    removed = run_module(ups, {"name": "rack", "state": "absent", "root": str(root)})
    assert removed.result["changed"] and removed.result["status"] == "removed"
    assert "[rack]" not in (root / "etc" / "nut" / "ups.conf").read_text()
    again = run_module(ups, {"name": "rack", "state": "absent", "root": str(root)})
    assert not again.result["changed"] and again.result["status"] == "unchanged"


def test_options_add_settings_and_flags_and_cannot_set_the_driver(run_module, root):
    done = run_module(ups, dict(SMART, root=str(root), options={"sdtime": 5, "nolock": True}))
    recommendation = done.result["recommendation"]
    assert recommendation["options"]["sdtime"] == "5" and "nolock" in recommendation["flags"]
    assert "\tsdtime = 5\n" in done.result["section"] and "\tnolock\n" in done.result["section"]
    dropped = run_module(ups, dict(SMART, root=str(root), name="other", port="/dev/ttyS1",
                                   options={"sdtime": False}))
    assert "sdtime" not in dropped.result["recommendation"]["options"]
    for key in ("driver", "PORT", "desc"):
        refused = run_module(ups, dict(SMART, root=str(root), options={key: "x"}))
        assert refused.failed and refused.result["msg"].startswith("options cannot set '%s'" % key)


def test_library_errors_are_one_line_failures(run_module, root):
    failed = run_module(ups, dict(SMART, root=str(root), name="two words"))
    assert failed.failed and failed.result["msg"].startswith("UPS name 'two words'")
    missing = run_module(ups, dict(SMART, root=str(root / "nowhere")))
    assert missing.failed and "nowhere is not a directory" in missing.result["msg"]


def test_without_the_library_the_failure_says_how_to_install_it(run_module, root, monkeypatch):
    monkeypatch.setattr(nut_helper, "HAS_NUT_HELPER", False)
    failed = run_module(ups, dict(SMART, root=str(root)))
    assert failed.failed and failed.result["msg"].startswith("the nut-helper Python library is not installed for ")
    assert "pip install" in failed.result["msg"] and not (root / "etc" / "nut" / "ups.conf").exists()


@pytest.mark.parametrize("args, message", [
    ({"port": "/dev/ttyS0"}, "state is present but any of the following are missing: model, wiring"),
    ({"state": "absent"}, "state is absent but all of the following are missing: name"),
    ({"model": "x", "wiring": "/w.json", "cable": "y"}, "parameters are mutually exclusive: wiring|cable"),
])
def test_the_argument_spec_refuses_incomplete_tasks(run_module, args, message):
    failed = run_module(ups, args)
    assert failed.failed and failed.result["msg"] == message
