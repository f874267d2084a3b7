"""A question that only names something ("what happened to Kaseya?") is answered from the story
most reported about it, not from a side story whose text repeats the name most."""

from __future__ import annotations

from datetime import date

from small_corpus import engine, note

MAIN = [
    note(
        f"Zentrix ransomware attack hits {who}",
        [f"A ransomware attack on Zentrix servers hit {who}."],
        day=date(2021, 7, 2 + i),
    )
    for i, who in enumerate(["schools", "shops", "clinics", "councils"])
]
SIDE = note(
    "Zentrix warns of phishing campaign pushing fake updates",
    ["Zentrix said Zentrix customers got mails posing as Zentrix updates. Zentrix asks Zentrix users to check."],
    day=date(2021, 7, 9),
)
ENGINE = engine(*MAIN, SIDE)


def test_a_question_only_naming_something_is_answered_from_its_most_reported_story():
    answer = ENGINE.ask("what happened to Zentrix?")
    assert "ransomware attack" in answer.hits[0].note.title


def test_a_question_with_words_of_its_own_still_finds_the_side_story():
    answer = ENGINE.ask("Zentrix phishing campaign")
    assert answer.hits[0].note.path == SIDE.path


def test_a_name_titled_in_fewer_than_three_articles_has_no_main_story():
    assert ENGINE.ranker.stories.main_story(ENGINE.tokenizer("phishing")) == {}
