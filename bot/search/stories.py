"""Reports of one story: the same article stored twice, and other outlets' reports of it.

The notes hold copies (one link saved twice, a republished article whose title gained an "s")
and several outlets' reports of one event. An answer should show a copy once, naming the other
outlets, and offer the story's other reports instead of paging through them as new stories.

Titles are compared as sets of index terms weighted by idf, so shared names ("Sinclair",
"Kaseya") count and shared everyday words ("attack", "2021") hardly do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta

from bot.notes.models import Note
from bot.search.query import Query
from bot.search.results import Hit
from bot.search.retriever import Retriever
from bot.search.tokenize import Tokenizer

SAME_STORY = 0.4  # weighted title overlap from which two reports a week apart tell one story
NEAR_COPY_TITLE = 0.8  # ... and from which two articles are copies, if their first paragraphs agree
NEAR_COPY_TEXT = 0.5  # term overlap of the first paragraphs of two copies
STORY_DAYS = 7
CANDIDATES = 30
MAIN_SCAN = 500  # articles holding a name read for its main story (by BM25: the most about it first)
MAIN_MIN = 3  # articles titled with a name from which it has a main story
MAIN_LEADS = 3  # the main story's most central articles, put first for a question naming it only


class Stories:
    """Finds a note's copies and other reports among the notes a retriever serves."""

    def __init__(self, retriever: Retriever, tokenizer: Tokenizer, idf: Callable[[str], float]) -> None:
        self._retriever = retriever
        self._tokenize = tokenizer
        self._idf = idf
        self._titles: dict[int, frozenset[str]] = {}  # by note number

    def title_terms(self, note: int) -> frozenset[str]:
        """The index terms of note number ``note``'s title, as a set made once: every ranking
        and every fold of copies compares titles."""
        terms = self._titles.get(note)
        if terms is None:
            terms = self._titles[note] = self._retriever.title_terms(note)
        return terms

    def title_overlap(self, a: int, b: int) -> float:
        """How much of their titles two notes (by number) share, 0..1, weighted by idf."""
        first, second = self.title_terms(a), self.title_terms(b)
        if first.isdisjoint(second):
            return 0.0  # most pairs of one answer's articles: no idf to add up
        union = sum(self._idf(t) for t in first | second)
        return sum(self._idf(t) for t in first & second) / union if union > 0 else 0.0

    def is_copy(self, a: Note, a_number: int, b: Note, b_number: int) -> bool:
        """The same article twice: one link, or nearly the same title and the same opening."""
        if a.link and a.link == b.link:
            return True
        if self.title_overlap(a_number, b_number) < NEAR_COPY_TITLE:
            return False
        first, second = set(self._opening(a_number)), set(self._opening(b_number))
        return bool(first | second) and len(first & second) >= NEAR_COPY_TEXT * len(first | second)

    def collapse(self, hits: Sequence[Hit], numbers: Sequence[int]) -> tuple[Hit, ...]:
        """``hits`` (of the notes numbered ``numbers``) with each copy of an earlier hit's article
        dropped and named in that hit's ``copies``; an article's further paragraphs stay."""
        kept: list[tuple[Hit, int]] = []
        copies: dict[int, dict[str, Note]] = {}  # by the note number of the article copied
        for hit, number in zip(hits, numbers, strict=True):
            lead = next((n for h, n in kept if n != number and self.is_copy(h.note, n, hit.note, number)), None)
            if lead is None:
                kept.append((hit, number))
                copies.setdefault(number, {c.path: c for c in hit.copies})
            else:
                copies[lead].setdefault(hit.note.path, hit.note)
        return tuple(replace(hit, copies=tuple(copies[number].values())) for hit, number in kept)

    def other_reports(self, note: Note, number: int, limit: int = 20) -> list[Note]:
        """The other notes on ``note``'s story: published within a week of it, with titles that
        share most of its weight; most alike first."""
        terms = list(dict.fromkeys(self._tokenize(note.title)))
        if not terms:
            return []
        window = None
        if note.date is not None:
            week = timedelta(days=STORY_DAYS)
            window = Query("", after=note.date - week, before=note.date + week + timedelta(days=1))
        found = []
        for hit in self._retriever.top_notes(terms, CANDIDATES, window):
            other = self._retriever.note(hit.note)
            if hit.note != number and other.path != note.path:
                overlap = 1.0 if other.link == note.link else self.title_overlap(number, hit.note)
                if overlap >= SAME_STORY:
                    found.append((overlap, other))
        found.sort(key=lambda pair: -pair[0])
        return [other for _, other in found[:limit]]

    def main_story(self, terms: Sequence[str]) -> dict[int, float]:
        """The leading articles of the story most reported about ``terms`` (a name: "Kaseya"),
        each with how central it is: of the articles with every term in their title, those whose
        other title words the most of the others share, weighted by idf ("Kaseya ransomware
        attack FAQ" before "Kaseya warns of phishing campaign"). Empty when fewer than
        MAIN_MIN articles are titled with the name."""
        wanted = set(terms)
        titled: list[tuple[int, frozenset[str]]] = []
        for hit in self._retriever.top_notes(list(wanted), MAIN_SCAN):
            words = self.title_terms(hit.note)
            if wanted <= words:
                titled.append((hit.note, words - wanted))
        if len(titled) < MAIN_MIN:
            return {}
        shared: dict[str, int] = {}
        for _, words in titled:
            for word in words:
                shared[word] = shared.get(word, 0) + 1
        central = {
            number: sum((shared[w] - 1) * self._idf(w) for w in words) / (sum(self._idf(w) for w in words) or 1.0)
            for number, words in titled
        }
        leads = sorted(central, key=lambda n: -central[n])[:MAIN_LEADS]
        return {n: central[n] for n in leads}

    def _opening(self, number: int) -> list[str]:
        passages = self._retriever.passages_of(number, [])
        return self._tokenize(self._retriever.passage_text(passages[0].passage)) if passages else []
