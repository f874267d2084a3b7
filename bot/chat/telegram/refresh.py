"""The index refreshes itself, and watches are told about the notes that arrived.

Every REFRESH_INTERVAL seconds (PTB's JobQueue, started and stopped with the Application) the
bot compares the seeds' fingerprint with the index's (what ``index build --if-stale`` does). When
they differ it runs the incremental rebuild in a daemon thread, exactly as /reindex does: one
build at a time (the Library's lock), the index in service stays when it fails, the new one is
swapped in whole. After any build (this one, a /reindex, the one at start, or one another
process made) the new and changed notes are matched against the watches (``bot.chat.alerts``)
and what matched is delivered: a few messages per chat, the rest summed up in one line.

A chat that blocked the bot (Forbidden) has its watches paused and its notifications kept;
the other chats are sent to all the same, each in its own task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot.chat.alerts import Queued, WatchRules, queue_matches
from bot.chat.telegram import render
from bot.chat.telegram.background import in_daemon_thread
from bot.search.engine import Engine
from bot.search.library import BuildFailed, Library, RebuildInProgress
from bot.search.results import Hit
from bot.search.store import IndexCorrupt, IndexMissing
from bot.search.watching import matches, note_key
from bot.state.watches import ChatBatch, Notice, WatchStore

logger = logging.getLogger(__name__)

GONE = ("chat not found", "bot was kicked", "user is deactivated", "have no rights to send")


@dataclass
class RefreshStatus:
    """The last refresh, for the health JSON."""

    started_at: float | None = None
    at: float | None = None  # when it finished
    outcome: str = "none yet"  # unchanged, rebuilt, failed, busy
    added: int = 0
    changed: int = 0
    removed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    queued: int = 0
    sent: int = 0
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Watcher:
    """The watches of one bot (their store and limits) and the refresh that feeds them: one
    refresh at a time, rebuilding when the seeds changed, then queueing and delivering."""

    def __init__(self, library: Library, store: WatchStore | None, rules: WatchRules) -> None:
        self.library = library
        self.store = store  # None: the state folder cannot be written; the index still refreshes
        self.rules = rules
        self.status = RefreshStatus()
        self.paused_chats = {w.chat_id for w in store.all() if w.paused} if store is not None else set()
        self._running = asyncio.Lock()
        self._keys: tuple[Engine, dict[str, int]] | None = None

    async def refresh(self, bot: Bot) -> RefreshStatus:
        """Rebuild if the seeds changed since the index was built, then ``after_build``."""
        if self._running.locked():
            return self.status
        async with self._running:
            status = RefreshStatus(started_at=time.time())
            started = time.perf_counter()
            # A build another process made is served first: the staleness check is then against it.
            await asyncio.to_thread(self.library.reload_if_changed)
            if self.library.rebuilding:
                status.outcome = "busy"  # a /reindex is running: its build is handled after it
            elif await asyncio.to_thread(self._stale):
                try:
                    report = await in_daemon_thread(self.library.rebuild, name="refresh")
                except RebuildInProgress:
                    status.outcome = "busy"
                except BuildFailed as error:
                    status.outcome, status.error = "failed", str(error)
                    logger.warning("Refresh: the rebuild failed, the index in service stays: %s", error)
                else:
                    changes = report.changes
                    status.outcome = "rebuilt"
                    status.added, status.changed, status.removed = (
                        len(changes.added),
                        len(changes.changed),
                        len(changes.removed),
                    )
                    status.skipped = len(report.skipped)
            else:
                status.outcome = "unchanged"
            queued, sent = await self._after_build(bot)
            status.queued, status.sent = queued.queued if queued else 0, sent
            status.seconds, status.at = time.perf_counter() - started, time.time()
            if status.outcome == "rebuilt":
                logger.info(
                    "Refresh: %d notes added, %d changed, %d removed, %d files skipped in %.1f s; "
                    "%d watch notifications queued, %d sent",
                    status.added,
                    status.changed,
                    status.removed,
                    status.skipped,
                    status.seconds,
                    status.queued,
                    status.sent,
                )
            self.status = status
            return status

    async def after_build(self, bot: Bot) -> int:
        """Queue what the build in service matched, if not done yet, and deliver; for /reindex.
        Returns the number of messages sent."""
        async with self._running:
            return (await self._after_build(bot))[1]

    async def _after_build(self, bot: Bot) -> tuple[Queued | None, int]:
        engine = self.library.engine
        if self.store is None:
            return None, 0
        queued = await asyncio.to_thread(queue_matches, self.store, engine, self.library.index_dir)
        return queued, await self.deliver(bot, engine, self.store)

    def _stale(self) -> bool:
        try:
            return self.library.is_stale()
        except (IndexMissing, IndexCorrupt):
            return True  # the index on disk went bad: a rebuild replaces it
        except OSError as error:
            logger.warning("Refresh: cannot read the seeds or the index (%s)", error)
            return False

    # ------------------------------------------------------------------ delivery

    async def deliver(self, bot: Bot, engine: Engine, store: WatchStore) -> int:
        """Send every chat what its watches matched, the chats concurrently; returns how many
        messages went out."""
        batches = await asyncio.to_thread(store.claim, self.rules.per_refresh)
        if not batches:
            return 0
        keys = await asyncio.to_thread(self._note_numbers, engine)
        sent = await asyncio.gather(*(self._send_chat(bot, store, engine, keys, batch) for batch in batches))
        return sum(sent)

    async def _send_chat(
        self, bot: Bot, store: WatchStore, engine: Engine, keys: Mapping[str, int], batch: ChatBatch
    ) -> int:
        sent = 0
        for i, notice in enumerate(batch.notices):
            hit = await asyncio.to_thread(_best_hit, engine, keys, notice)
            if hit is None:
                continue  # the note is gone, or an edit made it stop matching
            later = [r for n in batch.notices[i + 1 :] for r in n.rows] + list(batch.summed_rows)
            html = render.render_watch_notice(hit, notice.queries)
            if not await self._send(bot, store, batch.chat_id, html, notice.rows, later):
                return sent
            sent += 1
        summary = render.render_watch_summary(batch.summed) if batch.summed else None
        if summary and await self._send(bot, store, batch.chat_id, summary, batch.summed_rows, ()):
            sent += 1
        return sent

    async def _send(
        self, bot: Bot, store: WatchStore, chat_id: int, html: str, mine: Sequence[int], later: Sequence[int]
    ) -> bool:
        """Send one message (for the notification rows ``mine``); on failure put it and the
        chat's ``later`` rows back in the queue (and pause a chat that blocked the bot or is gone),
        and return False. A message Telegram refuses as such is dropped, not tried again."""
        unsent = [*mine, *later]
        try:
            await bot.send_message(chat_id, html, parse_mode=ParseMode.HTML)
            return True
        except Forbidden as error:
            await self._pause(store, chat_id, unsent, str(error))
        except ChatMigrated as error:  # the group became a supergroup: its watches follow it
            moved = await asyncio.to_thread(store.move_chat, chat_id, error.new_chat_id)
            await asyncio.to_thread(store.release, unsent)
            logger.info("Chat %s is now %s: its %d watches moved there", chat_id, error.new_chat_id, moved)
        except BadRequest as error:
            if any(reason in str(error).lower() for reason in GONE):
                await self._pause(store, chat_id, unsent, str(error))
            else:  # this message would be refused again: dropped, the rest go at the next refresh
                await asyncio.to_thread(store.release, later)
                logger.error("Watch notification to chat %s refused, dropped: %s", chat_id, error)
        except TelegramError as error:  # network trouble past the rate limiter's retries: next refresh
            await asyncio.to_thread(store.release, unsent)
            logger.warning("Watch notification to chat %s failed, kept for the next refresh: %s", chat_id, error)
        return False

    async def _pause(self, store: WatchStore, chat_id: int, unsent: Sequence[int], why: str) -> None:
        await asyncio.to_thread(store.release, unsent)
        paused = await asyncio.to_thread(store.pause_chat, chat_id)
        self.paused_chats.add(chat_id)
        logger.info(
            "Chat %s cannot be sent to (%s): its %d watches are paused until it writes again", chat_id, why, paused
        )

    async def resume(self, chat_id: int) -> int:
        """The chat talks to the bot again: its paused watches work again. Returns how many."""
        if chat_id not in self.paused_chats or self.store is None:
            return 0
        self.paused_chats.discard(chat_id)
        resumed = await asyncio.to_thread(self.store.resume_chat, chat_id)
        logger.info("Chat %s writes again: its %d paused watches work again", chat_id, resumed)
        return resumed

    def _note_numbers(self, engine: Engine) -> dict[str, int]:
        """Each note's number in ``engine`` by its watch key, kept while the engine serves."""
        if self._keys is None or self._keys[0] is not engine:
            self._keys = (engine, {note_key(n): i for i, n in enumerate(engine.catalog.notes)})
        return self._keys[1]


def _best_hit(engine: Engine, keys: Mapping[str, int], notice: Notice) -> Hit | None:
    """The note's best paragraph for the first of its watches it still matches."""
    number = keys.get(notice.note_key)
    if number is None:
        return None
    for query in notice.queries:
        found = matches(engine, query, among={number})
        if found:
            return found[0].hit
    return None
