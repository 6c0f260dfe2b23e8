"""Candidate cables drawn side by side for the guide, and what tells them apart."""

from __future__ import annotations

from nuthelper.cabledraw import MIN_COLUMN_WIDTH, cable_column, side_by_side, telling_apart
from nuthelper.knowledge.cables import load_cables

CANDIDATES = ("apc-940-0024c-clone", "apc-940-0095a", "apc-940-0020b")


def columns():
    knowledge = load_cables()
    return [knowledge.cable(cable_id) for cable_id in CANDIDATES]


def test_columns_stand_side_by_side_within_the_width():
    cables = columns()
    rows = side_by_side([cable_column(cable) for cable in cables], 120)
    assert all(len(row) <= 120 for row in rows)
    first = rows[0]
    assert 0 <= first.index("940-0024C") < first.index("940-0095A") < first.index("940-0020B")
    assert any(row.count(" PC ") >= 2 for row in rows)                      # wires of two cables on one row


def test_a_narrow_terminal_gets_them_one_below_the_other():
    cables = columns()
    width = 3 * MIN_COLUMN_WIDTH
    rows = side_by_side([cable_column(cable) for cable in cables], width)
    titles = [index for index, row in enumerate(rows) if any(row.startswith(c.title[:15]) for c in cables)]
    assert len(titles) == 3 and all(len(row) <= width for row in rows)


def test_what_tells_them_apart_comes_from_their_labels_and_pins():
    cables = columns()
    clues = telling_apart(cables)
    for cable, clue in zip(cables, clues):
        assert clue.startswith(cable.title) and all(part in clue for part in cable.part_numbers)
    # the 940-0095A alone wires PC pin 9 (RI), and among these three only it does
    assert "only it uses PC pins" in clues[1] and "9" in clues[1].rsplit("PC pins", 1)[1]
