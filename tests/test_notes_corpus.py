"""The whole real corpus loads cleanly. Skips when ../shared is absent."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.notes.loader import load_corpus
from bot.notes.models import Corpus

pytestmark = pytest.mark.corpus
_PLACEHOLDER_DATE = re.compile(r"^\+ Date: (Unknown|None|1969-12-31.*|)\s*$", re.MULTILINE)
_FORBIDDEN = ("![", "](http", "<p>", "&nbsp;", "\u200b", "\xa0", '{"@context"')


@pytest.fixture(scope="module")
def notes(notes_dir: Path) -> Corpus:
    return load_corpus(notes_dir)


@pytest.fixture(scope="module")
def postmortems(frontmatter_dir: Path) -> Corpus:
    return load_corpus(frontmatter_dir)


def test_all_notes_load_except_a_few_empty_ones(notes: Corpus) -> None:
    assert len(notes.notes) + len(notes.skipped) == 4490
    assert len(notes.skipped) <= 8
    assert "therecord/Unknown.md" in {s.path for s in notes.skipped}
    assert {s.reason for s in notes.skipped} == {"no article text"}


def test_all_postmortems_load(postmortems: Corpus) -> None:
    assert (len(postmortems.notes), postmortems.skipped) == (242, ())


def test_every_note_has_title_source_and_link(notes: Corpus, postmortems: Corpus) -> None:
    bare = [n.path for n in notes.notes + postmortems.notes if not (n.title and n.source and n.link)]
    assert bare == []


def test_dates_are_in_range_and_none_only_for_placeholders(notes: Corpus, notes_dir: Path) -> None:
    undated = {n.path for n in notes.notes if n.date is None}
    placeholders = {
        n.path for n in notes.notes if _PLACEHOLDER_DATE.search((notes_dir / n.path).read_text(encoding="utf-8"))
    }
    assert undated == placeholders and len(undated) >= 1
    assert all(date(2020, 1, 1) <= n.date <= date(2022, 12, 31) for n in notes.notes if n.date)


def test_no_paragraph_keeps_markup_or_odd_spaces(notes: Corpus, postmortems: Corpus) -> None:
    dirty = [
        (n.path, bad) for n in notes.notes + postmortems.notes for p in n.paragraphs for bad in _FORBIDDEN if bad in p
    ]
    assert dirty == []


def test_no_empty_paragraphs(notes: Corpus) -> None:
    assert all(p.strip() == p and p for n in notes.notes for p in n.paragraphs)


def test_tag_names_have_no_edge_punctuation(notes: Corpus, postmortems: Corpus) -> None:
    bad = {t.name for n in notes.notes + postmortems.notes for t in n.tags if not re.match(r"^\w(.*\w)?$", t.name)}
    assert bad == set()


def test_empty_city_never_becomes_a_tag(notes: Corpus) -> None:
    assert not any(t.kind == "city" and not t.name for n in notes.notes for t in n.tags)
    assert not any("victim.city.name=" in t.name for n in notes.notes for t in n.tags)


def test_haiti_and_its_continent_are_not_tags_of_most_notes(notes: Corpus) -> None:
    haiti = sum(any(t.name == "Haiti" for t in n.tags) for n in notes.notes)
    continent = sum(any(t.name == "North and Central America" for t in n.tags) for n in notes.notes)
    assert haiti < 20 and continent < 20


def test_noise_malware_at_never_becomes_a_tag(notes: Corpus) -> None:
    assert not any(t.name.lower() == "at" for n in notes.notes for t in n.tags)


def test_source_name_is_not_a_tag(notes: Corpus) -> None:
    def key(name: str) -> str:
        return name.replace(" ", "").lower()

    assert not any(key(t.name) == key(n.source) for n in notes.notes for t in n.tags)
