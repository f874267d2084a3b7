"""Abbreviations an article defines, read as the names they stand for (bot/search/abbreviations.py)."""

from __future__ import annotations

import time

from bot.search.abbreviations import defined_abbreviations, with_spelt_out, written_abbreviations
from bot.search.tokenize import Tokenizer

TOKENIZE = Tokenizer()


def test_a_name_followed_by_its_initials_in_brackets_defines_them() -> None:
    found = defined_abbreviations(["On Monday, Check Point Research (CPR) said the group is new."], TOKENIZE)
    assert found == {"cpr": frozenset(TOKENIZE("check point research"))}


def test_joining_words_and_an_opening_quote_may_stand_inside_the_name() -> None:
    texts = ["the Federal Bureau of Investigation (FBI) warns", "said the \u201cZero Day Initiative (ZDI)"]
    found = defined_abbreviations(texts, TOKENIZE)
    assert found["fbi"] == frozenset(TOKENIZE("federal bureau investigation"))
    assert found["zdi"] == frozenset(TOKENIZE("zero day initiative"))


def test_bracketed_capitals_the_words_before_do_not_spell_define_nothing() -> None:
    assert defined_abbreviations(["Read the full Report (PDF) here.", "the new tool (CPR) is"], TOKENIZE) == {}


def test_an_abbreviation_holds_the_terms_of_its_name() -> None:
    found = defined_abbreviations(["The National Crime Agency (NCA) shared them."], TOKENIZE)
    held = with_spelt_out(TOKENIZE("The NCA told Hunt"), found)
    assert {"nca", "crime", "agenc"} <= held


def test_only_abbreviations_standing_for_the_asked_words_are_looked_for_in_a_text() -> None:
    found = defined_abbreviations(["Check Point Research (CPR) and the Federal Trade Commission (FTC)"], TOKENIZE)
    pattern = written_abbreviations(found, TOKENIZE("where does check point think they are?"))
    assert pattern is not None and pattern.search("but CPR suspects them") and not pattern.search("the FTC said")
    assert written_abbreviations(found, TOKENIZE("who found the bug?")) is None


def test_a_hostile_text_of_brackets_and_capitals_is_read_in_linear_time() -> None:
    texts = [" (ABCDEFGH)" * 50_000, "Aa " * 200_000 + "(AA)", "Ab Cd (AC) " * 50_000]
    started = time.perf_counter()
    defined_abbreviations(texts, TOKENIZE)
    assert time.perf_counter() - started < 5
