"""Which notes a question's filters keep: ``source:``, ``tag:``, ``after:``, ``before:``."""

from __future__ import annotations

from bot.notes.models import Note
from bot.search.query import Query


def note_matches(note: Note, query: Query) -> bool:
    """True when ``note`` passes every filter of ``query`` (an undated note fails date filters)."""
    if query.source and not source_matches(note, query.source):
        return False
    if query.tag and not any(t.name.casefold() == query.tag.casefold() for t in note.tags):
        return False
    if query.after and not (note.date and note.date >= query.after):
        return False
    return not (query.before and not (note.date and note.date < query.before))


def source_matches(note: Note, name: str) -> bool:
    """``zdnet``, ``ZDNet``, ``bleeping``, ``the record`` and ``record`` all name their source:
    letters and digits only, matched as a prefix of the source name from any of its words (a user
    types the word they remember), or as a prefix of the note's folder."""
    wanted = _squash(name)
    if not wanted:
        return False
    folder = note.path.split("/", 1)[0] if "/" in note.path else ""
    return _starts_a_word(note.source, wanted) or (bool(folder) and _squash(folder).startswith(wanted))


def _starts_a_word(text: str, wanted: str) -> bool:
    """True when ``wanted`` (squashed) begins at a word of ``text``: "record" in "The Record"."""
    squashed = _squash(text)
    starts, at, inside = [], 0, False
    for c in text.casefold():
        if c.isalnum():
            if not inside:
                starts.append(at)
            at, inside = at + 1, True
        else:
            inside = False
    return any(squashed.startswith(wanted, start) for start in starts)


def _squash(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())
