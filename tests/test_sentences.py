"""Finding the sentence of a passage that holds most of the question."""

from __future__ import annotations

import time

from bot.search.sentences import best_sentence, sentence_spans

TEXT = 'LINE is popular in Taiwan. "Over 100 politicians were hacked," police said! Officials agreed.  '


def test_sentences_end_at_stops_with_their_closing_quotes():
    assert [TEXT[s:e] for s, e in sentence_spans(TEXT)] == [
        "LINE is popular in Taiwan.",
        '"Over 100 politicians were hacked," police said!',
        "Officials agreed.",
    ]


def test_the_sentence_with_the_most_question_weight_is_chosen():
    terms = [(0, 4, "line"), (37, 48, "politician"), (54, 60, "hack")]
    weights = {"line": 1.0, "politician": 2.0, "hack": 1.5}
    assert best_sentence(TEXT, terms, weights) == (27, 75)


def test_a_single_sentence_passage_has_no_best_sentence():
    assert best_sentence("LINE accounts were hacked.", [(0, 4, "line")], {"line": 1.0}) is None


def test_a_tie_between_sentences_marks_none():
    text = "LINE was hacked. LINE was hacked again."
    assert best_sentence(text, [(0, 4, "line"), (17, 21, "line")], {"line": 1.0}) is None


def test_a_passage_of_thirty_thousand_sentences_is_searched_in_one_pass():
    # Issue 12, item 4: this took minutes when every sentence re-read every matched word.
    text = "LINE was hacked. " * 30_000 + "Politicians on LINE were hacked."
    terms = [(m, m + 4, "line") for m in range(0, 17 * 30_000, 17)] + [(17 * 30_000 + 15, 17 * 30_000 + 19, "line")]
    terms.append((17 * 30_000, 17 * 30_000 + 11, "politician"))
    terms.sort()
    started = time.perf_counter()
    found = best_sentence(text, terms, {"line": 1.0, "politician": 2.0})
    assert time.perf_counter() - started < 1.0
    assert found == (17 * 30_000, len(text))


def test_words_are_counted_in_the_sentence_they_lie_in():
    text = "Alpha beta. Gamma delta. Alpha gamma."
    terms = [(0, 5, "alpha"), (6, 10, "beta"), (12, 17, "gamma"), (25, 30, "alpha"), (31, 36, "gamma")]
    assert best_sentence(text, terms, {"alpha": 1.0, "beta": 0.5, "gamma": 1.0}) == (25, 37)
