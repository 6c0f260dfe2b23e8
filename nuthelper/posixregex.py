"""Whether a text is a valid POSIX extended regular expression, asked of the C library's own
``regcomp`` (as NUT's USB drivers compile their match settings: REG_EXTENDED | REG_ICASE)."""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

_REG_EXTENDED = 1       # glibc's <regex.h>
_REG_ICASE = 2
_REGEX_T_SIZE = 256     # larger than glibc's regex_t (64 bytes on 64-bit systems)


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def regex_problem(pattern: str) -> str | None:
    """The C library's reason ``pattern`` does not compile (e.g. "Invalid preceding regular
    expression"), or None when it does."""
    libc = _libc()
    compiled = ctypes.create_string_buffer(_REGEX_T_SIZE)
    code = libc.regcomp(compiled, pattern.encode("utf-8", "surrogateescape"), _REG_EXTENDED | _REG_ICASE)
    if code == 0:
        libc.regfree(compiled)
        return None
    reason = ctypes.create_string_buffer(256)
    libc.regerror(code, compiled, reason, len(reason))
    return reason.value.decode("ascii", "replace") or f"error {code}"
