"""Property tests: the notes parser never crashes on arbitrary text or bytes.

``parse_note`` returns a Note or raises NoteRejected (a file that is not a usable note);
``read_note`` never raises at all. Strategies mix random Unicode with the pieces the parsers
look for (frontmatter fences, ``## Information:``, ``+ Date:``, tags, links) to reach deep paths.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.notes.errors import NoteRejected
from bot.notes.loader import parse_note, read_note
from bot.notes.models import Note, Skipped

PIECES = [
    "---\n",
    "---",
    "title: ",
    "date: ",
    "tags: [",
    "]",
    "source: ",
    "\n",
    "\n\n\n",
    "# ",
    "## ",
    "### \n",
    "## Information:\n",
    "+ Source: ",
    "+ Link: [article](",
    ")",
    "+ Date: ",
    "July 28, 2021",
    "2021-13-45",
    "+ Author: ",
    "## Article:\n",
    "#### Tags:\n",
    "[[",
    "]]",
    "#tag",
    "`",
    "```",
    "<script>",
    "</b>",
    "&amp;",
    "\u200b",
    "\u202e",
    "\ufeff",
    "🔥",
    "\x00",
    "\r\n",
    "\t",
    ":",
    "- ",
    "* ",
    "> ",
    "|",
    "{",
    "}",
    "!",
    "\\",
]
note_like = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=40)), max_size=60).map("".join)


def check(text: str) -> None:
    try:
        note = parse_note(text, "fuzz/note.md")
    except NoteRejected as rejected:
        assert rejected.reason
        return
    assert isinstance(note, Note)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_arbitrary_text_never_crashes_the_parser(text: str) -> None:
    check(text)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(note_like)
def test_note_shaped_text_never_crashes_the_parser(text: str) -> None:
    check(text)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_in_a_file_never_raise(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "note.md"
    path.write_bytes(data)
    assert isinstance(read_note(path, "note.md"), (Note, Skipped))
