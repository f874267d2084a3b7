"""What kind of thing a question asks for, and the pattern an answer of that kind matches.

"how many" wants a number, "when" a date, "which versions" a version, "who was hit" victims,
"who" a name. Every pattern is linear: alternations of fixed words and single bounded runs.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|dozens?|hundreds?|thousands?|millions?|billions?)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(?:19|20)\d\d\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today"
    r"|last (?:week|month|year)|earlier this (?:week|month|year))\b",
    re.I,
)
_VERSION = re.compile(r"\b[vV]?\d+(?:\.\d+)+[a-z]?\b|\b\d+[hH][12]\b")
_NAME = re.compile(r"\b[A-Z][\w&.-]*[a-z0-9][\w&.-]*\b|\b[A-Z]{2,}\b")
# "who was affected / hit / targeted": the verb asks for victims, it is not what the story says.
VICTIM_QUESTION = re.compile(
    r"\bwho (?:was|were|is|are|got|has been|have been)"
    r" (affected|impacted|hit|targeted|hacked|breached|compromised)\b",
    re.IGNORECASE,
)
_VICTIMS = re.compile(
    r"\d|\b(?:users?|customers?|employees?|staff|members?|patients?|students?|officials?|politicians?|"
    r"governments?|agenc(?:y|ies)|companies|firms?|organi[sz]ations?|businesses|hospitals?|banks?|"
    r"schools?|universities|victims?|accounts?|people|citizens|clients?|subscribers?|individuals)\b",
    re.IGNORECASE,
)
_ASKS_VERSION = re.compile(
    r"\b(?:which|what) (?:[\w.-]+ ){0,2}(?:versions?|releases?|updates?|builds?|firmware)\b"
)
_ASKS_NUMBER = re.compile(r"\bhow (?:many|much|long|big|large)\b|\bnumber of\b|\bwhat (?:percentage|share)\b")
_ASKS_DATE = re.compile(r"\bwhen\b|\bwhat (?:date|day|year|month|time)\b|\bhow long ago\b")
_ASKS_NAME = re.compile(
    r"\bwho\b|\bwhose\b|\bwhich (?:group|gang|company|companies|firm|firms|country|countries"
    r"|actor|vendor|agency|agencies)\b"
)


def answer_cue(question: str) -> re.Pattern[str] | None:
    """What an answer to this kind of question contains: a version, a number, a date, victims,
    a name; None when the question asks for none of these."""
    q = question.casefold()
    if VICTIM_QUESTION.search(q):
        return _VICTIMS
    if _ASKS_VERSION.search(q):
        return _VERSION
    if _ASKS_NUMBER.search(q):
        return _NUMBER
    if _ASKS_DATE.search(q):
        return _DATE
    if _ASKS_NAME.search(q):
        return _NAME
    return None
