"""Which files of a seeds folder are seeds: the one walk the loader, the cache and the fingerprint use.

A seed is a regular ``.md``/``.markdown`` file, not hidden, whose real path lies inside the
seeds folder and whose name is valid UTF-8. A symlink to a file or folder inside the seeds is
followed; one pointing outside (``ln -s /etc/incident-bot/env seeds/runbook.md``), a FIFO, a
device and a name that is not UTF-8 are skipped and reported with the path (escaped so it always
prints) and the reason. Nothing is opened here: the walk stats only (``scandir`` entries and one
``realpath`` per symlink), and reading rechecks what it opens (see ``loader.read_note``).

Paths are plain strings, not ``Path`` objects: an incremental build walks every file on each
rebuild, and pathlib once took a third of its time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from bot.notes.errors import SeedsError
from bot.notes.models import Skipped

NOTE_SUFFIXES = (".md", ".markdown")
OUTSIDE = "a link to outside the seeds folder"
NOT_REGULAR = "not a regular file"
BAD_NAME = "name is not valid UTF-8 (rename it)"
CONTROL_NAME = "name holds control characters (rename it)"
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class SeedFile(NamedTuple):
    """One seed: ``rel`` is its path relative to the seeds folder (what notes and reports show),
    ``path`` the path it was found at, ``real`` its real path (no symlink in it) for reading."""

    rel: str
    path: str
    real: str


def scan_seeds(seeds_dir: Path) -> tuple[list[SeedFile], list[Skipped]]:
    """The seeds below ``seeds_dir`` sorted by relative path, and what was left out as Skipped.

    Each folder is walked once (by device and inode), so a symlink loop cannot hang the walk.
    Real folders go before symlinked ones, so a note reachable both ways keeps its real path
    whatever order the file system lists entries in. Raises SeedsError when ``seeds_dir``
    itself is missing or not a folder.
    """
    scan = _scan(seeds_dir)
    return scan.files, scan.problems


def newest_folder_change(seeds_dir: Path) -> int | None:
    """The latest modification time (ns) of the folders ``scan_seeds`` walks, or None when one
    of them (or ``seeds_dir`` itself) cannot be read. Adding, removing or renaming a note changes
    its folder's time; the stats are the ones the walk takes anyway."""
    try:
        scan = _scan(seeds_dir, files=False)
    except (SeedsError, OSError):
        return None
    return None if scan.unreadable else max(scan.folder_times)


@dataclass
class _Scan:
    files: list[SeedFile] = field(default_factory=list)
    problems: list[Skipped] = field(default_factory=list)
    folder_times: list[int] = field(default_factory=list)  # st_mtime_ns of each folder walked
    unreadable: bool = False  # a folder could not be listed


def _scan(seeds_dir: Path, *, files: bool = True) -> _Scan:
    """The walk; with ``files=False`` only the folders (their times), by the same rules."""
    if not seeds_dir.exists():
        raise SeedsError(f"seeds folder {seeds_dir} does not exist")
    if not seeds_dir.is_dir():
        raise SeedsError(f"seeds folder {seeds_dir} is not a directory")
    root = os.path.realpath(seeds_dir)
    scan = _Scan()
    problems = scan.problems
    visited: set[tuple[int, int]] = set()
    folders = [(str(seeds_dir), root, "")]  # (path, real path, relative prefix)
    links: list[tuple[str, str, str]] = []
    while folders or links:
        folder, real_folder, prefix = folders.pop() if folders else links.pop(0)
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in visited:
                continue
            visited.add((st.st_dev, st.st_ino))
            scan.folder_times.append(st.st_mtime_ns)
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            problems.append(Skipped(prefix.rstrip("/") or ".", exc.strerror or str(exc)))
            scan.unreadable = True
            continue
        subfolders: list[tuple[str, str, str]] = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            rel = prefix + name
            is_dir = _is_dir(entry)
            if not is_dir and not (files and name.lower().endswith(NOTE_SUFFIXES)):
                continue
            if problem := name_problem(name):
                problems.append(Skipped(escape_name(rel), problem))
                continue
            real = _real_path(entry, real_folder, root)
            if real is None:
                problems.append(Skipped(rel, OUTSIDE))
            elif is_dir:
                (links if entry.is_symlink() else subfolders).append((entry.path, real, rel + "/"))
            elif _is_regular(entry):
                scan.files.append(SeedFile(rel, entry.path, real))
            else:
                problems.append(Skipped(rel, _why_unusable(entry.path)))
        folders.extend(reversed(subfolders))
    scan.files.sort()
    problems.sort(key=lambda s: s.path)
    return scan


def iter_note_files(seeds_dir: Path) -> list[Path]:
    """The seeds' paths (as found, symlinks kept) in ``scan_seeds`` order."""
    return [Path(f.path) for f in scan_seeds(Path(seeds_dir))[0]]


def is_inside(real: str, root: str) -> bool:
    """Whether the real path ``real`` is ``root`` or lies below it."""
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def name_problem(name: str) -> str | None:
    """Why a file name cannot be shown as it is, or None. Not UTF-8 on disk: Python keeps its
    bytes as surrogates, which no report, JSON manifest or Telegram message can encode. Control
    characters (a line break, an escape sequence): they would forge or garble report lines."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return BAD_NAME
    if _CONTROL.search(name):
        return CONTROL_NAME
    return None


def escape_name(name: str) -> str:
    """A file name made printable: ``b"caf\\xe9.md"`` becomes ``caf\\xe9.md``, a line break ``\\n``."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


def _real_path(entry: os.DirEntry[str], real_folder: str, root: str) -> str | None:
    """The entry's real path, or None when it lies outside ``root`` (only symlinks can)."""
    if not entry.is_symlink():
        return os.path.join(real_folder, entry.name)
    real = os.path.realpath(entry.path)
    return real if is_inside(real, root) else None


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_regular(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _why_unusable(path: str) -> str:
    """Why an entry that is neither folder nor regular file is left out (the OS error for a
    broken link or a loop, else what kind of file it is)."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.strerror or str(exc)
    return NOT_REGULAR
