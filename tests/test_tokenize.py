"""How text becomes index terms."""

from bot.search.tokenize import Tokenizer

tokenize = Tokenizer()


def test_words_are_lowercased_stemmed_and_stopwords_dropped():
    assert tokenize("The Hackers were attacking") == ["hacker", "attack"]


def test_cve_ids_stay_whole():
    assert tokenize("patch CVE-2021-44228 now") == ["patch", "cve-2021-44228", "now"]


def test_version_strings_and_numbers_stay_whole():
    assert tokenize("Log4j 2.15.0 and v2.16 fix 1,000 bugs") == ["log4j", "2.15.0", "2.16", "fix", "1000", "bug"]


def test_curly_quotes_and_possessives_fold_to_the_plain_word():
    assert tokenize("Microsoft’s patch") == tokenize("microsoft's patch") == ["microsoft", "patch"]


def test_dashes_and_invisible_spaces_split_or_vanish():
    assert tokenize("zero\u2014day\u200b exploit\u00a0kit") == ["zero", "day", "exploit", "kit"]


def test_full_width_letters_read_as_ascii():
    assert tokenize("ＲＥｖｉｌ") == ["revil"]  # noqa: RUF001  full-width letters are the input under test


def test_spans_point_at_the_original_words():
    text = "Microsoft’s Log4j fix"
    assert [(text[s:e], t) for s, e, t in tokenize.spans(text)] == [
        ("Microsoft’s", "microsoft"), ("Log4j", "log4j"), ("fix", "fix")
    ]
