"""The served scores are rank-bm25's BM25Okapi scores."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.search.bm25 import BM25Matrix
from bot.search.tokenize import Tokenizer


def _matrix(docs: list[list[str]]) -> tuple[BM25Matrix, dict[str, int]]:
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in d] for d in docs]
    return BM25Matrix.build(ids, len(vocab)), vocab


def _assert_parity(docs: list[list[str]], query: list[str]) -> None:
    matrix, vocab = _matrix(docs)
    expected = BM25Okapi(docs).get_scores(query)
    got = matrix.scores([vocab[t] for t in query if t in vocab])
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_scores_equal_rank_bm25_on_random_documents():
    rng = random.Random(7)
    words = [f"w{i}" for i in range(60)]
    docs = [[rng.choice(words[: rng.randint(3, 60)]) for _ in range(rng.randint(1, 40))] for _ in range(300)]
    for _ in range(20):
        _assert_parity(docs, [rng.choice(words) for _ in range(rng.randint(1, 6))])


def test_a_repeated_query_word_counts_once_per_repetition():
    docs = [["ransomware", "gang"], ["gang", "arrest"], ["phishing"]]
    _assert_parity(docs, ["gang", "gang", "arrest"])


def test_words_in_most_documents_get_the_epsilon_idf_floor():
    docs = [["common", "a"], ["common", "b"], ["common", "c"], ["rare"]]
    _assert_parity(docs, ["common"])
    matrix, vocab = _matrix(docs)
    assert (matrix.scores([vocab["common"]])[:3] > 0).all()


def test_unknown_words_and_empty_documents_score_zero():
    docs = [["log4j", "exploit"], [], ["patch"]]
    _assert_parity(docs, ["log4j", "missing"])
    matrix, _ = _matrix(docs)
    assert matrix.scores([]).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.corpus
def test_scores_equal_rank_bm25_on_the_real_corpus(corpus_index):
    """Same tokens, same scores, within 1e-9 relative, over all ~80k passages."""
    index, passage_tokens = corpus_index
    reference = BM25Okapi(passage_tokens)
    for question in (
        "who was affected in the Taiwan LINE hack?",
        "ransomware attack on colonial pipeline",
        "CVE-2021-44228 log4j exploited",
        "how many revil members were arrested",
    ):
        terms = Tokenizer()(question)
        ids = [index.vocab[t] for t in terms if t in index.vocab]
        np.testing.assert_allclose(index.passage_bm25.scores(ids), reference.get_scores(terms), rtol=1e-9, atol=1e-12)
