"""Knowledge packs: extra cable files with the same schema as cables.json.

They are read from ``/etc/nut-helper/cables.d/*.json`` (under ``--root`` when given), from
``--cables FILE``, and from installed Python packages that declare an entry point in the
``nut_helper.cables`` group (its object: a pack as a dict, a callable returning one, or a path
to a JSON file). A pack adds cables and vendors; it never changes a built-in answer.
"""

from __future__ import annotations

import json
import os
import sys
from nuthelper.errors import InvalidInput
from nuthelper.knowledge.cables import CableBase, load_cables
from nuthelper.resources import cables_schema_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator

PACK_DIR = "etc/nut-helper/cables.d"
ENTRY_POINT_GROUP = "nut_helper.cables"


def validate_pack(data: Any, origin: str) -> None:
    """Check a pack against the cables.json schema; the error names the file and the field."""
    import jsonschema  # only paid for when a pack is present

    schema = json.loads(cables_schema_path().read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda error: error.path)
    if errors:
        first = errors[0]
        field = first.json_path.replace("$", "", 1).lstrip(".") or "(top level)"
        raise InvalidInput(f"knowledge pack {origin}: field {field}: {first.message}; fix the pack or remove it")


def read_pack_file(path: str | os.PathLike) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise InvalidInput(f"cannot read knowledge pack {path}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = f" line {error.lineno}" if isinstance(error, json.JSONDecodeError) else ""
        raise InvalidInput(f"knowledge pack {path}{where}: not valid JSON; fix the file or remove it") from None
    validate_pack(data, str(path))
    return data


def _has_entry_points(group: str) -> bool:
    """Whether an installed distribution offers ``group``: a scan of their entry_points.txt files,
    remembered while no directory of the path has changed (installing or removing a distribution
    adds or removes its .dist-info directory, and so changes its directory's mtime)."""
    from nuthelper.knowledge.hclcache import file_state, remembered

    directories = [directory or "." for directory in sys.path]
    return remembered("entry-points", (group, tuple(file_state(directory) for directory in directories)),
                      lambda: _scan_for_entry_points(group, directories))


def _scan_for_entry_points(group: str, directories: list[str]) -> bool:
    """A cheap scan of installed distributions, so that start-up only pays for metadata when needed."""
    marker = f"[{group}]"
    for directory in directories:
        try:
            entries = os.scandir(directory)
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.name.endswith((".dist-info", ".egg-info")):
                    try:
                        with open(os.path.join(entry.path, "entry_points.txt"), encoding="utf-8") as handle:
                            if marker in handle.read():
                                return True
                    except OSError:
                        continue
    return False


def entry_point_packs() -> Iterator[tuple[str, dict[str, Any]]]:
    if not _has_entry_points(ENTRY_POINT_GROUP):
        return
    from importlib.metadata import entry_points

    for point in entry_points(group=ENTRY_POINT_GROUP):
        origin = f"entry point {point.name} ({point.value})"
        try:
            loaded = point.load()
        except Exception as error:  # a third-party package failing to import
            raise InvalidInput(f"knowledge pack {origin} cannot be loaded: {error}; fix or uninstall it") from None
        data = loaded() if callable(loaded) else loaded
        if isinstance(data, (str, os.PathLike)):
            yield origin, read_pack_file(data)
            continue
        validate_pack(data, origin)
        yield origin, data


def pack_files(root: str | None = None, files: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The pack files to read: the cables.d directory (under ``root``), then each ``--cables`` file."""
    if root is not None and not os.path.isdir(root):
        raise InvalidInput(f"--root {root} is not a directory: create it or fix the path")
    directory = os.path.join(root or "/", PACK_DIR)
    found = sorted(os.path.join(directory, name) for name in os.listdir(directory)
                   if name.endswith(".json")) if os.path.isdir(directory) else []
    for name in files:
        if not os.path.isfile(name):
            raise InvalidInput(f"--cables {name}: no such file")
        found.append(name)
    return found


def load_knowledge(root: str | None = None, files: list[str] | tuple[str, ...] = (),
                   use_entry_points: bool = True) -> CableBase:
    """The built-in cables plus every knowledge pack; conflicts end up in ``.conflicts``."""
    knowledge = load_cables()
    for path in pack_files(root, files):
        knowledge.add_pack(read_pack_file(path), str(path))
    if use_entry_points:
        for origin, data in entry_point_packs():
            knowledge.add_pack(data, origin)
    return knowledge
