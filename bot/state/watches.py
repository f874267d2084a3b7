"""Watches (standing questions of a chat) and the notifications they caused, in SQLite.

Exactly once, as far as a crash allows:

- the matches of a build and the mark that the build was handled are written in one
  transaction (``record``): a crash before it leaves the build unhandled (it is handled again
  at the next start), a crash after it has every match queued, and a second ``record`` of the
  same build, or a note matched again after an edit, adds nothing (one row per watch and note);
- a queued notification is marked sent in the transaction that takes it for sending
  (``claim``), before the message goes out. A send that fails puts it back (``release``); only a
  crash in the instant between the mark and Telegram's answer can lose one, and none is ever
  sent twice.

A chat that blocked the bot has its watches paused (kept, not matched, not sent to) until it
talks to the bot again (``resume``).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.state.sqlite import StateError, connect, ensure_schema, transaction

FILE = "watches.sqlite3"
SCHEMA_VERSION = 1
_SCHEMA = (
    """CREATE TABLE watches (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        query TEXT NOT NULL COLLATE NOCASE,
        created_at REAL NOT NULL,
        paused_at REAL,
        UNIQUE (chat_id, query)
    )""",
    """CREATE TABLE notifications (
        watch_id INTEGER NOT NULL,
        note_key TEXT NOT NULL,
        digest TEXT NOT NULL,
        chat_id INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'summed')),
        queued_at REAL NOT NULL,
        sent_at REAL,
        PRIMARY KEY (watch_id, note_key)
    )""",
    "CREATE INDEX notifications_state ON notifications (state, chat_id)",
    """CREATE TABLE builds (
        build TEXT PRIMARY KEY,
        handled_at REAL NOT NULL,
        queued INTEGER NOT NULL
    )""",
)


class WatchLimit(Exception):
    """A chat asked for more watches than it may have; ``str()`` says the limit."""


@dataclass(frozen=True, slots=True)
class Watch:
    id: int
    chat_id: int
    query: str
    paused: bool = False


@dataclass(frozen=True, slots=True)
class Notice:
    """One note to tell a chat about, and the watches of that chat it matched."""

    note_key: str
    queries: tuple[str, ...]
    rows: tuple[int, ...] = ()  # the notification rows it stands for, to ``release`` them


@dataclass(frozen=True, slots=True)
class ChatBatch:
    """What one chat gets from one delivery: a few notices, and how many more were summed up
    (by watch) instead of sent one by one."""

    chat_id: int
    notices: tuple[Notice, ...]
    summed: dict[str, int] = field(default_factory=dict)
    summed_rows: tuple[int, ...] = ()

    @property
    def summed_notes(self) -> int:
        return sum(self.summed.values())


@dataclass(frozen=True, slots=True)
class WatchStats:
    watches: int
    paused: int
    chats: int
    sent: int
    pending: int


class WatchStore:
    """One SQLite file; safe to share between the event loop's thread and worker threads (one
    connection, one lock: every call is short)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db = connect(self.path)
        self._lock = threading.Lock()
        try:
            ensure_schema(self._db, SCHEMA_VERSION, _SCHEMA)
        except sqlite3.Error as exc:
            self._db.close()
            raise StateError(f"cannot use {self.path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------ a chat's watches

    def add(self, chat_id: int, query: str, limit: int) -> tuple[Watch, bool]:
        """Save ``query`` for the chat; (the watch, True) when new, (the existing one, False)
        when the chat already watches it. Raises WatchLimit past ``limit`` watches."""
        with self._lock, transaction(self._db) as db:
            row = db.execute(
                "SELECT id, chat_id, query, paused_at FROM watches WHERE chat_id = ? AND query = ?", (chat_id, query)
            ).fetchone()
            if row is not None:
                return _watch(row), False
            count = db.execute("SELECT count(*) FROM watches WHERE chat_id = ?", (chat_id,)).fetchone()[0]
            if count >= limit:
                raise WatchLimit(f"a chat can keep {limit} watches")
            cursor = db.execute(
                "INSERT INTO watches (chat_id, query, created_at) VALUES (?, ?, ?)", (chat_id, query, time.time())
            )
            return Watch(int(cursor.lastrowid or 0), chat_id, query), True

    def remove(self, chat_id: int, watch_id: int) -> Watch | None:
        """Delete one of the chat's watches and what it still had queued; None if not theirs."""
        with self._lock, transaction(self._db) as db:
            row = db.execute(
                "SELECT id, chat_id, query, paused_at FROM watches WHERE id = ? AND chat_id = ?", (watch_id, chat_id)
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM notifications WHERE watch_id = ? AND state = 'pending'", (watch_id,))
            db.execute("DELETE FROM watches WHERE id = ?", (watch_id,))
            return _watch(row)

    def of_chat(self, chat_id: int) -> list[Watch]:
        """The chat's watches, oldest first (the numbers /watches shows)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, chat_id, query, paused_at FROM watches WHERE chat_id = ? ORDER BY id", (chat_id,)
            ).fetchall()
        return [_watch(r) for r in rows]

    def all(self) -> list[Watch]:
        """Every watch of every chat."""
        with self._lock:
            rows = self._db.execute("SELECT id, chat_id, query, paused_at FROM watches ORDER BY id").fetchall()
        return [_watch(r) for r in rows]

    def active(self) -> list[Watch]:
        """Every watch not paused, to match a build against."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, chat_id, query, paused_at FROM watches WHERE paused_at IS NULL ORDER BY id"
            ).fetchall()
        return [_watch(r) for r in rows]

    def pause_chat(self, chat_id: int) -> int:
        """Stop matching and sending for a chat that blocked the bot; its watches stay."""
        with self._lock, transaction(self._db) as db:
            return db.execute(
                "UPDATE watches SET paused_at = ? WHERE chat_id = ? AND paused_at IS NULL", (time.time(), chat_id)
            ).rowcount

    def resume_chat(self, chat_id: int) -> int:
        """The chat talks to the bot again: its paused watches work again. Returns how many."""
        with self._lock, transaction(self._db) as db:
            return db.execute(
                "UPDATE watches SET paused_at = NULL WHERE chat_id = ? AND paused_at IS NOT NULL", (chat_id,)
            ).rowcount

    def move_chat(self, old: int, new: int) -> int:
        """A group became a supergroup with a new id: its watches and queued notifications move
        there (a watch the new chat already has is kept once). Returns how many watches moved."""
        with self._lock, transaction(self._db) as db:
            moved = db.execute("UPDATE OR IGNORE watches SET chat_id = ? WHERE chat_id = ?", (new, old)).rowcount
            db.execute("DELETE FROM watches WHERE chat_id = ?", (old,))
            db.execute("UPDATE notifications SET chat_id = ? WHERE chat_id = ?", (new, old))
            return moved

    # ------------------------------------------------------------------ builds and notifications

    def handled(self, build: str) -> bool:
        """True once ``record`` has run for ``build``."""
        with self._lock:
            return self._db.execute("SELECT 1 FROM builds WHERE build = ?", (build,)).fetchone() is not None

    def record(self, builds: Sequence[str], matches: Iterable[tuple[int, str, str, int]]) -> int:
        """Queue ``(watch_id, note_key, digest, chat_id)`` matches of ``builds`` (the newest
        first) and mark them handled, in one transaction. A note already queued or sent for a
        watch is not queued again; when the newest build is already handled nothing is added.
        Returns how many were queued."""
        now = time.time()
        with self._lock, transaction(self._db) as db:
            if db.execute("SELECT 1 FROM builds WHERE build = ?", (builds[0],)).fetchone() is not None:
                return 0
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO notifications (watch_id, note_key, digest, chat_id, state, queued_at) "
                "SELECT ?, ?, ?, ?, 'pending', ? WHERE EXISTS (SELECT 1 FROM watches WHERE id = ?)",
                ((w, key, digest, chat, now, w) for w, key, digest, chat in matches),
            )
            queued = db.total_changes - before
            db.executemany(
                "INSERT OR IGNORE INTO builds (build, handled_at, queued) VALUES (?, ?, ?)",
                ((build, now, queued if i == 0 else 0) for i, build in enumerate(builds)),
            )
            return queued

    def claim(self, per_chat: int) -> list[ChatBatch]:
        """Take every queued notification of chats not paused and mark it sent, in one
        transaction: per chat the ``per_chat`` oldest notes become notices (one per note, naming
        each of the chat's watches it matched), the rest are summed up."""
        now = time.time()
        with self._lock, transaction(self._db) as db:
            rows = db.execute(
                "SELECT n.rowid, n.chat_id, n.note_key, w.query FROM notifications n "
                "JOIN watches w ON w.id = n.watch_id "
                "WHERE n.state = 'pending' AND w.paused_at IS NULL ORDER BY n.chat_id, n.queued_at, n.rowid"
            ).fetchall()
            by_chat: dict[int, dict[str, list[tuple[int, str]]]] = {}
            for rowid, chat_id, key, query in rows:
                by_chat.setdefault(chat_id, {}).setdefault(key, []).append((rowid, query))
            batches = []
            for chat_id, notes in by_chat.items():
                notices: list[Notice] = []
                summed: dict[str, int] = {}
                summed_rows: list[int] = []
                for i, (key, hits) in enumerate(notes.items()):
                    state = "sent" if i < per_chat else "summed"
                    db.executemany(
                        "UPDATE notifications SET state = ?, sent_at = ? WHERE rowid = ?",
                        ((state, now, rowid) for rowid, _ in hits),
                    )
                    if i < per_chat:
                        notices.append(Notice(key, tuple(q for _, q in hits), tuple(r for r, _ in hits)))
                    else:
                        summed[hits[0][1]] = summed.get(hits[0][1], 0) + 1
                        summed_rows += [r for r, _ in hits]
                batches.append(ChatBatch(chat_id, tuple(notices), summed, tuple(summed_rows)))
            return batches

    def release(self, rows: Iterable[int]) -> int:
        """Put notifications taken by ``claim`` back in the queue: their send failed, so they
        were not delivered. Returns how many."""
        with self._lock, transaction(self._db) as db:
            return sum(
                db.execute(
                    "UPDATE notifications SET state = 'pending', sent_at = NULL WHERE rowid = ? AND state != 'pending'",
                    (row,),
                ).rowcount
                for row in rows
            )

    def stats(self) -> WatchStats:
        with self._lock:
            watches, paused, chats = self._db.execute(
                "SELECT count(*), count(paused_at), count(DISTINCT chat_id) FROM watches"
            ).fetchone()
            sent, pending = self._db.execute(
                "SELECT count(CASE WHEN state = 'sent' THEN 1 END), count(CASE WHEN state = 'pending' THEN 1 END) "
                "FROM notifications"
            ).fetchone()
        return WatchStats(watches, paused, chats, sent, pending)


def _watch(row: sqlite3.Row) -> Watch:
    return Watch(int(row[0]), int(row[1]), str(row[2]), row[3] is not None)
