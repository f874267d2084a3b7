"""Add notes to a library: save each checked file in the seeds, then one incremental rebuild.

What the CLI's ``incident-bot add`` and the admin's file upload in Telegram both call, so the
two say the same things: one line per file (added, replaced, unchanged, or why not) and one for
the rebuild. The checks and the saving are the notes layer's (``bot.notes.intake``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.notes.intake import Added, Refused, add_note
from bot.search.buildlock import RebuildInProgress
from bot.search.library import BuildFailed, Library
from bot.search.results import BuildReport

BUILD_WAIT_S = 120.0  # a rebuild already running (here or in another process) is waited for
_RETRY_S = 0.5


@dataclass(frozen=True, slots=True)
class AddReport:
    results: tuple[Added | Refused, ...]
    build: BuildReport | None = None
    build_error: str | None = None

    @property
    def saved(self) -> tuple[Added, ...]:
        """Files written into the seeds (new or replacing an older version)."""
        return tuple(r for r in self.results if isinstance(r, Added) and not r.unchanged)

    @property
    def ok(self) -> bool:
        return all(isinstance(r, Added) for r in self.results) and self.build_error is None

    def lines(self) -> list[str]:
        """What happened, one line per file and one for the index, for a person to read."""
        lines = [result.describe() for result in self.results]
        if self.build_error is not None:
            lines.append(f"The notes are saved but the index was not rebuilt: {self.build_error}")
        elif self.build is not None:
            unindexed = {s.path: s.reason for s in self.build.skipped}
            for added in self.saved:
                if added.path in unindexed:
                    lines.append(f"{added.path} was saved but the build skipped it: {unindexed[added.path]}")
            lines.append(
                f"Index rebuilt: {self.build.notes} notes, {self.build.passages} passages ({self.build.seconds:.1f} s)."
            )
        return lines


def add_notes(library: Library, files: Sequence[tuple[str, bytes]], wait: float = BUILD_WAIT_S) -> AddReport:
    """Check and save ``files`` (name, content) into ``library``'s seeds; rebuild once if any
    was saved. Blocks for the build: run it in a worker thread from async code."""
    results = tuple(add_note(library.seeds_dir, name, data) for name, data in files)
    if not any(isinstance(r, Added) and not r.unchanged for r in results):
        return AddReport(results)
    deadline = time.monotonic() + wait
    while True:
        try:
            return AddReport(results, build=library.rebuild(wait=max(0.0, deadline - time.monotonic())))
        except RebuildInProgress as exc:
            if time.monotonic() >= deadline:
                return AddReport(results, build_error=f"{exc}; run /reindex (or incident-bot index build) after it")
            time.sleep(_RETRY_S)  # this process's own rebuild: it does not queue, so try again
        except BuildFailed as exc:
            return AddReport(results, build_error=f"{exc}; the previous index stays in service")
