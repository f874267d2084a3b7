"""How the engine chooses and orders answers, on small collections written for each behaviour."""

from __future__ import annotations

from datetime import date

from small_corpus import engine, note

from bot.notes.models import Corpus, Tag
from bot.search.backend import local_engine
from bot.search.index import build_index

LINE = note(
    "LINE accounts for more than 100 Taiwanese politicians were hacked",
    [
        "The LINE accounts of more than 100 Taiwanese politicians and government officials have been hacked.",
        "The intrusions came to light when the company notified some of the affected users.",
        "LINE is the most popular instant messaging application in Taiwan.",
    ],
    link="https://therecord.media/line-accounts/",
)
TWITCH = note(
    "Twitch source code and streamer payouts leaked in massive hack",
    ["An anonymous hacker leaked a 125GB archive with Twitch source code.", "Twitch confirmed the breach."],
)
TWITCH_FOLLOWUP = note(
    "Twitch says passwords were not exposed in the leak",
    ["Twitch said no passwords were exposed in the source code leak."],
)
TWICE = note("Acer hacked twice in a week", ["Acer was hacked twice in one week by the same group."])


def test_a_question_about_something_absent_is_declined():
    assert engine(LINE).ask("which ransomware gang hit the zorvex widget factory?").hits == ()


def test_a_question_of_only_stopwords_is_declined():
    assert engine(LINE).ask("what is the and of it?").hits == ()


def test_the_answer_names_its_article():
    hit = engine(LINE).ask("who was affected in the Taiwan LINE hack?").hits[0]
    assert (hit.note.link, hit.note.source, hit.note.date) == (
        "https://therecord.media/line-accounts/",
        "The Record",
        date(2021, 8, 1),
    )


def test_a_victim_question_is_answered_by_the_paragraph_naming_the_victims():
    hit = engine(LINE).ask("who was affected in the Taiwan LINE hack?").hits[0]
    assert hit.passage.startswith("The LINE accounts of more than 100")


def test_a_country_finds_its_demonym():
    hit = engine(LINE).ask("politicians in Taiwan").hits[0]
    assert hit.note.title.startswith("LINE accounts")


def test_matched_words_are_marked_in_the_passage():
    hit = engine(LINE).ask("LINE hack").hits[0]
    assert "LINE" in [hit.passage[s:e] for s, e in hit.highlights]


def test_a_misspelt_name_is_corrected_and_said():
    answer = engine(TWITCH, TWITCH_FOLLOWUP, TWICE).ask("what did the twich leak expose?")
    assert "Twitch" in answer.hits[0].note.title
    assert answer.did_you_mean == "what did the twitch leak expose?"


def test_a_correction_prefers_the_word_that_fits_the_rest_of_the_question():
    """ "twich" is one edit from both "twitch" and "twice"; hacked, either fits, but the leak is Twitch's."""
    answer = engine(TWITCH, TWITCH_FOLLOWUP, TWICE).ask("twich leak hacked")
    assert "Twitch" in answer.hits[0].note.title


def test_a_how_many_question_prefers_the_paragraph_with_a_new_number():
    story = note(
        "Police arrest ransomware suspects in Ukraine",
        [
            "Police in Ukraine arrested members of a ransomware gang on Monday.",
            "Officers detained 12 suspects and seized servers used by the gang.",
        ],
    )
    hit = engine(story).ask("how many ransomware suspects did police detain?").hits[0]
    assert "12 suspects" in hit.passage


def test_a_which_versions_question_prefers_the_paragraph_with_version_numbers():
    discourse = note(
        "Critical bug found in Discourse forum software",
        [
            "Discourse has a critical bug in some versions, the maintainers said.",
            "The critical bug affects Discourse versions 2.7.8 and older.",
        ],
    )
    assert "2.7.8" in engine(discourse).ask("which discourse versions have the critical bug?").hits[0].passage


def test_a_when_question_prefers_the_one_paragraph_with_a_date_over_the_lead_naming_the_story():
    # The lead holds the question's one untitled word; only the second paragraph holds a date.
    story = note(
        "Health care system disrupted by cyberattack",
        [
            "The Canadian province of Newfoundland has suffered a cyberattack that disrupted hospitals.",
            "The attack took place on October 30th, and thousands of appointments were cancelled.",
            "Officials said the outage affected the regional health services.",
        ],
    )
    hit = engine(story).ask("when did the newfoundland health system cyberattack happen?").hits[0]
    assert "October 30th" in hit.passage


def test_an_article_stored_twice_is_shown_once():
    copy = note(LINE.title + " (copy)", list(LINE.paragraphs), link=LINE.link, source="ZDNet")
    hits = engine(LINE, copy).ask("Taiwanese politicians LINE accounts hacked").hits
    assert len({h.passage for h in hits}) == len(hits)
    assert len([h for h in hits if h.position == 0]) == 1


def test_articles_that_match_about_equally_alternate_in_the_first_hits():
    other = note(
        "LINE accounts of Taiwanese officials were hacked, more than 100 affected",
        [
            "Hackers broke into the LINE accounts of more than 100 Taiwanese officials and politicians.",
            "Officials were told to change their passwords.",
        ],
    )
    hits = engine(LINE, other).ask("LINE accounts of Taiwanese politicians hacked").hits
    assert hits[0].note.link != hits[1].note.link


def test_a_clearly_better_article_shows_its_next_passage_before_a_weaker_one():
    weaker = note(
        "Taiwan bans foreign messaging apps on government phones", ["Officials must use a local app instead."]
    )
    hits = engine(LINE, weaker).ask("LINE accounts of Taiwanese politicians hacked").hits
    assert [h.note.link for h in hits[:2]] == [LINE.link, LINE.link]
    assert weaker.link in [h.note.link for h in hits]


STOPGAP = note(
    "Vendor ships a stopgap for the router flaw",
    [
        "Until a patch lands, the vendor suggests a stopgap: turn off remote admin.",
        "The flaw was found by researchers at Zorvex, who said Zorvex told the vendor in May.",
    ],
)


def test_an_ordinary_word_the_article_lacks_does_not_decline_the_question():
    hits = engine(LINE, STOPGAP).ask("what stopgap did LINE get?").hits
    assert LINE.link in {h.note.link for h in hits}


def test_a_name_the_article_lacks_declines_the_question():
    assert engine(LINE, STOPGAP).ask("what Zorvex did LINE get?").hits == ()


def test_filters_keep_only_matching_articles():
    old = note(
        "Ransomware hits city in July", ["Ransomware hit the city council."], day=date(2021, 7, 1), source="ZDNet"
    )
    new = note(
        "Ransomware hits county in December",
        ["Ransomware hit the county office."],
        day=date(2021, 12, 1),
        tags=(Tag("ransomware"),),
    )
    e = engine(old, new)
    assert {h.note.source for h in e.ask("source:zdnet ransomware hit").hits} == {"ZDNet"}
    assert {h.note.title for h in e.ask("after:2021-10-01 ransomware hit").hits} == {new.title}
    assert {h.note.title for h in e.ask("before:2021-10 ransomware hit").hits} == {old.title}
    assert {h.note.title for h in e.ask("tag:Ransomware ransomware").hits} == {new.title}


def test_a_collection_of_one_note_still_answers():
    e = local_engine(build_index(Corpus((LINE,), ()), fingerprint="t", seeds_dir="t"))
    assert e.ask("LINE politicians hacked").hits[0].note.link == LINE.link


def test_the_answer_marks_the_sentence_holding_most_of_the_question():
    story = note(
        "Police arrest ransomware suspects in Ukraine",
        ["Police acted on Monday after a long probe. Officers detained 12 suspects of the gang in Kyiv."],
    )
    hit = engine(story).ask("how many suspects were detained in Kyiv?").hits[0]
    assert hit.sentence is not None
    assert hit.passage[hit.sentence[0] : hit.sentence[1]] == "Officers detained 12 suspects of the gang in Kyiv."
