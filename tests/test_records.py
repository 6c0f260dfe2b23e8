"""The value objects of the start-up path (nuthelper/records.py): fields, and values derived from them."""

from __future__ import annotations

from nuthelper.records import Record


class Reading(Record):
    __slots__ = ("text", "count", "compact")
    _derived = ("compact",)

    def __init__(self, text: str, count: int) -> None:
        self.text = text
        self.count = count
        self.compact = text.replace(" ", "").lower()


def test_derived_values_are_no_fields():
    first = Reading("Back UPS", 1)
    assert first == Reading("Back UPS", 1) and first != Reading("Back UPS", 2)
    assert repr(first) == "Reading(text='Back UPS', count=1)"
    changed = first.replaced(text="Smart UPS")
    assert (changed.text, changed.count, changed.compact) == ("Smart UPS", 1, "smartups")
