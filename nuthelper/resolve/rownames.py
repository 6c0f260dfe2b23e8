"""The parsed names of a vendor's hardware-list rows, kept between runs.

Reading a row's names (``modelname.understand``) costs tens of microseconds a name, and a run
reads every name of the model's vendor in both hardware lists. What it makes is plain data (the
series words, the capacity, the family's id ...), kept per list and vendor by
``hclcache.remembered`` and trusted while the list file, the families file and the code that reads
names are unchanged (their size and times are the key). A list that is no file (made in a test)
or families given as data are read every time.
"""

from __future__ import annotations

import os

from nuthelper.knowledge.names import normalize
from nuthelper.resolve.families import Families
from nuthelper.resolve.modelname import ModelName

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

_READERS = ("modelname.py", "families.py", "hclmatch.py", "rownames.py")
"""The modules whose code decides how a name is read: a change to any of them makes the kept names stale."""


def kept_names(source: str, families: Families, vendor: str, count: int,
               parse: Callable[[], list[tuple]]) -> list[tuple] | None:
    """``parse()`` (the vendor's ``count`` row names as plain tuples), kept between runs when the
    list and the families are files; None when they cannot be kept (the caller parses)."""
    if families.source is None or not os.path.isfile(source):
        return None
    from nuthelper.knowledge.hclcache import file_state, remembered

    here = os.path.dirname(os.path.abspath(__file__))
    key = (vendor, count, file_state(source), file_state(families.source),
           *(file_state(os.path.join(here, name)) for name in _READERS))
    name = f"names-{normalize(vendor) or 'none'}-{normalize(os.path.abspath(source))[-60:]}"
    found = remembered(name, key, parse)
    return found if isinstance(found, list) else None


def plain(position: int, text: str, marked: str, parsed: ModelName) -> tuple:
    """One row name as plain data: which row of the vendor, the name, its marked form and reading."""
    return (position, text, marked, parsed.text, parsed.series, parsed.capacity, parsed.unit, parsed.suffix,
            parsed.family.id if parsed.family is not None else None, parsed.connection)


def revived(kept: list[tuple], vendor: str, families: Families, rows: list, make: Callable[..., Any]) -> list | None:
    """The names back from their plain form (``make(row, text, parsed, marked)`` each), or None
    when they do not fit the rows and families of this run."""
    names = []
    try:
        for position, text, marked, parsed_text, series, capacity, unit, suffix, family_id, connection in kept:
            family = families.by_id.get(family_id) if family_id is not None else None
            if family_id is not None and family is None:
                return None
            parsed = ModelName(parsed_text, vendor, tuple(series), capacity, unit, tuple(suffix), family, connection)
            names.append(make(rows[position], text, parsed, marked))
    except (TypeError, ValueError, IndexError):
        return None
    return names
