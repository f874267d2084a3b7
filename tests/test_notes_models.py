"""Notes written as columns (the index's notes.json, the build cache) read back as the same notes."""

from __future__ import annotations

from datetime import date

import pytest

from bot.notes.models import Note, Tag, notes_from_columns, notes_to_columns

NOTES = (
    Note("a.md", "A", "S", "l1", date(2021, 7, 28), "Jane", "sub", (Tag("APT28", "actor"), Tag("x")), ("p", "q")),
    Note("b.md", "B", "", "", None, "", "", (Tag("x"),), ("q",)),
)


def test_notes_with_their_paragraphs_read_back_equal() -> None:
    assert notes_from_columns(notes_to_columns(NOTES, paragraphs=True)) == NOTES


def test_without_paragraphs_every_other_field_reads_back() -> None:
    got = notes_from_columns(notes_to_columns(NOTES))
    assert [n.paragraphs for n in got] == [(), ()]
    assert [(n.path, n.date, n.tags) for n in got] == [(n.path, n.date, n.tags) for n in NOTES]


def test_a_tag_shared_by_notes_is_written_once() -> None:
    assert notes_to_columns(NOTES)["tag_table"] == [["APT28", "actor"], ["x", ""]]


def test_columns_of_different_lengths_are_refused() -> None:
    columns = notes_to_columns(NOTES)
    columns["title"].pop()
    with pytest.raises(ValueError):
        notes_from_columns(columns)
