"""From a question's words to the passages that answer it.

The first stage, asked of a ``Retriever``, is rank-bm25's BM25Okapi over whole articles (title
weighted up, subtitle, body) and over passages (each with its article title). The passages of the
best articles are then re-scored with what a single paragraph's BM25 cannot see:

- how well its whole article matches the question;
- how many of the question's words that the title does not already explain the paragraph holds
  (every paragraph of an article shares the title, so those words can't pick among them);
- whether it holds the kind of thing asked for and the question did not already say: a version
  for "which versions", a number for "how many", a date for "when", a name for "who";
- where it stands: a news lead carries the who and what.

The best story's answer comes first; its next paragraphs come before a weaker story's best only
when it clearly leads. A question whose words barely occur in any article is declined, not
answered with a random passage; a name the articles lack weighs more than an ordinary word,
which an article may have put in other words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.search.lexicon import QUESTION_WORDS
from bot.search.query import Query
from bot.search.retriever import NoteHit, PassageHit, Retriever
from bot.search.tokenize import Tokenizer

# Weights of the re-scoring, chosen on our own question set (bench/questions.jsonl); the dev set
# in ../shared/eval is the check they were not tuned on.
W_PASSAGE = 0.3  # article: best passage's BM25, next to the article's own BM25 (weight 1)
W_BODY = 1.0  # passage: share of the question's untitled words it holds
W_CUE = 0.2  # passage: holds a new thing of the asked kind
W_POSITION = 0.05  # passage: early in the article
DEPTH_STEP = 0.25  # hits: how far an article's next passage falls behind its best
CANDIDATE_NOTES = 8
# A question is declined when no top article holds this idf-weighted share of its words: the
# middle of the range, 0.60-0.70, in which every answerable question of bench/questions.jsonl and
# ../shared/eval is still answered (higher declines more out-of-scope ones, and answerable ones).
MIN_RELEVANCE = 0.65
# An ordinary word the article lacks counts this much of its idf against the article; a term
# written with a capital at least NAME_SHARE of the time (names.py) counts fully.
W_PARAPHRASED = 0.35
NAME_SHARE = 0.5

_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|millions?|billions?)\b", re.I)
_DATE = re.compile(r"\b(?:19|20)\d\d\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|last (?:week|month|year)|earlier this (?:week|month|year))\b", re.I)
_VERSION = re.compile(r"\b[vV]?\d+(?:\.\d+)+[a-z]?\b|\b\d+[hH][12]\b")
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
    """Passage ids with scores, best first, and the query terms that were searched with the idf
    each weighs (what a renderer needs to find the sentence holding most of the question)."""

    passages: tuple[tuple[PassageHit, float], ...]
    weights: Mapping[str, float]
    corrections: tuple[Correction, ...] = ()


class Ranker:
    """Turns a question into ranked passages, asking a ``Retriever`` for everything it reads."""

    def __init__(self, retriever: Retriever, tokenizer: Tokenizer) -> None:
        self.retriever = retriever
        self.tokenize = tokenizer
        self.n_notes = retriever.note_count()
        self.max_idf = float(np.log(self.n_notes + 0.5) - np.log(0.5)) if self.n_notes else 1.0

    def idf(self, term: str) -> float:
        """Plain idf over articles, never below a small floor: how telling a question word is."""
        df = self.retriever.note_frequency(term)
        return max(float(np.log((self.n_notes - df + 0.5) / (df + 0.5))), 0.1)

    def query_terms(self, text: str) -> tuple[list[str], tuple[Correction, ...], float]:
        """The index terms of ``text``, unknown words corrected to near index terms.

        Returns the terms searched, the corrections made, and the summed idf of words that are
        nowhere in the index (they count against relevance).
        """
        known_to_index = self.retriever.note_frequency
        asking = {m.start(1) for m in _VICTIM_QUESTION.finditer(text)}
        words = [
            (s, e, t)
            for s, e, t in self.tokenize.spans(text)
            if text[s:e].lower() not in QUESTION_WORDS and s not in asking
        ]
        known = [t for _, _, t in words if known_to_index(t)]
        terms: list[str] = []
        corrections: list[Correction] = []
        missing_idf = 0.0
        for start, end, term in words:
            if not known_to_index(term):
                fix = self._correct(term, known)
                if fix is None:
                    missing_idf += self.max_idf
                    continue
                corrections.append(Correction(start, end, fix))
                term = fix
            terms.append(term)
        return terms, tuple(corrections), missing_idf

    def rank(self, text: str, top: int = 10, filters: Query | None = None) -> Ranked:
        """Best passages first: each article's best passage in the order of how well the articles
        match, with an article's further passages in between once it leads by DEPTH_STEP, so the
        first pages show the best story's answer and then different stories."""
        terms, corrections, missing_idf = self.query_terms(text)
        weights = {t: self.idf(t) for t in terms}
        if not terms:
            return Ranked((), weights, corrections)
        notes = self.retriever.top_notes(terms, CANDIDATE_NOTES * 2, filters)
        if self._relevance(notes[:CANDIDATE_NOTES], weights, missing_idf) < MIN_RELEVANCE:
            return Ranked((), weights, corrections)
        passages = {hit.note: self.retriever.passages_of(hit.note, terms) for hit in notes}
        articles = self._articles(notes, passages)
        features = _Features(self, text, weights)
        ranked = [self._order(passages[note], features) for note, _ in articles]
        # Each further passage of an article stands DEPTH_STEP lower than the article: a clear
        # leader shows its next paragraph before a weaker story's best, near-ties alternate.
        steps = [
            (article_score - DEPTH_STEP * depth, hit, article_score + within)
            for (_, article_score), in_article in zip(articles, ranked)
            for depth, (hit, within) in enumerate(in_article)
        ]
        steps.sort(key=lambda step: -step[0])  # stable: ties keep article order, then depth
        chosen: list[tuple[PassageHit, float]] = []
        seen_text: set[str] = set()
        for _, hit, score in steps:
            key = _text_key(self.retriever.passage_text(hit.passage))
            if key not in seen_text:
                seen_text.add(key)
                chosen.append((hit, score))
                if len(chosen) == top:
                    break
        return Ranked(tuple(chosen), weights, corrections)

    def _articles(self, notes: list[NoteHit], passages: dict[int, list[PassageHit]]) -> list[tuple[int, float]]:
        """The best few articles by article-level BM25 plus a share of their best passage's
        BM25, one note per link (an article stored twice is shown once).

        Scores are rescaled to 0..1 over the candidates: in a collection of a handful of notes
        BM25Okapi's idf (and so every score) can be negative, and the order must still hold.
        """
        if not notes:
            return []
        best_passage = np.array([max((p.score for p in passages[n.note]), default=0.0) for n in notes])
        score = _unit(np.array([n.score for n in notes])) + W_PASSAGE * _unit(best_passage)
        articles: list[tuple[int, float]] = []
        links: set[str] = set()
        for i in np.argsort(-score, kind="stable").tolist():
            link = self.retriever.note(notes[i].note).link
            if link not in links:
                links.add(link)
                articles.append((notes[i].note, float(score[i])))
        return articles[:CANDIDATE_NOTES]

    def _order(self, passages: list[PassageHit], features: _Features) -> list[tuple[PassageHit, float]]:
        """An article's passages, best answer first."""
        if not passages:
            return []
        body, cue = features.of(passages)
        position = np.array([p.position for p in passages])
        within = W_BODY * body + W_CUE * cue + W_POSITION / (1.0 + position)
        return [(passages[i], float(within[i])) for i in np.argsort(-within, kind="stable").tolist()]

    def _relevance(self, notes: list[NoteHit], weights: dict[str, float], missing_idf: float) -> float:
        """How much of the question the best-matching article holds: the largest idf-weighted
        share of the question's words found in one of the top articles.

        Words found nowhere count fully against it, so a question about something absent is
        declined. So does a name the article lacks; an ordinary word it lacks counts only
        W_PARAPHRASED, since articles often say it in other words ("spit out", "stopgap")."""
        name = self.retriever.name_share
        against = {t: w if name(t) >= NAME_SHARE else W_PARAPHRASED * w for t, w in weights.items()}
        best = 0.0
        for note in notes:
            held = sum(weights[t] for t in note.holds)
            lacking = sum(w for t, w in against.items() if t not in note.holds)
            if held:
                best = max(best, held / (held + lacking + missing_idf))
        return best

    def _correct(self, term: str, context: list[str]) -> str | None:
        """The index term an unknown word most likely misspells, or None.

        Candidates are the terms of at least two articles within one edit (two for long words;
        a swap of neighbours counts as one). Among them the one whose articles most often hold
        the question's other words wins, then the most common: "twich hack leak" is about
        Twitch, not "twice".
        """
        if len(term) < 5 or not term[0].isalpha() or "." in term:
            return None
        limit = 1 if len(term) < 8 else 2
        matches = process.extract(
            term, self.retriever.spelling_candidates(), scorer=OSA.distance, score_cutoff=limit, limit=None
        )
        if not matches:
            return None
        nearest = min(m[1] for m in matches)
        candidates = [m[0] for m in matches if m[1] == nearest]
        if len(candidates) == 1:
            return candidates[0]
        return max(candidates, key=lambda c: self.retriever.co_occurrence(c, context))


class _Features:
    """Re-scoring features of an article's passages for one question."""

    def __init__(self, ranker: Ranker, question: str, weights: dict[str, float]) -> None:
        self.ranker = ranker
        self.weights = weights
        self.cue = _cue(question)

    def of(self, passages: list[PassageHit]) -> tuple[np.ndarray, np.ndarray]:
        """(body coverage, answer cue) for each passage of one article."""
        retriever, tokenize = self.ranker.retriever, self.ranker.tokenize
        asked = set(self.weights)
        title = set(tokenize(retriever.note(passages[0].note).title))
        untitled = asked - title
        # When the title explains every word, the paragraph that restates them leads.
        wanted = untitled or asked
        body = np.zeros(len(passages))
        for i, passage in enumerate(passages):
            # Each passage is indexed with its title, so for a word not in the title, being held
            # by the passage means being in its text; title words need the text itself.
            held = wanted & (passage.holds if untitled else set(tokenize(retriever.passage_text(passage.passage))))
            body[i] = sum(self.weights[t] for t in held)
        body /= sum(self.weights[t] for t in wanted) or 1.0
        cue = np.zeros(len(passages))
        if self.cue is not None:
            known = asked | title
            for i, passage in enumerate(passages):
                cue[i] = self._novel(retriever.passage_text(passage.passage), known)
        return body, cue

    def _novel(self, text: str, known: set[str]) -> float:
        """1 when the passage holds something of the asked kind that the question and title lack."""
        for match in self.cue.finditer(text):
            if not known.issuperset(self.ranker.tokenize(match.group())):
                return 1.0
        return 0.0


def _unit(scores: np.ndarray) -> np.ndarray:
    """Scores rescaled so the best is 1 and zero (or the worst, if below zero) is 0."""
    low = min(float(scores.min()), 0.0)
    span = float(scores.max()) - low
    return (scores - low) / span if span > 0 else np.ones_like(scores)


def _text_key(text: str) -> str:
    """Letters and digits of a passage's start: equal for the same paragraph in two notes."""
    return "".join(c for c in text.casefold() if c.isalnum())[:200]


def _cue(question: str) -> re.Pattern[str] | None:
    """What an answer to this kind of question contains: a version, a number, a date, victims,
    a name."""
    q = question.casefold()
    if _VICTIM_QUESTION.search(q):
        return _VICTIMS
    if re.search(r"\b(?:which|what) (?:[\w.-]+ ){0,2}(?:versions?|releases?|updates?|builds?|firmware)\b", q):
        return _VERSION
    if re.search(r"\bhow (?:many|much|long|big|large)\b|\bnumber of\b|\bwhat (?:percentage|share)\b", q):
        return _NUMBER
    if re.search(r"\bwhen\b|\bwhat (?:date|day|year|month|time)\b|\bhow long ago\b", q):
        return _DATE
    if re.search(r"\bwho\b|\bwhose\b|\bwhich (?:group|gang|company|companies|firm|firms|country|countries|actor|vendor|agency|agencies)\b", q):
        return _NAME
    return None
