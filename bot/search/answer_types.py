"""What kind of thing a question asks for, and how well a text holds one: graded, not yes/no.

"how many servers" wants a count, best one next to "servers"; "how much was the ransom" money;
"what percentage" a percentage; "how long" a duration; a question opening with "when" a date
(a day beats a month, a month beats a bare year); "which versions" a version; "what CVE" a CVE
id; "who was hit" victims; "who" a name. A year or a product number ("Windows 10") is not a
count, and a number the question already holds is not news; one in the title is (the headline
number is often the answer), so for numbers only the question counts as known.

Every pattern is linear: alternations of fixed words, single bounded or unbounded runs that
cannot overlap, fixed-width lookbehinds. Only a text's first MAX_TEXT characters are read (more
than a chat shows of one passage), its matches once, left to right, and at most MAX_MATCHES of
them are graded.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum

from bot.notes.dates import MONTHS
from bot.search.lexicon import DEMONYMS
from bot.search.tokenize import Tokenizer

MAX_MATCHES = 64  # a hostile passage of a million digits is graded on its first matches only
MAX_MATCH_CHARS = 64  # no count, date or id is longer: a longer match ("1,1,1,...") is no answer
NEAR = 40  # characters around a number searched for the counted noun or the question's verb
MAX_TEXT = 5_000  # characters of a text graded: more than a chat shows of one passage

# Grades: how surely a match is the thing asked for.
EXACT = 1.0  # a CVE id, a version, a percentage, money, a day, a count next to the counted noun
NEAR_QUESTION = 0.8  # a count near another of the question's words; a month with its year
PLAIN = 0.5  # a count on its own; a relative day ("on Tuesday")
WEAK = 0.3  # a bare year for "when"; "one"


class Kind(Enum):
    COUNT = "count"
    MONEY = "money"
    PERCENT = "percent"
    DURATION = "duration"
    DATE = "date"
    VERSION = "version"
    CVE = "cve"
    VICTIMS = "victims"
    PLACE = "place"
    NAME = "name"


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_NUMBER_WORD = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty"
    r"|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?"
)
_UNIT = r"seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?"

# A number as written in news: 14, 1,099, 3.5, 140k, 2.4 million; never inside a word or version.
_COUNT = re.compile(
    rf"(?<![\w.,$€£-])(?:\d+(?:[.,]\d+)*(?:\s?(?:k|m|bn|million|billion|thousand|hundred)\b)?|(?:{_NUMBER_WORD})\b)"
    r"(?!\.\d|[\w-])",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"[$€£]\s?\d+(?:[.,]\d+)*(?:\s?(?:k|m|bn|million|billion|thousand)\b)?"
    r"|(?<![\w.,])\d+(?:[.,]\d+)*(?:\s?(?:million|billion|thousand))?\s?(?:dollars|euros|pounds|usd|eur|gbp|bitcoins?|btc)\b",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?(?:%|percent\b|per cent\b)", re.IGNORECASE)
_DURATION = re.compile(
    rf"(?<![\w.])(?:\d+(?:[.,]\d+)?|a|an|{_NUMBER_WORD}|a few|several)(?:\s|-)(?:{_UNIT})\b",
    re.IGNORECASE,
)
_DAY = re.compile(
    rf"\b{_MONTH}\s\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s(?:of\s)?{_MONTH}(?=\W|$)"
    r"|\b(?:19|20)\d\d-\d\d-\d\d\b",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s(?:of\s)?(?:19|20)\d\d\b|\b(?:q[1-4]|h[12])\s(?:19|20)\d\d\b", re.IGNORECASE)
_RELATIVE_DAY = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today"
    r"|last (?:week|month|year)|earlier this (?:week|month|year))\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<![\w.,-])(?:19|20)\d\d(?![\w-])")
_VERSION = re.compile(r"\b[vV]?\d+(?:\.\d+)+[a-z]?\b|\b\d+[hH][12]\b")
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,}\b", re.IGNORECASE)
_NAME = re.compile(r"\b[A-Z][\w&.-]*[a-z0-9][\w&.-]*\b|\b[A-Z]{2,}\b")
_COUNTRY_WORDS = "|".join(sorted(set(DEMONYMS.values()) | {"us", "usa", "uk", "asia", "latin america", "middle east"}))
_PLACE = re.compile(rf"\b(?:{_COUNTRY_WORDS})\b", re.IGNORECASE)
_PLACE_NAME = re.compile(r"\b(?:in|from|at|across|near|based in|located in) (?:the )?[A-Z][\w.-]*")
_VICTIMS = re.compile(
    r"\d|\b(?:users?|customers?|employees?|staff|members?|patients?|students?|officials?|politicians?|"
    r"governments?|agenc(?:y|ies)|companies|firms?|organi[sz]ations?|businesses|hospitals?|banks?|"
    r"schools?|universities|victims?|accounts?|people|citizens|clients?|subscribers?|individuals)\b",
    re.IGNORECASE,
)
_YEAR_ONLY = re.compile(r"(?:19|20)\d\d")
_CALENDAR = re.compile(
    rf"{_MONTH}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|q[1-4]|h[12]", re.IGNORECASE
)
_MONTH_BEFORE = re.compile(rf"\b{_MONTH}\s?$", re.IGNORECASE)
# A month by its name, whole ("_MONTH" also matches "decided", "market"): "may" only before a number.
_NAMED_MONTH = re.compile(
    r"\b(" + "|".join(sorted(MONTHS.keys() - {"may"}, key=len, reverse=True)) + r"|may(?=\s\d))\b", re.IGNORECASE
)
# Numbers of a text about another month than the question names ("Last month, Microsoft published 67
# fixes in the December 2021 Patch Tuesday ... six zero-day flaws" for January's) are not its answer.
_DATED = frozenset({Kind.COUNT, Kind.MONEY, Kind.PERCENT})

# "who was affected / hit / targeted": the verb asks for victims, it is not what the story says.
VICTIM_QUESTION = re.compile(
    r"\bwho (?:was|were|is|are|got|has been|have been)"
    r" (affected|impacted|hit|targeted|hacked|breached|compromised)\b",
    re.IGNORECASE,
)
_ASKS_CVE = re.compile(r"\b(?:what|which)\b[^?]{0,40}\bcves?\b|\bcve (?:id|number)\b")
_ASKS_VERSION = re.compile(r"\b(?:which|what) (?:[\w.-]+ ){0,2}(?:versions?|releases?|updates?|builds?|firmware)\b")
_ASKS_PERCENT = re.compile(r"\bwhat (?:percentage|percent|share|proportion|fraction)\b|\bhow much of\b")
# "how much is / was X" asks what X costs or is worth ("how much is the lifetime deal?").
_ASKS_MONEY = re.compile(
    r"\bhow much (?:is|are|was|were)\b"
    r"|\bhow much\b[^?]{0,60}\b(?:money|pay|paid|ransom|fine|fined|cost|costs|worth|steal|stole|stolen|earn"
    r"|earned|make|made|revenue|raise|raised|damage|damages|lose|lost|demand|demanded|bounty|reward)\b"
    r"|\bwhat (?:was |is |were )?(?:the )?(?:ransom|fine|price|cost|bounty|reward)\b"
)
_ASKS_DURATION = re.compile(rf"\bhow long\b(?! ago)|\bhow many (?:{_UNIT})\b")
_ASKS_COUNT = re.compile(r"\bhow (?:many|much|big|large)\b|\bnumber of\b")
_COUNTED = re.compile(r"\bhow many ((?:[\w'-]+ ){0,2}[\w'-]+)")
# "when" asks for a date only when it opens the question ("and when ...", "since when ..." too).
_ASKS_DATE = re.compile(
    r"^\W*(?:and |so |but )?(?:since |until )?when\b|\b(?:what|which) (?:date|day|year|month)\b"
    r"|\bon what (?:date|day)\b|\bhow long ago\b"
)
_ASKS_PLACE = re.compile(r"\bwhere\b|\bwhich (?:countries|country|regions?|cities|city|states?|nations?)\b")
# "which app", "what malware": a name is asked for; "what did", "what is" are not.
_ASKS_NAME = re.compile(
    r"\bwho\b|\bwhose\b|\bwhich (?!(?:is|are|was|were|of|one)\b)\w"
    r"|\bwhat (?:\w+ )?(?:malware|ransomware|trojan|botnet|backdoor|group|gang|company|firm|app|apps|tool"
    r"|family|vendor|product|algorithm|browser|software|device|toy|kit|service|agency|actor)\b"
)


@dataclass(frozen=True, slots=True)
class Asked:
    """What one question asks for: the kind, the terms it already holds, and the terms an answer
    sits next to (the counted noun of "how many", the question's other words)."""

    kind: Kind
    known: frozenset[str]
    counted: frozenset[str] = frozenset()
    context: frozenset[str] = frozenset()
    months: frozenset[int] = frozenset()  # the months the question names ("in the jan 2022 patch tuesday")


def asked_for(question: str, terms: Callable[[str], Iterable[str]]) -> Asked | None:
    """What kind of thing ``question`` asks for, or None when it asks for none of these."""
    q = question.casefold()
    known = frozenset(terms(question))
    kind = _kind(q)
    if kind is None:
        return None
    counted: frozenset[str] = frozenset()
    if kind in (Kind.COUNT, Kind.DURATION, Kind.MONEY):
        match = _COUNTED.search(q)
        if match:
            counted = frozenset(terms(match.group(1)))
    return Asked(kind, known, counted, known - counted, _months(q))


def _months(text: str) -> frozenset[int]:
    """The months (1-12) ``text`` names by name ("January", "jan", "Sept."; "may" only before a day or year)."""
    return frozenset(MONTHS[m.group(1).casefold()] for m in _NAMED_MONTH.finditer(text))


def _kind(q: str) -> Kind | None:
    if VICTIM_QUESTION.search(q):
        return Kind.VICTIMS
    for pattern, kind in (
        (_ASKS_CVE, Kind.CVE),
        (_ASKS_VERSION, Kind.VERSION),
        (_ASKS_PERCENT, Kind.PERCENT),
        (_ASKS_MONEY, Kind.MONEY),
        (_ASKS_DURATION, Kind.DURATION),
        (_ASKS_COUNT, Kind.COUNT),
        (_ASKS_DATE, Kind.DATE),
        (_ASKS_PLACE, Kind.PLACE),
        (_ASKS_NAME, Kind.NAME),
    ):
        if pattern.search(q):
            return kind
    return None


def grade(
    asked: Asked,
    text: str,
    tokenizer: Tokenizer,
    title: frozenset[str] = frozenset(),
    shown: frozenset[str] = frozenset(),
) -> float:
    """How surely ``text`` holds a new thing of the asked kind, 0..1: the best of its matches.

    A match whose terms the question (or ``shown``, what the reader already sees) holds is not
    new; for names, places and victims the ``title``'s terms are known too, for numbers they
    are not: the headline number is often the answer."""
    kind = asked.kind
    known = asked.known | shown | (title if kind in _TITLE_KNOWN else frozenset())
    text = text[:MAX_TEXT]
    if asked.months and kind in _DATED and _other_month(asked, text):
        return 0.0
    words = _Words(text, tokenizer)
    best = 0.0
    for pattern, value in _GRADED[kind]:
        for n, match in enumerate(pattern.finditer(text)):
            if n == MAX_MATCHES or best >= EXACT:
                break
            if value <= best or match.end() - match.start() > MAX_MATCH_CHARS:
                continue
            # What the text alone rules out first: most matches end here, before any word is read.
            if (kind is Kind.NAME and not _may_be_name(text, match)) or (
                kind is Kind.COUNT and not _may_be_count(text, match)
            ):
                continue
            if known.issuperset(words.within(match.start(), match.end())):
                continue
            if kind is Kind.COUNT:
                best = max(best, _count_grade(asked, text, match, words))
            elif kind is Kind.NAME:
                best = max(best, _name_grade(asked, text, match, words))
            else:
                best = value
    return best


class _Words:
    """The terms of one text by position, tokenized left to right only as far as a match needs:
    a text whose first matches settle its grade is never read to its end."""

    def __init__(self, text: str, tokenizer: Tokenizer) -> None:
        self._unread: Iterator[tuple[int, int, str]] | None = tokenizer.spans(text)
        # The words read so far, in order: they do not overlap, so both starts and ends ascend.
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.terms: list[str] = []

    def within(self, lo: int, hi: int) -> set[str]:
        """The terms of the words lying inside ``lo:hi``."""
        self._read_past(hi)
        return set(self.terms[bisect_left(self.starts, max(0, lo)) : bisect_right(self.ends, hi)])

    def _read_past(self, hi: int) -> None:
        """Reads words until one starts after ``hi`` (so every word ending by ``hi`` is read) or the text ends."""
        unread, starts = self._unread, self.starts
        if unread is None or (starts and starts[-1] > hi):
            return
        for start, end, term in unread:
            starts.append(start)
            self.ends.append(end)
            self.terms.append(term)
            if start > hi:
                return
        self._unread = None


def _may_be_name(text: str, match: re.Match[str]) -> bool:
    """False for a month or weekday, and for a capitalised word opening a sentence: that is no
    sign of a name ("However", "Attacks on..."), and nearly every paragraph has one, so counting
    it let a paragraph that merely opens with a noun outrank the one that answers."""
    if _CALENDAR.fullmatch(match.group()):
        return False
    before = text[max(0, match.start() - NEAR) : match.start()]
    return bool(before.strip()) and not before.rstrip().endswith((".", "!", "?", ":", '"', "\u201c", "\u201d"))


def _name_grade(asked: Asked, text: str, match: re.Match[str], words: _Words) -> float:
    """A name (``_may_be_name``) next to the question's words answers "who" surely."""
    start, end = match.start(), match.end()
    if asked.context & (words.within(start - NEAR, start) | words.within(end, end + NEAR)):
        return EXACT
    return PLAIN


def _may_be_count(text: str, match: re.Match[str]) -> bool:
    """False for a year, a product number ("Windows 10") or a day of a month: no count at all."""
    number, start = match.group(), match.start()
    if _YEAR_ONLY.fullmatch(number) or number.count(".") > 1 or _product_number(text, start):
        return False
    return not _MONTH_BEFORE.search(text[max(0, start - 12) : start])


def _count_grade(asked: Asked, text: str, match: re.Match[str], words: _Words) -> float:
    """A count (``_may_be_count``) next to the counted noun is the answer; near the question's
    other words likely."""
    number, start, end = match.group(), match.start(), match.end()
    after = words.within(end, end + NEAR)
    if asked.counted & after:
        return EXACT
    if asked.context & (after | words.within(start - NEAR, start)):
        return NEAR_QUESTION
    return WEAK if number.lower() == "one" else PLAIN


def _other_month(asked: Asked, text: str) -> bool:
    """True when ``text`` names months, none of them one the question asks about."""
    named = _months(text)
    return bool(named) and not named & asked.months


_TITLE_KNOWN = frozenset({Kind.NAME, Kind.PLACE, Kind.VICTIMS})


def _product_number(text: str, start: int) -> bool:
    """True when a capitalised word right before the number names a product ("Windows 10",
    "iOS 15"), not when that word opens a sentence ("About 70,000 bots")."""
    before = text[max(0, start - 32) : start]
    if not before.endswith(" "):
        return False
    words = before.split()
    if not words or not words[-1][:1].isupper():
        return False
    if len(words) == 1:
        return start > 32  # the window holds only this word: it opens the text when near the start
    return not words[-2].endswith((".", "!", "?", ":", ";", '"', "\u201d"))


_GRADED: dict[Kind, tuple[tuple[re.Pattern[str], float], ...]] = {
    Kind.COUNT: ((_COUNT, EXACT),),
    Kind.MONEY: ((_MONEY, EXACT),),
    Kind.PERCENT: ((_PERCENT, EXACT),),
    Kind.DURATION: ((_DURATION, EXACT),),
    Kind.DATE: ((_DAY, EXACT), (_MONTH_YEAR, NEAR_QUESTION), (_RELATIVE_DAY, PLAIN), (_YEAR, WEAK)),
    Kind.VERSION: ((_VERSION, EXACT),),
    Kind.CVE: ((_CVE, EXACT),),
    Kind.VICTIMS: ((_VICTIMS, EXACT),),
    Kind.PLACE: ((_PLACE, EXACT), (_PLACE_NAME, PLAIN)),
    Kind.NAME: ((_NAME, EXACT),),
}
