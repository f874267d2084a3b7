"""What a rebuild changed: the notes it added, changed and removed since the index it replaced.

Notes are told apart by path (relative to the seeds folder) and by a hash of what they say
(every field the notes layer parsed, paragraphs included), not of the file's bytes or mtime: a
file that is touched or re-saved unchanged is not "changed", an edit to its title, tags or text
is. The hashes are kept in the index (``Index.note_hash``) and in the build cache, so comparing
a build with the one it replaces costs no second read of either.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.notes.models import Note


def content_hash(note: Note) -> str:
    """A 64-bit hash (hex) of everything a note says; equal notes hash equal across processes."""
    digest = hashlib.blake2b(digest_size=8)
    date = note.date.isoformat() if note.date else ""
    tags = "\x1f".join(f"{t.name}\x1e{t.kind}" for t in note.tags)
    for field in (note.path, note.title, note.source, note.link, date, note.author, note.subtitle, tags):
        digest.update(field.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    for paragraph in note.paragraphs:
        digest.update(paragraph.encode("utf-8", "surrogateescape"))
        digest.update(b"\x1d")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class NoteChanges:
    """The notes a build added, changed and removed compared with the index it replaced.

    ``added`` and ``changed`` hold the full ``Note`` objects of this build, paragraphs included,
    so a consumer (the refresh loop, /watch) can score each of them without another read;
    ``removed`` holds only paths, those notes being gone. ``replaced`` names the build that was
    in service before (``builds/<id>``), or is None when there was none to compare with: then
    every note counts as added, and a consumer that announces news should not announce them.
    """

    added: tuple[Note, ...] = ()
    changed: tuple[Note, ...] = ()
    removed: tuple[str, ...] = ()
    replaced: str | None = None

    @property
    def fresh(self) -> tuple[Note, ...]:
        """New and changed notes, in the build's order: the ones worth telling someone about."""
        return self.added + self.changed

    @property
    def first_build(self) -> bool:
        """True when there was no previous index, so "added" means "all"."""
        return self.replaced is None

    def counts(self) -> dict[str, int]:
        """``{"added": n, "changed": n, "removed": n}``: what ``index build`` prints and the manifest keeps."""
        return {"added": len(self.added), "changed": len(self.changed), "removed": len(self.removed)}

    def summary(self) -> str:
        """One line for logs and the CLI: ``3 new, 1 changed, 0 removed``."""
        return f"{len(self.added)} new, {len(self.changed)} changed, {len(self.removed)} removed"


def compare(
    previous: Mapping[str, str] | None, notes: Sequence[Note], hashes: Sequence[str], *, replaced: str | None
) -> NoteChanges:
    """The changes from ``previous`` (path -> content hash of the index replaced; None when
    there was none) to ``notes`` with their ``hashes`` (in the same order)."""
    if previous is None:
        return NoteChanges(added=tuple(notes), replaced=None)
    added: list[Note] = []
    changed: list[Note] = []
    for note, digest in zip(notes, hashes, strict=True):
        before = previous.get(note.path)
        if before is None:
            added.append(note)
        elif before != digest:
            changed.append(note)
    kept = {n.path for n in notes}
    removed = tuple(sorted(p for p in previous if p not in kept))
    return NoteChanges(tuple(added), tuple(changed), removed, replaced)


def paths_by_kind(changes: NoteChanges) -> dict[str, list[str]]:
    """The changes as paths, for the manifest (so a build made by another process can be read)."""
    return {
        "added": [n.path for n in changes.added],
        "changed": [n.path for n in changes.changed],
        "removed": list(changes.removed),
    }


def hashes_of(notes: Iterable[Note]) -> tuple[str, ...]:
    """``content_hash`` of each note, in order."""
    return tuple(map(content_hash, notes))
