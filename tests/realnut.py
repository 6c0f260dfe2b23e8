"""Checks of configuration text with Debian's real NUT tools (nut-server, nut-client).

Every helper here runs NUT's own programs against a throw-away NUT_CONFPATH directory.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DRIVER_DIR = Path("/lib/nut")
UPSDRVCTL = "/sbin/upsdrvctl"
CONFIG_REJECTIONS = (
    "is not a valid variable name",
    "unknown UPS type",
    "No upstype set",
    "Parse error",
    "Unbalanced word",
    "discarding invalid character",
)


@dataclass
class NutRun:
    returncode: int
    output: str


def nut_env(confdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(NUT_CONFPATH=str(confdir), NUT_STATEPATH=str(confdir), NUT_ALTPIDPATH=str(confdir))
    return env


def write_ups_conf(confdir: Path, text: str) -> Path:
    confdir.mkdir(parents=True, exist_ok=True)
    path = confdir / "ups.conf"
    path.write_text(text, encoding="ascii")
    path.chmod(0o640)
    return path


def upsdrvctl_test_start(confdir: Path) -> NutRun:
    """``upsdrvctl -t start``: NUT's own reading of ups.conf, without starting anything."""
    done = subprocess.run([UPSDRVCTL, "-t", "start"], env=nut_env(confdir), capture_output=True,
                          text=True, timeout=30)
    return NutRun(done.returncode, done.stdout + done.stderr)


def exec_lines(run: NutRun) -> list[str]:
    """The driver command lines upsdrvctl would run."""
    return re.findall(r"\] exec:\s+(.+?)\s*$", run.output, flags=re.M)


@lru_cache(maxsize=None)
def driver_keys(driver: str) -> frozenset[str]:
    """The variable and flag names a driver lists with ``-L`` (its own settings, not core ones)."""
    done = subprocess.run([str(DRIVER_DIR / driver), "-L"], capture_output=True, text=True, timeout=30)
    return frozenset(re.findall(r"^(?:VALUE|FLAG) (\S+) ", done.stdout, flags=re.M))


def run_driver_once(confdir: Path, section: str, driver: str) -> NutRun:
    """Start the real driver on the section for one dump (``-d 1``) and capture what it says."""
    done = subprocess.run([str(DRIVER_DIR / driver), "-a", section, "-u", "root", "-d", "1"],
                          env=nut_env(confdir), capture_output=True, text=True, timeout=60)
    return NutRun(done.returncode, done.stdout + done.stderr)


def config_rejections(run: NutRun) -> list[str]:
    """Lines in which NUT rejects the configuration itself (as opposed to missing hardware)."""
    return [line for line in run.output.splitlines() if any(text in line for text in CONFIG_REJECTIONS)]
