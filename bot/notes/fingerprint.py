"""A cheap fingerprint of a seeds folder, so a stale index can be told from a current one."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.notes.loader import iter_note_files


def seeds_fingerprint(seeds_dir: Path) -> str:
    """Hash of every note file's relative path, size and modification time.

    Stats only, no reads: it runs at every start and before every rebuild. It walks exactly the
    files the loader reads (symlinked folders included), so any added, removed, edited or
    touched note changes it.
    """
    digest = hashlib.sha256()
    for path in iter_note_files(seeds_dir):
        try:
            st = path.stat()
        except OSError:
            continue
        rel = path.relative_to(seeds_dir).as_posix()
        digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:16]
