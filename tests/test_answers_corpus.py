"""Answers over the real corpus (../shared): the acceptance questions and filters."""

from __future__ import annotations

from datetime import date

import pytest

from bot.notes.loader import load_corpus
from bot.search.backend import local_engine
from bot.search.index import build_index
from seed_notes import LINE_LINK

# The notes with no article text: the two `Unknown.md` placeholders and four image-only Gen B notes.
EMPTY_NOTES = {
    "bleepingcomputer/Google-Drive-flags-nearly-empty-files-for-copyright-infringement.md",
    "bleepingcomputer/New-Windows-11-Voice-Access-lets-you-control-the-OS-with-your-voice.md",
    "therecord/Unknown.md",
    "zdnet/How-hackers-exploit-cyber-insurance-policies-to-make-more-money-from-ransomware-attacks---Video.md",
    "zdnet/Tech-salaries-developer-skills-cybersecurity-and-more-ZDNets-research-roundup.md",
    "zdnet/Unknown.md",
}


def test_the_line_question_finds_the_line_article_first(corpus_engine):
    hits = corpus_engine.ask("who was affected in the Taiwan LINE hack?").hits
    assert hits[0].note.link == LINE_LINK


def test_the_line_question_answers_with_the_politicians_paragraph(corpus_engine):
    first = corpus_engine.ask("who was affected in the Taiwan LINE hack?").hits[0]
    assert first.passage.startswith("The LINE accounts of more than 100 Taiwanese politicians")


def test_the_first_reply_shows_the_count_a_how_many_question_asks_for(corpus_engine):
    first = corpus_engine.ask("how many revil members did russia detain?").hits[0]
    assert "14" in first.shown


def test_no_passage_of_the_corpus_is_a_zdnet_see_line_or_a_promotion(corpus_index):
    index, _ = corpus_index
    texts = [index.passages.text(i) for i in range(len(index.passages))]
    assert not [t for t in texts if t.startswith(("SEE:", "SEE: ", "Also:", "Check out our free", "Register NOW"))]


def test_every_news_note_is_indexed_except_the_empty_or_image_only_ones(corpus_index):
    index, _ = corpus_index
    assert len(index.notes) + len(index.skipped) == 4490
    assert {s.path for s in index.skipped} == EMPTY_NOTES
    assert {s.reason for s in index.skipped} == {"no article text"}
    assert len(index.passages) > 70_000


def test_every_frontmatter_postmortem_is_indexed_and_answerable(frontmatter_dir):
    corpus = load_corpus(frontmatter_dir)
    assert (len(corpus.notes), corpus.skipped) == (242, ())
    index = build_index(corpus, fingerprint="fm", seeds_dir=str(frontmatter_dir))
    engine = local_engine(index)
    note = corpus.notes[0]
    hit = engine.ask(note.title, top=1).hits[0]
    assert hit.note.title == note.title


def test_a_source_filter_restricts_every_hit_to_that_source(corpus_engine):
    hits = corpus_engine.ask("source:zdnet ransomware attack on a hospital", top=10).hits
    assert len(hits) == 10
    assert {h.note.source for h in hits} == {"ZDNet"}


def test_a_before_filter_restricts_every_hit_to_older_articles(corpus_engine):
    hits = corpus_engine.ask("before:2021-08-01 ransomware attack", top=10).hits
    assert len(hits) == 10
    assert all(h.note.date is not None and h.note.date < date(2021, 8, 1) for h in hits)


def test_source_and_date_filters_combine(corpus_engine):
    hits = corpus_engine.ask("source:zdnet after:2022-01-01 ransomware", top=10).hits
    assert hits
    assert all(h.note.source == "ZDNet" and h.note.date >= date(2022, 1, 1) for h in hits)


@pytest.mark.parametrize("question", ["the of and is", "🔥🔥", "\u200b\u200b", "?" * 4000])
def test_questions_with_no_searchable_word_find_nothing_rather_than_noise(corpus_engine, question):
    assert corpus_engine.ask(question).hits == ()
