"""nuthelper/data/driver-manuals.list: models that only a NUT driver's manual names. Each row
names its source, a driver NUT builds, and a model neither hardware list has; the resolver
answers such a model from the row, and says that NUT rates no such unit."""

from __future__ import annotations

import json
import re

import pytest

from nuthelper.knowledge.hcl import load_hcl
from nuthelper.resolve import resolve
from nuthelper.resolve.families import default_families
from nuthelper.resolve.lists import hardware_lists
from nuthelper.resolve.modelname import understand
from nuthelper.resources import data_file, data_path

MANUALS = load_hcl(data_file("driver-manuals.list"))
RELEASES = {record["driver"] for record in
            json.loads(data_path("driver-releases.json").read_text(encoding="utf-8"))["drivers"]}
SOURCE = re.compile(r"^docs/man/(?P<page>[\w.-]+)\.txt lines? \d+(?: and \d+)?: \S")


@pytest.mark.parametrize("row", MANUALS.entries, ids=[f"{row.manufacturer} {row.model}" for row in MANUALS.entries])
def test_each_row_names_its_manual_and_a_driver_nut_builds(row):
    source = SOURCE.match(row.comment)
    assert source, f"line {row.line}: the comment names no docs/man page and line: {row.comment!r}"
    assert [choice.driver for choice in row.drivers] == [source["page"]], "the row gives the driver of its manual"
    assert source["page"] in RELEASES, f"{source['page']} is not a driver NUT builds (driver-releases.json)"
    assert row.support_level == 0, "NUT rates no model only a manual names"


@pytest.mark.parametrize("row", MANUALS.entries, ids=[f"{row.manufacturer} {row.model}" for row in MANUALS.entries])
def test_no_row_is_a_model_the_hardware_lists_name(row):
    families = default_families()
    lists = hardware_lists(None, families)
    name = understand(row.model, row.vendor_id, families)
    named = [match.row for index in lists.indexes() for match in index.match(name) if match.grade in ("exact", "model")]
    assert not named, f"NUT's hardware list names it: {[f'{r.manufacturer} {r.model}' for r in named]}"


def test_a_model_only_a_manual_names_is_answered_from_it_and_said():
    answer = resolve("ADELSYSTEM CBI2801224A", port="/dev/ttyS0", attached=[])
    assert answer.driver == "adelsystem_cbi" and answer.choice.confidence == "hcl"
    assert "docs/man/adelsystem_cbi.txt line 24" in answer.choice.because
    assert answer.choice.source.endswith("driver-manuals.list, line 7")
    assert any("the manual of a NUT driver does" in reason for reason in answer.reasons)
    assert any("NUT rates no such unit" in warning for warning in answer.warnings)
    assert any("nut-modbus" in warning for warning in answer.warnings), "its Debian package is named"


def test_a_manual_row_stands_for_its_series_and_needs_its_release():
    answer = resolve("Energy Smart.2 1000W", port="/dev/ttyUSB0", attached=[])
    assert answer.driver == "must_ep2000pro" and answer.choice.confidence == "series"
    assert any("comes with NUT 2.8.5" in warning for warning in answer.warnings)


def test_models_the_lists_name_are_answered_from_the_lists():
    answer = resolve("Liebert GXT2-3000RT230", port="/dev/ttyS0", attached=[])
    assert answer.choice.source.startswith("NUT hardware list") and answer.choice.confidence == "hcl"
    assert not any("manual of a NUT driver" in reason for reason in answer.reasons)
