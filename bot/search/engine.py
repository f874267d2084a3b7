"""The search engine the chat layer talks to: questions in, ranked hits out, plus browsing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from functools import cached_property, partial
from typing import TYPE_CHECKING

from bot.notes.models import Note, Tag
from bot.search.catalog import TagCatalog, TagEntry
from bot.search.filters import note_matches, source_matches
from bot.search.language import other_language, without_function_words
from bot.search.query import Query, parse_query
from bot.search.ranking import Ranked, Ranker
from bot.search.relevance import NAME_SHARE, is_sure
from bot.search.results import Answer, Hit, IndexInfo, Outcome, SourceStats, Story, Supporting
from bot.search.retriever import PassageHit, Retriever
from bot.search.sentences import best_sentence
from bot.search.smalltalk import smalltalk
from bot.search.spelling import Correction
from bot.search.stories import Stories
from bot.search.supporting import Paragraph, supporting_sentences
from bot.search.tokenize import Tokenizer
from bot.search.topics import Topics

if TYPE_CHECKING:
    from bot.search.backend import NotesCatalog


class Engine:
    """Immutable once built, so many threads may ask at once while a rebuild makes the next one."""

    def __init__(self, retriever: Retriever, catalog: NotesCatalog, tokenizer: Tokenizer | None = None) -> None:
        """Put together by ``bot.search.backend``: ``retriever`` ranks, ``catalog`` is what is browsed."""
        self.catalog = catalog
        self.tokenizer = tokenizer or Tokenizer()
        self.retriever = retriever
        self.ranker = Ranker(self.retriever, self.tokenizer)

    @cached_property
    def info(self) -> IndexInfo:
        dates = [n.date for n in self.catalog.notes if n.date]
        return IndexInfo(
            notes=len(self.catalog.notes),
            passages=self.catalog.passages,
            sources=len({n.source for n in self.catalog.notes}),
            skipped=self.catalog.skipped,
            built_at=self.catalog.built_at,
            fingerprint=self.catalog.fingerprint,
            seeds_dir=self.catalog.seeds_dir,
            first_date=min(dates, default=None),
            last_date=max(dates, default=None),
        )

    def ask(self, question: str, top: int = 10, story: Story | None = None) -> Answer:
        """The reply to one message: the best passages for a question (marked unsure when they may
        not answer it), the matching articles for filters alone, or no search at all for smalltalk.

        With ``story``, the question is asked of that story's notes only (a follow-up)."""
        query = self._passable(parse_query(question))
        if not query.filtered and (kind := smalltalk(query.text)) is not None:
            return Answer(question, (), outcome=Outcome.SMALLTALK, smalltalk=kind, problems=query.problems)
        if not self.tokenizer(query.text):
            if query.filtered:
                notes = self.matching_notes(query, None)
                return Answer(
                    question,
                    (),
                    outcome=Outcome.LISTING,
                    notes=tuple(notes[:top]),
                    listed=len(notes),
                    problems=query.problems,
                )
            return Answer(question, (), outcome=Outcome.NOTHING, problems=query.problems)
        among = None if story is None else self._note_ids(story)
        language = other_language(query.text)
        text, ranked, hits, sure = self._search(query, language, top, among)
        if language is None and not sure and (hint := other_language(query.text, weak=True)) is not None:
            # A hint of another language ("¿quién...", one word in another script) and nothing
            # sure in English: the names it writes with a capital may still find a sure answer.
            found = self._search(query, hint, top, among, capitalised=True)
            if found[3]:
                text, ranked, hits, sure = found
            elif not hits:
                language = hint  # nothing in English either: the reply says the notes are in English
        if language is not None and not sure:
            return Answer(question, (), outcome=Outcome.OTHER_LANGUAGE, language=language, problems=query.problems)
        return Answer(
            question=question,
            hits=tuple(hits),
            did_you_mean=self.respelt(text, ranked.corrections, hits),
            outcome=Outcome.ANSWER if sure else Outcome.UNSURE if hits else Outcome.NOTHING,
            problems=query.problems,
            relevance=ranked.lead_relevance,
        )

    def _passable(self, query: Query) -> Query:
        """``query`` without the filters no article passes (a source or tag no note has, an empty
        date range), each named in ``problems`` with what would match: the reply says why, and
        answers the rest, instead of finding nothing."""
        notes, problems = self.catalog.notes, list(query.problems)
        source, tag, after, before = query.source, query.tag, query.after, query.before
        if source and not any(source_matches(n, source) for n in notes):
            problems.append(f"no source matches {source!r}")
            source = None
        if tag and not any(note_matches(n, Query("", tag=tag)) for n in notes):
            match = self.tags.find(tag)
            close = (match.tag,) if match.tag is not None else match.candidates
            hint = f" (did you mean {' or '.join(f'tag:{e.name}' for e in close)}?)" if close else ""
            problems.append(f"no article is tagged {tag!r}{hint}")
            tag = None
        if after and before and after >= before:
            problems.append(f"after:{after} is not before before:{before}: no day is in that range")
            after = before = None
        return replace(query, source=source, tag=tag, after=after, before=before, problems=tuple(problems))

    def _search(
        self, query: Query, language: str | None, top: int, among: list[int] | None, capitalised: bool = False
    ) -> tuple[str, Ranked, list[Hit], bool]:
        """The searched text, its ranking, hits and whether the first is sure, for the message read
        as English (``language`` None) or, in another language, by the names it holds (only those
        written with a capital or digit, when ``capitalised``)."""
        text = query.text
        if language is not None:
            # Names are the same in every language: ask with them alone, answer only when sure.
            text = self._names_in(without_function_words(text, language), capitalised)
        ranked = self.ranker.rank(text, top=top, filters=query if query.filtered else None, among=among)
        hits = [self.hit(i + 1, passage, score, ranked.weights) for i, (passage, score) in enumerate(ranked.passages)]
        if hits:
            hits[0] = replace(hits[0], supporting=self._supporting(hits[0], ranked))
        sure = bool(hits) and is_sure(ranked.lead_relevance, query.text, self.info.last_date)
        if sure and language is not None:
            # Only the names of a message in another language are searched: the answer must be
            # about one of them (its title names it), not merely hold a word of that language
            # that an article uses as a name ("das Wetter" beside a Mr Wetter quoted on Log4j).
            sure = not self.ranker.stories.title_terms(ranked.passages[0][0].note).isdisjoint(ranked.weights)
        return text, ranked, hits, sure and not self.topics.everyday(query.text)

    def hit(self, rank: int, passage: PassageHit, score: float, weights: Mapping[str, float]) -> Hit:
        """A passage as the chat layer shows it: its note, the question's words marked, and the
        sentence holding most of their weight."""
        text = self._with_continuation(passage)
        matched = [(s, e, t) for s, e, t in self.tokenizer.spans(text) if t in weights]
        return Hit(
            rank=rank,
            score=score,
            note=self.retriever.note(passage.note),
            passage=text,
            position=passage.position,
            highlights=tuple((s, e) for s, e, _ in matched),
            sentence=best_sentence(text, matched, weights),
        )

    def _with_continuation(self, passage: PassageHit) -> str:
        """The passage's text, and the next paragraph of its article when it ends announcing it
        with a colon ("... perform the following steps:"): the list it announces is what it says."""
        text = self.retriever.passage_text(passage.passage)
        if not text.rstrip().endswith(":"):
            return text
        following = [p for p in self.retriever.passages_of(passage.note, ()) if p.position == passage.position + 1]
        return f"{text}\n\n{self.retriever.passage_text(following[0].passage)}" if following else text

    def _supporting(self, first: Hit, ranked: Ranked) -> tuple[Supporting, ...]:
        """Sentences of the first answer's story that hold what its paragraph lacks."""
        best = max((within for _, within in ranked.story), default=0.0) or 1.0
        title = self.ranker.stories.title_terms(ranked.passages[0][0].note)
        lead = ranked.passages[0][0].passage
        # What the reader sees: the paragraph's stored terms, or, when the hit carries the next
        # paragraph it announces (_with_continuation), that text tokenized.
        shown_terms = (
            self.retriever.paragraph_terms(lead)
            if first.passage == self.retriever.passage_text(lead)
            else self.tokenizer(first.passage)
        )
        story = (
            Paragraph(
                self.retriever.passage_text(p.passage),
                within / best,
                self._text_holds_any(p, title),
                partial(self.retriever.paragraph_terms, p.passage),
            )
            for p, within in ranked.story
        )
        return supporting_sentences(
            first.passage,
            shown_terms,
            first.note.title,
            title,
            (paragraph for paragraph in story if paragraph.text != first.passage),
            ranked.weights,
            ranked.asked,
            self.tokenizer,
        )

    def _text_holds_any(self, passage: PassageHit, title: frozenset[str]) -> bool:
        """Whether the passage's own text holds any of the terms searched for: its ``holds``
        counts its title's too, so only when all it holds are title terms is its text read."""
        held = passage.holds
        if held <= title:
            return bool(held) and bool(self.retriever.text_holds(passage.passage, held))
        return True

    def _names_in(self, text: str, capitalised: bool = False) -> str:
        """The words of ``text`` the notes know as names (REvil, Kaseya, numbers), the rest dropped;
        with ``capitalised``, only those ``text`` writes with a capital or a digit too."""
        spans = self._name_spans(text)
        return " ".join(text[s:e] for s, e, _ in spans if not capitalised or not text[s:e][:1].islower())

    def names(self, text: str) -> tuple[str, ...]:
        """The index terms of ``text`` that the notes write as names (see names.py), once each."""
        return tuple(dict.fromkeys(t for _, _, t in self._name_spans(text)))

    def _name_spans(self, text: str) -> list[tuple[int, int, str]]:
        share, known = self.retriever.name_share, self.retriever.note_frequency
        return [(s, e, t) for s, e, t in self.tokenizer.spans(text) if known(t) and share(t) >= NAME_SHARE]

    def names_outside(self, text: str, story: Story) -> tuple[str, ...]:
        """The names of ``text`` (as index terms) that no note of ``story`` holds: a message that
        brings them names another story."""
        names = self.names(text)
        if not names:
            return ()
        ids = self._note_ids(story)
        held = set().union(*(hit.holds for hit in self.retriever.top_notes(names, len(ids), among=ids)))
        return tuple(t for t in names if t not in held)

    def story_of(self, answer: Answer) -> Story | None:
        """The story an answer tells, for the follow-ups that lean on it: its first hit's article
        and that article's other reports (``Stories``: copies, and other outlets within a week)."""
        if not answer.hits:
            return None
        first = answer.hits[0].note
        number = self._note_id.get(first.path)
        reports = [] if number is None else self.stories.other_reports(first, number)
        words = tuple(dict.fromkeys(self.tokenizer(self.parse(answer.question).text)))
        return Story(title=first.title, notes=frozenset({first.path, *(n.path for n in reports)}), words=words)

    def matching_notes(self, query: Query, limit: int | None = 10) -> list[Note]:
        """The articles ``query``'s filters keep, newest first: what a message of filters alone asks for."""
        return _newest((n for n in self.catalog.notes if note_matches(n, query)), limit)

    def _note_ids(self, story: Story) -> list[int]:
        ids = self._note_id
        return sorted(ids[p] for p in story.notes if p in ids)

    @cached_property
    def _note_id(self) -> dict[str, int]:
        return {note.path: i for i, note in enumerate(self.catalog.notes)}

    def respelt(self, text: str, corrections: Sequence[Correction], hits: Sequence[Hit]) -> str | None:
        """``text`` respelt with each corrected word as the notes of ``hits`` spell it: what was
        searched for (None when nothing was corrected or nothing found)."""
        if not corrections or not hits:
            return None
        spelling: dict[str, str] = {}
        for hit in hits:
            for source in (hit.note.title, hit.passage):
                for s, e, t in self.tokenizer.spans(source):
                    spelling.setdefault(t, source[s:e].lower())
        out, last = [], 0
        for c in corrections:
            out += [text[last : c.start], spelling.get(c.term, c.term)]
            last = c.end
        return "".join(out) + text[last:]

    def parse(self, question: str) -> Query:
        """The question's free text and filters, as the engine reads them."""
        return parse_query(question)

    @cached_property
    def tags(self) -> TagCatalog:
        """Every tag, one entry per name whatever its case or kind, and how to find one."""
        return TagCatalog(self.catalog.notes, self.tokenizer)

    def tag_counts(self, limit: int | None = None) -> list[tuple[Tag, int]]:
        """Tags by the number of notes carrying them (in any spelling or kind), most used first,
        each in its most used spelling."""
        return [(Tag(entry.name), entry.count) for entry in self.tags.entries[:limit]]

    def source_stats(self) -> list[SourceStats]:
        """Each source with its article count and date range, most articles first."""
        by_source: dict[str, list[Note]] = {}
        for note in self.catalog.notes:
            by_source.setdefault(note.source, []).append(note)
        stats = []
        for name, notes in by_source.items():
            dates = [n.date for n in notes if n.date]
            stats.append(SourceStats(name, len(notes), min(dates, default=None), max(dates, default=None)))
        return sorted(stats, key=lambda s: (-s.notes, s.name))

    def notes_with_tag(self, name: str, limit: int | None = 10) -> list[Note]:
        """Articles carrying tag ``name`` (any case or kind, with or without "(kind)"), newest first."""
        entry = self.tags.find(name).tag
        return self.notes_tagged(entry, limit) if entry is not None and entry.key == self.tags.key(name) else []

    def notes_tagged(self, entry: TagEntry, limit: int | None = None) -> list[Note]:
        """The articles carrying a tag of the catalog, newest first."""
        return _newest((self.catalog.notes[n] for n in self.tags.notes_with(entry)), limit)

    def notes_from_source(self, name: str, limit: int | None = 10) -> list[Note]:
        """The latest articles of the source ``name`` matches (see ``source_matches``)."""
        return _newest((n for n in self.catalog.notes if source_matches(n, name)), limit)

    def latest(self, limit: int | None = 10) -> list[Note]:
        return _newest(self.catalog.notes, limit)

    @cached_property
    def topics(self) -> Topics:
        """Tells questions with no security angle (weather, sports, recipes) from the rest."""
        return Topics(self.tokenizer)

    @cached_property
    def stories(self) -> Stories:
        """Copies of one article, and the other reports of a story (the ranker's own, so titles
        are tokenized once for both)."""
        return self.ranker.stories

    def fold_copies(self, answer: Answer) -> Answer:
        """``answer`` with each copy of an article (same link, or nearly the same title and opening)
        folded into the hit of the article it copies, so that pages are different articles."""
        numbers = [self._note_id[hit.note.path] for hit in answer.hits]
        return replace(answer, hits=self.stories.collapse(answer.hits, numbers))

    def with_reports(self, answer: Answer, page: int) -> Answer:
        """``answer`` with the other reports of page ``page``'s story looked up (once): all of
        them in ``reports``, the copies of its article among them also in ``copies``."""
        hit = answer.hits[page]
        if hit.reports is not None:
            return answer
        number = self._note_id.get(hit.note.path)
        found = [] if number is None else self.stories.other_reports(hit.note, number)
        copies = {c.path: c for c in hit.copies}
        for other in found:
            if number is not None and self.stories.is_copy(hit.note, number, other, self._note_id[other.path]):
                copies.setdefault(other.path, other)
        reports = tuple({n.path: n for n in (*found, *copies.values())}.values())
        hits = list(answer.hits)
        hits[page] = replace(hit, copies=tuple(copies.values()), reports=reports)
        return replace(answer, hits=tuple(hits))

    def best_passage(self, note: Note, topic: str = "") -> Hit | None:
        """The paragraph of ``note`` that says most about ``topic`` (its first when the topic is
        empty or absent from it), marked like an answer; None for a note no longer indexed."""
        number = self._note_id.get(note.path)
        if number is None:
            return None
        terms = self.tokenizer(topic)
        passages = self.retriever.passages_of(number, terms)
        if not passages:
            return None
        best = max(passages, key=lambda p: (p.score, -p.position))
        return self.hit(1, best, best.score, {t: self.ranker.idf(t) for t in terms})

    def example_questions(self, n: int = 3) -> list[str]:
        """Questions this index can answer, made from its most used tags of different kinds,
        then its newest titles as they are (a title finds its article, and a sentence pasted
        into a question template would not read as one)."""
        templates = {
            "malware": "who was hit by {}?",
            "threat actor": "what attacks is {} behind?",
            "cve": "what is {} and who exploited it?",
            "country": "which attacks were blamed on {}?",
        }
        examples: list[str] = []
        for kind, template in templates.items():
            entry = next((e for e in self.tags.entries if kind in e.kinds), None)
            if entry is not None:
                examples.append(template.format(entry.name))
        examples += [note.title for note in self.latest(n) if note.title.strip()]
        return examples[:n]


def _newest(notes: Iterable[Note], limit: int | None) -> list[Note]:
    return sorted(notes, key=lambda n: (n.date or date.min, n.title), reverse=True)[:limit]
