"""Read a seeds folder into notes, reporting every file that could not be used and why."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bot.notes.errors import NoteRejected, SeedsError
from bot.notes.frontmatter_notes import has_frontmatter, parse_frontmatter_note
from bot.notes.information import is_information_note, parse_information_note
from bot.notes.models import Corpus, Note, Skipped
from bot.notes.plain_notes import parse_plain_note

NOTE_SUFFIXES = (".md", ".markdown")
MAX_BYTES = 5 * 1024 * 1024
_PARALLEL_MIN_FILES = 400


def load_corpus(seeds_dir: Path, *, workers: int | None = None) -> Corpus:
    """Every note below ``seeds_dir`` in path order, plus the files skipped with their reason.

    Parsing is CPU-bound, so big folders are split over ``workers`` processes (default: one per
    CPU); ``workers=1`` keeps everything in this process. The result is the same either way.
    """
    files, skipped = _scan(Path(seeds_dir))
    notes: list[Note] = []
    for result in _read_all(files, workers or os.cpu_count() or 1):
        (notes if isinstance(result, Note) else skipped).append(result)
    return Corpus(notes=tuple(notes), skipped=tuple(skipped))


def iter_note_files(seeds_dir: Path) -> Iterator[Path]:
    """Markdown files below ``seeds_dir``, sorted by relative path, hidden files and dirs left out.

    Directory symlinks are followed once each (by device and inode), so a loop cannot hang the
    walk. File entries are yielded even when they cannot be read, so the reason gets reported.
    """
    files, _ = _scan(Path(seeds_dir))
    return (path for _, path in files)


def read_note(path: Path, rel: str) -> Note | Skipped:
    """One file as a Note, or Skipped with the reason; never raises for a bad file."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return Skipped(rel, f"too large ({size / 1024 / 1024:.1f} MB)")
        data = path.read_bytes()
    except OSError as exc:
        return Skipped(rel, exc.strerror or str(exc))
    try:
        return parse_note(decode_note(data), rel)
    except NoteRejected as exc:
        return Skipped(rel, exc.reason)
    except Exception as exc:  # one odd file must not stop the bot from loading the rest
        return Skipped(rel, f"could not parse ({type(exc).__name__}: {exc})")


def decode_note(data: bytes) -> str:
    """The text of a note file; raises NoteRejected for binary, non-UTF-8 or empty files."""
    if b"\x00" in data:
        raise NoteRejected("binary file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NoteRejected("not valid UTF-8") from exc
    if not text.strip():
        raise NoteRejected("empty file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_note(text: str, path: str) -> Note:
    """Dispatch on format: YAML frontmatter, ``## Information:``, else plain markdown."""
    if has_frontmatter(text):
        return parse_frontmatter_note(text, path)
    if is_information_note(text):
        return parse_information_note(text, path)
    return parse_plain_note(text, path)


def _read_all(files: list[tuple[str, Path]], workers: int) -> list[Note | Skipped]:
    """Results in ``files`` order; worker processes only when there is enough work to pay."""
    if workers < 2 or len(files) < _PARALLEL_MIN_FILES or not _can_fork():
        return [read_note(path, rel) for rel, path in files]
    chunk = max(1, len(files) // (workers * 4))
    batches = [files[i : i + chunk] for i in range(0, len(files), chunk)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return [result for batch in pool.map(_read_batch, batches) for result in batch]


def _can_fork() -> bool:
    """Fork is quick and needs no ``__main__`` guard in callers, but is only safe single-threaded."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _read_batch(files: list[tuple[str, Path]]) -> list[Note | Skipped]:
    return [read_note(path, rel) for rel, path in files]


def _scan(seeds_dir: Path) -> tuple[list[tuple[str, Path]], list[Skipped]]:
    """(relative path, path) of note files in order, and unreadable folders as Skipped."""
    if not seeds_dir.exists():
        raise SeedsError(f"seeds folder {seeds_dir} does not exist")
    if not seeds_dir.is_dir():
        raise SeedsError(f"seeds folder {seeds_dir} is not a directory")
    files: list[tuple[str, Path]] = []
    problems: list[Skipped] = []
    _walk(seeds_dir, seeds_dir, set(), files, problems)
    files.sort()
    problems.sort(key=lambda s: s.path)
    return files, problems


def _walk(
    root: Path,
    folder: Path,
    visited: set[tuple[int, int]],
    files: list[tuple[str, Path]],
    problems: list[Skipped],
) -> None:
    try:
        st = folder.stat()
        if (st.st_dev, st.st_ino) in visited:
            return
        visited.add((st.st_dev, st.st_ino))
        entries = list(os.scandir(folder))
    except OSError as exc:
        problems.append(Skipped(folder.relative_to(root).as_posix(), exc.strerror or str(exc)))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if _is_dir(entry):
            _walk(root, path, visited, files, problems)
        elif entry.name.lower().endswith(NOTE_SUFFIXES):
            files.append((path.relative_to(root).as_posix(), path))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
