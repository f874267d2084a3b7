"""From a question's words to the passages that answer it: the orchestration.

The first stage, asked of a ``Retriever``, is rank-bm25's BM25Okapi over whole articles (title
weighted up, subtitle, body) and over passages (each with its article title). A question whose
words barely occur in any article is declined (``relevance.py``); unknown words are read as near
index terms (``spelling.py``). The best articles are ordered by their BM25 plus a share of their
best passage's, and each article's passages by how well they answer (``passages.py``).

A question that only names something ("what happened to Kaseya?") is answered from the story
most reported about it first (``Stories.main_story``), not from a side story repeating the name.

The best story's answer comes first; its next paragraphs come before a weaker story's best only
when it clearly leads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.search.answer_types import VICTIM_QUESTION, Asked, asked_for
from bot.search.lexicon import QUESTION_WORDS
from bot.search.passages import GRADED, PassageChooser
from bot.search.query import Query
from bot.search.relevance import MIN_RELEVANCE, NAME_SHARE, W_PARAPHRASED, relevance
from bot.search.retriever import NoteHit, PassageHit, Retriever
from bot.search.spelling import Correction, correct
from bot.search.stories import Stories
from bot.search.tokenize import Tokenizer

W_PASSAGE = 0.3  # article: best passage's BM25, next to the article's own BM25 (weight 1)
DEPTH_STEP = 0.25  # hits: how far an article's next passage falls behind its best
CANDIDATE_NOTES = 8
LEADING = 3  # articles whose passages are all graded for the answer type
GRADED_OTHERS = 3  # passages graded in each further article
_NOT_ALNUM = re.compile(r"[\W_]+")  # exactly what str.isalnum rejects (\w is isalnum and "_")
SMALL_COLLECTION = 50  # notes below which a lower-case word found nowhere counts as paraphrased


@dataclass(frozen=True, slots=True)
class Ranked:
    """Passage ids with scores, best first, and the query terms that were searched with the idf
    each weighs (what a renderer needs to find the sentence holding most of the question)."""

    passages: tuple[tuple[PassageHit, float], ...]
    weights: Mapping[str, float]
    corrections: tuple[Correction, ...] = ()
    # The first passage's article: its passages with their scores within it, best answer first.
    story: tuple[tuple[PassageHit, float], ...] = ()
    relevance: float = 0.0  # how much of the question the best article holds (relevance.py)
    lead_relevance: float = 0.0  # the same for the article of the first passage: the one shown
    asked: Asked | None = None  # what the question asks for (answer_types.asked_for)


class Ranker:
    """Turns a question into ranked passages, asking a ``Retriever`` for everything it reads."""

    def __init__(self, retriever: Retriever, tokenizer: Tokenizer) -> None:
        self.retriever = retriever
        self.tokenize = tokenizer
        self.n_notes = retriever.note_count()
        self.max_idf = float(np.log(self.n_notes + 0.5) - np.log(0.5)) if self.n_notes else 1.0
        self._sources: dict[str, frozenset[str]] = {}  # a source name's terms (a few dozen sources)
        self._idf: dict[str, float] = {}  # idf of the index's terms asked about: at most its vocabulary
        self.stories = Stories(retriever, tokenizer, self.idf)

    def idf(self, term: str) -> float:
        """Plain idf over articles, never below a small floor: how telling a question word is.

        Remembered for the index's own terms (a ranking asks for the same few hundred times);
        a word the index lacks is not, so a flood of made-up words leaves nothing behind."""
        found = self._idf.get(term)
        if found is not None:
            return found
        df = self.retriever.note_frequency(term)
        value = max(float(np.log((self.n_notes - df + 0.5) / (df + 0.5))), 0.1)
        if df:
            self._idf[term] = value
        return value

    def query_terms(self, text: str) -> tuple[list[str], tuple[Correction, ...], float]:
        """The index terms of ``text``, unknown and very rare words corrected to near index terms
        that fit the question.

        Returns the terms searched, the corrections made, and the summed idf of words that are
        nowhere in the index (they count against relevance).
        """
        known_to_index = self.retriever.note_frequency
        asking = {m.start(1) for m in VICTIM_QUESTION.finditer(text)}
        words = [
            (s, e, t)
            for s, e, t in self.tokenize.spans(text)
            if text[s:e].lower() not in QUESTION_WORDS and s not in asking
        ]
        written = {t: text[s:e] for s, e, t in words}
        spelling = correct([t for _, _, t in words], self.retriever, self.idf, written)
        fixes = spelling.fixes
        terms: list[str] = []
        corrections: list[Correction] = []
        missing_idf = 0.0
        for start, end, term in words:
            if term in fixes:
                corrections.append(Correction(start, end, fixes[term]))
                term = fixes[term]
            elif not known_to_index(term):
                missing_idf += self._missing_weight(spelling.readings.get(term), text[start:end])
                continue
            terms.append(term)
        return terms, tuple(corrections), missing_idf

    def _missing_weight(self, reading: str | None, written: str) -> float:
        """What a word found nowhere counts against relevance: fully, as an absent name would,
        unless it is one edit from an ordinary word ("twise"): then as that word lacking would.
        In a collection of fewer than SMALL_COLLECTION notes, a word written in lower-case letters
        counts as an ordinary word of one note lacking: so few notes lack most ordinary words
        ("were hit"), and their idf of a word found nowhere dwarfs every other."""
        if reading is None and self.n_notes < SMALL_COLLECTION and written.isalpha() and written.islower():
            return W_PARAPHRASED * max(float(np.log((self.n_notes - 0.5) / 1.5)), 0.1)
        if reading is None or self.retriever.name_share(reading) >= NAME_SHARE:
            return self.max_idf
        return W_PARAPHRASED * self.idf(reading)

    def rank(
        self, text: str, top: int = 10, filters: Query | None = None, among: Collection[int] | None = None
    ) -> Ranked:
        """Best passages first: each article's best passage in the order of how well the articles
        match, with an article's further passages in between once it leads by DEPTH_STEP, so the
        first pages show the best story's answer and then different stories. ``among`` keeps
        only those notes (a follow-up asked of one story)."""
        terms, corrections, missing_idf = self.query_terms(text)
        weights = {t: self.idf(t) for t in terms}
        if not terms:
            return Ranked((), weights, corrections)
        notes = self.retriever.top_notes(terms, CANDIDATE_NOTES * 2, filters, among)
        asked = asked_for(text, self.tokenize)
        main = self._main_story(asked, terms, filters, among)
        if main:
            found = {hit.note for hit in notes}
            extra = self.retriever.top_notes(terms, CANDIDATE_NOTES, filters, [n for n in main if n not in found])
            notes = notes[:CANDIDATE_NOTES] + extra + notes[CANDIDATE_NOTES:]
        notes = [self._with_source(hit, weights) for hit in notes]
        held = relevance(notes[:CANDIDATE_NOTES], weights, missing_idf, self.retriever.name_share)
        if held < MIN_RELEVANCE:
            return Ranked((), weights, corrections, relevance=held)
        numbers = [hit.note for hit in notes]
        scored = self.retriever.passages_of_notes(numbers, terms)
        articles = self._articles(notes, scored.best, main)
        chooser = PassageChooser(self.retriever, self.tokenize, asked, weights, self.stories.title_terms)
        of_note = {note: i for i, note in enumerate(numbers)}
        chosen, story = self._choose(articles, lambda i, note: chooser.order(scored.of(of_note[note]), _graded(i)), top)
        lead = [n for n in notes if chosen and n.note == chosen[0][0].note]
        lead_held = relevance(lead, weights, missing_idf, self.retriever.name_share)
        return Ranked(tuple(chosen), weights, corrections, story, relevance=held, lead_relevance=lead_held, asked=asked)

    def _choose(
        self,
        articles: list[tuple[int, float]],
        order: Callable[[int, int], list[tuple[PassageHit, float]]],
        top: int,
    ) -> tuple[list[tuple[PassageHit, float]], tuple[tuple[PassageHit, float], ...]]:
        """The ``top`` passages shown, one per distinct text, and the ordered passages of the
        first one's article (its story); ``order(i, note)`` orders article ``i``'s passages.

        Each further passage of an article stands DEPTH_STEP lower than the article: a clear
        leader shows its next paragraph before a weaker story's best, near-ties alternate. The
        articles come best first, so once the passages of those ordered so far that stand at
        least as high as the next article (ties go to the earlier article) fill ``top``, no
        later article can change them, and it is never ordered: the costly part of a ranking."""
        chosen: list[tuple[PassageHit, float]] = []
        in_order: dict[int, list[tuple[PassageHit, float]]] = {}
        pending: list[tuple[float, int, int, PassageHit, float]] = []  # ordered, not yet taken or dropped
        seen_text: set[str] = set()
        for i, (note, article_score) in enumerate(articles):
            in_order[note] = order(i, note)
            pending += [
                (article_score - DEPTH_STEP * depth, i, depth, hit, article_score + within)
                for depth, (hit, within) in enumerate(in_order[note])
            ]
            pending.sort(key=lambda step: (-step[0], step[1], step[2]))
            following = articles[i + 1][1] if i + 1 < len(articles) else -np.inf
            taken = 0
            for stands, _, _, hit, score in pending:
                if stands < following:
                    break
                taken += 1
                key = _text_key(self.retriever.passage_text(hit.passage))
                if key not in seen_text:
                    seen_text.add(key)
                    chosen.append((hit, score))
                    if len(chosen) == top:
                        return chosen, tuple(in_order[chosen[0][0].note])
            del pending[:taken]
        return chosen, tuple(in_order[chosen[0][0].note]) if chosen else ()

    def _with_source(self, hit: NoteHit, weights: Mapping[str, float]) -> NoteHit:
        """``hit`` holding also the question's words that name its source: "in the DFIR report's
        case" is about an article of The DFIR Report, which its text need not say."""
        named = weights.keys() & self._source_terms(self.retriever.note(hit.note).source)
        return replace(hit, holds=hit.holds | named) if named - hit.holds else hit

    def _source_terms(self, source: str) -> frozenset[str]:
        terms = self._sources.get(source)
        if terms is None:
            terms = self._sources[source] = frozenset(self.tokenize(source))
        return terms

    def _main_story(
        self, asked: Asked | None, terms: list[str], filters: Query | None, among: Collection[int] | None
    ) -> dict[int, float]:
        """For a question that only names something ("what happened to Kaseya?"; it ``asked``
        for no kind of thing), the articles of its most reported story (``Stories.main_story``);
        nothing for any other question."""
        if among is not None or (filters is not None and filters.filtered) or asked is not None:
            return {}
        if any(self.retriever.name_share(t) < NAME_SHARE for t in terms):
            return {}
        return self.stories.main_story(terms)

    def _articles(
        self, notes: list[NoteHit], best_passage: Sequence[float], main: Mapping[int, float] | None = None
    ) -> list[tuple[int, float]]:
        """The best few articles by article-level BM25 plus a share of their best passage's
        BM25 (``best_passage``, one for each of ``notes``), one note per link (an article stored
        twice is shown once); the articles of the ``main`` story first, most central first, when
        the question only names it.

        Scores are rescaled to 0..1 over the candidates: in a collection of a handful of notes
        BM25Okapi's idf (and so every score) can be negative, and the order must still hold.
        """
        if not notes:
            return []
        score = _unit(np.array([n.score for n in notes])) + W_PASSAGE * _unit(np.array(best_passage))
        articles: list[tuple[int, float]] = []
        links: set[str] = set()
        if main:
            # The main story's leads stand above the best match, most central first.
            leads = sorted(main, key=lambda n: -main[n])
            top = float(score.max())
            for i, hit in enumerate(notes):
                if hit.note in main:
                    score[i] = top + DEPTH_STEP * (len(leads) - leads.index(hit.note))
        for i in (-score).argsort(kind="stable").tolist():
            link = self.retriever.note(notes[i].note).link
            if link not in links:
                links.add(link)
                articles.append((notes[i].note, float(score[i])))
        return articles[:CANDIDATE_NOTES]


def _graded(article: int) -> int:
    """How many passages of the ``article``-th best article are graded for the answer type: the
    leading articles' order matters most (their paragraphs fill the first pages and the
    supporting sentences); the others mostly show their best paragraph."""
    return GRADED if article < LEADING else GRADED_OTHERS


def _unit(scores: np.ndarray) -> np.ndarray:
    """Scores rescaled so the best is 1 and zero (or the worst, if below zero) is 0."""
    low = min(float(scores.min()), 0.0)
    span = float(scores.max()) - low
    return (scores - low) / span if span > 0 else np.ones_like(scores)


def _text_key(text: str) -> str:
    """Letters and digits of a passage's start: equal for the same paragraph in two notes. (The
    first 300 characters hold the 200 kept in nearly every paragraph: the rest is read only when not.)"""
    key = _NOT_ALNUM.sub("", text[:300].casefold())
    return key[:200] if len(key) >= 200 else _NOT_ALNUM.sub("", text[:1000].casefold())[:200]
