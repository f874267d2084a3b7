"""Copies and other reports of a story on the real corpus (bot/search/stories.py)."""

from __future__ import annotations

import pytest

from bot.search.engine import Engine

pytestmark = pytest.mark.corpus


def test_a_republished_article_is_folded_into_one_hit_that_names_the_copy(corpus_engine: Engine) -> None:
    answer = corpus_engine.fold_copies(corpus_engine.ask("unpatched Kaseya Unitrends backup vulnerabilities"))
    titles = [hit.note.title for hit in answer.hits]
    copies = [t for t in titles if t.startswith("Researchers warn of unpatched Kaseya Unitrend")]
    assert len(set(copies)) == 1  # "Unitrend" and "Unitrends" are one article, stored twice
    first = next(hit for hit in answer.hits if hit.note.title == copies[0])
    assert [c.title for c in first.copies] and first.copies[0].source == "Bleeping Computer"


def test_other_reports_are_other_outlets_on_the_same_story(corpus_engine: Engine) -> None:
    answer = corpus_engine.ask("Sinclair ransomware attack TV stations")
    page = corpus_engine.with_reports(answer, 0).hits[0]
    assert "Sinclair" in page.note.title
    assert page.reports and all("Sinclair" in note.title for note in page.reports)
    assert len({note.source for note in page.reports}) >= 2


def test_a_generic_title_has_no_other_reports(corpus_engine: Engine) -> None:
    answer = corpus_engine.ask("best security key to protect your online accounts")
    hit = next(h for h in answer.hits if h.note.title.startswith("Best security key"))
    page = corpus_engine.with_reports(answer, answer.hits.index(hit)).hits[answer.hits.index(hit)]
    assert page.reports == ()
