"""The three outcomes of a question (answer, unsure, nothing) and the replies that are no search."""

from __future__ import annotations

from datetime import date

from small_corpus import KASEYA, PIPELINE, engine, note

from bot.notes.models import Tag
from bot.search.results import Outcome

APT = Tag("APT28", "threat actor")
OLD = note(
    "APT28 phishing wave hits ministries",
    ["APT28 sent phishing emails to ministries."],
    day=date(2021, 3, 1),
    tags=(APT,),
)
NEW = note(
    "APT28 exploits router flaw", ["APT28 exploited a router flaw in attacks."], day=date(2021, 11, 2), tags=(APT,)
)
FORECAST = note(
    "Ransomware forecast", ["Analysts said today that REvil, quiet since 2021, may return in December 2023."]
)
ENGINE = engine(KASEYA, PIPELINE, OLD, NEW, FORECAST)


def test_a_question_the_notes_hold_is_answered_confidently():
    answer = ENGINE.ask("who is behind the Kaseya VSA ransomware attack?")
    assert (answer.outcome, answer.confident) == (Outcome.ANSWER, True)


def test_a_question_whose_best_match_holds_only_part_of_it_is_shown_as_unsure():
    answer = ENGINE.ask("which ransomware gang hit the Kaseya VSA servers of the Brazil hospital?")
    assert answer.hits and answer.outcome is Outcome.UNSURE and not answer.confident
    assert answer.hits[0].note.path == KASEYA.path


def test_a_question_about_a_year_after_the_newest_note_is_never_confident():
    answer = ENGINE.ask("who was behind the Kaseya VSA ransomware attack in 2023?")
    assert answer.hits and not answer.confident


def test_a_question_the_notes_do_not_hold_finds_nothing():
    answer = ENGINE.ask("zorvex widget factory lasagna")
    assert (answer.outcome, answer.hits, answer.confident) == (Outcome.NOTHING, (), False)


def test_a_message_of_filters_only_lists_the_matching_articles_newest_first():
    answer = ENGINE.ask("tag:APT28")
    assert answer.outcome is Outcome.LISTING and answer.hits == ()
    assert [n.title for n in answer.notes] == [NEW.title, OLD.title]


def test_filters_only_that_match_nothing_list_nothing():
    answer = ENGINE.ask("source:zdnet after:2022-01")
    assert (answer.outcome, answer.notes) == (Outcome.LISTING, ())


def test_a_filter_that_cannot_be_read_is_named_not_dropped():
    answer = ENGINE.ask("Kaseya ransom before:2021-13-45")
    assert answer.problems == ("before:2021-13-45 is not a date (use YYYY-MM-DD)",)
    assert answer.hits[0].note.path == KASEYA.path
    alone = ENGINE.ask("before:2021-13-45")
    assert alone.problems and alone.outcome is Outcome.NOTHING


def test_a_question_about_a_month_after_the_newest_note_is_never_confident():
    recap = note(
        "Kaseya VSA attack recap",
        ["In November 2021 the REvil gang was behind the ransomware attack on Kaseya VSA, a December report will say."],
        day=date(2021, 11, 30),
    )
    kaseya = engine(KASEYA, recap)
    assert kaseya.ask("who was behind the Kaseya VSA ransomware attack in November 2021?").confident
    answer = kaseya.ask("who was behind the Kaseya VSA ransomware attack in December 2021?")
    assert answer.hits and not answer.confident


def test_a_question_about_the_present_is_never_confident_the_notes_are_an_archive():
    answer = ENGINE.ask("who is behind the Kaseya VSA ransomware attack today?")
    assert answer.hits and not answer.confident


def test_a_word_naming_the_articles_source_counts_as_held():
    dfir = note(
        "Sodinokibi ransomware intrusion",
        ["The intrusion started with IcedID and ended with Sodinokibi."],
        source="The DFIR Report",
    )
    teams = note("Incident responders share playbooks", ["DFIR teams shared their playbooks at a conference."])
    answer = engine(dfir, teams).ask("what started the sodinokibi intrusion in the dfir report?")
    assert answer.hits[0].note.path == dfir.path and answer.confident


def test_a_question_with_no_security_angle_is_never_answered_confidently():
    football = note("Phishing wave hits football fans", ["Football fans were sent fake ticket offers."])
    fans = engine(football)
    assert not fans.ask("which football team has the most fans?").confident
    assert fans.ask("which football fans were sent phishing offers?").confident


def test_a_question_about_yesterday_or_the_latest_attack_is_never_confident():
    claim = note(
        "REvil claims more Kaseya VSA victims",
        ["REvil said yesterday its latest ransomware attack hit more Kaseya VSA customers."],
    )
    archive = engine(KASEYA, claim)
    for question in (
        "what did REvil do to Kaseya VSA yesterday?",
        "what is the latest ransomware attack on Kaseya VSA?",
    ):
        answer = archive.ask(question)
        assert answer.hits and not answer.confident, question


def test_in_a_small_collection_an_ordinary_word_no_note_holds_does_not_decline_the_question():
    small = engine(KASEYA)
    assert small.ask("how many Kaseya VSA businesses were harmed?").hits[0].note.path == KASEYA.path


def test_in_a_small_collection_a_name_no_note_holds_still_declines_the_question():
    assert engine(KASEYA).ask("how many Kaseya VSA businesses did Zorbocorp hit?").hits == ()
