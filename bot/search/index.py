"""The searchable form of a corpus: passages, note metadata, vocabulary and BM25 matrices."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from bot.notes.models import Corpus, Note, Skipped
from bot.search.bm25 import BM25Matrix
from bot.search.changes import hashes_of
from bot.search.names import capital_counts, shares
from bot.search.tokenize import TermIds, Tokenizer, gather

FORMAT_VERSION = 5  # 2: notes.json by column; 3: name_share; 4: content hash per note, changes; 5: paragraph terms
# Article-level BM25 counts the title this many times: a headline names what the story is about.
# Measured with `incident-bot eval`: bench/questions.jsonl article@1 0.839 at 2 and at 4; the dev
# set 0.80 at 2, 0.84 at 4. Changing it changes the article ranking, and makes every index stale.
TITLE_WEIGHT = 2


@dataclass(frozen=True, slots=True)
class TermLists:
    """Many texts' index terms, stored once at build: text ``i``'s term ids, in order, are
    ``ids[offsets[i]:offsets[i + 1]]``. What a question then needs of a text's words it reads
    here instead of tokenizing the text again."""

    ids: np.ndarray  # int32, ids into Index.terms
    offsets: np.ndarray  # int64, one more than there are texts

    def of(self, i: int) -> np.ndarray:
        return self.ids[self.offsets[i] : self.offsets[i + 1]]

    @classmethod
    def from_flat(cls, ids: np.ndarray, lengths: np.ndarray) -> TermLists:
        return cls(np.asarray(ids, dtype=np.int32), np.concatenate(([0], np.cumsum(lengths))).astype(np.int64))


@dataclass(frozen=True, slots=True)
class PassageTable:
    """All passage texts in one UTF-8 blob with offsets, so loading is a memory map, not a parse;
    and each paragraph's own terms (its title's left out), so choosing among an article's
    paragraphs needs no tokenizing."""

    blob: bytes | memoryview
    offsets: np.ndarray  # int64, n + 1
    note: np.ndarray  # int32: which note each passage belongs to
    position: np.ndarray  # int32: paragraph number inside its note
    terms: TermLists  # of each passage's paragraph

    def __len__(self) -> int:
        return len(self.note)

    def text(self, i: int) -> str:
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        return str(self.blob[lo:hi], "utf-8")

    @classmethod
    def from_texts(cls, texts: list[str], note: list[int], position: list[int], terms: TermLists) -> PassageTable:
        encoded = [t.encode("utf-8") for t in texts]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        return cls(
            b"".join(encoded),
            offsets,
            np.asarray(note, dtype=np.int32),
            np.asarray(position, dtype=np.int32),
            terms,
        )


@dataclass(frozen=True, slots=True)
class Index:
    """Everything a search needs, immutable once built.

    ``passage_bm25`` ranks passages (each scored with its article title, as rank-bm25 would over
    ``title + paragraph`` tokens); ``note_bm25`` ranks whole articles (title weighted up, subtitle, body)
    so the answer can be looked for inside the right article.
    """

    notes: tuple[Note, ...]
    skipped: tuple[Skipped, ...]
    terms: tuple[str, ...]
    vocab: dict[str, int]
    passages: PassageTable
    passage_bm25: BM25Matrix
    note_bm25: BM25Matrix
    name_share: np.ndarray  # float32 by term id: how often the notes write it as a name (names.py)
    title_terms: TermLists  # of each note's title
    fingerprint: str
    seeds_dir: str
    built_at: datetime
    note_hash: tuple[str, ...] = ()  # changes.content_hash of each note, to tell what a rebuild changed


Progress = Callable[[int, int], None]


def build_index(
    corpus: Corpus,
    *,
    fingerprint: str,
    seeds_dir: str,
    tokenizer: Tokenizer | None = None,
    progress: Progress | None = None,
    tokens: TermIds | None = None,
    hashes: Sequence[str] | None = None,
    capitals: Mapping[str, int] | None = None,
) -> Index:
    """Tokenise every passage and note and compute both BM25 matrices.

    A passage is scored as ``title + paragraph`` tokens and an article as ``TITLE_WEIGHT`` times
    the title, then subtitle and body (see ``Index``). All texts are tokenised in one batch (``Tokenizer.many``)
    and both matrices are assembled from that with numpy, never a Python list per document.

    ``tokens``, when given, are those texts already tokenised (in ``note_texts`` order, e.g. from
    the incremental build cache): its vocabulary may hold terms no text uses, which are dropped,
    so the index is the same as one tokenised here. ``hashes``, when given, are the notes'
    ``content_hash`` (the build cache keeps them), else they are computed here; so are
    ``capitals``, the paragraphs' ``names.capital_counts`` (summed over notes).
    """
    tokenize = tokenizer or Tokenizer()
    notes = corpus.notes
    if hashes is not None and len(hashes) != len(notes):
        raise ValueError(f"{len(hashes)} content hashes for {len(notes)} notes")
    texts: list[str] = []
    owner: list[int] = []
    position: list[int] = []
    first_text: list[int] = []  # texts of note n: title, subtitle, its paragraphs

    def all_texts() -> Iterator[str]:
        for n, note in enumerate(notes):
            first_text.append(len(texts) + 2 * n)
            yield note.title
            yield note.subtitle
            yield from note.paragraphs
            texts.extend(note.paragraphs)
            owner.extend([n] * len(note.paragraphs))
            position.extend(range(len(note.paragraphs)))
            if progress and (n % 50 == 0 or n == len(notes) - 1):
                progress(n + 1, len(notes))

    if tokens is None:
        batch = tokenize.many(all_texts())
    else:
        for _ in all_texts():
            pass
        batch = tokens
        if len(batch.offsets) != len(texts) + 2 * len(notes) + 1:
            raise ValueError(f"{len(batch.offsets) - 1} tokenised texts for {len(texts) + 2 * len(notes)} texts")
    # Terms in sorted order; terms no text uses (possible only in given tokens) are left out.
    used = np.zeros(len(batch.terms), dtype=bool)
    used[batch.ids] = True
    kept = [t for t, u in zip(batch.terms, used.tolist(), strict=True) if u] if not used.all() else list(batch.terms)
    terms = tuple(sorted(kept))
    vocab = {t: i for i, t in enumerate(terms)}
    new_id = np.fromiter((vocab.get(t, -1) for t in batch.terms), dtype=np.int64, count=len(batch.terms))
    flat = new_id[batch.ids]
    at = batch.offsets  # text i is flat[at[i]:at[i + 1]]

    first = np.asarray(first_text, dtype=np.int64)
    n_paragraphs = np.fromiter((len(n.paragraphs) for n in notes), dtype=np.int64, count=len(notes))
    title, subtitle, body = first, first + 1, first + 2
    title_len = at[title + 1] - at[title]
    # Passage k of note n: title + paragraph; paragraph texts sit right after their note's subtitle.
    passage_note = np.repeat(np.arange(len(notes), dtype=np.int64), n_paragraphs)
    paragraph = np.arange(len(texts), dtype=np.int64) + 2 * (passage_note + 1)
    passage_tokens = _concat(
        flat,
        [(at[title][passage_note], title_len[passage_note]), (at[paragraph], at[paragraph + 1] - at[paragraph])],
    )
    paragraph_lengths = at[paragraph + 1] - at[paragraph]
    paragraph_terms = gather(flat, at[paragraph], paragraph_lengths)
    paragraph_counts = np.bincount(paragraph_terms, minlength=len(vocab))
    # Article: the title TITLE_WEIGHT times, subtitle, body (its paragraphs are one contiguous run of texts).
    body_end = body + n_paragraphs
    note_tokens = _concat(
        flat,
        [
            *[(at[title], title_len)] * TITLE_WEIGHT,
            (at[subtitle], at[subtitle + 1] - at[subtitle]),
            (at[body], at[body_end] - at[body]),
        ],
    )
    return Index(
        notes=tuple(_without_paragraphs(n) for n in notes),
        skipped=corpus.skipped,
        terms=terms,
        vocab=vocab,
        passages=PassageTable.from_texts(
            texts, owner, position, TermLists.from_flat(paragraph_terms, paragraph_lengths)
        ),
        passage_bm25=BM25Matrix.from_flat(*passage_tokens, len(vocab)),
        note_bm25=BM25Matrix.from_flat(*note_tokens, len(vocab)),
        title_terms=TermLists.from_flat(gather(flat, at[title], title_len), title_len),
        name_share=shares(capital_counts(texts, tokenize) if capitals is None else capitals, paragraph_counts, vocab),
        fingerprint=fingerprint,
        seeds_dir=seeds_dir,
        built_at=datetime.now(UTC).replace(microsecond=0),
        note_hash=tuple(hashes) if hashes is not None else hashes_of(notes),
    )


def note_texts(note: Note) -> Iterator[str]:
    """The texts of a note in the order the index tokenises them: title, subtitle, paragraphs."""
    yield note.title
    yield note.subtitle
    yield from note.paragraphs


def _concat(flat: np.ndarray, parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Documents made of ``parts``: document d is part 0's range d, then part 1's range d, ...
    of ``flat``, each range given as (starts, lengths). Returns the documents' tokens
    concatenated, and their lengths."""
    starts = np.stack([s for s, _ in parts], axis=1).ravel()
    lengths = np.stack([n for _, n in parts], axis=1).ravel()
    return gather(flat, starts, lengths), lengths.reshape(-1, len(parts)).sum(axis=1)


def _without_paragraphs(note: Note) -> Note:
    """The index keeps paragraphs once, in the passage table, not again on every note. (The
    constructor, not ``dataclasses.replace``: a third of the time, for every note of each build.)"""
    return Note(note.path, note.title, note.source, note.link, note.date, note.author, note.subtitle, note.tags)
