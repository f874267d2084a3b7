"""Finding the sentence of a passage that holds most of the question."""

from __future__ import annotations

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
