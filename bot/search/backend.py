"""Where an engine's search backend is chosen: the one factory that puts an ``Engine`` together.

An engine needs two things from a backend: a ``Retriever`` (top articles, an article's passages,
term statistics) and a ``NotesCatalog`` (the notes it browses by tag, source and date, and the
facts about the index it serves). The local backend reads both from an ``Index`` on disk. A second
one (OpenSearch, see docs/scaling.md) is a module with its own retriever and catalog, a factory
beside ``local_engine``, and a setting to pick between them; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.notes.models import Note, Skipped
from bot.search.engine import Engine
from bot.search.index import Index
from bot.search.retriever import LocalRetriever
from bot.search.tokenize import Tokenizer


@dataclass(frozen=True, slots=True)
class NotesCatalog:
    """The notes an engine serves, by number (the retriever's note numbers), and where they come
    from. ``note_hash`` is each note's ``changes.content_hash``."""

    notes: tuple[Note, ...]
    note_hash: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    passages: int
    built_at: datetime
    fingerprint: str
    seeds_dir: str

    @classmethod
    def of(cls, index: Index) -> NotesCatalog:
        return cls(
            notes=index.notes,
            note_hash=index.note_hash,
            skipped=index.skipped,
            passages=len(index.passages),
            built_at=index.built_at,
            fingerprint=index.fingerprint,
            seeds_dir=index.seeds_dir,
        )


def local_engine(index: Index, tokenizer: Tokenizer | None = None) -> Engine:
    """An engine over ``index``: the local backend (matrices memory-mapped from the index folder)."""
    return Engine(LocalRetriever(index), NotesCatalog.of(index), tokenizer)
