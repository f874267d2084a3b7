"""Every date form the notes use, read as the calendar date written."""

from __future__ import annotations

from datetime import UTC, date

import pytest

from bot.notes.dates import date_of, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("September 28, 2021", date(2021, 9, 28)),
        ("September 23, 2021  2:35 pm", date(2021, 9, 23)),
        ("July 20, 2021 -- 13:00 GMT (14:00 BST)", date(2021, 7, 20)),
        ("2022-02-08T13:28:21+00:00", date(2022, 2, 8)),
        ("2021-12-28T11:38:39-05:00", date(2021, 12, 28)),
        ("2022-01-17T03:42-05:00", date(2022, 1, 17)),
        ("2022-01-21 09:03:34", date(2022, 1, 21)),
        ("2022-02-10 20:50:56+00:00", date(2022, 2, 10)),
        ("2022-02-04T11:34:55.000Z", date(2022, 2, 4)),
        ("2022-01-31", date(2022, 1, 31)),
        ("Sept. 3, 2021", date(2021, 9, 3)),
        ("3 March 2021", date(2021, 3, 3)),
    ],
)
def test_parse_date_reads_each_form_as_written(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_parse_date_keeps_the_written_day_across_time_zones() -> None:
    assert parse_date("2021-12-28T23:30:00-05:00") == date(2021, 12, 28)


@pytest.mark.parametrize("text", ["Unknown", "None", "", "   ", "soon", "2021-02-30"])
def test_parse_date_returns_none_for_placeholders_and_nonsense(text: str) -> None:
    assert parse_date(text) is None


def test_date_of_accepts_yaml_datetime_date_and_string() -> None:
    from datetime import datetime

    assert date_of(datetime(1628, 8, 10, 12, tzinfo=UTC)) == date(1628, 8, 10)
    assert date_of(date(2020, 1, 2)) == date(2020, 1, 2)
    assert date_of("2014-07-08T00:00:00Z") == date(2014, 7, 8)
    assert date_of(None) is None
