"""Follow-ups, smalltalk, unsure answers and spelling over the real corpus (../shared)."""

from __future__ import annotations

import pytest

from bot.search.conversation import Conversation
from bot.search.results import Outcome

pytestmark = pytest.mark.corpus


@pytest.mark.parametrize("message", ["hello", "thanks, that helped", "what can you do?", "ok", "who are you?"])
def test_smalltalk_never_gets_a_search_hit_from_the_real_notes(corpus_engine, message):
    answer = corpus_engine.ask(message)
    assert answer.outcome is Outcome.SMALLTALK and answer.hits == ()


def test_who_was_behind_it_after_kaseya_stays_on_the_kaseya_story(corpus_engine):
    conversation = Conversation()
    first = conversation.ask(corpus_engine, "what happened in the Kaseya VSA ransomware attack?")
    follow = conversation.ask(corpus_engine, "who was behind it?")
    assert "Kaseya" in first.hits[0].note.title
    assert follow.about == first.hits[0].note.title and "Kaseya" in follow.hits[0].note.title


def test_a_follow_up_naming_another_story_leaves_kaseya(corpus_engine):
    conversation = Conversation()
    conversation.ask(corpus_engine, "what happened in the Kaseya VSA ransomware attack?")
    other = conversation.ask(corpus_engine, "what about Colonial Pipeline?")
    assert other.about is None and "Colonial" in other.hits[0].note.title


def test_misspelt_names_that_go_together_are_corrected_and_pizza_dough_is_not(corpus_engine):
    assert corpus_engine.ask("colonal pipline").did_you_mean == "colonial pipeline"
    dough = corpus_engine.ask("what's the best hydration for pizza dough?")
    assert dough.did_you_mean is None and not dough.confident


def test_an_incident_after_the_newest_note_is_never_answered_confidently(corpus_engine):
    assert not corpus_engine.ask("who was behind the royal mail ransomware attack in jan 2023").confident
