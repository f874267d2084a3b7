"""New notes handed in by a person (a file sent to the bot, ``incident-bot add FILE``): checked
like any seed, then saved under the seeds folder where the next build finds them.

The checks are the loader's own (size limit, UTF-8, not binary, parses, has article text), plus
one the loader does not make: the file must be one of the two note formats, ``## Information:``
or YAML frontmatter, since a handed-in file with neither is more likely a mistake than a note.

Saving never writes outside ``seeds/added/`` (the name is reduced to one safe component) and
never silently overwrites: a file of the same name that holds the same article (same link, or
same title when there is no link) is replaced and the result says so; one that holds a different
article keeps its name and the new note gets the next free one (``name-2.md``); identical bytes
are left alone. The file is written to a hidden temporary name first and then linked or renamed
into place, so a build never reads half a note.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bot.notes.errors import NoteRejected
from bot.notes.frontmatter_notes import has_frontmatter
from bot.notes.information import is_information_note
from bot.notes.loader import MAX_BYTES, decode_note, parse_note, read_note
from bot.notes.models import Note
from bot.notes.walk import NOTE_SUFFIXES, is_inside

ADDED_FOLDER = "added"
NAME_LIMIT = 100  # characters of the file name's stem
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DASHES = re.compile(r"-{2,}")
_MAX_SUFFIX = 1000


@dataclass(frozen=True, slots=True)
class Added:
    """A note that was saved: ``path`` relative to the seeds folder. ``replaced`` when an older
    version of the same article was overwritten; ``renamed_from`` when its own name was taken by
    a different note; ``unchanged`` when the very same file was already there."""

    given: str
    path: str
    title: str
    replaced: bool = False
    renamed_from: str | None = None
    unchanged: bool = False

    def describe(self) -> str:
        if self.unchanged:
            return f"{self.given}: already in the notes as {self.path}, unchanged"
        if self.replaced:
            return f"{self.given}: replaced the earlier version of “{self.title}” in {self.path}"
        if self.renamed_from:
            return f"{self.given}: added “{self.title}” as {self.path} ({self.renamed_from} holds a different note)"
        return f"{self.given}: added “{self.title}” as {self.path}"


@dataclass(frozen=True, slots=True)
class Refused:
    """A file that was not saved, and why, in words the person who sent it can act on."""

    given: str
    reason: str

    def describe(self) -> str:
        return f"{self.given}: not added: {self.reason}"


def check_note(data: bytes, name: str) -> Note:
    """The note in ``data``, or NoteRejected saying why it cannot be a seed."""
    if len(data) > MAX_BYTES:
        limit = MAX_BYTES // 1024 // 1024
        raise NoteRejected(f"too large ({len(data) / 1024 / 1024:.1f} MB; the limit is {limit} MB)")
    text = decode_note(data)
    if not (has_frontmatter(text) or is_information_note(text)):
        raise NoteRejected("neither an ## Information: note nor markdown with YAML frontmatter (README: Your notes)")
    return parse_note(text, name)


def safe_file_name(name: str, title: str = "") -> str:
    """One path component for ``name``: its last component, ASCII letters, digits, ``.``, ``_``
    and ``-`` only, no leading dot, at most NAME_LIMIT characters before ``.md``; the note's
    title stands in for a name with nothing usable left."""
    base = re.split(r"[/\\]", name)[-1]
    stem, suffix = os.path.splitext(base)
    if suffix.lower() not in NOTE_SUFFIXES:
        stem = base
    cleaned = _slug(stem) or _slug(title) or "note"
    return f"{cleaned[:NAME_LIMIT].rstrip('.-_') or 'note'}.md"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _DASHES.sub("-", _UNSAFE.sub("-", ascii_text)).strip(".-_")


def add_note(seeds_dir: Path, given: str, data: bytes) -> Added | Refused:
    """Check ``data`` (sent as ``given``) and save it in ``seeds_dir/added/``. Never raises for a
    bad file or a full disk: the Refused result says what went wrong."""
    if not given.lower().endswith(NOTE_SUFFIXES):
        return Refused(given, "not a .md file")
    try:
        note = check_note(data, given)
    except NoteRejected as exc:
        return Refused(given, exc.reason)
    except Exception as exc:  # a parser bug must not take the caller down
        return Refused(given, f"could not parse ({type(exc).__name__})")
    try:
        return _save(Path(seeds_dir), given, data, note)
    except OSError as exc:
        return Refused(given, f"could not save it: {exc.strerror or exc}")


def _save(seeds_dir: Path, given: str, data: bytes, note: Note) -> Added | Refused:
    folder = seeds_dir / ADDED_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    if not is_inside(os.path.realpath(folder), os.path.realpath(seeds_dir)):
        return Refused(given, f"{ADDED_FOLDER}/ in the seeds folder is a link to outside it")
    name = safe_file_name(given, note.title)
    stem = name[: -len(".md")]
    tmp = folder / f".tmp-{secrets.token_hex(8)}.md"
    _write_synced(tmp, data)
    try:
        for number in range(1, _MAX_SUFFIX + 1):
            candidate = name if number == 1 else f"{stem}-{number}.md"
            target = folder / candidate
            rel = f"{ADDED_FOLDER}/{candidate}"
            renamed_from = None if number == 1 else f"{ADDED_FOLDER}/{name}"
            try:
                os.link(tmp, target)  # fails if the name is taken: never overwrites by accident
                return Added(given, rel, note.title, renamed_from=renamed_from)
            except FileExistsError:
                pass
            verdict = _same_article(target, data, note)
            if verdict == "identical":
                return Added(given, rel, note.title, unchanged=True)
            if verdict == "same":
                os.replace(tmp, target)
                return Added(given, rel, note.title, replaced=True)
        return Refused(given, f"{_MAX_SUFFIX} notes are already named like {name}")
    finally:
        tmp.unlink(missing_ok=True)
        _sync_folder(folder)


def _same_article(target: Path, data: bytes, note: Note) -> str:
    """ "identical" (same bytes), "same" (the same article: same link, or same title without
    one) or "different" for the regular file at ``target``; a link or anything odd is different."""
    if target.is_symlink() or not target.is_file():
        return "different"
    existing = read_note(target, str(target))
    if not isinstance(existing, Note):
        return "different"
    if target.read_bytes() == data:
        return "identical"
    if note.link and existing.link == note.link:
        return "same"
    if not note.link and not existing.link and existing.title == note.title:
        return "same"
    return "different"


def _write_synced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
