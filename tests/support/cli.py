"""Running nut-helper itself, as a user would, in a child process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

NUT_HELPER = [sys.executable, "-m", "nuthelper"]


def nut_helper(*args: str, prefix: Sequence[str] = (), timeout: float = 120,
               **run_options) -> subprocess.CompletedProcess:
    """``python -m nuthelper ARGS`` (after ``prefix``, e.g. umockdev-run), output captured as text."""
    return subprocess.run([*prefix, *NUT_HELPER, *args], capture_output=True, text=True, timeout=timeout,
                          **run_options)
