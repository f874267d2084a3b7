"""Dates as the notes write them, turned into calendar dates.

The calendar date is taken as written: a note dated ``2021-12-28T23:10-05:00`` is about the
28th, whatever day it was in UTC, because that is the day the article carries.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T ])")
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})\b")
# Month names and their usual abbreviations -> 1..12: the one table (dates of notes, months in questions).
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_PLACEHOLDERS = frozenset({"", "unknown", "none", "null", "n/a", "na", "-"})
# Day 0 of Unix time, as scrapers write an unknown date: 1970-01-01, or 1969-12-31 west of UTC.
_EPOCH_PLACEHOLDERS = frozenset({date(1969, 12, 31), date(1970, 1, 1)})


def parse_date(text: str) -> date | None:
    """The calendar date in ``text``, or None when it is a placeholder or not a date."""
    value = text.strip()
    if value.lower() in _PLACEHOLDERS:
        return None
    if m := _ISO.match(value):
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _MONTH_DAY_YEAR.match(value):
        return _named(m[1], m[2], m[3])
    if m := _DAY_MONTH_YEAR.match(value):
        return _named(m[2], m[1], m[3])
    return None


def known_date(day: date | None) -> date | None:
    """``day``, or None when it is the epoch placeholder for "unknown"; the one rule for every
    note format. Other old dates are history (1628, 1969-07-20) and stay."""
    return None if day in _EPOCH_PLACEHOLDERS else day


def date_of(value: object) -> date | None:
    """A date from a YAML value, which may already be a ``datetime``/``date`` or still a string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    return None


def _named(month: str, day: str, year: str) -> date | None:
    number = MONTHS.get(month.lower())
    return _safe_date(int(year), number, int(day)) if number else None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
