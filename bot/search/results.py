"""What a search hands to the chat layer: hits, answers, index facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.notes.models import Note, Skipped
from bot.search.changes import NoteChanges


@dataclass(frozen=True, slots=True)
class Supporting:
    """A sentence from the same story that holds what the best paragraph lacks, shown under it;
    ``highlights`` are the spans of the question's words in ``text``."""

    text: str
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    """One answer candidate: a passage, the note it belongs to, and where the question's words are.

    ``highlights`` are ``(start, end)`` character spans in ``passage`` whose words match the
    question, so a renderer can mark them without knowing how matching works; ``sentence`` is the
    span of the sentence holding most of the question, when the passage has several;
    ``supporting`` are up to two sentences of the same story that add what the passage lacks
    (given for the first hit only). ``copies`` are other notes of the same article (same link,
    or nearly the same title and opening) folded into this hit; ``reports`` the story's other
    notes, None until looked up (see bot.search.stories).
    """

    rank: int
    score: float
    note: Note
    passage: str
    position: int
    highlights: tuple[tuple[int, int], ...] = ()
    sentence: tuple[int, int] | None = None
    supporting: tuple[Supporting, ...] = ()
    copies: tuple[Note, ...] = ()
    reports: tuple[Note, ...] | None = None

    @property
    def shown(self) -> str:
        """Everything shown under the title: the passage, then its supporting sentences."""
        return "\n".join((self.passage, *(s.text for s in self.supporting)))


@dataclass(frozen=True, slots=True)
class Story:
    """What a conversation's follow-ups lean on: the last answer's story (its article and the
    notes on the same story, by path), the title it goes by, and the question's words."""

    title: str
    notes: frozenset[str]
    words: tuple[str, ...] = ()


class Outcome(StrEnum):
    """What kind of reply a message gets."""

    ANSWER = "answer"  # the hits answer it
    UNSURE = "unsure"  # the first hit is the closest match, and it may not answer
    NOTHING = "nothing"  # nothing in the notes is relevant
    SMALLTALK = "smalltalk"  # hello, thanks, who are you: a friendly reply, never a search hit
    OTHER_LANGUAGE = "other_language"  # not English, and its names found nothing
    LISTING = "listing"  # filters only: ``notes`` are the matching articles, newest first


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply to one message. ``hits`` is empty unless the outcome is ANSWER or UNSURE.

    ``about`` is the title of the story a follow-up was answered from (the conversation's
    context), ``problems`` the filters that could not be read, ``smalltalk`` the kind of
    smalltalk and ``language`` the language the message was read as. ``listed`` is how many
    articles a message of filters alone keeps (``notes`` holds the newest of them).
    """

    question: str
    hits: tuple[Hit, ...]
    did_you_mean: str | None = None
    outcome: Outcome = Outcome.ANSWER
    about: str | None = None
    problems: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()
    smalltalk: str | None = None
    language: str | None = None
    relevance: float = 0.0
    listed: int = 0

    @property
    def confident(self) -> bool:
        return self.outcome is Outcome.ANSWER and bool(self.hits)


@dataclass(frozen=True, slots=True)
class SourceStats:
    name: str
    notes: int
    first: date | None
    last: date | None


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """Facts about the index in service, for /stats, /help and ``index info``."""

    notes: int
    passages: int
    sources: int
    skipped: tuple[Skipped, ...]
    built_at: datetime
    fingerprint: str
    seeds_dir: str
    first_date: date | None = None
    last_date: date | None = None


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did, for the person who asked for it and for whoever acts on new notes.

    ``changes`` compares it with the index it replaced: ``changes.added``, ``changes.changed``
    (``Note`` objects with their paragraphs; ``changes.fresh`` is both), ``changes.removed``
    (paths) and ``changes.first_build`` (nothing to compare with: every note counts as added).
    """

    notes: int
    passages: int
    skipped: tuple[Skipped, ...]
    seconds: float
    fingerprint: str = field(default="")
    changes: NoteChanges = field(default_factory=NoteChanges)
