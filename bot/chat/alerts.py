"""After a build: which watches its new and changed notes match, queued once (no Telegram here).

Whatever put the build in service (the refresh loop, /reindex, the rebuild at start, or
``incident-bot index build`` in another process), its manifest says which notes it added and
changed since the index it replaced. ``queue_matches`` matches those notes against every active
watch and queues the matches together with the mark that the build was handled (one
transaction, see ``bot.state.watches``), so a build is handled exactly once even across a crash
or a restart. A first build (nothing replaced) announces nothing: every note in it is old news.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.search.engine import Engine
from bot.search.store import (
    BUILDS,
    IndexCorrupt,
    IndexMissing,
    current_target,
    last_changes,
    read_manifest,
    read_manifest_of,
)
from bot.search.watching import matches
from bot.settings import Settings
from bot.state.watches import WatchStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WatchRules:
    """The per-chat limits of watches (see Settings)."""

    max_per_chat: int = 20
    max_length: int = 200
    max_share: float = 0.05
    per_refresh: int = 3

    @classmethod
    def of(cls, settings: Settings) -> WatchRules:
        return cls(
            settings.watch_max_per_chat,
            settings.watch_max_length,
            settings.watch_max_share,
            settings.watch_messages_per_refresh,
        )


@dataclass(frozen=True, slots=True)
class Queued:
    """What handling one build did."""

    build: str
    fresh: int  # new and changed notes in it
    queued: int  # notifications queued


def queue_matches(store: WatchStore, engine: Engine, index_dir: Path) -> Queued | None:
    """Queue the matches of the build in service if it was not handled yet. None when there is
    nothing to do, or when the build on disk is not (or no longer) the one ``engine`` serves:
    the next call handles it."""
    try:
        target = current_target(index_dir)
        manifest = read_manifest(index_dir)
        if current_target(index_dir) != target:
            return None  # swapped meanwhile
    except (OSError, IndexMissing, IndexCorrupt):
        return None
    served = engine.catalog
    if manifest["built_at"] != served.built_at.isoformat() or manifest["fingerprint"] != served.fingerprint:
        return None  # another process's build, not loaded yet
    build = Path(target).name
    if store.handled(build):
        return None
    builds, fresh = _unhandled(store, index_dir, build, manifest)
    numbers = {i for i, note in enumerate(engine.catalog.notes) if note.path in fresh}
    rows = []
    if numbers:
        for watch in store.active():
            for match in matches(engine, watch.query, among=numbers):
                rows.append((watch.id, match.key, match.digest, watch.chat_id))
    queued = store.record(builds, rows)
    return Queued(build, len(numbers), queued)


def _unhandled(store: WatchStore, index_dir: Path, build: str, manifest: dict[str, Any]) -> tuple[list[str], set[str]]:
    """The builds not handled yet, newest first, back from ``build`` along what each replaced,
    and the paths of the notes they added or changed. Two builds in a row (by another process)
    between two refreshes are handled together; a build that replaced none announces nothing."""
    builds, fresh = [build], set[str]()
    while True:
        changes = last_changes(manifest)
        if changes is None or changes.get("replaced") is None:
            return builds, fresh
        paths = changes.get("paths")
        if isinstance(paths, dict):
            fresh.update(paths["added"], paths["changed"])
        previous = Path(str(changes["replaced"])).name  # "builds/<name>"
        if previous in builds or store.handled(previous):
            return builds, fresh
        try:
            manifest = read_manifest_of(index_dir / BUILDS / previous)
        except IndexCorrupt:
            log.warning("build %s was replaced before its new notes were matched against the watches", previous)
            return builds, fresh
        builds.append(previous)
