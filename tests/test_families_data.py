"""nuthelper/data/model-families.json holds facts: each with a source, each driver one NUT has,
each cited hardware-list line a row of that vendor, each cable one the knowledge base or NUT's
list knows."""

from __future__ import annotations

import json
import re

import pytest

from nuthelper.knowledge.cables import load_cables
from nuthelper.knowledge.drivers import installed_drivers
from nuthelper.knowledge.hcl import load_hcl
from nuthelper.resolve.families import CONNECTIONS, default_families
from nuthelper.resources import data_path

DATA = json.loads(data_path("model-families.json").read_text(encoding="utf-8"))
BUNDLED = load_hcl(data_path("hcl.json"))
RELEASED = json.loads(data_path("driver-releases.json").read_text(encoding="utf-8"))["drivers"]
LISTED_DRIVERS = {choice.driver for row in BUNDLED.entries for choice in row.drivers} | \
    {entry["driver"] for entry in RELEASED}  # NUT's drivers: the hardware list's and those its releases ship
LINES = re.compile(r"driver\.list \(hardware list, commit 6c63f77\) lines? ([\d, ]+)")


def choices(entry: dict):
    """Every driver choice written in a family, default or card, alternatives included."""
    brands = [choice for brand in entry.get("brands", ()) for choice in brand["defaults"].values()]
    stack = [value for value in [*entry.get("ports", {}).values(), *entry.get("defaults", {}).values(),
                                 *brands, entry.get("choice")] if value]
    while stack:
        choice = stack.pop()
        yield choice
        stack.extend(choice.get("alternatives", ()))


def vendor_entries():
    return [(entry["vendor"], entry) for entry in DATA["vendors"]]


def families():
    return [(family["id"], vendor, family) for vendor, entry in vendor_entries() for family in entry.get("families", ())]


def test_shape_and_ids_are_unique():
    ids = [family_id for family_id, _, _ in families()]
    assert len(ids) == len(set(ids))
    assert DATA["format"] == 1
    for _, _, family in families():
        assert set(family) <= {"id", "name", "names", "skus", "numbers", "parent", "ports", "source"}, family["id"]
        assert set(family.get("ports", {})) <= set(CONNECTIONS), family["id"]
        if family.get("parent"):
            assert family["parent"] in ids, f"{family['id']}: unknown parent {family['parent']}"


@pytest.mark.parametrize(("family_id", "vendor", "family"), families(), ids=[f[0] for f in families()])
def test_every_family_has_a_source(family_id, vendor, family):
    sources = family["source"] if isinstance(family["source"], list) else [family["source"]]
    assert sources and all(source.strip() for source in sources)


def test_every_vendor_fact_has_a_source():
    for vendor, entry in vendor_entries():
        for kind, default in entry.get("defaults", {}).items():
            assert default is None or default.get("source"), f"{vendor} {kind} default has no source"
        for card in entry.get("cards", ()):
            assert card["source"], f"{vendor} card {card['id']} has no source"
        for brand in entry.get("brands", ()):
            for kind, default in brand["defaults"].items():
                assert kind in CONNECTIONS and default.get("source"), f"{vendor} brand {brand['name']} {kind}"
        for key in ("aliases", "built_by", "usb_vendor_ids"):
            if entry.get(key):
                assert entry.get(f"{key}_source"), f"{vendor}: {key} has no source"


def test_every_driver_is_one_nut_has():
    installed = installed_drivers() or set()
    for vendor, entry in vendor_entries():
        for scope in [entry, *entry.get("families", ()), *entry.get("cards", ())]:
            for choice in choices(scope):
                assert choice["driver"] in LISTED_DRIVERS | installed, f"{vendor}: unknown driver {choice['driver']}"


def test_cited_lines_are_rows_of_that_vendor():
    index = {row.line: row for row in BUNDLED.entries}
    for vendor, entry in vendor_entries():
        text = json.dumps(entry)
        for group in LINES.findall(text):
            for line in (int(number) for number in group.replace(" ", "").split(",") if number):
                assert line in index, f"{vendor}: driver.list line {line} is not a row"
                row_vendor = index[line].vendor_id
                builder = entry.get("built_by")
                assert row_vendor in (vendor, builder), f"{vendor}: line {line} is a {row_vendor} row"


def test_named_cables_are_known():
    knowledge = load_cables()
    parts = {part for row in BUNDLED.entries for part in row.extra.split() if "-" in part}
    for vendor, entry in vendor_entries():
        for scope in [entry, *entry.get("families", ())]:
            for choice in choices(scope):
                if choice.get("cable"):
                    try:
                        knowledge.find_cable(choice["cable"])
                    except Exception:
                        assert any(choice["cable"][:8] in part for part in parts), f"{vendor}: cable {choice['cable']}"


def test_vendor_ids_are_the_hardware_lists():
    known = {row.vendor_id for row in BUNDLED.entries} | {entry["vendor"] for entry in DATA["vendors"]
                                                           if entry.get("name")}
    for vendor, entry in vendor_entries():
        assert vendor in known, f"vendor id {vendor} is neither a hardware-list vendor nor named here"
        if entry.get("built_by"):
            assert entry["built_by"] in known


def test_the_reader_loads_every_family():
    loaded = default_families()
    assert len(loaded.families) == len(families())
    for family_id, _, family in families():
        assert loaded.by_id[family_id].name == family["name"]


def test_the_word_lists_that_change_a_reading_have_sources():
    words = DATA["words"]
    assert words["source"].strip() and words["serial_from_usb"]["source"].strip()
    assert words["topology"] and words["topology_source"].strip()
    assert words["protocol"] and words["protocol_source"].strip()
    assert all(word == word.lower() and choice["driver"] in LISTED_DRIVERS for word, choice in words["protocol"].items())
    assert all(phrase == phrase.lower() and phrase.strip() for phrase in words["topology"])
