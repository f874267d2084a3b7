"""The searchable form of a corpus: passages, note metadata, vocabulary and BM25 matrices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import chain
from datetime import datetime, timezone

import numpy as np

from bot.notes.models import Corpus, Note, Skipped
from bot.search.bm25 import BM25Matrix
from bot.search.tokenize import Tokenizer

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class PassageTable:
    """All passage texts in one UTF-8 blob with offsets, so loading is a memory map, not a parse."""

    blob: bytes | np.ndarray
    offsets: np.ndarray  # int64, n + 1
    note: np.ndarray  # int32: which note each passage belongs to
    position: np.ndarray  # int32: paragraph number inside its note

    def __len__(self) -> int:
        return len(self.note)

    def text(self, i: int) -> str:
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        return bytes(self.blob[lo:hi]).decode("utf-8")

    @classmethod
    def from_texts(cls, texts: list[str], note: list[int], position: list[int]) -> PassageTable:
        encoded = [t.encode("utf-8") for t in texts]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        return cls(
            b"".join(encoded),
            offsets,
            np.asarray(note, dtype=np.int32),
            np.asarray(position, dtype=np.int32),
        )


@dataclass(frozen=True, slots=True)
class Index:
    """Everything a search needs, immutable once built.

    ``passage_bm25`` ranks passages (each scored with its article title, as rank-bm25 would over
    ``title + paragraph`` tokens); ``note_bm25`` ranks whole articles (title twice, subtitle, body)
    so the answer can be looked for inside the right article.
    """

    notes: tuple[Note, ...]
    skipped: tuple[Skipped, ...]
    terms: tuple[str, ...]
    vocab: dict[str, int]
    passages: PassageTable
    passage_bm25: BM25Matrix
    note_bm25: BM25Matrix
    fingerprint: str
    seeds_dir: str
    built_at: datetime


Progress = Callable[[int, int], None]


def build_index(
    corpus: Corpus,
    *,
    fingerprint: str,
    seeds_dir: str,
    tokenizer: Tokenizer | None = None,
    progress: Progress | None = None,
) -> Index:
    """Tokenise every passage and note and compute both BM25 matrices."""
    tokenize = tokenizer or Tokenizer()
    notes = corpus.notes
    texts: list[str] = []
    owner: list[int] = []
    position: list[int] = []
    passage_tokens: list[list[str]] = []
    note_tokens: list[list[str]] = []
    for n, note in enumerate(notes):
        title = tokenize(note.title)
        body: list[str] = []
        for p, paragraph in enumerate(note.paragraphs):
            tokens = tokenize(paragraph)
            body += tokens
            passage_tokens.append(title + tokens)
            texts.append(paragraph)
            owner.append(n)
            position.append(p)
        note_tokens.append(title + title + tokenize(note.subtitle) + body)
        if progress and (n % 50 == 0 or n == len(notes) - 1):
            progress(n + 1, len(notes))

    vocab = {t: i for i, t in enumerate(sorted(set(chain.from_iterable(note_tokens))))}
    to_id = vocab.__getitem__
    return Index(
        notes=tuple(_without_paragraphs(n) for n in notes),
        skipped=corpus.skipped,
        terms=tuple(vocab),
        vocab=vocab,
        passages=PassageTable.from_texts(texts, owner, position),
        passage_bm25=BM25Matrix.build([list(map(to_id, d)) for d in passage_tokens], len(vocab)),
        note_bm25=BM25Matrix.build([list(map(to_id, d)) for d in note_tokens], len(vocab)),
        fingerprint=fingerprint,
        seeds_dir=seeds_dir,
        built_at=datetime.now(timezone.utc).replace(microsecond=0),
    )


def _without_paragraphs(note: Note) -> Note:
    """The index keeps paragraphs once, in the passage table, not again on every note."""
    return replace(note, paragraphs=())
