"""A cheap fingerprint of a seeds folder, so a stale index can be told from a current one."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def seeds_fingerprint(seeds_dir: Path) -> str:
    """Hash of every file's relative path, size and modification time below ``seeds_dir``.

    Stats only, no reads: it runs at every start and before every rebuild. Any added, removed,
    edited or touched file changes it.
    """
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(seeds_dir):
        dirs.sort()
        for name in sorted(files):
            path = Path(root, name)
            try:
                st = path.stat()
            except OSError:
                continue
            rel = path.relative_to(seeds_dir).as_posix()
            digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:16]
