# -*- coding: utf-8 -*-
# Copyright: nut-helper contributors
# GNU General Public License v2.0 or later, and so also v3.0 or later (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-2.0-or-later
"""What the collection's modules share: importing the installed nut-helper library (or saying how to
install it), its errors as module failures, and its per-file results as Ansible's changed and diff."""

from __future__ import annotations

import sys
import traceback

__all__ = ["HAS_NUT_HELPER", "NutHelperError", "changed_files", "file_diffs", "notes", "require_nut_helper"]

try:
    from nuthelper.errors import NutHelperError
    from nuthelper.filechange import CHANGING
except ImportError:
    HAS_NUT_HELPER = False
    NUT_HELPER_IMPORT_ERROR = traceback.format_exc()
    CHANGING = ()

    class NutHelperError(Exception):  # type: ignore[no-redef]
        """Stands in for nut-helper's error class, so that ``except NutHelperError`` works without it."""

        message = ""
else:
    HAS_NUT_HELPER = True
    NUT_HELPER_IMPORT_ERROR = None

MISSING = (
    "the nut-helper Python library is not installed for %s, the Python that runs this module on this host: "
    "install it there (nut-helper needs Python 3.11 or later), for example 'python3 -m venv /opt/nut-helper && "
    "/opt/nut-helper/bin/pip install /path/to/nut-helper' (its source tree or wheel), and set "
    "ansible_python_interpreter=/opt/nut-helper/bin/python for this host"
)


def require_nut_helper(module):
    """Fail with how to install nut-helper when the library cannot be imported here."""
    if not HAS_NUT_HELPER:
        module.fail_json(msg=MISSING % sys.executable, exception=NUT_HELPER_IMPORT_ERROR)


def changed_files(result):
    """The paths of the files a nut-helper write result changes (or would change, for a dry run)."""
    return [entry["path"] for entry in result.get("files", []) if entry["status"] in CHANGING]


def file_diffs(result):
    """Ansible's diff for a nut-helper write result: one unified diff per changed file, secrets redacted."""
    return [{"prepared": entry["diff"]} for entry in result.get("files", []) if entry["diff"]]


def notes(result):
    """The notes nut-helper attached to the files (what it kept, replaced or skipped, and why)."""
    return ["%s: %s" % (entry["path"], entry["note"]) for entry in result.get("files", []) if entry.get("note")]
