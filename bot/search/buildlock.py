"""One build at a time per index folder, across processes: ``flock`` on ``INDEX_DIR/.build.lock``.

A cron ``index build`` beside the bot, or two containers sharing one index volume, must not
prune each other's fresh builds or swap ``current`` at the same moment. Whoever builds holds an
exclusive ``flock`` on the lock file for the whole build (reading the cache, writing, swapping,
pruning, saving the cache); the kernel drops it when the process dies, even by ``kill -9``, so a
killed builder never leaves the folder locked. The lock file itself is never deleted (deleting a
lock file lets two processes lock two different files).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".build.lock"
_POLL_S = 0.1


class RebuildInProgress(Exception):
    """Another build of this index folder (in this process or another) is still running."""


@contextmanager
def build_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index folder's build lock, waiting up to ``wait`` seconds for another builder.

    Raises RebuildInProgress (naming the holder's pid) when it is still held after ``wait``, and
    OSError when the folder cannot be written at all.
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RebuildInProgress(f"a build is running in {index_dir}{_holder(fd)}") from None
                time.sleep(_POLL_S)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock


def _pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode("ascii").strip())
    except (OSError, ValueError):
        return None


def _holder(fd: int) -> str:
    pid = _pid(fd)
    return f" (pid {pid})" if pid and pid != os.getpid() else ""
