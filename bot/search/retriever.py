"""The first stage behind one small interface, so the ranker never touches index internals.

``Ranker`` asks a ``Retriever`` for the best articles, the passages of an article, and a few
term statistics; ``LocalRetriever`` answers from this project's own memory-mapped BM25 matrices
with rank-bm25's exact scores. A search server (OpenSearch, Elasticsearch) would be another
implementation in its own module: top-k queries instead of matrix rows, nothing else changes
(see docs/scaling.md).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np

from bot.notes.models import Note
from bot.search.filters import note_matches
from bot.search.index import Index
from bot.search.query import Query


@dataclass(frozen=True, slots=True)
class NoteHit:
    """An article, its article-level BM25 score, and which of the question's terms it holds."""

    note: int
    score: float
    holds: frozenset[str]


class PassageHit(NamedTuple):
    """A passage of an article, its passage BM25 score (with the title), and the terms it holds
    (title included: every passage is indexed with its article's title). A named tuple, not a
    frozen dataclass: a question makes hundreds, and a tuple is made four times as fast."""

    passage: int
    note: int
    position: int
    score: float
    holds: frozenset[str]


@dataclass(frozen=True, slots=True)
class ScoredPassages:
    """Several articles' passages scored for one question: ``best[i]`` is the best passage score
    of the ``i``-th article (0 for one without passages), ``of(i)`` its passages in order, made
    when first read. A ranking ranks sixteen articles by their best passage and reads the few
    it orders."""

    best: list[float]
    of: Callable[[int], list[PassageHit]]


_ANY_CHARACTERS = np.uint64(2**64 - 1)  # the character set of a term not in ASCII: ruled out by none


def _character_sets(terms: Sequence[str], lengths: np.ndarray) -> np.ndarray:
    """Which characters each term holds, as bits (a character's code mod 64, so two may share
    one): ``_ANY_CHARACTERS`` for a term not in ASCII, whose bytes are not its characters."""
    ascii_only = np.fromiter(map(str.isascii, terms), dtype=bool, count=len(terms))
    sizes = np.where(ascii_only, lengths, 0)
    data = np.frombuffer("".join(t for t, a in zip(terms, ascii_only.tolist(), strict=True) if a).encode(), np.uint8)
    sets = np.full(len(terms), _ANY_CHARACTERS, dtype=np.uint64)
    sets[ascii_only & (sizes == 0)] = 0
    held = sizes > 0
    if held.any():
        starts = np.concatenate(([0], sizes.cumsum()[:-1]))[held]
        sets[held] = np.bitwise_or.reduceat(np.uint64(1) << (data % 64).astype(np.uint64), starts)
    return sets


class Retriever(Protocol):
    def note_count(self) -> int:
        """How many articles there are."""

    def note_frequency(self, term: str) -> int:
        """How many articles hold ``term`` (0 for a term the index does not know)."""

    def name_share(self, term: str) -> float:
        """How often the notes write ``term`` as a name, 0..1 (1 when unknown or rarely seen)."""

    def spelling_candidates(self, term: str, edits: int) -> Sequence[str]:
        """The terms a misspelt ``term`` may be corrected to (those of at least two articles)
        that may lie within ``edits`` edits of it, in the index's order: all that do, and
        perhaps some that do not (the caller measures the distance)."""

    def co_occurrences(self, term: str, context: Sequence[str]) -> list[int]:
        """For each ``context`` term, how many of ``term``'s articles hold it too."""

    def top_notes(
        self, terms: Sequence[str], k: int, filters: Query | None = None, among: Collection[int] | None = None
    ) -> list[NoteHit]:
        """Up to ``k`` articles holding a question term, best article-level BM25 first
        (a repeated term counts again, as in rank-bm25), within ``filters`` and the notes ``among``."""

    def passages_of(self, note: int, terms: Sequence[str]) -> list[PassageHit]:
        """Every passage of ``note`` in order, scored for ``terms``."""

    def passages_of_notes(self, notes: Sequence[int], terms: Sequence[str]) -> ScoredPassages:
        """``passages_of`` for each of ``notes`` at once: a ranking reads a few dozen articles."""

    def passage_text(self, passage: int) -> str: ...

    def text_holds(self, passage: int, terms: Collection[str]) -> frozenset[str]:
        """Those of ``terms`` the passage's own text holds (its article's title left out)."""

    def paragraph_terms(self, passage: int) -> list[str]:
        """The terms of the passage's own text in order, as the tokenizer makes them."""

    def title_terms(self, note: int) -> frozenset[str]:
        """The terms of the note's title."""

    def note(self, note: int) -> Note: ...


class LocalRetriever:
    """Answers from an ``Index``: dense scores over the term-major matrices, then top-k."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._passage_note = np.asarray(index.passages.note)
        self._position = np.asarray(index.passages.position)
        # Passages of note n are the contiguous range first[n]:first[n + 1].
        self._first = np.searchsorted(self._passage_note, np.arange(len(index.notes) + 1))
        self._df = np.diff(index.note_bm25.indptr)
        matrix = index.passage_bm25
        self._indptr, self._docs, self._weights = matrix.indptr, matrix.docs, matrix.weights
        self._candidates: tuple[list[str], np.ndarray, np.ndarray] | None = None  # terms, lengths, characters

    def note_count(self) -> int:
        return len(self.index.notes)

    def note_frequency(self, term: str) -> int:
        term_id = self.index.vocab.get(term)
        return 0 if term_id is None else int(self._df[term_id])

    def name_share(self, term: str) -> float:
        term_id = self.index.vocab.get(term)
        return 1.0 if term_id is None else float(self.index.name_share[term_id])

    def spelling_candidates(self, term: str, edits: int) -> Sequence[str]:
        # Each edit changes a word's length by at most one, and which characters it holds by at
        # most two (a substitution drops one and brings another): a term further off either way
        # is no candidate. That rules out most terms in two array operations.
        if self._candidates is None:
            terms = [t for t, d in zip(self.index.terms, self._df.tolist(), strict=True) if d >= 2]
            lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
            self._candidates = terms, lengths, _character_sets(terms, lengths)
        terms, lengths, characters = self._candidates
        near = np.abs(lengths - len(term)) <= edits
        if term.isascii():
            differ = np.bitwise_count(characters ^ _character_sets([term], np.array([len(term)]))[0])
            near &= (differ <= 2 * edits) | (characters == _ANY_CHARACTERS)
        return [terms[i] for i in np.flatnonzero(near).tolist()]

    def co_occurrences(self, term: str, context: Sequence[str]) -> list[int]:
        docs = self._notes_holding(term)
        holding = np.zeros(len(self.index.notes), dtype=bool)
        counts = []
        for other in context:
            holding[:] = False
            holding[self._notes_holding(other)] = True
            counts.append(int(holding[docs].sum()))
        return counts

    def top_notes(
        self, terms: Sequence[str], k: int, filters: Query | None = None, among: Collection[int] | None = None
    ) -> list[NoteHit]:
        ids = self._ids(terms)
        distinct = sorted(set(terms) & self.index.vocab.keys())
        # Which of the terms each note holds, as bits (as passages_of_notes does).
        bits = np.zeros(len(self.index.notes), dtype=object if len(distinct) > 62 else np.int64)
        for bit, term in enumerate(distinct):
            bits[self._notes_holding(term)] |= 1 << bit
        holds = bits != 0
        if filters is not None and filters.filtered:
            holds &= np.fromiter((note_matches(n, filters) for n in self.index.notes), dtype=bool)
        if among is not None:
            inside = np.zeros(len(self.index.notes), dtype=bool)
            inside[list(among)] = True
            holds &= inside
        k = min(k, int(holds.sum()))
        if not k:
            return []
        scores = np.where(holds, self.index.note_bm25.scores(ids), -np.inf)
        top = (-scores).argpartition(k - 1)[:k]  # the methods: numpy's np.* wrappers cost a call each
        top = top[(-scores[top]).argsort(kind="stable")]
        masks = bits[top].tolist()
        sets = {mask: frozenset(t for bit, t in enumerate(distinct) if mask >> bit & 1) for mask in set(masks)}
        return [
            NoteHit(n, score, sets[mask])
            for n, score, mask in zip(top.tolist(), scores[top].tolist(), masks, strict=True)
        ]

    def passages_of(self, note: int, terms: Sequence[str]) -> list[PassageHit]:
        return self.passages_of_notes([note], terms).of(0)

    def passages_of_notes(self, notes: Sequence[int], terms: Sequence[str]) -> ScoredPassages:
        los, his = self._first[notes], self._first[np.asarray(notes, dtype=np.int64) + 1]
        sizes = his - los
        # The passages of every note, one after the other: each term's row is searched once for all.
        starts = np.concatenate(([0], sizes.cumsum()))
        passages = (los - starts[:-1]).repeat(sizes) + np.arange(starts[-1])
        scores = np.zeros(len(passages))
        counts: dict[str, int] = {}
        for term in terms:
            counts[term] = counts.get(term, 0) + 1
        vocab, indptr, docs, weights = self.index.vocab, self._indptr, self._docs, self._weights
        # Scores are summed in term-id order, as rank-bm25's get_scores adds them per term. The
        # terms a passage holds are bits, and passages with the same bits share one frozenset:
        # most passages of an article hold the same few (title) terms.
        known = sorted((term_id, term) for term in counts if (term_id := vocab.get(term)) is not None)
        bits = np.zeros(len(passages), dtype=object if len(known) > 62 else np.int64)
        for bit, (term_id, term) in enumerate(known):
            row = slice(indptr[term_id], indptr[term_id + 1])
            row_docs = docs[row]
            if not len(row_docs):
                continue
            at = np.minimum(row_docs.searchsorted(passages), len(row_docs) - 1)
            held = row_docs[at] == passages
            scores[held] += counts[term] * weights[row][at[held]]
            bits[held] |= 1 << bit
        best = np.zeros(len(sizes))
        if len(passages):
            best[sizes > 0] = np.maximum.reduceat(scores, starts[:-1][sizes > 0])
        sets: dict[int, frozenset[str]] = {}
        made: dict[int, list[PassageHit]] = {}

        def of(i: int) -> list[PassageHit]:
            if i not in made:
                lo, hi = int(starts[i]), int(starts[i + 1])
                masks = bits[lo:hi].tolist()
                for mask in set(masks).difference(sets):
                    # A set's copy, as ever: its order is that of the sums over it (coverage).
                    sets[mask] = frozenset(set(term for bit, (_, term) in enumerate(known) if mask >> bit & 1))
                made[i] = list(
                    map(
                        PassageHit,
                        passages[lo:hi].tolist(),
                        [notes[i]] * (hi - lo),
                        self._position[passages[lo:hi]].tolist(),
                        scores[lo:hi].tolist(),
                        map(sets.__getitem__, masks),
                    )
                )
            return made[i]

        return ScoredPassages(best.tolist(), of)

    def passage_text(self, passage: int) -> str:
        return self.index.passages.text(passage)

    def text_holds(self, passage: int, terms: Collection[str]) -> frozenset[str]:
        held, vocab = set(self.index.passages.terms.of(passage).tolist()), self.index.vocab
        return frozenset(t for t in terms if vocab.get(t, -1) in held)

    def paragraph_terms(self, passage: int) -> list[str]:
        return list(map(self.index.terms.__getitem__, self.index.passages.terms.of(passage).tolist()))

    def title_terms(self, note: int) -> frozenset[str]:
        return frozenset(map(self.index.terms.__getitem__, self.index.title_terms.of(note).tolist()))

    def note(self, note: int) -> Note:
        return self.index.notes[note]

    def _ids(self, terms: Sequence[str]) -> list[int]:
        vocab = self.index.vocab
        return [vocab[t] for t in terms if t in vocab]

    def _notes_holding(self, term: str) -> np.ndarray:
        term_id = self.index.vocab.get(term)
        return self.index.note_bm25.row(term_id)[0] if term_id is not None else np.empty(0, dtype=np.int64)
