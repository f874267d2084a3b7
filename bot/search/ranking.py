"""From a question's words to the passages that answer it.

The first stage is rank-bm25's BM25Okapi over passages (each with its article title), served from
the precomputed matrix. On top of it, passages are re-scored with what a single paragraph's BM25
cannot see: how well the whole article matches (article-level BM25 over title, subtitle and body),
how many of the question's distinct words the paragraph holds, where it stands in the article,
and whether it holds the kind of thing the question asks for (a number for "how many", a date
for "when"). A question whose words barely occur in any article is declined, not answered with a
random passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.search.bm25 import BM25Matrix
from bot.search.index import Index
from bot.search.tokenize import Tokenizer

# Weights of the re-scoring, set on our own question set (bench/questions.jsonl).
W_NOTE = 0.45
W_PASSAGE = 0.35
W_COVERAGE = 0.45
W_POSITION = 0.08
W_CUE = 0.12
CANDIDATE_NOTES = 8
CANDIDATE_PASSAGES = 30
# A question is declined when no top article holds this idf-weighted share of its words.
MIN_RELEVANCE = 0.6

_NUMBER = re.compile(r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?|billions?)\b", re.I)
_DATE = re.compile(r"\b(?:19|20)\d\d\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|last week|earlier this)\b", re.I)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z0-9]+")


@dataclass(frozen=True, slots=True)
class Ranked:
    """Passage ids with scores, best first, and the query terms that were searched."""

    passages: tuple[tuple[int, float], ...]
    terms: tuple[str, ...]
    corrections: tuple[Correction, ...] = ()


@dataclass(frozen=True, slots=True)
class Correction:
    """The word at ``start:end`` of the question was read as the index term ``term``."""

    start: int
    end: int
    term: str


class Ranker:
    def __init__(self, index: Index, tokenizer: Tokenizer) -> None:
        self.index = index
        self.tokenize = tokenizer
        self.passage_note = np.asarray(index.passages.note)
        self.passage_position = np.asarray(index.passages.position)
        n_notes = len(index.notes)
        self.note_idf = _idf(index.note_bm25, n_notes)
        self.max_idf = float(np.log(n_notes + 0.5) - np.log(0.5)) if n_notes else 1.0
        # Passages of note n are the contiguous range first[n]:first[n + 1].
        self.first = np.searchsorted(self.passage_note, np.arange(n_notes + 1))
        self._fuzzy_terms: list[str] | None = None

    def first_stage(self, ids: list[int]) -> np.ndarray:
        """rank-bm25's BM25Okapi scores of every passage for these term ids."""
        return self.index.passage_bm25.scores(ids)

    def query_ids(self, text: str) -> tuple[list[int], list[str], tuple[Correction, ...], float]:
        """Term ids for ``text``, correcting unknown words to near index terms.

        Returns ids, the terms searched, the corrections made, and the summed idf of words
        that are nowhere in the index (they count against relevance).
        """
        vocab = self.index.vocab
        ids: list[int] = []
        terms: list[str] = []
        corrections: list[Correction] = []
        missing_idf = 0.0
        for start, end, term in self.tokenize.spans(text):
            if term not in vocab:
                fix = self._correct(term)
                if fix is None:
                    missing_idf += self.max_idf
                    continue
                corrections.append(Correction(start, end, fix))
                term = fix
            ids.append(vocab[term])
            terms.append(term)
        return ids, terms, tuple(corrections), missing_idf

    def rank(self, text: str, top: int = 10, note_mask: np.ndarray | None = None) -> Ranked:
        ids, terms, corrections, missing_idf = self.query_ids(text)
        if not ids:
            return Ranked((), tuple(terms), corrections)
        distinct = np.unique(np.asarray(ids))
        note_scores = self.index.note_bm25.scores(ids)
        if note_mask is not None:
            note_scores = np.where(note_mask, note_scores, -np.inf)
        if self._relevance(distinct, note_scores, missing_idf) < MIN_RELEVANCE:
            return Ranked((), tuple(terms), corrections)
        note_scores = np.maximum(note_scores, 0.0)
        best_note = max(float(note_scores.max()), 1e-9)

        passage_scores = self.first_stage(ids)
        if note_mask is not None:
            passage_scores = np.where(note_mask[self.passage_note], passage_scores, 0.0)
        candidates = self._candidates(note_scores, passage_scores)
        if not len(candidates):
            return Ranked((), tuple(terms), corrections)

        coverage = self._coverage(distinct, candidates)
        notes = self.passage_note[candidates]
        final = (
            W_NOTE * note_scores[notes] / best_note
            + W_PASSAGE * passage_scores[candidates] / max(float(passage_scores[candidates].max()), 1e-9)
            + W_COVERAGE * coverage
            + W_POSITION / (1.0 + self.passage_position[candidates])
        )
        cue = _cue(text)
        if cue is not None:
            final += W_CUE * np.fromiter(
                (bool(cue.search(self.index.passages.text(int(p)))) for p in candidates), dtype=float, count=len(candidates)
            )
        order = np.argsort(-final, kind="stable")
        chosen = self._distinct(candidates[order], final[order], top)
        return Ranked(tuple(chosen), tuple(terms), corrections)

    def _relevance(self, distinct: np.ndarray, note_scores: np.ndarray, missing_idf: float) -> float:
        """How much of the question the best-matching articles hold: the largest idf-weighted
        share of the question's words found in one of the top articles. Words found nowhere
        count fully against it, so a question about something absent is declined."""
        k = min(CANDIDATE_NOTES, len(note_scores))
        top = np.argpartition(-note_scores, k - 1)[:k]
        top = top[np.isfinite(note_scores[top])]
        if not len(top):
            return 0.0
        weights = self.note_idf[distinct]
        held = np.zeros(len(top))
        for term, weight in zip(distinct.tolist(), weights.tolist()):
            docs, _ = self.index.note_bm25.row(term)
            held += weight * np.isin(top, docs)
        return float(held.max()) / (float(weights.sum()) + missing_idf)

    def _candidates(self, note_scores: np.ndarray, passage_scores: np.ndarray) -> np.ndarray:
        """Every passage of the best few articles, plus the best passages anywhere."""
        k = min(CANDIDATE_NOTES, int((note_scores > 0).sum()))
        top_notes = np.argpartition(-note_scores, k - 1)[:k] if k else np.array([], dtype=int)
        ranges = [np.arange(self.first[n], self.first[n + 1]) for n in top_notes]
        k = min(CANDIDATE_PASSAGES, int((passage_scores > 0).sum()))
        if k:
            ranges.append(np.argpartition(-passage_scores, k - 1)[:k])
        if not ranges:
            return np.array([], dtype=np.int64)
        return np.unique(np.concatenate(ranges))

    def _coverage(self, distinct: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Share of the question's distinct words (weighted by idf) in each candidate passage."""
        matrix = self.index.passage_bm25
        weights = self.note_idf[distinct]
        covered = np.zeros(len(candidates))
        for term, weight in zip(distinct.tolist(), weights.tolist()):
            docs, _ = matrix.row(term)
            covered += weight * np.isin(candidates, docs, assume_unique=True)
        total = float(weights.sum())
        return covered / total if total > 0 else covered

    def _distinct(self, ordered: np.ndarray, scores: np.ndarray, top: int) -> list[tuple[int, float]]:
        """Best first, without the same paragraph twice (an article stored in two notes)."""
        seen: set[str] = set()
        chosen: list[tuple[int, float]] = []
        for p, score in zip(ordered.tolist(), scores.tolist()):
            key = "".join(c for c in self.index.passages.text(p).casefold() if c.isalnum())[:200]
            if key in seen:
                continue
            seen.add(key)
            chosen.append((p, score))
            if len(chosen) == top:
                break
        return chosen

    def _correct(self, term: str) -> str | None:
        """The index term one or two edits away from an unknown word, if there is a clear one."""
        if len(term) < 5 or any(c.isdigit() for c in term):
            return None
        if self._fuzzy_terms is None:
            df = np.diff(self.index.note_bm25.indptr)
            self._fuzzy_terms = [t for t, d in zip(self.index.terms, df.tolist()) if d >= 2 and not any(c.isdigit() for c in t)]
        limit = 1 if len(term) < 8 else 2
        match = process.extractOne(term, self._fuzzy_terms, scorer=Levenshtein.distance, score_cutoff=limit)
        return match[0] if match else None


def _idf(matrix: BM25Matrix, n_docs: int) -> np.ndarray:
    """Plain idf per term over the matrix's documents, never below a small floor."""
    df = np.diff(matrix.indptr).astype(np.float64)
    return np.maximum(np.log((n_docs - df + 0.5) / (df + 0.5)), 0.1)


def _cue(question: str) -> re.Pattern[str] | None:
    """What an answer to this kind of question contains: a number, a date, a name."""
    q = question.casefold()
    if re.search(r"\bhow (?:many|much)\b|\bnumber of\b|\bhow large\b", q):
        return _NUMBER
    if re.search(r"\bwhen\b|\bwhat (?:date|day|year|month)\b", q):
        return _DATE
    if re.search(r"\bwho\b|\bwhich (?:group|gang|company|companies|firm|country|actor)\b", q):
        return _NAME
    return None
