"""The plain records the notes layer hands to the search layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class Tag:
    """A tag worth listing. ``kind`` is empty for plain tags, else e.g. ``threatactor``."""

    name: str
    kind: str = ""

    @property
    def label(self) -> str:
        """How a person reads it: ``APT28 (threat actor)`` or ``ransomware``."""
        return f"{self.name} ({self.kind})" if self.kind else self.name


@dataclass(frozen=True, slots=True)
class Note:
    """One article. ``path`` is relative to the seeds folder; ``date`` is None when unknown."""

    path: str
    title: str
    source: str
    link: str
    date: date | None
    author: str
    subtitle: str = ""
    tags: tuple[Tag, ...] = ()
    paragraphs: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file that was not indexed, and why, so the person who owns it can fix it."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Corpus:
    """What reading a seeds folder produced."""

    notes: tuple[Note, ...]
    skipped: tuple[Skipped, ...]


_COLUMNS = ("path", "title", "source", "link", "date", "author", "subtitle", "tags")


def notes_to_columns(notes: Sequence[Note], *, paragraphs: bool = False) -> dict[str, Any]:
    """Notes as columns of builtins, for the index's notes.json and the build cache's pickle:
    dates as ordinals (0: unknown), tags as numbers into one ``tag_table`` of distinct tags, the
    paragraphs only when asked (the index keeps its texts in the passages instead)."""
    tags: dict[tuple[str, str], int] = {}  # by (name, kind): a tuple hashes in C, the dataclass in Python
    columns: dict[str, Any] = {
        "path": [n.path for n in notes],
        "title": [n.title for n in notes],
        "source": [n.source for n in notes],
        "link": [n.link for n in notes],
        "date": [n.date.toordinal() if n.date else 0 for n in notes],
        "author": [n.author for n in notes],
        "subtitle": [n.subtitle for n in notes],
        "tags": [[tags.setdefault((t.name, t.kind), len(tags)) for t in n.tags] for n in notes],
    }
    columns["tag_table"] = [[name, kind] for name, kind in tags]
    if paragraphs:
        columns["paragraphs"] = [n.paragraphs for n in notes]
    return columns


def notes_from_columns(columns: Mapping[str, Any]) -> tuple[Note, ...]:
    """The notes ``notes_to_columns`` wrote: one constructor call per note, each distinct tag one
    object. Raises ValueError when the columns differ in length, KeyError when one is missing."""
    table = [Tag(name, kind) for name, kind in columns["tag_table"]]
    values = [columns[k] for k in _COLUMNS]
    values.append(columns["paragraphs"] if "paragraphs" in columns else [()] * len(values[0]))
    from_ordinal = date.fromordinal
    return tuple(
        Note(
            path,
            title,
            source,
            link,
            from_ordinal(day) if day else None,
            author,
            subtitle,
            tuple(map(table.__getitem__, tag_ids)),
            tuple(texts),
        )
        for path, title, source, link, day, author, subtitle, tag_ids, texts in zip(*values, strict=True)
    )
