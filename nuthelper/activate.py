"""What makes a written setup live on this machine: the commands, planned from the result of
:func:`nuthelper.configure.write_setup` (:func:`plan_activation`, which runs nothing), then run in
order (:func:`run_activation`, which stops at the first failure).

- A udev rule changed: ``udevadm control --reload``; for the section's own rule also
  ``udevadm trigger --action=change --settle PORT`` when the port is there now (a port plugged in
  later gets the rule when it appears). A replaced section's removed rule needs the reload only.
- ups.conf or the section's rule changed (the rule decides whether the driver may open the port):
  where NUT's nut-driver-enumerator manages the drivers as service instances (systemd running and
  ``upsdrvsvcctl`` installed), ``upsdrvsvcctl resync``, which adds, restarts and removes the
  instances of changed sections (after a rule change alone, ``upsdrvsvcctl stop``/``start NAME``);
  otherwise ``upsdrvctl start NAME``, after ``upsdrvctl stop NAME`` when the section existed before
  (the stop fails harmlessly when no driver runs it). A ups.conf outside NUT's directory
  (``--config``) is given to these commands as ``env NUT_CONFPATH=DIR``.
- A file upsd reads changed (ups.conf, upsd.conf, upsd.users, nut.conf): restart nut-server; a file
  upsmon reads (upsmon.conf, nut.conf): restart nut-monitor. With systemd
  ``systemctl restart nut-server.service`` / ``nut-monitor.service``; without it, the init scripts
  through ``service nut-server restart`` / ``service nut-client restart`` (Debian's names).

Programs are found on PATH, then in the system's sbin and bin directories.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nuthelper.filechange import CHANGING
from nuthelper.udevrule import RULES_DIR, rule_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SYSTEMD_RUNTIME = "/run/systemd/system"     # exists while systemd is the running init (sd_booted(3))
NUT_CONFDIR = "/etc/nut"        # Debian's; NUT_CONFPATH overrides it
SYSTEM_PROGRAM_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
UPSD_FILES = ("upsd.conf", "upsd.users", "nut.conf")      # besides ups.conf itself
UPSMON_FILES = ("upsmon.conf", "nut.conf")
NDE_CHANGED = 42                # nut-driver-enumerator: "sections and services differed, but now match up"
STEP_TIMEOUT = 180.0            # upsdrvctl waits up to maxstartdelay (45 s in NUT 2.8.0) per driver
OUTPUT_KEPT = 4000              # characters of a command's output kept in the result


def find_program(name: str) -> str | None:
    """``name`` in PATH's absolute directories (never the current one), else in the system's program
    directories (sudo and cron often leave sbin out)."""
    directories = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if os.path.isabs(entry)]
    return shutil.which(name, path=os.pathsep.join([*directories, *SYSTEM_PROGRAM_DIRS]))


@dataclass(frozen=True)
class System:
    """How this machine runs NUT's services."""

    systemd: bool                # systemd is the running init
    driver_enumerator: bool      # nut-driver-enumerator turns ups.conf sections into service instances
    nut_confdir: str = NUT_CONFDIR   # where NUT's programs read their files ($NUT_CONFPATH)

    @classmethod
    def detect(cls) -> System:
        systemd = os.path.isdir(SYSTEMD_RUNTIME)
        return cls(systemd=systemd, driver_enumerator=systemd and find_program("upsdrvsvcctl") is not None,
                   nut_confdir=os.environ.get("NUT_CONFPATH") or NUT_CONFDIR)


@dataclass(frozen=True)
class Step:
    """One command of an activation, and why it is needed."""

    argv: tuple[str, ...]
    why: str
    may_fail: bool = False       # a failure is expected in a normal case and does not stop the run
    success: tuple[int, ...] = (0,)     # the exit codes that mean it worked

    @property
    def command(self) -> str:
        return shlex.join(self.argv)

    def to_dict(self) -> dict[str, Any]:
        return {"command": self.command, "argv": list(self.argv), "why": self.why, "may_fail": self.may_fail,
                "success_exit_codes": list(self.success)}


@dataclass(frozen=True)
class Outcome:
    """What running one step did: status "ok", "failed", "failed-allowed" (a may_fail step) or "not-run"."""

    step: Step
    status: str
    exit_code: int | None = None
    output: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**self.step.to_dict(), "status": self.status, "exit_code": self.exit_code, "output": self.output}


def _changed(result: dict[str, Any]) -> set[Path]:
    return {Path(entry["path"]) for entry in result.get("files", []) if entry["status"] in CHANGING}


def _restart(unit: str, init_script: str, system: System, why: str) -> Step:
    if system.systemd:
        return Step(("systemctl", "restart", f"{unit}.service"), why)
    return Step(("service", init_script, "restart"), why)


def _driver_steps(name: str, confdir: Path, existed: bool, ups_conf_changed: bool, system: System) -> list[Step]:
    # A ups.conf outside NUT's directory (--config): its programs are pointed at the one written.
    env = ("env", f"NUT_CONFPATH={confdir}") if confdir != Path(system.nut_confdir) else ()
    if system.driver_enumerator and ups_conf_changed:
        return [Step((*env, "upsdrvsvcctl", "resync"), "nut-driver-enumerator adds, restarts or removes the "
                     "driver instances of the changed ups.conf sections (exit 42: it changed some)",
                     success=(0, NDE_CHANGED))]
    control = (*env, "upsdrvsvcctl" if system.driver_enumerator else "upsdrvctl")
    steps = [Step((*control, "stop", name), f"stop the driver of [{name}] if one runs, so that it restarts "
                                            "with the new settings", may_fail=True)] if existed else []
    return steps + [Step((*control, "start", name), f"start the driver of [{name}]")]


def plan_activation(result: dict[str, Any], name: str, port: str | None,
                    system: System | None = None) -> list[Step]:
    """The commands that make live what ``write_setup`` wrote (or, in a dry run, would write) for
    section ``name`` on ``port``; none after a conflict, a skip, or when nothing changes."""
    if result.get("status") in ("conflict", "skipped"):
        return []
    system = system or System.detect()
    changed = _changed(result)
    config = Path(result["path"])
    rule = Path(rule_path(name))
    steps = []
    if any(path.parent == Path(RULES_DIR) for path in changed):
        steps.append(Step(("udevadm", "control", "--reload"), "udev reads the changed rules"))
        if rule in changed and port and os.path.exists(port):
            steps.append(Step(("udevadm", "trigger", "--action=change", "--settle", port),
                              f"udev applies the new rule to {port} now"))
    if config in changed or rule in changed:
        steps += _driver_steps(name, config.parent, existed=result["status"] != "added",
                               ups_conf_changed=config in changed, system=system)
    if changed & {config, *(config.parent / file for file in UPSD_FILES)}:
        steps.append(_restart("nut-server", "nut-server", system, "upsd reads ups.conf, upsd.conf and upsd.users "
                                                                  "when it starts"))
    if changed & {config.parent / file for file in UPSMON_FILES}:
        steps.append(_restart("nut-monitor", "nut-client", system, "upsmon reads upsmon.conf when it starts"))
    return steps


def _run_one(step: Step) -> Outcome:
    program = find_program(step.argv[0])
    if program is None:
        return Outcome(step, "failed", None, f"{step.argv[0]}: not found on PATH or in "
                                             f"{', '.join(SYSTEM_PROGRAM_DIRS)}; is the package that has it installed?")
    # Output goes to a file, not a pipe: a daemon the command starts keeps a pipe open until it exits.
    with tempfile.TemporaryFile() as output:
        try:
            done = subprocess.run([program, *step.argv[1:]], stdin=subprocess.DEVNULL, stdout=output,
                                  stderr=subprocess.STDOUT, timeout=STEP_TIMEOUT)
            code = done.returncode
        except subprocess.TimeoutExpired:
            code = None
        except OSError as error:
            return Outcome(step, "failed", None, f"{program}: {error.strerror}")
        output.seek(0)
        text = output.read().decode("utf-8", "replace").strip()[-OUTPUT_KEPT:]
    if code is None:
        return Outcome(step, "failed", None, (text + "\n" if text else "") + f"did not finish within "
                                                                          f"{STEP_TIMEOUT:.0f} s")
    status = "ok" if code in step.success else "failed-allowed" if step.may_fail else "failed"
    return Outcome(step, status, code, text)


def run_activation(steps: Iterable[Step]) -> list[Outcome]:
    """Run the steps in order; after a failure the remaining ones are "not-run"."""
    outcomes: list[Outcome] = []
    for step in steps:
        if outcomes and outcomes[-1].status in ("failed", "not-run"):
            outcomes.append(Outcome(step, "not-run"))
        else:
            outcomes.append(_run_one(step))
    return outcomes


def succeeded(outcomes: Iterable[Outcome]) -> bool:
    return all(outcome.status in ("ok", "failed-allowed") for outcome in outcomes)


def activation_report(result: dict[str, Any], name: str, port: str | None, *, activate: bool,
                      dry_run: bool = False, system: System | None = None) -> tuple[bool, dict[str, Any]]:
    """Plan and (``activate`` and not ``dry_run``) run the activation of a write's ``result``.

    Returns whether every command succeeded, and the fields the JSON output ends with:
    ``{"next_steps": [...]}`` when not activating, else ``{"activation": {"status": "planned" (dry
    run), "done" or "failed", "steps": [...]}}``."""
    steps = plan_activation(result, name, port, system)
    if not activate:
        return True, {"next_steps": [step.to_dict() for step in steps]}
    if dry_run:
        return True, {"activation": {"status": "planned",
                                     "steps": [{**step.to_dict(), "status": "planned"} for step in steps]}}
    outcomes = run_activation(steps)
    ok = succeeded(outcomes)
    return ok, {"activation": {"status": "done" if ok else "failed",
                               "steps": [outcome.to_dict() for outcome in outcomes]}}
