"""What the command prints, and whether it could: stdout and stderr are watched for write errors
(a full disk, a closed stream, a pipe whose reader has gone), bytes that are not UTF-8 are shown
as ``\\xNN`` and with ``--json`` exactly one JSON document reaches stdout."""

from __future__ import annotations

import json
import os
import sys

from nuthelper.patterns import lazy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_UNDECODED = lazy("[\udc80-\udcff]")
"""Lone surrogates: how Python keeps the bytes of an argument or file name that are not UTF-8."""
_CONTROL = lazy("[\x00-\x1f\x7f]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(text: str) -> str:
    """``text`` with every byte that was not UTF-8 written as ``\\xNN`` (its value), not ``\\udcNN``."""
    return _UNDECODED.sub(lambda found: f"\\x{ord(found.group()) - 0xDC00:02x}", text)


def one_line(text: str) -> str:
    """``text`` as one printable line: undecoded bytes and control characters (a line break
    echoed from a value) written as escapes."""
    return _CONTROL.sub(lambda found: _ESCAPES.get(found.group(), f"\\x{ord(found.group()):02x}"), shown(text))


def _json_ready(data: Any) -> Any:
    if isinstance(data, str):
        return shown(data)
    if isinstance(data, dict):
        return {shown(str(key)): _json_ready(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_json_ready(item) for item in data]
    return data


class WatchedStream:
    """A text stream that records, instead of raising, that its output could not be written.

    After the first failure nothing more is attempted on it and its descriptor is pointed at
    /dev/null, so that the interpreter's final flush cannot fail again; :func:`lost_output`
    tells the command line which stream failed and why.
    """

    def __init__(self, stream: Any, name: str) -> None:
        self._stream = stream
        self.name = name
        self.lost: str | None = None

    def write(self, text: str) -> int:
        if self.lost is None:
            if self._stream is None:
                if text:
                    self.lost = "it is closed"
            else:
                try:
                    self._stream.write(shown(text))
                except OSError as error:
                    self._lose(error)
        return len(text)

    def flush(self) -> None:
        if self.lost is None and self._stream is not None:
            try:
                self._stream.flush()
            except OSError as error:
                self._lose(error)

    def _lose(self, error: OSError) -> None:
        self.lost = error.strerror or str(error)
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)
        except (OSError, ValueError):
            pass

    def __getattr__(self, name: str) -> Any:
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


_state = {"json_printed": False}


def watch_streams() -> None:
    """Replace sys.stdout and sys.stderr by watched streams (once per process)."""
    if not isinstance(sys.stdout, WatchedStream):
        sys.stdout = WatchedStream(sys.stdout, "standard output")
    if not isinstance(sys.stderr, WatchedStream):
        sys.stderr = WatchedStream(sys.stderr, "standard error")
    _state["json_printed"] = False


def lost_output() -> list[str]:
    """After flushing both streams: "standard output (No space left on device)" for each that failed."""
    lost = []
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, WatchedStream):
            stream.flush()
            if stream.lost is not None:
                lost.append(f"{stream.name} ({stream.lost})")
    return lost


def json_printed() -> bool:
    """Whether this run has printed its JSON document already."""
    return _state["json_printed"]


def print_json(data: Any) -> None:
    """Print one JSON document on stdout (stable key order, UTF-8 kept readable)."""
    json.dump(_json_ready(data), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    _state["json_printed"] = True


def note(message: str) -> None:
    """A human-facing progress or information line, kept off stdout."""
    print(message, file=sys.stderr)
