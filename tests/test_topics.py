"""Everyday questions (weather, sports, recipes, geography) are told from security ones."""

from __future__ import annotations

import pytest

from bot.search.tokenize import Tokenizer
from bot.search.topics import Topics


@pytest.mark.parametrize(
    "question",
    [
        "will it be cloudy in seattle tomorrow",
        "best pasta carbonara recipe",
        "what is the capital of australia",
        "who won the super bowl?",
        "what are the symptoms of the flu",
    ],
)
def test_everyday_questions_are_told_from_security_ones(question):
    assert Topics(Tokenizer()).everyday(question)


@pytest.mark.parametrize(
    "question",
    [
        "phishing scams around the super bowl",
        "which football club was hacked?",
        "who hacked the recipe app?",
        "what is the capital one breach?",
        "who was behind the Kaseya attack?",
    ],
)
def test_questions_with_a_security_word_are_not_everyday(question):
    assert not Topics(Tokenizer()).everyday(question)
