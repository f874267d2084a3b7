"""A cheap fingerprint of a seeds folder, so a stale index can be told from a current one."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from bot.notes.walk import newest_folder_change, scan_seeds


class Fingerprint:
    """The hash of each seed's relative path, size and modification time, in walk order: the
    build cache stats every file anyway and feeds the same stats in here."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()

    def add(self, rel: str, st: os.stat_result) -> None:
        self._digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))

    def hexdigest(self) -> str:
        return self._digest.hexdigest()[:16]


def seeds_fingerprint(seeds_dir: Path) -> str:
    """The Fingerprint of every seed ``scan_seeds`` finds.

    Stats only, no reads: it runs at every start and before every rebuild. It covers exactly the
    files the loader reads (symlinked folders included), so any added, removed, edited or
    touched note changes it.
    """
    fingerprint = Fingerprint()
    for seed in scan_seeds(Path(seeds_dir))[0]:
        try:
            fingerprint.add(seed.rel, os.stat(seed.path))
        except OSError:
            continue
    return fingerprint.hexdigest()


def folders_changed_since(seeds_dir: Path, since_ns: int) -> bool:
    """True when any folder of the seeds (symlinked ones too) was modified at or after
    ``since_ns`` (``time.time_ns()``), or cannot be read.

    Adding, removing or renaming a note changes its folder's modification time, and so does the
    way most editors and ``git`` save a file (write a new one, rename it over the old). An edit
    that rewrites a file in place does not: only ``seeds_fingerprint`` sees that. No stat per note,
    for a one-shot command that must start fast: the walk's own folder stats.
    """
    newest = newest_folder_change(Path(seeds_dir))
    return newest is None or newest >= since_ns
