"""Typos are corrected only toward words that go with the rest of the question, with bounded work."""

from __future__ import annotations

from small_corpus import KASEYA, PIPELINE, engine, note

from bot.search import spelling

BAKERY = note("Bakery chain hit by card skimmer", ["A tough skimmer hid in the checkout page of a pizza bakery chain."])
TOUGH = [note(f"Tough week {i} for defenders", [f"It was a tough week {i} for defenders."]) for i in range(3)]
FUEL = note("Colonial Pipeline restarts fuel deliveries", ["Colonial Pipeline restarted its fuel pipeline."])
ENGINE = engine(KASEYA, PIPELINE, FUEL, BAKERY, *TOUGH)


def test_misspelt_names_are_corrected_toward_the_story_they_name_together():
    answer = ENGINE.ask("colonal pipline ransom")
    assert answer.did_you_mean == "colonial pipeline ransom"
    assert answer.hits[0].note.path == PIPELINE.path


def test_a_word_that_fits_no_reading_is_left_as_it_is():
    answer = ENGINE.ask("pizza dough hydration")
    assert answer.did_you_mean is None and not answer.confident


def test_a_rare_known_word_is_corrected_when_a_common_neighbour_fits_the_question():
    """ "colonal" stems to "colon", which a note may hold once: it still means Colonial here."""
    colon = note("Colon cancer screening app leaks data", ["A colon screening app leaked data."])
    updates = [
        note(f"Colonial Pipeline update {i}", [f"Colonial Pipeline update {i} on the fuel pipeline."])
        for i in range(spelling.RARE_RATIO)
    ]
    answer = engine(PIPELINE, colon, *updates).ask("colonal pipeline attack")
    assert answer.hits[0].note.path == PIPELINE.path


def test_a_long_repeated_unknown_word_is_looked_up_once(monkeypatch):
    """The repro of issue 12: ("use use blackzzt " * 400)[:4096] took 22 s of CPU."""
    lookups: list[str] = []
    nearest = spelling._nearest
    monkeypatch.setattr(spelling, "_nearest", lambda term, retriever: lookups.append(term) or nearest(term, retriever))
    ENGINE.ask(("use use blackzzt " * 400)[:4096])
    assert lookups == ["blackzzt"]


def test_at_most_a_few_distinct_unknown_words_are_corrected_per_question(monkeypatch):
    lookups: list[str] = []
    nearest = spelling._nearest
    monkeypatch.setattr(spelling, "_nearest", lambda term, retriever: lookups.append(term) or nearest(term, retriever))
    ENGINE.ask(" ".join(f"qzx{chr(97 + i % 26)}{chr(97 + i // 26)}wvk" for i in range(400)))
    assert len(lookups) == spelling.MAX_SUSPECTS


SHOPS = [
    note(f"Freshmart stores closed in region {i}", [f"Freshmart stores in region {i} closed after an attack."])
    for i in range(3)
]
TWICE = [
    note(f"Patch released twice in month {i}", [f"The vendor released the patch twice in month {i}."]) for i in range(2)
]


def test_a_five_letter_misspelling_with_a_shorter_stem_is_corrected_when_it_fits():
    """ "stors" stems to "stor": the length that counts is the word as written."""
    answer = engine(*SHOPS, KASEYA).ask("how many freshmart stors closed")
    assert answer.did_you_mean == "how many freshmart stores closed"


def test_an_unknown_word_one_edit_from_an_ordinary_word_does_not_sink_a_question_its_names_answer():
    answer = engine(KASEYA, PIPELINE, *TWICE).ask("who hit kaseya vsa twise")
    assert answer.hits and answer.hits[0].note.path == KASEYA.path


def test_an_unknown_name_near_no_word_still_counts_as_fully_missing():
    assert engine(KASEYA, PIPELINE, *TWICE).ask("who hit kaseya Qzxwvk").hits == ()
