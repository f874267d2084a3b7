"""How text becomes index terms."""

import random
import string
import tracemalloc

import pytest

from bot.search.tokenize import _CHUNK_CACHE_LIMIT, _NUMBER_CACHE_LIMIT, _WORD_CACHE_LIMIT, Tokenizer

tokenize = Tokenizer()


def test_words_are_lowercased_stemmed_and_stopwords_dropped():
    assert tokenize("The Hackers were attacking") == ["hacker", "attack"]


def test_cve_ids_stay_whole():
    assert tokenize("patch CVE-2021-44228 now") == ["patch", "cve-2021-44228", "now"]


def test_version_strings_and_numbers_stay_whole():
    assert tokenize("Log4j 2.15.0 and v2.16 fix 1,000 bugs") == ["log4j", "2.15.0", "2.16", "fix", "1000", "bug"]


def test_a_word_before_a_comma_or_full_stop_reads_as_the_same_word_elsewhere():
    assert tokenize("Attackers, in 2021. v2, 1,000, 4.4.") == ["attack", "2021", "2", "1000", "4.4"]
    assert tokenize("attackers in 2021 v2 1,000 4.4") == ["attack", "2021", "2", "1000", "4.4"]


def test_curly_quotes_and_possessives_fold_to_the_plain_word():
    assert tokenize("Microsoft’s patch") == tokenize("microsoft's patch") == ["microsoft", "patch"]


def test_dashes_and_invisible_spaces_split_or_vanish():
    assert tokenize("zero\u2014day\u200b exploit\u00a0kit") == ["zero", "day", "exploit", "kit"]


def test_full_width_letters_read_as_ascii():
    assert tokenize("ＲＥｖｉｌ") == ["revil"]  # noqa: RUF001  full-width letters are the input under test


def test_spans_point_at_the_original_words():
    text = "Microsoft’s Log4j fix"
    assert [(text[s:e], t) for s, e, t in tokenize.spans(text)] == [
        ("Microsoft’s", "microsoft"),
        ("Log4j", "log4j"),
        ("fix", "fix"),
    ]


def _made_up_message(rng: random.Random) -> str:
    return " ".join(rng.choice(string.digits) + "".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(450))


@pytest.mark.slow
def test_a_flood_of_made_up_words_does_not_grow_the_tokenizers_memory():
    # Issue 12, item 8: 5,000 such messages took the bot from 102 to 305 MB, and it kept growing.
    tokenize = Tokenizer()
    rng = random.Random(12)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(200):
            list(tokenize.spans(_made_up_message(rng)))  # what a question goes through
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 2 * 2**20  # 90,000 made-up words: 9 MB when each was kept


def test_the_word_caches_stay_within_their_limits():
    tokenize = Tokenizer()
    rng = random.Random(13)
    for _ in range(300):
        message = " ".join("".join(rng.choices(string.ascii_lowercase, k=9)) + "-x" for _ in range(450))
        tokenize(message)
        list(tokenize.spans(message))
    assert len(tokenize._cache) <= _WORD_CACHE_LIMIT and len(tokenize._chunks) <= _CHUNK_CACHE_LIMIT


def test_a_flood_of_tokens_holding_digits_keeps_few_chunks_and_the_same_terms():
    tokenize, fresh = Tokenizer(), Tokenizer()
    rng = random.Random(5000)
    messages = [
        " ".join(f"{rng.randint(0, 9)}{''.join(rng.choices(string.ascii_lowercase, k=6))}" for _ in range(450))
        for _ in range(40)
    ]
    ordinary = "The 3 attackers stole 1,000 records in 2021, said the firm's CEO."
    tokenize(ordinary)
    for message in messages:
        tokenize(message)
    assert len(tokenize._chunks) <= _NUMBER_CACHE_LIMIT + 20  # 18,000 distinct: the digit ones are capped
    assert tokenize(messages[-1]) == fresh(messages[-1]) and tokenize(ordinary) == fresh(ordinary)
