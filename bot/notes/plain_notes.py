"""Markdown files in neither known format: still notes, titled by heading or file name."""

from __future__ import annotations

from bot.notes.errors import NoteRejected
from bot.notes.markdown_text import paragraphs
from bot.notes.models import Note
from bot.notes.titles import first_heading, strip_title_suffix, title_from_path


def parse_plain_note(text: str, path: str) -> Note:
    """A Note whose body is the whole text; raises NoteRejected when no paragraph is left."""
    found = paragraphs(text)
    if not found:
        raise NoteRejected("no article text")
    title = strip_title_suffix(first_heading(text)) or title_from_path(path)
    return Note(path=path, title=title, source="", link="", date=None, author="", paragraphs=found)
