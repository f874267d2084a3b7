"""Which terms the notes write as names: the capital inside a sentence decides."""

from __future__ import annotations

import pytest

from bot.search.names import name_shares
from bot.search.tokenize import Tokenizer

TEXTS = [
    "Users said Telegram was down, and Telegram confirmed it.",
    "Officials now use Telegram for alerts.",
    "Blacklist entries grew. The agency added them to a blacklist, and the blacklist is public.",
    "Quietly, nothing happened.",
]


@pytest.fixture(scope="module")
def share() -> dict[str, float]:
    tokenize = Tokenizer()
    vocab = {t: i for i, t in enumerate(sorted({t for text in TEXTS for t in tokenize(text)}))}
    shares = name_shares(TEXTS, vocab, tokenize)
    return {t: float(shares[i]) for t, i in vocab.items()}


def test_a_word_written_with_a_capital_inside_sentences_is_a_name(share):
    assert share["telegram"] > 0.8


def test_a_word_written_in_lowercase_inside_sentences_is_not_a_name(share):
    assert share["blacklist"] < 0.2


def test_a_capital_at_the_start_of_a_sentence_is_no_evidence(share):
    assert share["blacklist"] == pytest.approx(0.5 / 3)  # two lowercase sightings, the capital one ignored


def test_a_word_never_seen_inside_a_sentence_reads_as_a_name(share):
    assert share["quiet"] == pytest.approx(0.5)
