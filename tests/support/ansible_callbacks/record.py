"""An Ansible callback for the tests: every task result (handlers marked) and the recap, as one JSON file.

Enabled by tests/support/ansible.py with ANSIBLE_CALLBACKS_ENABLED=record; the file is the one
NUT_HELPER_ANSIBLE_RECORD names. The default stdout callback still prints, so what a person sees
(``--diff`` output included) stays testable too.
"""

from __future__ import annotations

import json
import os

from ansible.playbook.handler import Handler
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: record
type: aggregate
short_description: write every task result to the JSON file NUT_HELPER_ANSIBLE_RECORD names
description: For nut-helper's tests.
"""


def _result_of(result):
    return result.result if hasattr(result, "result") else result._result


def _task_of(result):
    return result.task if hasattr(result, "task") else result._task


def _host_of(result):
    return result.host if hasattr(result, "host") else result._host


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.records = []

    def _record(self, result, status):
        task = _task_of(result)
        data = dict(_result_of(result))
        if status == "ok" and data.get("changed"):
            status = "changed"
        self.records.append({"host": _host_of(result).get_name(), "task": task.name or task.action,
                             "role": task._role.get_name() if task._role else None, "action": task.action,
                             "handler": isinstance(task, Handler), "status": status, "result": data})

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        recap = {host: stats.summarize(host) for host in sorted(stats.processed)}
        with open(os.environ["NUT_HELPER_ANSIBLE_RECORD"], "w", encoding="utf-8") as handle:
            json.dump({"records": self.records, "stats": recap}, handle, default=str)
