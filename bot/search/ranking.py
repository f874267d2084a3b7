"""From a question's words to the passages that answer it.

The first stage is rank-bm25's BM25Okapi over passages (each with its article title), served from
the precomputed matrix, together with BM25Okapi over whole articles (title weighted up, subtitle, body).
The passages of the best articles, and the best passages anywhere, are then re-scored with what a
single paragraph's BM25 cannot see:

- how well its whole article matches the question;
- how many of the question's words that the title does not already explain the paragraph holds
  (every paragraph of an article shares the title, so those words can't pick among them);
- whether it holds the kind of thing asked for and the question did not already say: a number
  for "how many", a date for "when", a name for "who";
- where it stands: a news lead carries the who and what.

A question whose words barely occur in any article is declined, not answered with a random
passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.search.bm25 import BM25Matrix
from bot.search.index import Index
from bot.search.lexicon import QUESTION_WORDS
from bot.search.tokenize import Tokenizer

# Weights of the re-scoring, chosen on our own question set (bench/questions.jsonl); the dev set
# in ../shared/eval is the check they were not tuned on.
W_PASSAGE = 0.3  # article: best passage's BM25, next to the article's own BM25 (weight 1)
W_BODY = 1.0  # passage: share of the question's untitled words it holds
W_CUE = 0.2  # passage: holds a new thing of the asked kind
W_POSITION = 0.05  # passage: early in the article
CANDIDATE_NOTES = 8
# A question is declined when no top article holds this idf-weighted share of its words.
MIN_RELEVANCE = 0.58

_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|millions?|billions?)\b", re.I)
_DATE = re.compile(r"\b(?:19|20)\d\d\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|last (?:week|month|year)|earlier this (?:week|month|year))\b", re.I)
_NAME = re.compile(r"\b[A-Z][\w&.-]*[a-z0-9][\w&.-]*\b|\b[A-Z]{2,}\b")
# "who was affected / hit / targeted": the verb asks for victims, it is not what the story says.
_VICTIM_QUESTION = re.compile(
    r"\bwho (?:was|were|is|are|got|has been|have been) (affected|impacted|hit|targeted|hacked|breached|compromised)\b",
    re.IGNORECASE,
)
_VICTIMS = re.compile(
    r"\d|\b(?:users?|customers?|employees?|staff|members?|patients?|students?|officials?|politicians?|"
    r"governments?|agenc(?:y|ies)|companies|firms?|organi[sz]ations?|businesses|hospitals?|banks?|"
    r"schools?|universities|victims?|accounts?|people|citizens|clients?|subscribers?|individuals)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Correction:
    """The word at ``start:end`` of the question was read as the index term ``term``."""

    start: int
    end: int
    term: str


@dataclass(frozen=True, slots=True)
class Ranked:
    """Passage ids with scores, best first, and the query terms that were searched."""

    passages: tuple[tuple[int, float], ...]
    terms: tuple[str, ...]
    corrections: tuple[Correction, ...] = ()


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
        asking = {m.start(1) for m in _VICTIM_QUESTION.finditer(text)}
        words = [
            (s, e, t)
            for s, e, t in self.tokenize.spans(text)
            if text[s:e].lower() not in QUESTION_WORDS and s not in asking
        ]
        known = [vocab[t] for _, _, t in words if t in vocab]
        ids: list[int] = []
        terms: list[str] = []
        corrections: list[Correction] = []
        missing_idf = 0.0
        for start, end, term in words:
            if term not in vocab:
                fix = self._correct(term, known)
                if fix is None:
                    missing_idf += self.max_idf
                    continue
                corrections.append(Correction(start, end, fix))
                term = fix
            ids.append(vocab[term])
            terms.append(term)
        return ids, terms, tuple(corrections), missing_idf

    def rank(self, text: str, top: int = 10, note_mask: np.ndarray | None = None) -> Ranked:
        """Best passages first: the articles in order of how well they match, each article's
        best passage first, then each one's next best, so the first pages show different stories."""
        ids, terms, corrections, missing_idf = self.query_ids(text)
        if not ids:
            return Ranked((), tuple(terms), corrections)
        distinct = np.unique(np.asarray(ids))
        note_scores = self.index.note_bm25.scores(ids)
        if note_mask is not None:
            note_scores = np.where(note_mask, note_scores, -np.inf)
        if self._relevance(distinct, note_scores, missing_idf) < MIN_RELEVANCE:
            return Ranked((), tuple(terms), corrections)
        passage_scores = self.first_stage(ids)
        weights = {t: float(self.note_idf[self.index.vocab[t]]) for t in terms}
        features = _Features(self, text, weights)
        articles = self._articles(distinct, note_scores, passage_scores)
        ranked = [self._passages_of(note, features) for note, _ in articles]
        chosen: list[tuple[int, float]] = []
        seen_text: set[str] = set()
        for depth in range(max(map(len, ranked), default=0)):
            for (_, article_score), passages in zip(articles, ranked):
                if depth < len(passages) and len(chosen) < top:
                    p, within = passages[depth]
                    key = _text_key(self.index.passages.text(p))
                    if key not in seen_text:
                        seen_text.add(key)
                        chosen.append((p, article_score + within))
        return Ranked(tuple(chosen), tuple(terms), corrections)

    def _articles(self, distinct: np.ndarray, note_scores: np.ndarray, passage_scores: np.ndarray) -> list[tuple[int, float]]:
        """The best few articles by article-level BM25 plus a share of their best passage's
        BM25, one note per link (an article stored twice is shown once).

        Only articles holding a question word count. Scores are rescaled to 0..1 over them:
        in a collection of a handful of notes BM25Okapi's idf (and so every score) can be
        negative, and the order must still hold.
        """
        holds = np.zeros(len(note_scores), dtype=bool)
        for term in distinct.tolist():
            holds[self.index.note_bm25.row(term)[0]] = True
        usable = holds & np.isfinite(note_scores)
        k = min(CANDIDATE_NOTES * 2, int(usable.sum()))
        if not k:
            return []
        top = np.argpartition(-np.where(usable, note_scores, -np.inf), k - 1)[:k]
        best_passage = np.array([passage_scores[self.first[n] : self.first[n + 1]].max() for n in top])
        score = _unit(note_scores[top]) + W_PASSAGE * _unit(best_passage)
        articles: list[tuple[int, float]] = []
        links: set[str] = set()
        for i in np.argsort(-score, kind="stable").tolist():
            link = self.index.notes[int(top[i])].link
            if link not in links:
                links.add(link)
                articles.append((int(top[i]), float(score[i])))
        return articles[:CANDIDATE_NOTES]

    def _passages_of(self, note: int, features: _Features) -> list[tuple[int, float]]:
        """The note's passages, best answer first."""
        passages = np.arange(self.first[note], self.first[note + 1])
        body, cue = features.of(note)
        within = W_BODY * body + W_CUE * cue + W_POSITION / (1.0 + self.passage_position[passages])
        order = np.argsort(-within, kind="stable")
        return [(int(passages[i]), float(within[i])) for i in order.tolist()]

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

    def _correct(self, term: str, context: list[int]) -> str | None:
        """The index term an unknown word most likely misspells, or None.

        Candidates are the terms of at least two articles within one edit (two for long words;
        a swap of neighbours counts as one). Among them the one whose articles most often hold
        the question's other words wins, then the most common: "twich hack leak" is about
        Twitch, not "twice".
        """
        if len(term) < 5 or not term[0].isalpha() or "." in term:
            return None
        if self._fuzzy_terms is None:
            df = np.diff(self.index.note_bm25.indptr)
            self._fuzzy_terms = [t for t, d in zip(self.index.terms, df.tolist()) if d >= 2]
        limit = 1 if len(term) < 8 else 2
        matches = process.extract(term, self._fuzzy_terms, scorer=OSA.distance, score_cutoff=limit, limit=None)
        if not matches:
            return None
        nearest = min(m[1] for m in matches)
        candidates = [m[0] for m in matches if m[1] == nearest]
        if len(candidates) == 1:
            return candidates[0]
        about = np.zeros(len(self.index.notes), dtype=bool)
        for other in context:
            about[self.index.note_bm25.row(other)[0]] = True
        vocab = self.index.vocab

        def support(candidate: str) -> tuple[float, int]:
            """The share of the candidate's articles that hold another question word."""
            docs = self.index.note_bm25.row(vocab[candidate])[0]
            return float(about[docs].sum()) / len(docs), len(docs)

        return max(candidates, key=support)


class _Features:
    """Re-scoring features of candidate passages for one question."""

    def __init__(self, ranker: Ranker, question: str, weights: dict[str, float]) -> None:
        self.ranker = ranker
        self.weights = weights
        self.cue = _cue(question)
        self._titles: dict[int, set[str]] = {}

    def of(self, note: int) -> tuple[np.ndarray, np.ndarray]:
        """(body coverage, answer cue) for each passage of ``note``."""
        ranker = self.ranker
        lo, hi = int(ranker.first[note]), int(ranker.first[note + 1])
        asked = set(self.weights)
        title = self._title_terms(note)
        untitled = asked - title
        # When the title explains every word, the paragraph that restates them leads.
        wanted = untitled or asked
        body = np.zeros(hi - lo)
        if untitled:
            # Each passage was indexed with its title, so for a word not in the title, being in
            # the passage's index row means being in its text: no need to read the texts.
            for term in untitled:
                docs, _ = ranker.index.passage_bm25.row(ranker.index.vocab[term])
                start, end = np.searchsorted(docs, (lo, hi))
                body[docs[start:end] - lo] += self.weights[term]
        else:
            for i in range(hi - lo):
                held = wanted.intersection(ranker.tokenize(ranker.index.passages.text(lo + i)))
                body[i] = sum(self.weights[t] for t in held)
        body /= sum(self.weights[t] for t in wanted) or 1.0
        cue = np.zeros(hi - lo)
        if self.cue is not None:
            known = asked | title
            for i in range(hi - lo):
                cue[i] = self._novel(ranker.index.passages.text(lo + i), known)
        return body, cue

    def _novel(self, text: str, known: set[str]) -> float:
        """1 when the passage holds something of the asked kind that the question and title lack."""
        for match in self.cue.finditer(text):
            if not known.issuperset(self.ranker.tokenize(match.group())):
                return 1.0
        return 0.0

    def _title_terms(self, note: int) -> set[str]:
        if note not in self._titles:
            self._titles[note] = set(self.ranker.tokenize(self.ranker.index.notes[note].title))
        return self._titles[note]


def _unit(scores: np.ndarray) -> np.ndarray:
    """Scores rescaled so the best is 1 and zero (or the worst, if below zero) is 0."""
    low = min(float(scores.min()), 0.0)
    span = float(scores.max()) - low
    return (scores - low) / span if span > 0 else np.ones_like(scores)


def _text_key(text: str) -> str:
    """Letters and digits of a passage's start: equal for the same paragraph in two notes."""
    return "".join(c for c in text.casefold() if c.isalnum())[:200]


def _idf(matrix: BM25Matrix, n_docs: int) -> np.ndarray:
    """Plain idf per term over the matrix's documents, never below a small floor."""
    df = np.diff(matrix.indptr).astype(np.float64)
    return np.maximum(np.log((n_docs - df + 0.5) / (df + 0.5)), 0.1)


def _cue(question: str) -> re.Pattern[str] | None:
    """What an answer to this kind of question contains: a number, a date, victims, a name."""
    q = question.casefold()
    if _VICTIM_QUESTION.search(q):
        return _VICTIMS
    if re.search(r"\bhow (?:many|much|long|big|large)\b|\bnumber of\b|\bwhat (?:percentage|share)\b", q):
        return _NUMBER
    if re.search(r"\bwhen\b|\bwhat (?:date|day|year|month|time)\b|\bhow long ago\b", q):
        return _DATE
    if re.search(r"\bwho\b|\bwhose\b|\bwhich (?:group|gang|company|companies|firm|firms|country|countries|actor|vendor|agency|agencies)\b", q):
        return _NAME
    return None
