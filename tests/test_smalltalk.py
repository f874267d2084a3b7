"""Smalltalk and other languages are told from questions before any search."""

from __future__ import annotations

import pytest
from small_corpus import KASEYA, engine, note

from bot.search.language import other_language
from bot.search.results import Outcome
from bot.search.smalltalk import Smalltalk, smalltalk


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("hello", Smalltalk.GREETING),
        ("Hi there!", Smalltalk.GREETING),
        ("good morning 👋", Smalltalk.GREETING),
        ("thanks, that helped", Smalltalk.THANKS),
        ("thank you so much!", Smalltalk.THANKS),
        ("ok", Smalltalk.ACK),
        ("got it, cool", Smalltalk.ACK),
        ("who are you?", Smalltalk.ABOUT),
        ("what can you do?", Smalltalk.ABOUT),
        ("hi, what can you do?", Smalltalk.ABOUT),
        ("help", Smalltalk.HELP),
        ("bye", Smalltalk.BYE),
    ],
)
def test_a_whole_message_of_smalltalk_phrases_is_smalltalk(message, kind):
    assert smalltalk(message) == kind


@pytest.mark.parametrize(
    "message",
    [
        "hi, who hacked Kaseya?",
        "hello ransomware",
        "thanks, and the ransom?",
        "help me find attacks on hospitals",
        "who are the REvil hackers?",
        "ok 2021",
        "what is this CVE?",
        "hello " * 20,
    ],
)
def test_a_message_with_something_to_search_for_is_not_smalltalk(message):
    assert smalltalk(message) is None


def test_smalltalk_never_gets_a_search_hit_even_when_its_words_are_in_the_notes():
    hello = engine(KASEYA).ask("hello")
    assert engine(KASEYA).tokenizer("hello") and hello.hits == ()
    assert (hello.outcome, hello.smalltalk, hello.confident) == (Outcome.SMALLTALK, "greeting", False)


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("wer hat die Pipeline angegriffen?", "German"),
        ("qui a piraté le gouvernement?", "French"),
        ("¿quién atacó a la empresa?", "Spanish"),
        ("кто взломал сервер?", "Cyrillic"),
        ("谁攻击了这家公司", "Chinese"),
    ],
)
def test_a_message_in_another_language_is_told_from_english(message, language):
    assert other_language(message) == language


@pytest.mark.parametrize(
    "message", ["who hacked Kaseya?", "REvil Kaseya VSA", "CVE-2021-44228", "what did Sodinokibi do in Düsseldorf?"]
)
def test_english_and_bare_names_read_as_english(message):
    assert other_language(message) is None


def test_another_language_gets_the_notes_are_in_english_unless_its_names_find_an_answer():
    kaseya = engine(KASEYA)
    declined = kaseya.ask("qui a piraté le gouvernement?")
    assert (declined.outcome, declined.language, declined.hits) == (Outcome.OTHER_LANGUAGE, "French", ())
    named = kaseya.ask("wer hat Kaseya VSA angegriffen?")
    assert named.confident and named.hits[0].note.path == KASEYA.path


def test_in_another_language_a_word_the_notes_know_only_as_a_persons_name_finds_no_answer():
    quoted = note(
        "Log4j flaw reaches thousands of Java packages",
        ["James Wetter and Nicky Ringland of Google said the flaw affects 35,000 Java packages."],
    )
    answer = engine(KASEYA, quoted).ask("was ist das wetter heute?")
    assert (answer.outcome, answer.language, answer.hits) == (Outcome.OTHER_LANGUAGE, "German", ())


@pytest.mark.parametrize("message", ["¿quién hackeó a Kaseya VSA?", "Kaseya VSA 攻撃"])
def test_a_hint_of_another_language_lets_its_capitalised_names_find_the_answer(message):
    answer = engine(KASEYA).ask(message)
    assert answer.confident and answer.hits[0].note.path == KASEYA.path


def test_a_hint_of_another_language_that_finds_nothing_in_english_is_told_the_notes_are_in_english():
    answer = engine(KASEYA).ask("wie viele nutzer waren betroffen?")
    assert (answer.outcome, answer.language) == (Outcome.OTHER_LANGUAGE, "German")


def test_a_hint_of_another_language_without_capitalised_names_finds_no_answer():
    assert not engine(KASEYA).ask("¿qué tiempo hace en kaseya?").confident
