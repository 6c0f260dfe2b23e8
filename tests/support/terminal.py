"""A program run in a real pseudo-terminal, driven as a person would: read the screen, type keys.

The child gets the pty as its controlling terminal (``pty.fork``), so readline edits lines on it and
Ctrl-C (``\\x03``) reaches it as SIGINT from the terminal's line discipline, exactly as at a console.

Example::

    with TerminalSession([*NUT_HELPER, "guide", "--root", root]) as term:
        term.expect("Where is the UPS connected?")
        term.type_line(port)
        term.ctrl_c()
        assert term.wait() == 130
"""

from __future__ import annotations

import errno
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Mapping, Sequence

HUMAN_PAUSE = 0.3
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\r")


def plain(text: str) -> str:
    """Terminal output without escape sequences and carriage returns."""
    return _ESCAPES.sub("", text)


class TerminalSession:
    """``argv`` in a pty of ``columns`` x ``rows``; ``output`` is everything it printed so far."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | None = None, columns: int = 120,
                 rows: int = 40) -> None:
        self.argv, self.env = list(argv), dict(env or os.environ)
        for sized in ("COLUMNS", "LINES"):  # the pty's size is the terminal's, not what a parent exported
            self.env.pop(sized, None)
        self.columns, self.rows = columns, rows
        self.pid: int | None = None
        self.fd: int | None = None
        self.raw = ""
        self.seen = 0                    # how much of the output expect() has consumed
        self.returncode: int | None = None

    def start(self) -> TerminalSession:
        pid, fd = pty.fork()
        if pid == 0:                                   # the child: exec the program on the pty
            try:
                os.execvpe(self.argv[0], self.argv, self.env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.columns, 0, 0))
        return self

    @property
    def output(self) -> str:
        return plain(self.raw)

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError as error:        # EIO: the child closed the terminal (it exited)
            if error.errno != errno.EIO:
                raise
            return False
        if not data:
            return False
        self.raw += data.decode("utf-8", errors="replace")
        return True

    def expect(self, text: str, timeout: float = 30.0) -> str:
        """Wait until ``text`` appears after what earlier expects consumed; return the output up to it."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.output.find(text, self.seen)
            if found >= 0:
                upto = self.output[self.seen:found + len(text)]
                self.seen = found + len(text)
                return upto
            if time.monotonic() > deadline or not self._read(min(0.2, max(deadline - time.monotonic(), 0.01))):
                if self.output.find(text, self.seen) >= 0:
                    continue
                raise AssertionError(f"{text!r} did not appear within {timeout} s; the screen after the last "
                                     f"match:\n{self.output[self.seen:]}")

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode("utf-8"))

    def type_line(self, line: str = "") -> None:
        self.type(line + "\r")

    def ctrl_c(self) -> None:
        """Ctrl-C as a person presses it: a moment after the prompt appeared. (CPython's readline checks
        for signals only when its select() is interrupted, so a SIGINT landing in the microseconds
        between the prompt being shown and that select() would wait for the next key.)"""
        time.sleep(HUMAN_PAUSE)
        self.type("\x03")

    def ctrl_d(self) -> None:
        self.type("\x04")

    def wait(self, timeout: float = 60.0) -> int:
        """Read until the program exits; its exit code (128+N for a signal N)."""
        deadline = time.monotonic() + timeout
        while self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                if self.returncode < 0:
                    self.returncode = 128 - self.returncode
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"the program did not exit within {timeout} s:\n{self.output[self.seen:]}")
            self._read(0.1)
        while self._read(0.05) and select.select([self.fd], [], [], 0)[0]:
            pass
        return self.returncode

    def close(self) -> None:
        if self.pid is not None and self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.returncode = -9
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> TerminalSession:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()
