"""Abbreviations an article defines ("Check Point Research (CPR)"), so that a sentence writing only
"CPR" holds the question's "check point" too.

News articles spell a name out once, its abbreviation in brackets after it, and use the
abbreviation from then on; a question uses the name. A definition is a bracketed run of capitals
right after as many capitalised words (small joining words such as "of" allowed between them)
whose initials spell it: "National Crime Agency (NCA)", "Federal Bureau of Investigation (FBI)",
not "a report (PDF)".

Linear in the text: one search for bracketed capitals, and at most WINDOW characters read before each.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

from bot.search.tokenize import Tokenizer

WINDOW = 120  # characters before the bracket that can hold the name: eight long words
_JOINING = frozenset({"of", "and", "for", "the", "on", "in"})
_OPENING = "\"'\u201c\u2018(["  # quotes and brackets a name can open with: “Zero Day Initiative (ZDI)
_BRACKETED = re.compile(r" \(([A-Z]{2,8})\)")


def defined_abbreviations(texts: Iterable[str], tokenize: Tokenizer) -> dict[str, frozenset[str]]:
    """Each abbreviation the texts define, as its index term ("cpr"), with the index terms of the
    name it stands for ("check", "point", "research"); the first definition of one wins."""
    found: dict[str, frozenset[str]] = {}
    defined: set[str] = set()
    for text in texts:
        if " (" not in text:
            continue
        for match in _BRACKETED.finditer(text):
            capitals = match.group(1)
            if capitals in defined:
                continue
            name = _spelt_out(text[max(0, match.start() - WINDOW) : match.start()], capitals)
            if name:
                defined.add(capitals)
                for term in tokenize(capitals):
                    found.setdefault(term, frozenset(tokenize(name)))
    return found


def _spelt_out(before: str, capitals: str) -> str | None:
    """The last words of ``before`` whose initials spell ``capitals``, each capitalised (joining
    words between them skipped), or None when they do not."""
    words: list[str] = []
    for written in reversed(before.split()[-2 * len(capitals) :]):
        if len(words) == len(capitals):
            break
        word = written.lstrip(_OPENING)
        if word in _JOINING and words:
            continue
        if not word[:1].isupper():
            return None
        words.append(word)
    if "".join(w[0] for w in reversed(words)) != capitals:
        return None
    return " ".join(reversed(words))


def with_spelt_out(terms: Iterable[str], abbreviations: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """``terms`` and, for each abbreviation among them, the terms of the name it stands for."""
    held = frozenset(terms)
    if not abbreviations or abbreviations.keys().isdisjoint(held):
        return held
    return held.union(*(abbreviations[t] for t in held if t in abbreviations))


def written_abbreviations(
    abbreviations: Mapping[str, frozenset[str]], wanted: Collection[str]
) -> re.Pattern[str] | None:
    """The abbreviations standing for some of the ``wanted`` terms, as one pattern that finds them
    written in a text (in capitals, as whole words), or None when there are none."""
    standing = sorted(a.upper() for a, name in abbreviations.items() if not name.isdisjoint(wanted))
    return re.compile(r"\b(?:" + "|".join(map(re.escape, standing)) + r")\b") if standing else None
