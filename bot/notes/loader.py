"""Read a seeds folder into notes, reporting every file that could not be used and why.

The public API the loader and the build cache share: ``scan_seeds`` (bot.notes.walk) says which
files are seeds, ``read_notes`` parses a list of them (in worker processes when that pays, or when
the caller has other threads to keep responsive), ``read_note`` one.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.context import BaseContext
from pathlib import Path

from bot.notes.errors import NoteRejected, SeedsError
from bot.notes.frontmatter_notes import has_frontmatter, parse_frontmatter_note
from bot.notes.information import is_information_note, parse_information_note
from bot.notes.models import Corpus, Note, Skipped
from bot.notes.plain_notes import parse_plain_note
from bot.notes.walk import NOT_REGULAR, SeedFile, iter_note_files, scan_seeds
from bot.notes.workers import die_with_parent

__all__ = [
    "MAX_BYTES",
    "SeedsError",
    "decode_note",
    "iter_note_files",
    "load_corpus",
    "parse_note",
    "parse_pool",
    "read_note",
    "read_notes",
]

MAX_BYTES = 5 * 1024 * 1024
_PARALLEL_MIN_FILES = 400


def load_corpus(seeds_dir: Path, *, workers: int | None = None) -> Corpus:
    """Every note below ``seeds_dir`` in path order, plus the files skipped with their reason.

    Parsing is CPU-bound, so big folders are split over ``workers`` processes (default: one per
    CPU); ``workers=1`` keeps everything in this process. The result is the same either way.
    """
    files, skipped = scan_seeds(Path(seeds_dir))
    notes: list[Note] = []
    for result in read_notes(files, workers or os.cpu_count() or 1):
        if isinstance(result, Note):
            notes.append(result)
        else:
            skipped.append(result)
    return Corpus(notes=tuple(notes), skipped=tuple(skipped))


def read_notes(files: Sequence[SeedFile], workers: int) -> list[Note | Skipped]:
    """Each file as a Note or Skipped, in ``files`` order.

    Worker processes parse when there is enough work to pay for them, and always when this
    process runs other threads (the bot's event loop): parsing holds the GIL, so parsing in a
    thread would stall every answer for as long as the rebuild parses.
    """
    threaded = threading.active_count() > 1
    if not files or (not threaded and (workers < 2 or len(files) < _PARALLEL_MIN_FILES)):
        return [read_note(f.real, f.rel) for f in files]
    workers = max(1, min(workers, len(files) // 50 + 1))
    chunk = max(1, len(files) // (workers * 4))
    batches = [files[i : i + chunk] for i in range(0, len(files), chunk)]
    with parse_pool(workers) as pool:
        return [result for batch in pool.map(_read_batch, batches) for result in batch]


@contextmanager
def parse_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of parser processes that die with this one, even on ``kill -9``.

    ``fork`` is quick but only safe while this process has one thread; with more (the bot) the
    workers come from a fork server instead.
    """
    methods = multiprocessing.get_all_start_methods()
    context: BaseContext
    if "fork" in methods and threading.active_count() == 1:
        context = multiprocessing.get_context("fork")
    elif "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
    else:
        context = multiprocessing.get_context("spawn")
    forked = context.get_start_method() == "fork"
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=die_with_parent, initargs=(forked,))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def read_note(path: Path | str, rel: str) -> Note | Skipped:
    """One file as a Note, or Skipped with the reason; never raises for a bad file.

    ``path`` is opened without following a final symlink and without blocking (a FIFO must not
    hang the build), must be a regular file once open, and at most ``MAX_BYTES`` + 1 bytes are
    read (a file that grows, or a device, cannot exhaust memory).
    """
    try:
        data = _read_bounded(os.fspath(path))
    except NoteRejected as exc:
        return Skipped(rel, exc.reason)
    except OSError as exc:
        return Skipped(rel, exc.strerror or str(exc))
    try:
        return parse_note(decode_note(data), rel)
    except NoteRejected as exc:
        return Skipped(rel, exc.reason)
    except Exception as exc:  # one odd file must not stop the bot from loading the rest
        return Skipped(rel, f"could not parse ({type(exc).__name__}: {exc})")


def _read_bounded(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NoteRejected(NOT_REGULAR)
        if st.st_size > MAX_BYTES:
            raise NoteRejected(_too_large(st.st_size))
        chunks: list[bytes] = []
        left = MAX_BYTES + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    if left <= 0:
        raise NoteRejected(_too_large(MAX_BYTES + 1))
    return b"".join(chunks)


def _too_large(size: int) -> str:
    return f"too large ({size / 1024 / 1024:.1f} MB)"


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


def _read_batch(files: Sequence[SeedFile]) -> list[Note | Skipped]:
    return [read_note(f.real, f.rel) for f in files]
