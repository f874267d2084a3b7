"""The decline rule and the unsure rule: whether the best articles hold enough of a question to
answer it at all, and enough to answer it without a warning."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from bot.notes.dates import MONTHS
from bot.search.retriever import NoteHit

# A question is declined when no top article holds this idf-weighted share of its words: the
# middle of the range, 0.60-0.70, in which every answerable question of bench/questions.jsonl and
# ../shared/eval is still answered (higher declines more out-of-scope ones, and answerable ones).
MIN_RELEVANCE = 0.65
# An ordinary word the article lacks counts this much of its idf against the article; a term
# written with a capital at least NAME_SHARE of the time (names.py) counts fully.
W_PARAPHRASED = 0.35
NAME_SHARE = 0.5
# Between MIN_RELEVANCE and this the best match is shown as unsure: it may not answer.
SURE_RELEVANCE = 0.8
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_MONTH_YEAR = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,? +((?:19|20)\d\d)\b", re.IGNORECASE
)
_NOW = re.compile(
    r"\b(?:today|tonight|tomorrow|yesterday|last night|right now|these days|this (?:weekend|week|month|year)"
    r"|next week|(?:latest|newest|most recent) (?:\w+ )?(?:attacks?|breach(?:es)?|hacks?|incidents?|news|threats?))\b",
    re.IGNORECASE,
)


def relevance(
    notes: Sequence[NoteHit],
    weights: Mapping[str, float],
    missing_idf: float,
    name_share: Callable[[str], float],
) -> float:
    """How much of the question the best-matching article holds: the largest idf-weighted
    share of the question's words found in one of the top articles.

    Words found nowhere count fully against it (``missing_idf``), so a question about something
    absent is declined; a misspelt ordinary word counts as that word lacking (ranking.py). So does a
    name the article lacks; an ordinary word it lacks counts only W_PARAPHRASED, since articles
    often say it in other words ("spit out", "stopgap")."""
    against = {t: w if name_share(t) >= NAME_SHARE else W_PARAPHRASED * w for t, w in weights.items()}
    best = 0.0
    for note in notes:
        held = sum(weights[t] for t in note.holds)
        lacking = sum(w for t, w in against.items() if t not in note.holds)
        if held:
            best = max(best, held / (held + lacking + missing_idf))
    return best


def is_sure(held: float, question: str, last_date: date | None) -> bool:
    """Whether the best match can be given as the answer: the article holds SURE_RELEVANCE of the
    question, and the question asks about no time the notes cannot know: a year or a month after
    the newest note ("the royal mail attack in jan 2023"; however well some 2021 article matches
    the words), or the present ("today", "yesterday", "the latest ransomware attack": the notes are an
    archive, and the newest matching note need not be the latest there is)."""
    if held < SURE_RELEVANCE or _NOW.search(question):
        return False
    if last_date is None:
        return True
    if any(int(y) > last_date.year for y in _YEAR.findall(question)):
        return False
    return all(
        (int(year), MONTHS[month.lower()]) <= (last_date.year, last_date.month)
        for month, year in _MONTH_YEAR.findall(question)
    )
