"""Worker processes that end with the process that started them (the note parser's, a batch of
questions'), so a command killed mid-work leaves no orphan working on."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from multiprocessing.process import BaseProcess

_PR_SET_PDEATHSIG = 1


def die_with_parent(forked: bool) -> None:
    """Worker initializer: exit as soon as the process that started the worker is gone. A thread
    waits on the parent's sentinel (any start method; a fork server's worker outlives its parent
    otherwise, since the fork server lives as long as its workers do); a forked worker is also
    killed by Linux at once (PR_SET_PDEATHSIG), even in the middle of a long regex that keeps the
    thread from running."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    if forked:
        _kill_on_parent_death()
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()


def _kill_on_parent_death() -> None:
    """Ask Linux for SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG); nothing elsewhere."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _exit_with(parent: BaseProcess) -> None:
    parent.join()  # returns once the parent's end of the sentinel pipe is closed: it is gone
    os._exit(1)
