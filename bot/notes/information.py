"""Notes in the OSINTer ``## Information:`` format, both generations.

Layout: ``# Title``, ``### Subtitle``, ``## Information:`` with ``+ Key: value`` lines,
``## Article:`` body, then a tags section that opens with an exact ``#### Tags:`` line (Gen A,
one line of ``[[tag]]``) or ``## Tags:`` (Gen B, subsections of ``[[kind.name=Value]]``).
Body headings use ``###``..``#####`` too, which is why the tags headers must match exactly.
"""

from __future__ import annotations

import re

from bot.notes.dates import known_date, parse_date
from bot.notes.errors import NoteRejected
from bot.notes.markdown_text import clean_inline, drop_leading_unknown, paragraphs
from bot.notes.models import Note
from bot.notes.tags import bracketed, select_tags, tag_from_bracket
from bot.notes.titles import strip_title_suffix, title_from_path

_INFORMATION = re.compile(r"^## Information:[ \t]*$", re.MULTILINE)
_ARTICLE = re.compile(r"^## Article:[ \t]*$", re.MULTILINE)
_TAGS = re.compile(r"^(?:#### Tags:|## Tags:)[ \t]*$", re.MULTILINE)
_TITLE = re.compile(r"^# (.*)$", re.MULTILINE)
# Values are taken whole and stripped in Python: a lazy ``(.*?)[ \t]*$`` rescans the trailing
# blanks at every character, quadratic in a hostile line's length.
_SUBTITLE = re.compile(r"^###(?:[ \t]++(.*))?$")
_FIELD = re.compile(r"^\+ ([A-Za-z ]+):[ \t]*+(.*)$", re.MULTILINE)
_MARKDOWN_LINK = re.compile(r"^\[[^\]]*+\]\(\s*+<?([^)\s>]++)>?[^)]*+\)$")
_UNKNOWN = frozenset({"", "unknown", "none", "null", "n/a"})


def is_information_note(text: str) -> bool:
    """Whether ``text`` is in this format: it has the ``## Information:`` header line."""
    return _INFORMATION.search(text) is not None


def parse_information_note(text: str, path: str) -> Note:
    """A Note from one file of this format; raises NoteRejected when it has no article text."""
    info = _INFORMATION.search(text)
    if info is None:
        raise NoteRejected("no ## Information: section")
    head, rest = text[: info.start()], text[info.end() :]
    article = _ARTICLE.search(rest)
    fields_text, body = (rest[: article.start()], rest[article.end() :]) if article else (rest, "")
    tag_headers = list(_TAGS.finditer(body))
    tags_text = body[tag_headers[-1].end() :] if tag_headers else ""
    body = body[: tag_headers[-1].start()] if tag_headers else body

    found = paragraphs(drop_leading_unknown(body))
    if not found:
        raise NoteRejected("no article text")
    fields = {m[1].strip().lower(): m[2].rstrip(" \t") for m in _FIELD.finditer(fields_text)}
    title, subtitle = _title_and_subtitle(head)
    title = title or title_from_path(path)
    source = _known(fields.get("source", ""))
    evidence = "\n".join((title, subtitle, *found))
    return Note(
        path=path,
        title=title,
        source=source,
        link=_link(fields.get("link", "")),
        date=known_date(parse_date(fields.get("date", ""))),
        author=_known(fields.get("author", "")),
        subtitle=subtitle,
        tags=select_tags(map(tag_from_bracket, bracketed(tags_text)), evidence, source),
        paragraphs=found,
    )


def _title_and_subtitle(head: str) -> tuple[str, str]:
    """``# Title`` and the ``### Subtitle`` line right below it (often empty)."""
    title_match = _TITLE.search(head)
    if title_match is None:
        return "", ""
    title = _known(clean_inline(strip_title_suffix(title_match[1].strip())))
    following = head[title_match.end() :].lstrip("\r\n").split("\n", 1)[0]
    sub = _SUBTITLE.match(following)
    return title, clean_inline((sub[1] or "").rstrip(" \t")) if sub else ""


def _link(value: str) -> str:
    """The URL of ``[article](url)``, ``<url>`` or a bare URL."""
    value = value.strip()
    if m := _MARKDOWN_LINK.match(value):
        return m[1]
    return _known(value.strip("<>"))


def _known(value: str) -> str:
    """The value, or "" for the scraper's placeholders (``Unknown``, ``None``)."""
    value = value.strip()
    return "" if value.lower() in _UNKNOWN else value
