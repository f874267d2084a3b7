"""What a question asks for and how surely a text holds it (bot/search/answer_types.py)."""

from __future__ import annotations

import time

import pytest

from bot.search.answer_types import EXACT, Kind, asked_for, grade
from bot.search.tokenize import Tokenizer

TOKENIZE = Tokenizer()


def kind(question: str) -> Kind | None:
    asked = asked_for(question, TOKENIZE)
    return asked.kind if asked else None


def graded(question: str, text: str, title: str = "") -> float:
    asked = asked_for(question, TOKENIZE)
    assert asked is not None
    return grade(asked, text, TOKENIZE, frozenset(TOKENIZE(title)))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how many servers did the gang encrypt?", Kind.COUNT),
        ("how much was the ransom?", Kind.MONEY),
        ("what percentage of emails are tracked?", Kind.PERCENT),
        ("how long will windows 10 21h2 be supported?", Kind.DURATION),
        ("when was the plugin patched?", Kind.DATE),
        ("which ios version fixed the doorlock bug?", Kind.VERSION),
        ("what cve is the f5 bug tracked as?", Kind.CVE),
        ("who was hit by the ransomware?", Kind.VICTIMS),
        ("where are most of the lockfile victims?", Kind.PLACE),
        ("which google play app was hiding joker?", Kind.NAME),
        ("how does the bootkit infect windows?", None),
    ],
)
def test_the_question_says_what_kind_of_thing_it_asks_for(question: str, expected: Kind | None) -> None:
    assert kind(question) == expected


def test_how_much_is_something_asks_for_its_price() -> None:
    assert kind("how much is the slickvpn lifetime deal?") == Kind.MONEY
    assert kind("how much data did the gang leak?") == Kind.COUNT


def test_when_asks_for_a_date_only_when_it_opens_the_question() -> None:
    assert kind("when did apple patch powerdir?") == Kind.DATE
    assert kind("what happens when the bug is exploited?") is None


def test_a_count_next_to_the_counted_noun_grades_highest() -> None:
    question = "how many servers did the gang encrypt?"
    assert graded(question, "The gang encrypted 40 servers.") == EXACT
    assert 0 < graded(question, "It took 40 minutes to spread.") < EXACT


def test_a_count_near_the_questions_verb_beats_a_count_alone() -> None:
    question = "how many revil members did russia detain?"
    near = graded(question, "Russian authorities have detained 14 individuals.")
    alone = graded(question, "The report lists 14 items.")
    assert near > alone > 0


def test_a_year_is_not_a_count() -> None:
    assert graded("how many servers were hit?", "The attacks began in 2021 and went on.") == 0


def test_a_product_number_is_not_a_count() -> None:
    assert graded("how many users were hit?", "The update for Windows 10 is out.") == 0


def test_a_version_is_not_a_count() -> None:
    assert graded("how many users were hit?", "The update to 2.17.1 is out.") == 0


def test_a_number_the_question_holds_is_not_news() -> None:
    assert graded("how many of the 40 servers were encrypted?", "Of the 40 servers, all were down.") == 0


def test_a_number_in_the_title_is_still_news() -> None:
    title = "Google sent 50,000 warnings in 2021"
    assert graded("how many warnings did google send?", "Google sent roughly 50,000 warnings.", title) == EXACT


def test_a_name_in_the_title_is_already_known() -> None:
    question = "who discovered the bug?"
    assert graded(question, "The bug was reported to Apple in July.", "Apple patches bug") == 0
    assert graded(question, "The bug was found by Kaspersky researchers.", "Apple patches bug") > 0


def test_a_specific_day_beats_a_bare_year_for_when() -> None:
    question = "when was the plugin patched?"
    assert graded(question, "A patch came out on September 24, four days later.") == EXACT
    assert 0 < graded(question, "A patch came out in 2021.") < EXACT


def test_a_cve_question_is_answered_by_a_cve_id() -> None:
    assert graded("what cve is the bug tracked as?", "It is tracked as CVE-2021-23031.") == EXACT
    assert graded("what cve is the bug tracked as?", "It is tracked by the vendor.") == 0


def test_money_percentages_and_durations_are_graded_as_such() -> None:
    assert graded("how much was the ransom?", "The gang asked for $4.4 million.") == EXACT
    assert graded("what percentage of phishing imitated dhl?", "DHL was behind 23% of them.") == EXACT
    assert graded("how long did the outage last?", "Systems were down for three days.") == EXACT


def _seconds_to_grade(text: str) -> float:
    """The fastest of three runs over the three number-like kinds."""
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        for question in ("how many servers?", "how much was the ransom?", "when was it patched?"):
            graded(question, text)
        runs.append(time.perf_counter() - started)
    return min(runs)


@pytest.mark.parametrize("unit", ["1,", "1.", "$1,", "9", "1 2020 "])
def test_grading_a_hostile_run_of_numbers_takes_linear_time(unit: str) -> None:
    small = _seconds_to_grade(unit * (50_000 // len(unit)))
    large = _seconds_to_grade(unit * (200_000 // len(unit)))
    assert large < 0.5 or large < 8 * small  # four times the text: 16 times the time if quadratic


def test_a_count_in_a_text_about_another_month_than_the_question_names_is_no_answer() -> None:
    question = "how many flaws were fixed in the january patch tuesday?"
    assert graded(question, "Microsoft fixed 67 flaws in the December Patch Tuesday.") == 0.0
    assert graded(question, "Microsoft fixed 96 flaws in the January Patch Tuesday.") == EXACT
    assert graded(question, "Microsoft fixed 96 flaws.") == EXACT
