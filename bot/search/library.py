"""The index in service: opened at start, rebuilt on request, swapped in whole.

Readers take ``library.engine`` and keep using that object for the whole answer, so a rebuild
that finishes meanwhile never changes an index under them; the swap is one attribute assignment.
Reading ``engine`` never touches the disk.

Rebuilds are incremental: parsed and tokenised notes are kept in ``INDEX_DIR/cache/`` (see
``bot.search.cache``) and only new or changed files are read again.

Another process (the CLI from cron or CI) may rebuild the same ``INDEX_DIR``: ``reload_if_changed``
is the one place that looks where ``INDEX_DIR/current`` points (one readlink) and, when it points
at another build, loads that and swaps it in. Its callers call it at defined moments: the Telegram
bot every ``RELOAD_CHECK_S`` seconds and at each refresh, the terminal chat before each turn. If
the new build cannot be loaded the old index keeps serving and the failure is logged once per build.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bot.notes.errors import SeedsError
from bot.notes.fingerprint import folders_changed_since, seeds_fingerprint
from bot.search import analysis
from bot.search.buildlock import RebuildInProgress as RebuildInProgress  # what rebuild() raises, for its callers
from bot.search.buildlock import build_lock
from bot.search.changes import NoteChanges, compare
from bot.search.index import Index, Progress, build_index
from bot.search.results import BuildReport
from bot.search.store import (
    BUILDS,
    CURRENT,
    IndexCorrupt,
    IndexMissing,
    current_build,
    current_target,
    load_build,
    make_room,
    read_manifest,
    read_manifest_of,
    served_hashes,
    write_index,
)

if TYPE_CHECKING:
    from bot.search.cache import BuildStats
    from bot.search.engine import Engine

log = logging.getLogger(__name__)

# How often the running bot calls ``Library.reload_if_changed``: another process's build is served
# at most this long after it is in place.
RELOAD_CHECK_S = 2.0
# A folder modified up to this long before a build's scan counts as changed since: file times
# come from a coarser clock than time.time_ns().
QUICK_MARGIN_NS = 1_000_000_000
# How long opening an index folder with no usable index waits for another process's build.
OPEN_WAIT_S = 600.0


class BuildFailed(Exception):
    """A rebuild failed; the previous index is still in service. ``str()`` says why."""


class Library:
    def __init__(self, seeds_dir: Path, index_dir: Path) -> None:
        self.seeds_dir = Path(seeds_dir)
        self.index_dir = Path(index_dir)
        self._engine: Engine | None = None
        self._building = threading.Lock()
        self._reloading = threading.Lock()
        self._serving: str | None = None  # the ``current`` target the engine was loaded from
        self._failed: str | None = None  # a target that could not be loaded: not tried again
        self.last_build: BuildStats | None = None  # what the last rebuild reused and parsed
        self._files: dict[Path, int] = {}  # the files of the build in service and their sizes
        self._damage: str | None = None  # why the build in service is damaged on disk, once found

    @property
    def engine(self) -> Engine:
        """The engine in service: an attribute read, never a look at the disk (a newer build is
        swapped in by ``reload_if_changed`` or a rebuild, not here)."""
        if self._engine is None:
            raise IndexMissing("the index has not been opened yet")
        return self._engine

    def reload_if_changed(self) -> bool:
        """Load the build ``current`` points at if it is not the one in service. True if swapped.

        Cheap when nothing changed (one readlink). Never raises: a build that cannot be loaded
        is logged and the index in service stays.
        """
        if not self._reloading.acquire(blocking=False):
            return False  # another thread is checking or loading right now
        try:
            if self._engine is None or self.rebuilding:
                return False
            try:
                target = current_target(self.index_dir)
            except OSError:
                return False  # no ``current`` (yet, or for a moment): keep serving
            if target == self._serving or target == self._failed:
                return False
            try:
                engine = self._serve(target, self.index_dir / target, verify=True)
            except Exception as exc:
                self._failed = target
                log.error(
                    "new index %s in %s cannot be loaded (%s): still serving %s",
                    target,
                    self.index_dir,
                    exc,
                    self._serving,
                )
                return False
            log.info("index in %s changed: now serving %s (%d notes)", self.index_dir, target, engine.info.notes)
            return True
        finally:
            self._reloading.release()

    def _load(self, *, trust_untouched: bool = False) -> Engine:
        """Serve the build ``current`` points at, its checksums checked (``verify_build``)."""
        target = current_target(self.index_dir) if (self.index_dir / CURRENT).is_symlink() else None
        build = self.index_dir / target if target else current_build(self.index_dir)
        return self._serve(target, build, verify=True, trust_untouched=trust_untouched)

    def _serve(self, target: str | None, build: Path, *, verify: bool, trust_untouched: bool = False) -> Engine:
        """The one place a build is put in service: loaded (checksums read with ``verify``), made
        an engine by ``bot.search.backend``, swapped in whole (one assignment) and remembered."""
        from bot.search.backend import local_engine  # the engine's modules: not needed to build an index

        engine = local_engine(load_build(build, verify=verify, trust_untouched=trust_untouched))
        self._engine, self._serving, self._failed = engine, target, None
        self._note_files(build)
        return engine

    def _note_files(self, build: Path) -> None:
        try:
            sizes = read_manifest_of(build)["files"]
        except (IndexCorrupt, OSError):
            sizes = {}
        self._files, self._damage = {build.resolve() / name: size for name, size in sizes.items()}, None

    def damage(self) -> str | None:
        """Why the build in service is damaged on disk, or None. Stats only (cheap enough for
        every health check).

        Its files are memory-mapped: one truncated under the running bot kills the process with
        SIGBUS at the next read of the missing part, before Python could log anything. So the
        health check asks this, says why (logged once), and fails before that happens."""
        for path, size in self._files.items():
            try:
                now = path.stat().st_size
            except OSError:
                now = -1
            if now != size:
                damage = (
                    f"index file {path} in service was {'removed' if now < 0 else f'truncated to {now} bytes'} "
                    f"(built with {size}): the bot will crash when it reads it; rebuild with `incident-bot index build`"
                )
                if damage != self._damage:
                    log.error("%s", damage)
                self._damage = damage
                return damage
        return None

    @property
    def rebuilding(self) -> bool:
        return self._building.locked()

    def open(self, *, quick: bool = False) -> Engine:
        """Load the index, building it from the seeds first if it is missing, stale or broken.

        ``quick`` is for one-shot commands (``ask``, ``tags``, ``sources``), which must start fast:
        staleness is told from the seed folders' modification times (``is_stale(quick=True)``),
        and the build's checksums are read only for files touched since the build (a stat of each
        instead of about 60 ms of hashing on the full corpus: ``verify_build``)."""
        try:
            if self.is_stale(quick=quick):
                log.info("index in %s is out of date with %s: rebuilding", self.index_dir, self.seeds_dir)
                try:
                    self.rebuild()
                except BuildFailed as exc:
                    # The last good index beats none: serve it and say why it is not fresh.
                    self._load(trust_untouched=quick)
                    log.warning("rebuild failed (%s): serving the previous index from %s", exc, self.index_dir)
                except RebuildInProgress as exc:
                    # Another process is building it: serve this one, its build is loaded when in service.
                    self._load(trust_untouched=quick)
                    log.info("%s: serving the index in service until that build is done", exc)
            else:
                self._load(trust_untouched=quick)
        except (IndexMissing, IndexCorrupt) as exc:
            log.warning("%s: building it from %s", exc, self.seeds_dir)
            self.rebuild(wait=OPEN_WAIT_S)
        return self.engine

    def is_stale(self, *, quick: bool = False) -> bool:
        """True when the seeds changed since the index in ``index_dir`` was built from them, or
        it was built with another analysis (BM25 parameters, title weight, tokenizer, stemmer:
        ``bot.search.analysis``), which is logged with what differs.

        The seeds are compared by ``seeds_fingerprint`` (a stat of every note). With ``quick``, an
        index is taken as fresh without that when no seed folder was modified since a second
        before its build scanned them (``folders_changed_since``): notes added, removed, renamed
        or saved by writing a new file are seen, a file rewritten in place is not (the next
        ``index build --if-stale``, a bot start or its refresh sees it)."""
        manifest = read_manifest(self.index_dir)
        why = analysis.difference(manifest.get("analysis"))
        if why:
            log.warning("index in %s was built with another analysis (%s): it is stale", self.index_dir, why)
            return True
        if not self.seeds_dir.is_dir():
            return False
        scanned = manifest.get("seeds_scanned_ns")
        if (
            quick
            and isinstance(scanned, int)
            and scanned
            and not folders_changed_since(self.seeds_dir, scanned - QUICK_MARGIN_NS)
        ):
            return False
        return bool(manifest["fingerprint"] != seeds_fingerprint(self.seeds_dir))

    def rebuild(self, progress: Progress | None = None, *, wait: float = 0.0, serve: bool = True) -> BuildReport:
        """Build from the seeds, write it atomically and put it in service (with ``serve`` False,
        only on disk: ``index build`` answers nothing, so it loads no engine). Blocks: run it in
        a worker thread from async code.

        One build at a time per index folder, across processes (``bot.search.buildlock``): when
        another is running, wait up to ``wait`` seconds for it, then raise RebuildInProgress.

        The report's ``changes`` say which notes are new, changed or removed since the index
        this build replaced (``bot.search.changes.NoteChanges``; ``changes.fresh`` are the new
        and changed ``Note`` objects, paragraphs included)."""
        if not self._building.acquire(blocking=False):
            raise RebuildInProgress("a rebuild is already running")
        try:
            started = time.perf_counter()
            try:
                with build_lock(self.index_dir, wait):
                    report = self._build(progress, started, serve)
            except (BuildFailed, RebuildInProgress):
                raise
            except SeedsError as exc:
                raise BuildFailed(str(exc)) from exc
            except OSError as exc:
                hint = " (only the build in service is left: free some space)" if exc.errno == errno.ENOSPC else ""
                raise BuildFailed(f"cannot write the index to {self.index_dir}: {exc.strerror or exc}{hint}") from exc
            except Exception as exc:  # whatever broke, the index in service stays and the caller hears why
                log.debug("rebuild from %s failed", self.seeds_dir, exc_info=True)
                raise BuildFailed(f"the build failed: {type(exc).__name__}: {exc}") from exc
            return report
        finally:
            self._building.release()

    def _write(self, index: Index, changes: NoteChanges, scanned_ns: int) -> Path:
        """Write and swap in ``index``; when the disk is full, drop every build but the one in
        service and try once more (saying so in the log)."""
        try:
            return write_index(index, self.index_dir, changes, scanned_ns=scanned_ns)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            removed, freed = make_room(self.index_dir, keep_previous=False)
            if not removed:
                raise
            log.warning(
                "no space left in %s: removed %d builds but the one in service (%.1f MB) and trying again",
                self.index_dir,
                removed,
                freed / 1e6,
            )
            return write_index(index, self.index_dir, changes, scanned_ns=scanned_ns)

    def _build(self, progress: Progress | None, started: float, serve: bool) -> BuildReport:
        """The build itself, under the build lock: nothing else writes to the index folder now."""
        from bot.search.cache import BuildCache  # with the notes parsers: not needed to serve an index

        removed, freed = make_room(self.index_dir)
        cache_removed, cache_freed = BuildCache.clear_leftovers(self.index_dir)
        if removed or cache_removed:
            log.info(
                "cleared %s: %d old builds and leftovers of killed builds (%.1f MB)",
                self.index_dir,
                removed + cache_removed,
                (freed + cache_freed) / 1e6,
            )
        scanned_ns = time.time_ns()
        corpus, tokens, hashes, capitals, cache, stats = BuildCache.open(self.index_dir).load_corpus(self.seeds_dir)
        fingerprint = stats.fingerprint  # == seeds_fingerprint(seeds_dir), from the same stats
        log.info("build: %d note files reused from the cache, %d parsed", stats.reused, stats.parsed)
        self.last_build = stats
        if not corpus.notes:
            raise BuildFailed(f"no notes could be read in {self.seeds_dir}")
        index = build_index(
            corpus,
            fingerprint=fingerprint,
            seeds_dir=str(self.seeds_dir.resolve()),
            progress=progress,
            tokens=tokens,
            hashes=hashes,
            capitals=capitals,
        )
        previous = served_hashes(self.index_dir)
        changes = compare(
            previous[1] if previous else None, corpus.notes, hashes, replaced=previous[0] if previous else None
        )
        # The cache is saved while the index is written and loaded (both mostly wait on
        # fsync); a cache that fails to save is only logged.
        saver = threading.Thread(target=cache.save, args=(self.index_dir,), name="build-cache-save")
        if stats.worth_saving:
            saver.start()
        try:
            build = self._write(index, changes, scanned_ns)
            if serve:
                self._serve(str(Path(BUILDS) / build.name), build, verify=False)  # its checksums were just computed
        finally:
            if saver.is_alive():
                saver.join()
        log.info("build %s: %s", build.name, changes.summary())
        return BuildReport(
            notes=len(index.notes),
            passages=len(index.passages),
            skipped=index.skipped,
            seconds=time.perf_counter() - started,
            fingerprint=fingerprint,
            changes=changes,
        )
