"""Reading a question: the free text, and the filters a power user types inside it.

``source:zdnet tag:ransomware after:2021-10-01 before:2022-01-01 colonial pipeline`` — each
filter is ``key:value`` (a value with spaces in quotes); unknown keys stay part of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.notes.characters import drop_invisible

_FILTER = re.compile(r'(?<!\S)(source|tag|after|before):(?:"([^"]*)"|(\S+))', re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
# Zero-width characters split nothing a person sees, so they must not split words either.


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    source: str | None = None
    tag: str | None = None
    after: date | None = None
    before: date | None = None
    problems: tuple[str, ...] = ()

    @property
    def filtered(self) -> bool:
        return any((self.source, self.tag, self.after, self.before))


def parse_query(question: str) -> Query:
    """Split filters from the text. A filter value that can't be read becomes a problem to show."""
    values: dict[str, str] = {}
    problems: list[str] = []

    def take(match: re.Match[str]) -> str:
        values[match.group(1).lower()] = (match.group(2) if match.group(2) is not None else match.group(3)).strip()
        return " "

    text = " ".join(_FILTER.sub(take, drop_invisible(question)).split())
    after = _date_value(values.get("after"), "after", problems)
    before = _date_value(values.get("before"), "before", problems)
    return Query(
        text=text,
        source=values.get("source") or None,
        tag=values.get("tag") or None,
        after=after,
        before=before,
        problems=tuple(problems),
    )


def _date_value(value: str | None, key: str, problems: list[str]) -> date | None:
    """A day, month (its first day) or year (its first day): ``after`` keeps that day, ``before`` not."""
    if not value:
        return None
    try:
        if m := _MONTH.match(value):
            return date(int(m.group(1)), int(m.group(2)), 1)
        if value.isdigit() and len(value) == 4:
            return date(int(value), 1, 1)
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{key}:{value} is not a date (use YYYY-MM-DD)")
        return None
