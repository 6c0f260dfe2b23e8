"""A cache of the parsed hardware list, so that a run does not parse NUT's driver.list again,
and of other plain data slow to make (``remembered``: a vendor's parsed row names, whether a
distribution offers knowledge packs), trusted the same way.

The cache holds plain data only (``marshal`` of lists, tuples, strings and numbers: no code, no
pickle), keyed on the list file's device, inode, size, mtime and ctime, nut-helper's version,
the cache format and the Python version: an edit of the list, a NUT upgrade or a nut-helper
upgrade makes it stale. It lives in ``$NUT_HELPER_CACHE_DIR``, else ``/var/cache/nut-helper``
for root, else the XDG cache directory. It is used only when it and its directory belong to the
current user and are writable by nobody else; it is written to a temporary file and renamed. Any
failure falls back to parsing, silently. ``disable()`` (``--no-cache``) skips it; ``read_only()``
(a run for a target system, ``--root``) reads but never writes it.
"""

from __future__ import annotations

import marshal
import os
import sys

from nuthelper import __version__

CACHE_FORMAT = 4
_state = {"enabled": True, "writable": True}

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def disable() -> None:
    """Neither read nor write the cache for the rest of this process (``--no-cache``)."""
    _state["enabled"] = False


def read_only() -> None:
    """Read the cache but never write it for the rest of this process (a run for a target system)."""
    _state["writable"] = False


def cache_dir() -> str:
    """Where the cache lives: $NUT_HELPER_CACHE_DIR, /var/cache/nut-helper for root, else the XDG cache."""
    chosen = os.environ.get("NUT_HELPER_CACHE_DIR")
    if chosen:
        return chosen
    if os.geteuid() == 0:
        return "/var/cache/nut-helper"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "nut-helper")


def _key(info: os.stat_result) -> tuple:
    return (CACHE_FORMAT, __version__, sys.version, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns,
            info.st_ctime_ns)


def _file_for(source: str, kind: str) -> str:
    name = os.path.abspath(source).strip(os.sep).replace(os.sep, "_")
    return os.path.join(cache_dir(), f"{kind}-{name}.marshal")


def _trusted(info: os.stat_result) -> bool:
    return info.st_uid == os.geteuid() and not info.st_mode & 0o022


def cached(source: str, info: os.stat_result, build: Callable[[], Any], kind: str = "hcl",
           depends: tuple = ()) -> Any:
    """The plain data ``build()`` makes from ``source`` (``kind``: "hcl" the parsed rows, "search"
    the rows' searchable names and which rows each word is in): from the cache when it is fresh and trusted, else built (and
    stored for the next run). ``depends``: the state of further files the data comes from."""
    return _kept(_file_for(source, kind), (*_key(info), *depends), build)


def remembered(name: str, key: tuple, build: Callable[[], Any]) -> Any:
    """Plain data that is slow to make (a vendor's parsed row names, whether an installed
    distribution offers knowledge packs), kept as ``name`` and trusted like the list's cache while
    ``key``, the state of what it was made from (``file_state``), is unchanged."""
    return _kept(os.path.join(cache_dir(), f"{name}.marshal"), (CACHE_FORMAT, __version__, sys.version, key), build)


def file_state(path: str) -> tuple:
    """What a key holds of a file or directory: its path, device, inode, size and times (the path
    alone when it cannot be read)."""
    try:
        info = os.stat(path)
    except OSError:
        return (path,)
    return (path, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _kept(path: str, key: tuple, build: Callable[[], Any]) -> Any:
    """``build()``, read from the cache file ``path`` when it holds ``key`` and is trusted, else
    made and written there (neither with --no-cache; never written for a --root)."""
    if not _state["enabled"]:
        return build()
    found = _read(path, key)
    if found is not None:
        return found
    data = build()
    if _state["writable"]:
        _write(path, key, data)
    return data


def _read(path: str, key: tuple) -> Any:
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not _trusted(os.fstat(descriptor)) or not _trusted(os.stat(os.path.dirname(path))):
            return None
        with os.fdopen(descriptor, "rb") as handle:
            descriptor = -1
            stored_key, data = without_gc(marshal.loads, handle.read())
        return data if stored_key == key else None
    except (OSError, EOFError, ValueError, TypeError):
        return None  # truncated, tampered or of another format: parse instead
    finally:
        if descriptor >= 0:
            os.close(descriptor)


def without_gc(function: Callable, *arguments: Any) -> Any:
    """``function(*arguments)`` with the garbage collector paused: building thousands of small
    objects at once otherwise sets off collections that find nothing to collect."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return function(*arguments)
    finally:
        if was_enabled:
            gc.enable()


def _write(path: str, key: tuple, data: Any) -> None:
    directory = os.path.dirname(path)
    temporary = None
    try:
        os.makedirs(directory, mode=0o755 if directory == "/var/cache/nut-helper" else 0o700, exist_ok=True)
        if not _trusted(os.stat(directory)):
            return
        temporary = os.path.join(directory, f".{os.path.basename(path)}-{os.urandom(8).hex()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(descriptor, "wb") as handle:
            marshal.dump((key, data), handle)
        os.replace(temporary, path)
        temporary = None
    except (OSError, ValueError):
        pass  # a cache that cannot be written is no error: the next run parses again
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
