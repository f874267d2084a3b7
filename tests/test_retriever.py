"""The first stage the ranker asks: best articles, an article's passages, term statistics."""

from __future__ import annotations

from datetime import date

import numpy as np
from rank_bm25 import BM25Okapi
from rapidfuzz.distance import OSA

from bot.notes.models import Corpus, Note
from bot.search.index import build_index
from bot.search.query import parse_query
from bot.search.retriever import LocalRetriever
from bot.search.tokenize import Tokenizer


def _note(title: str, paragraphs: list[str], source: str = "ZDNet", day: date = date(2021, 9, 1)) -> Note:
    return Note(
        path=f"x/{title}.md",
        title=title,
        source=source,
        link=f"https://example.com/{title}",
        date=day,
        author="",
        paragraphs=tuple(paragraphs),
    )


NOTES = (
    _note(
        "Conti ransomware hits hospital", ["Conti encrypted the hospital's servers.", "Patients were sent elsewhere."]
    ),
    _note("Phishing wave hits banks", ["A phishing wave targeted bank customers."], source="The Record"),
    _note(
        "Ransomware gang leaks files",
        ["The gang leaked stolen files.", "Conti was not involved."],
        day=date(2021, 12, 1),
    ),
)


def _retriever() -> LocalRetriever:
    return LocalRetriever(build_index(Corpus(NOTES, ()), fingerprint="t", seeds_dir="t"))


def test_top_notes_come_best_first_with_the_terms_they_hold():
    hits = _retriever().top_notes(["conti", "ransomwar"], k=5)
    assert [NOTES[h.note].title for h in hits] == ["Conti ransomware hits hospital", "Ransomware gang leaks files"]
    assert hits[0].holds == {"conti", "ransomwar"}
    assert hits[0].score > hits[1].score


def test_top_notes_leave_out_articles_holding_no_question_word():
    assert {h.note for h in _retriever().top_notes(["phish"], k=5)} == {1}


def test_top_notes_apply_the_filters():
    hits = _retriever().top_notes(["ransomwar"], k=5, filters=parse_query("after:2021-11-01 x"))
    assert [h.note for h in hits] == [2]


def test_passage_scores_are_rank_bm25_scores_of_title_and_paragraph():
    tokenize = Tokenizer()
    docs = [tokenize(n.title) + tokenize(p) for n in NOTES for p in n.paragraphs]
    expected = BM25Okapi(docs).get_scores(["conti", "conti", "hospit"])
    got = [p.score for n in range(len(NOTES)) for p in _retriever().passages_of(n, ["conti", "conti", "hospit"])]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_a_passage_holds_its_title_words_and_its_own():
    second = _retriever().passages_of(0, ["conti", "patient", "phish"])[1]
    assert (second.position, second.holds) == (1, {"conti", "patient"})


def test_a_passages_own_text_holds_its_paragraphs_words_not_its_titles():
    retriever = _retriever()
    second = retriever.passages_of(0, [])[1]
    assert retriever.text_holds(second.passage, ["patient", "elsewher", "conti", "phish"]) == {"patient", "elsewher"}


def test_a_passages_paragraph_terms_are_its_texts_tokens_in_order():
    retriever = _retriever()
    first = retriever.passages_of(2, [])[0]
    assert retriever.paragraph_terms(first.passage) == Tokenizer()("The gang leaked stolen files.")


def test_a_notes_title_terms_are_those_of_its_title():
    assert _retriever().title_terms(2) == {"ransomwar", "gang", "leak", "file"}


def test_passages_of_several_notes_at_once_are_each_notes_passages_in_the_order_asked():
    retriever, terms = _retriever(), ["conti", "patient", "gang"]
    scored = retriever.passages_of_notes([2, 0, 1], terms)
    assert [scored.of(i) for i in range(3)] == [retriever.passages_of(n, terms) for n in (2, 0, 1)]
    assert [p.passage for p in retriever.passages_of_notes([2, 0], terms).of(1)] == [0, 1]


def test_the_best_passage_score_of_each_article_is_its_passages_highest():
    retriever, terms = _retriever(), ["conti", "patient", "gang"]
    scored = retriever.passages_of_notes([2, 0, 1], terms)
    assert scored.best == [max(p.score for p in retriever.passages_of(n, terms)) for n in (2, 0, 1)]


def test_term_statistics_count_articles():
    retriever = _retriever()
    assert (retriever.note_frequency("conti"), retriever.note_frequency("nowher")) == (2, 0)
    assert retriever.co_occurrences("conti", ["hospit", "ransomwar", "nowher"]) == [1, 2, 0]


def test_spelling_candidates_hold_every_term_within_the_edits_and_rule_out_others():
    retriever = _retriever()
    every = [t for t in retriever.index.terms if retriever.note_frequency(t) >= 2]
    for written in ("cnti", "ransomwaer", "hospitl", "x"):
        for edits in (1, 2):
            candidates = retriever.spelling_candidates(written, edits)
            assert {t for t in every if OSA.distance(written, t) <= edits} <= set(candidates)
            assert candidates == [t for t in every if t in candidates]  # in the index's order
    assert "ransomwar" not in retriever.spelling_candidates("cnti", 1)
