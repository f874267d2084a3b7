"""Filters a person types inside a question."""

from datetime import date

from bot.search.query import parse_query


def test_filters_are_taken_out_of_the_text():
    q = parse_query("source:zdnet tag:ransomware after:2021-10-01 before:2022-01 colonial pipeline")
    assert (q.text, q.source, q.tag, q.after, q.before) == (
        "colonial pipeline",
        "zdnet",
        "ransomware",
        date(2021, 10, 1),
        date(2022, 1, 1),
    )


def test_quoted_filter_values_keep_their_spaces():
    assert parse_query('source:"the record" line hack').source == "the record"


def test_a_bad_date_is_reported_not_ignored_silently():
    q = parse_query("after:yesterday log4j")
    assert q.after is None and q.problems and "after:yesterday" in q.problems[0]


def test_words_with_colons_that_are_not_filters_stay_text():
    assert parse_query("what is note:1 about").text == "what is note:1 about"
