"""One bounded run of a section's real driver in NUT's dump mode (``-d 1``).

The driver reads a private copy of ups.conf (exactly the text verify judged) and keeps its state
in a private directory, so a running NUT is never disturbed; it is started only through
:func:`nuthelper.knowledge.drivers.start_driver` (a plain driver name, root-owned, in the driver
directory), in the foreground, and stopped when the time is up or on Ctrl-C. Started by root,
the driver drops to the user NUT runs it as (``user`` in ups.conf, else nut), as it will in
service, so a port that user may not open fails here too.
"""

from __future__ import annotations

import grp
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nuthelper.knowledge.drivers import start_driver
from nuthelper.patterns import lazy

NUT_GROUP = "nut"
STOP_GRACE = 3.0
_VARIABLE = lazy(r"^([a-z][a-z0-9_]*(?:\.[A-Za-z0-9_-]+)+): (.*)$")


@dataclass
class DriverRun:
    """What the driver printed: its dump (stdout) and its messages (stderr)."""

    driver: str
    returncode: int | None          # None: still running at the time bound, then stopped
    stdout: str
    stderr: str
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def readings(self) -> dict[str, str]:
        """The variables of the dump (``ups.status`` -> ``OL``)."""
        found = (_VARIABLE.match(line) for line in self.stdout.splitlines())
        return {match.group(1): match.group(2).strip() for match in found if match}

    def messages(self) -> list[str]:
        """The driver's own lines, banners left out."""
        lines = [line.strip() for line in (self.stderr + "\n" + self.stdout).splitlines()]
        return [line for line in lines if line and not _VARIABLE.match(line)
                and not line.startswith(("Network UPS Tools", "USB communication driver"))]


def _private_directory(parent: Path, name: str) -> Path:
    """A directory the driver may use after it drops to the nut user: group nut, mode 0770."""
    path = parent / name
    path.mkdir(mode=0o700)
    if os.geteuid() == 0:
        try:
            os.chown(path, 0, grp.getgrnam(NUT_GROUP).gr_gid)
            path.chmod(0o770)
        except KeyError:
            pass
    return path


def _stop(process: subprocess.Popen) -> tuple[str, str]:
    """SIGTERM, then SIGKILL after a grace period; what it printed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.communicate(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()


def run_dump(driver: str, section: str, ups_conf: str, seconds: float,
             driver_path: str | None = None) -> DriverRun:
    """Run ``driver -a SECTION -d 1`` on ``ups_conf`` for at most ``seconds``.

    Raises :class:`nuthelper.knowledge.drivers.DriverRefused` when the driver may not be run.
    """
    scratch = Path(tempfile.mkdtemp(prefix="nut-helper-verify-"))
    process = None
    try:
        confdir = _private_directory(scratch, "etc")
        statedir = _private_directory(scratch, "state")
        conf = confdir / "ups.conf"
        conf.write_text(ups_conf, encoding="utf-8")
        conf.chmod(0o640)
        if os.geteuid() == 0 and confdir.stat().st_gid != 0:
            os.chown(conf, 0, confdir.stat().st_gid)
        env = dict(os.environ, NUT_CONFPATH=str(confdir), NUT_STATEPATH=str(statedir),
                   NUT_ALTPIDPATH=str(statedir))
        started = time.monotonic()
        process = start_driver(driver, "-a", section, "-d", "1", driver_path=driver_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
        try:
            stdout, stderr = process.communicate(timeout=seconds)
            returncode: int | None = process.returncode
        except subprocess.TimeoutExpired:
            stdout, stderr = _stop(process)
            returncode = None
        return DriverRun(driver, returncode, stdout, stderr, round(time.monotonic() - started, 2))
    finally:
        if process is not None and process.poll() is None:
            _stop(process)                  # Ctrl-C or an error: never leave the driver running
        shutil.rmtree(scratch, ignore_errors=True)
