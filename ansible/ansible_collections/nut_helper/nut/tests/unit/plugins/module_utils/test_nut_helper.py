# Copyright: nut-helper contributors
# GNU General Public License v2.0 or later, and so also v3.0 or later (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared helpers: which files changed, Ansible's diff and the notes, from a nut-helper write result."""

from __future__ import annotations

from ansible_collections.nut_helper.nut.plugins.module_utils.nut_helper import (
    HAS_NUT_HELPER, changed_files, file_diffs, notes)

RESULT = {"files": [
    {"path": "/etc/nut/ups.conf", "status": "added", "diff": "+[rack]\n", "note": None},
    {"path": "/etc/nut/nut.conf", "status": "unchanged", "diff": "", "note": "MODE=netserver kept"},
    {"path": "/etc/udev/rules.d/90-nut-helper-rack.rules", "status": "skipped", "diff": "", "note": "no rule"},
    {"path": "/etc/nut/upsmon.conf", "status": "updated", "diff": "+MONITOR ...\n", "note": None},
]}


def test_the_library_is_found():
    assert HAS_NUT_HELPER


def test_changed_files_diffs_and_notes():
    assert changed_files(RESULT) == ["/etc/nut/ups.conf", "/etc/nut/upsmon.conf"]
    assert file_diffs(RESULT) == [{"prepared": "+[rack]\n"}, {"prepared": "+MONITOR ...\n"}]
    assert notes(RESULT) == ["/etc/nut/nut.conf: MODE=netserver kept",
                             "/etc/udev/rules.d/90-nut-helper-rack.rules: no rule"]
    assert changed_files({}) == file_diffs({}) == notes({}) == []
