"""The index in service: opened at start, rebuilt on request, swapped in whole.

Readers take ``library.engine`` and keep using that object for the whole answer, so a rebuild
that finishes meanwhile never changes an index under them; the swap is one attribute assignment.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from bot.notes.fingerprint import seeds_fingerprint
from bot.notes.loader import SeedsError, load_corpus
from bot.search.engine import Engine
from bot.search.index import Progress, build_index
from bot.search.results import BuildReport
from bot.search.store import IndexCorrupt, IndexMissing, load_index, read_manifest, write_index

log = logging.getLogger(__name__)


class RebuildInProgress(Exception):
    """Another rebuild of this library is still running."""


class BuildFailed(Exception):
    """A rebuild failed; the previous index is still in service. ``str()`` says why."""


class Library:
    def __init__(self, seeds_dir: Path, index_dir: Path) -> None:
        self.seeds_dir = Path(seeds_dir)
        self.index_dir = Path(index_dir)
        self._engine: Engine | None = None
        self._building = threading.Lock()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise IndexMissing("the index has not been opened yet")
        return self._engine

    @property
    def rebuilding(self) -> bool:
        return self._building.locked()

    def open(self) -> Engine:
        """Load the index, building it from the seeds first if it is missing, stale or broken."""
        try:
            if self.is_stale():
                log.info("index in %s is out of date with %s: rebuilding", self.index_dir, self.seeds_dir)
                try:
                    self.rebuild()
                except BuildFailed as exc:
                    # The last good index beats none: serve it and say why it is not fresh.
                    self._engine = Engine(load_index(self.index_dir))
                    log.warning("rebuild failed (%s): serving the previous index from %s", exc, self.index_dir)
            else:
                self._engine = Engine(load_index(self.index_dir))
        except (IndexMissing, IndexCorrupt) as exc:
            log.warning("%s: building it from %s", exc, self.seeds_dir)
            self.rebuild()
        return self.engine

    def is_stale(self) -> bool:
        """True when the seeds changed since the index in ``index_dir`` was built from them."""
        manifest = read_manifest(self.index_dir)
        return self.seeds_dir.is_dir() and manifest["fingerprint"] != seeds_fingerprint(self.seeds_dir)

    def rebuild(self, progress: Progress | None = None) -> BuildReport:
        """Build from the seeds, write it atomically and put it in service. Blocks: run it in a
        worker thread from async code."""
        if not self._building.acquire(blocking=False):
            raise RebuildInProgress("a rebuild is already running")
        try:
            started = time.perf_counter()
            try:
                fingerprint = seeds_fingerprint(self.seeds_dir) if self.seeds_dir.is_dir() else ""
                corpus = load_corpus(self.seeds_dir)
                if not corpus.notes:
                    raise BuildFailed(f"no notes could be read in {self.seeds_dir}")
                index = build_index(
                    corpus, fingerprint=fingerprint, seeds_dir=str(self.seeds_dir), progress=progress
                )
                write_index(index, self.index_dir)
                engine = Engine(load_index(self.index_dir))
            except BuildFailed:
                raise
            except SeedsError as exc:
                raise BuildFailed(str(exc)) from exc
            except OSError as exc:
                raise BuildFailed(f"cannot write the index to {self.index_dir}: {exc.strerror or exc}") from exc
            except Exception as exc:  # whatever broke, the index in service stays and the caller hears why
                log.debug("rebuild from %s failed", self.seeds_dir, exc_info=True)
                raise BuildFailed(f"the build failed: {type(exc).__name__}: {exc}") from exc
            self._engine = engine
            return BuildReport(
                notes=len(index.notes),
                passages=len(index.passages),
                skipped=index.skipped,
                seconds=time.perf_counter() - started,
                fingerprint=fingerprint,
            )
        finally:
            self._building.release()
