"""The one place that opens the bot's SQLite databases.

Every store (feedback votes, watches) opens its file through :func:`connect` and writes through
:func:`transaction`, so all of them get the same guarantees: WAL journaling (readers never block
the writer, a killed process never leaves a half-written row), a busy timeout instead of an
instant "database is locked" when the CLI and the bot touch the file at once, and foreign keys
on. The schema is created by the store with :func:`ensure_schema`, versioned by ``user_version``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

BUSY_TIMEOUT_S = 5.0


class StateError(Exception):
    """A state database cannot be opened or written; ``str()`` says which file and why."""


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating the folder and file if needed) ``path`` for this thread.

    ``isolation_level=None`` leaves transactions to :func:`transaction`, so that a write is
    exactly one ``BEGIN IMMEDIATE … COMMIT`` and nothing is left open between calls.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")  # durable at each WAL checkpoint; safe with WAL
        connection.execute("PRAGMA foreign_keys=ON")
    except (OSError, sqlite3.Error) as exc:
        raise StateError(f"cannot open {path}: {exc}") from exc
    return connection


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error: all of a write or none of it.

    IMMEDIATE takes the write lock at the start, so two writers wait for each other (up to the
    busy timeout) instead of failing halfway through with SQLITE_BUSY.
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def ensure_schema(connection: sqlite3.Connection, version: int, statements: tuple[str, ...]) -> None:
    """Create the tables of schema ``version`` once; a file from a newer bot is refused rather
    than written in a shape it does not expect."""
    with transaction(connection):
        current = connection.execute("PRAGMA user_version").fetchone()[0]
        if current > version:
            raise StateError(f"the database was written by a newer version (schema {current}, this is {version})")
        if current < version:
            for statement in statements:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version={int(version)}")
