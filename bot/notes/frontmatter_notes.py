"""Notes with YAML frontmatter (postmortems and hand-written notes).

Field names differ between collections, so each Note field takes the first usable of several
keys. Historical dates (1628, 1969-07-20) are real; only the epoch-0 days count as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

import frontmatter
import yaml

from bot.notes.dates import date_of, known_date
from bot.notes.errors import NoteRejected
from bot.notes.markdown_text import clean_inline, paragraphs
from bot.notes.models import Note, Tag
from bot.notes.tags import plain_tag, select_tags
from bot.notes.titles import first_heading, strip_title_suffix, title_from_path

_OPENING = re.compile(r"\A---[ \t]*\r?\n")
_TITLE_KEYS = ("title",)
_LINK_KEYS = ("url", "link")
_DATE_KEYS = ("date", "published", "start_time", "source_published_at")
_SOURCE_KEYS = ("source", "publisher", "company")
_AUTHOR_KEYS = ("author",)
_SUBTITLE_KEYS = ("summary", "description")
_TAG_KEYS = ("tags", "keywords", "categories")
_ERROR_LENGTH = 120


def has_frontmatter(text: str) -> bool:
    """Whether ``text`` opens with a ``---`` line, i.e. claims to carry YAML frontmatter."""
    return _OPENING.match(text) is not None


def parse_frontmatter_note(text: str, path: str) -> Note:
    """A Note from a frontmatter file; raises NoteRejected for broken YAML or no article text."""
    meta, body = _split(text)
    found = paragraphs(body)
    if not found:
        raise NoteRejected("no article text")
    title = _text(meta, _TITLE_KEYS) or first_heading(body) or _subject(meta) or title_from_path(path)
    title = clean_inline(strip_title_suffix(title))
    source = _text(meta, _SOURCE_KEYS)
    subtitle = clean_inline(_text(meta, _SUBTITLE_KEYS))
    evidence = "\n".join((title, subtitle, *found))
    return Note(
        path=path,
        title=title,
        source=source,
        link=_text(meta, _LINK_KEYS),
        date=_date(meta),
        author=_text(meta, _AUTHOR_KEYS),
        subtitle=subtitle,
        tags=select_tags(_tags(meta), evidence, source),
        paragraphs=found,
    )


def _split(text: str) -> tuple[Mapping[str, object], str]:
    """Metadata and body; the YAML error, shortened, becomes the skip reason."""
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise NoteRejected(f"broken YAML frontmatter: {_short(exc)}") from exc
    if not post.metadata and post.content == text.strip():
        raise NoteRejected("broken YAML frontmatter: no closing --- line")
    return post.metadata, post.content


def _short(exc: yaml.YAMLError) -> str:
    """``did not find expected ',' or ']' (line 3)``: what and where, in the file's numbering."""
    problem = getattr(exc, "problem", None) or str(exc)
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 2})" if mark is not None else ""
    text = " ".join(f"{problem}{where}".split())
    return text if len(text) <= _ERROR_LENGTH else text[: _ERROR_LENGTH - 1] + "…"


def _text(meta: Mapping[str, object], keys: tuple[str, ...]) -> str:
    """The first non-empty scalar among ``keys``, as stripped text."""
    for key in keys:
        value = meta.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and (text := str(value).strip()):
            return text
    return ""


def _subject(meta: Mapping[str, object]) -> str:
    """``GitLab: GitLab.com``: what the postmortem is about, better than a uuid file name."""
    return ": ".join(part for part in (_text(meta, ("company",)), _text(meta, ("product",))) if part)


def _date(meta: Mapping[str, object]) -> date | None:
    """The first present and parseable date field; epoch-0 placeholders count as unknown."""
    for key in _DATE_KEYS:
        day = date_of(meta.get(key))
        if day is not None:
            return known_date(day)
    return None


def _tags(meta: Mapping[str, object]) -> list[Tag | None]:
    """Tags from list or comma-separated values of every tag-like key, in key order."""
    raw: list[str] = []
    for key in _TAG_KEYS:
        value = meta.get(key)
        if isinstance(value, str):
            raw.extend(value.split(","))
        elif isinstance(value, list):
            raw.extend(str(item) for item in value if isinstance(item, (str, int, float)))
    return [plain_tag(item) for item in raw]
