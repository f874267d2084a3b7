"""Plain-text answers for a terminal: marking the question's words and the best sentence."""

from __future__ import annotations

from bot.chat.text import ansi_bold, ansi_underline, brackets, marked, render_hit
from bot.notes.models import Note
from bot.search.results import Hit, Supporting


def test_the_question_words_are_marked():
    assert marked("LINE was hacked", ((0, 4),), brackets) == "[LINE] was hacked"


def test_the_best_sentence_is_underlined_with_its_words_still_marked():
    text = "LINE is popular. Politicians on LINE were hacked."
    out = marked(text, ((0, 4), (32, 36)), brackets, (17, len(text)), lambda t: f"_{t}_")
    assert out == "[LINE] is popular. _Politicians on [LINE] were hacked._"


def test_a_word_crossing_the_sentence_edge_is_marked_on_both_sides():
    assert marked("ab cd", ((0, 5),), brackets, (3, 5), lambda t: f"_{t}_") == "[ab ]_[cd]_"


def test_without_an_underline_the_sentence_is_left_plain():
    assert marked("ab. cd.", ((0, 2),), brackets, (4, 7), None) == "[ab]. cd."


def test_bold_inside_an_underline_does_not_end_the_underline():
    assert ansi_underline(f"a {ansi_bold('b')} c") == "\x1b[4ma \x1b[1mb\x1b[22m c\x1b[24m"


def test_a_terminal_hit_shows_its_supporting_sentences_under_the_passage():
    note = Note(path="a/b.md", title="Gang hit", source="The Record", link="https://x.test/a", date=None, author="")
    hit = Hit(
        rank=1,
        score=1.0,
        note=note,
        passage="The gang hit a firm.",
        position=0,
        supporting=(Supporting("Police detained 12 members.", ((16, 18),)),),
    )
    lines = render_hit(hit, 1).splitlines()
    assert lines.index("  ▸ Police detained [12] members.") > lines.index("The gang hit a firm.")
