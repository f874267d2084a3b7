"""Which notes a standing question (a watch) matches, read exactly as an answer would read it.

A watch is question text with the same filters (``ransomware tag:healthcare``). A note matches
when it passes the filters and, on its own, holds enough of the watch's words to be answered:
the decline rule of answers (``relevance``) applied to that one note, so a note holding only a
watch's common word does not fire it. Its best paragraph for the watch is the one an answer
would show (``PassageChooser``), marked up like an answer's.

A watch that would match a large share of the notes already in the index ("attack") would
flood its chat with every new note, so ``breadth`` says how many it matches today and
``too_broad`` whether that is too many to accept.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.notes.models import Note
from bot.search.answer_types import asked_for
from bot.search.engine import Engine
from bot.search.filters import note_matches
from bot.search.passages import PassageChooser
from bot.search.query import Query, parse_query
from bot.search.relevance import MIN_RELEVANCE, relevance
from bot.search.results import Hit

# In an index this small a handful of matches says nothing about a flood: never too broad.
BROAD_FLOOR = 10


@dataclass(frozen=True, slots=True)
class WatchMatch:
    """A note a watch matches: who it is (``key``), what it said (``digest``, its content hash
    in the index), and its best paragraph for the watch."""

    key: str
    digest: str
    hit: Hit


@dataclass(frozen=True, slots=True)
class Breadth:
    """How many of the index's notes a watch matches today."""

    matches: int
    notes: int

    @property
    def share(self) -> float:
        return self.matches / self.notes if self.notes else 0.0


def note_key(note: Note) -> str:
    """What makes two notes the same article for a watch: its link (one article stored twice is
    one article), else its path in the seeds."""
    return note.link or note.path


def is_watchable(engine: Engine, text: str) -> bool:
    """True when the watch has a filter or a word to match on (not only "the", "who", …); its
    words need not be in the index yet: a watch waits for notes that hold them."""
    query = parse_query(text)
    return query.filtered or bool(engine.tokenizer(query.text))


def matches(engine: Engine, text: str, among: Collection[int] | None = None) -> list[WatchMatch]:
    """The notes of ``engine`` (only those numbered in ``among``, when given) that the watch
    ``text`` matches, best article-level BM25 first."""
    query = parse_query(text)
    retriever, ranker = engine.retriever, engine.ranker
    terms, _, missing_idf = ranker.query_terms(query.text)
    if not terms:
        if query.text.strip() or not query.filtered:
            return []  # its words are nowhere in the index (yet)
        return _filter_only(engine, query, among)
    weights = {t: ranker.idf(t) for t in terms}
    found = retriever.top_notes(terms, retriever.note_count(), query if query.filtered else None)
    asked = asked_for(query.text, engine.tokenizer)
    chooser = PassageChooser(retriever, engine.tokenizer, asked, weights, ranker.stories.title_terms)
    out = []
    for hit in found:
        if among is not None and hit.note not in among:
            continue
        if relevance([hit], weights, missing_idf, retriever.name_share) < MIN_RELEVANCE:
            continue
        best, _ = chooser.order(retriever.passages_of(hit.note, terms))[0]
        out.append(_match(engine, hit.note, engine.hit(1, best, hit.score, weights)))
    return out


def searched_for(engine: Engine, text: str, found: Collection[WatchMatch]) -> str | None:
    """The watch's words respelt as they were matched ("fortinte" -> "fortinet"), as an answer
    says them; None when no word was corrected."""
    words = parse_query(text).text
    _, corrections, _ = engine.ranker.query_terms(words)
    return engine.respelt(words, corrections, [match.hit for match in found])


def _filter_only(engine: Engine, query: Query, among: Collection[int] | None) -> list[WatchMatch]:
    """A watch of filters alone (``tag:healthcare``): every note they keep, shown by its lead."""
    numbers = range(engine.retriever.note_count()) if among is None else sorted(among)
    out = []
    for number in numbers:
        if note_matches(engine.retriever.note(number), query):
            lead = engine.retriever.passages_of(number, [])[0]
            out.append(_match(engine, number, engine.hit(1, lead, 0.0, {})))
    return out


def _match(engine: Engine, number: int, hit: Hit) -> WatchMatch:
    hashes = engine.catalog.note_hash
    return WatchMatch(note_key(hit.note), hashes[number] if number < len(hashes) else "", hit)


def breadth(engine: Engine, text: str) -> Breadth:
    """How many notes of the index in service the watch matches."""
    return Breadth(len(matches(engine, text)), engine.retriever.note_count())


def too_broad(found: Breadth, max_share: float) -> bool:
    """More than ``max_share`` of the notes (and more than BROAD_FLOOR): it would fire on most
    new notes, drowning the few that matter."""
    return found.matches > max(BROAD_FLOOR, max_share * found.notes)
