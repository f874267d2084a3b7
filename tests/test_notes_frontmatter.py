"""YAML frontmatter notes: field fallbacks, dates of any era, broken YAML."""

from __future__ import annotations

from datetime import date

import pytest

from bot.notes.errors import NoteRejected
from bot.notes.frontmatter_notes import parse_frontmatter_note
from bot.notes.models import Tag

BODY = "\n---\n\nThe cache expired and every request hit the database.\n"


def test_fields_from_primary_keys() -> None:
    text = (
        "---\ntitle: Cache stampede\nurl: https://blog.test/pm\ndate: 2021-03-04\nsource: Blog\n"
        "author: Sam\nsummary: The cache went cold.\ntags: [cache, database]\n---\n" + BODY
    )
    note = parse_frontmatter_note(text, "pm.md")
    assert (note.title, note.link, note.date, note.source, note.author, note.subtitle) == (
        "Cache stampede",
        "https://blog.test/pm",
        date(2021, 3, 4),
        "Blog",
        "Sam",
        "The cache went cold.",
    )
    assert note.tags == (Tag("cache"), Tag("database"))


def test_fallback_keys_link_date_source_and_comma_tags() -> None:
    text = (
        "---\nlink: https://x.test\npublished: ''\nstart_time: 2019-05-06T10:00:00Z\n"
        "company: Acme\nkeywords: 'dns, outage'\ncategories: []\n---\n# Heading title\n\nBody words.\n"
    )
    note = parse_frontmatter_note(text, "x.md")
    want = ("https://x.test", date(2019, 5, 6), "Acme", "Heading title")
    assert (note.link, note.date, note.source, note.title) == want
    assert note.tags == (Tag("dns"), Tag("outage"))


def test_source_published_at_used_when_no_start_time() -> None:
    text = "---\ntitle: T\nsource_published_at: '2018-08-05T00:00:00Z'\n---\nBody.\n"
    assert parse_frontmatter_note(text, "x.md").date == date(2018, 8, 5)


def test_missing_title_falls_back_to_company_and_product() -> None:
    text = "---\ncompany: Gitlab\nproduct: GitLab.com\n---\nBody.\n"
    assert parse_frontmatter_note(text, "0a1b.md").title == "Gitlab: GitLab.com"


def test_missing_title_falls_back_to_file_name() -> None:
    assert parse_frontmatter_note("---\nurl: u\n---\nBody.\n", "dir/cloud-outage_2021.md").title == "cloud outage 2021"


def test_historical_dates_are_kept() -> None:
    text = "---\nstart_time: 1628-08-10T12:00:00Z\n---\nBody.\n"
    assert parse_frontmatter_note(text, "x.md").date == date(1628, 8, 10)


def test_epoch_placeholder_date_is_unknown() -> None:
    assert parse_frontmatter_note("---\ndate: 1970-01-01\n---\nBody.\n", "x.md").date is None


def test_broken_yaml_is_rejected_with_reason() -> None:
    with pytest.raises(NoteRejected, match=r"^broken YAML frontmatter: .+"):
        parse_frontmatter_note("---\ntitle: [unclosed\n---\nBody.\n", "x.md")


def test_unclosed_frontmatter_is_rejected() -> None:
    with pytest.raises(NoteRejected, match="broken YAML frontmatter: no closing"):
        parse_frontmatter_note("---\ntitle: x\nBody.\n", "x.md")
