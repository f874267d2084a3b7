"""Which terms the notes write as names: the capital inside a sentence decides."""

from __future__ import annotations

import numpy as np
import pytest

from bot.search.names import name_shares
from bot.search.tokenize import Tokenizer

TEXTS = [
    "Users said Telegram was down, and Telegram confirmed it.",
    "Officials now use Telegram for alerts.",
    "Blacklist entries grew. The agency added them to a blacklist, and the blacklist is public.",
    "Versions 2.7.8 and older are affected.",
]


@pytest.fixture(scope="module")
def share() -> dict[str, float]:
    tokenize = Tokenizer()
    terms = [t for text in TEXTS for t in tokenize(text)]
    vocab = {t: i for i, t in enumerate(sorted(set(terms) | {"headline"}))}
    occurrences = np.bincount([vocab[t] for t in terms], minlength=len(vocab))
    shares = name_shares(TEXTS, occurrences, vocab, tokenize)
    return {t: float(shares[i]) for t, i in vocab.items()}


def test_a_word_written_with_a_capital_inside_sentences_is_a_name(share):
    assert share["telegram"] > 0.8


def test_a_word_written_in_lowercase_inside_sentences_is_not_a_name(share):
    assert share["blacklist"] < 0.2


def test_a_capital_at_the_start_of_a_sentence_does_not_make_a_name(share):
    assert share["blacklist"] == pytest.approx(0.5 / 4)  # three uses, none a mid-sentence capital


def test_a_word_the_texts_never_hold_reads_as_a_name(share):
    assert share["headline"] == pytest.approx(0.5)


def test_a_number_counts_as_a_name(share):
    assert share["2.7.8"] == 1.0
