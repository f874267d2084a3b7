"""The plain records the notes layer hands to the search layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


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


@dataclass(frozen=True, slots=True)
class Passage:
    """One paragraph of one note: what the index ranks and the bot shows."""

    note: int
    position: int
    text: str
