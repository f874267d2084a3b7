"""Tags worth listing, picked out of noisy scraper output.

The scraper's tags are word-frequency picks (``said.``, ``“The``) and dictionary matches
(``action.malware.name=at``, a ``victim.country.name=Haiti`` block on every Gen B note). A tag
is kept only when it looks like a name, and a named entity (actor, malware, place) only when the
note's own text names it: a match the article never mentions is not evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.notes.models import Tag

# A tag ends at the first ``]]`` before a blank and never holds ``[[``: each opening then scans
# only to the next one, so a line of ``[[[[...`` costs linear time, not quadratic.
_BRACKETED = re.compile(r"\[\[((?:(?!\[\[).)*?)\]\](?=\s|$)")
_NAME = re.compile(r"^[^\W_](?:[\w\-.+& ]*[^\W_])?$")
_ABBREVIATION = re.compile(r"^(?:[A-Za-z]\.){2,}$")
_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$", re.IGNORECASE)
_ATTACK_TECHNIQUE = re.compile(r"^T\d{4}(?:\.\d{3})?$")
_NUMBER = re.compile(r"^[\d.,]+$")
_NOT_ALNUM = re.compile(r"[\W_]+")
_MAX_LENGTH = 60
_MIN_ENTITY_LENGTH = 3

STOPWORDS = frozenset(
    """a about according added after again all also an and another any are as at be because been
    before being but by can could did do does each even example explained for from had has have he
    her here his how however i if in into is it its just like may might more most much new no noted
    not now of on one only or other our out over said say says she should since so some still such
    than that the their them then there these they this those though through to told too two under
    up us was we were what when where whether which while who why will with would wrote yes yet you
    your""".split()
)

_KINDS = {
    "threatactor.name": "threat actor",
    "action.malware.name": "malware",
    "victim.country.name": "country",
    "victim.continent.name": "continent",
    "victim.city.name": "city",
    "victim.industry.name": "industry",
}
_NAMED_ENTITY_KINDS = frozenset({"threat actor", "malware", "country", "continent", "city"})
_NEEDS_LENGTH_KINDS = frozenset({"threat actor", "malware"})


def bracketed(section: str) -> list[str]:
    """The raw ``[[...]]`` values of a tags section, in order; bare lines (URLs, IPs) are ignored."""
    return [m[1] for line in section.splitlines() for m in _BRACKETED.finditer(line.strip())]


def plain_tag(raw: str) -> Tag | None:
    """A tag from a free-text value, or None if it is a fragment, a stopword or a number."""
    name = raw.strip()
    if _CVE.match(name):
        return Tag(name.upper(), "cve")
    if _ATTACK_TECHNIQUE.match(name):
        return Tag(name, "ATT&CK technique")
    if _ABBREVIATION.match(name):
        return Tag(name.replace(".", ""))
    return Tag(name) if _looks_like_name(name) else None


def structured_tag(raw: str) -> Tag | None:
    """A tag from ``kind.sub.name=Value``, or None if the value is empty or junk."""
    key, _, value = raw.partition("=")
    name = value.strip()
    if not _looks_like_name(name):
        return None
    kind = _KINDS.get(key.strip().lower()) or _readable_kind(key)
    if kind in _NEEDS_LENGTH_KINDS and len(name) < _MIN_ENTITY_LENGTH:
        return None
    return Tag(name, kind)


def tag_from_bracket(raw: str) -> Tag | None:
    """Either kind of tag, told apart by the ``=`` of the structured form."""
    return structured_tag(raw) if "=" in raw else plain_tag(raw)


def mentioned(tag: Tag, text: str) -> bool:
    """Whether a named-entity tag's name occurs as a whole word in ``text`` (other kinds pass)."""
    if tag.kind not in _NAMED_ENTITY_KINDS:
        return True
    return _occurs(tag.name, text)


def select_tags(tags: Iterable[Tag | None], text: str, source: str) -> tuple[Tag, ...]:
    """Tags that survive: not the source's own name, evidenced by ``text``, first spelling kept."""
    own = _key(source)
    seen: set[str] = set()
    kept = []
    for tag in tags:
        if tag is None:
            continue
        key = tag.name.casefold()
        if key in seen or (own and _key(tag.name) == own) or not mentioned(tag, text):
            continue
        seen.add(key)
        kept.append(tag)
    return tuple(kept)


def _occurs(word: str, text: str) -> bool:
    """Whole-word, case-sensitive occurrence; plain ``find`` keeps this cheap on long notes."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
            return True
        start = text.find(word, start + 1)
    return False


def _looks_like_name(name: str) -> bool:
    if not name or len(name) > _MAX_LENGTH:
        return False
    if name.casefold() in STOPWORDS or _NUMBER.match(name):
        return False
    return _NAME.match(name) is not None


def _readable_kind(key: str) -> str:
    """``victim.sector.name`` -> ``sector``: the part that says what the value is."""
    parts = [p for p in key.strip().lower().split(".") if p and p != "name"]
    return parts[-1].replace("_", " ") if parts else ""


def _key(name: str) -> str:
    """Comparison key that makes ``BleepingComputer`` equal ``Bleeping Computer``."""
    return _NOT_ALNUM.sub("", name.casefold())
