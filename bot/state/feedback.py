"""Votes on answers (👍 / 👎), kept in SQLite so that they survive restarts.

One row per vote on one shown answer: the question, the article's link and title, the passage
shown, +1 or -1, and when. ``answer_key`` names the answer message and page the vote was cast
on; a message lives in one chat, so a second vote on the same answer in the same chat replaces
the first (the latest opinion counts, and pressing both buttons does not count twice). User and
chat ids are stored only when the operator allows it (``LOG_QUESTIONS=true``); they stay NULL
otherwise.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.state.sqlite import connect, ensure_schema, transaction

FILE_NAME = "feedback.sqlite3"
UP, DOWN = 1, -1
_SCHEMA_VERSION = 1
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS votes (
        id INTEGER PRIMARY KEY,
        answer_key TEXT NOT NULL UNIQUE,
        question TEXT NOT NULL,
        link TEXT NOT NULL,
        title TEXT NOT NULL,
        passage TEXT NOT NULL,
        vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        voted_at TEXT NOT NULL,
        user_id INTEGER,
        chat_id INTEGER
    )""",
    "CREATE INDEX IF NOT EXISTS votes_by_vote ON votes (vote, voted_at)",
)


@dataclass(frozen=True, slots=True)
class Vote:
    """One person's (or one chat's) verdict on one answer they were shown."""

    answer_key: str
    question: str
    link: str
    title: str
    passage: str
    vote: int
    voted_at: datetime
    user_id: int | None = None
    chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    up: int
    down: int

    @property
    def total(self) -> int:
        return self.up + self.down


class FeedbackStore:
    """The votes file. Each call opens its own connection (votes are rare, and opening SQLite
    takes well under a millisecond), so the store is safe from any thread and holds no file open
    between calls; creating it makes the file and its table, or raises StateError."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with self._open() as db:
            ensure_schema(db, _SCHEMA_VERSION, _SCHEMA)

    @contextlib.contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        db = connect(self.path)
        try:
            yield db
        finally:
            db.close()

    @classmethod
    def in_folder(cls, folder: Path) -> FeedbackStore:
        return cls(Path(folder) / FILE_NAME)

    def record(self, vote: Vote) -> bool:
        """Store ``vote``; True when it replaced an earlier vote on the same answer."""
        if vote.vote not in (UP, DOWN):
            raise ValueError(f"a vote is {UP} or {DOWN}, not {vote.vote!r}")
        with self._open() as connection, transaction(connection) as db:
            earlier = db.execute("SELECT 1 FROM votes WHERE answer_key = ?", (vote.answer_key,)).fetchone()
            db.execute(
                """INSERT INTO votes (answer_key, question, link, title, passage, vote, voted_at, user_id, chat_id)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (answer_key) DO UPDATE SET
                     vote = excluded.vote, voted_at = excluded.voted_at,
                     user_id = excluded.user_id, chat_id = excluded.chat_id""",
                (
                    vote.answer_key,
                    vote.question,
                    vote.link,
                    vote.title,
                    vote.passage,
                    vote.vote,
                    _utc(vote.voted_at).isoformat(timespec="seconds"),
                    vote.user_id,
                    vote.chat_id,
                ),
            )
        return earlier is not None

    def vote_on(self, answer_key: str) -> int | None:
        """The vote kept for ``answer_key`` (1 or -1), or None if there is none."""
        with self._open() as db:
            row = db.execute("SELECT vote FROM votes WHERE answer_key = ?", (answer_key,)).fetchone()
        return None if row is None else int(row[0])

    def counts(self) -> Counts:
        with self._open() as db:
            row = db.execute("SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) FROM votes").fetchone()
        return Counts(up=row[0], down=row[1])

    def votes(self, vote: int | None = None) -> list[Vote]:
        """Every vote (or only those equal to ``vote``), oldest first."""
        query = "SELECT * FROM votes" + (" WHERE vote = ?" if vote is not None else "") + " ORDER BY voted_at, id"
        with self._open() as db:
            rows = db.execute(query, () if vote is None else (vote,)).fetchall()
        return [
            Vote(
                answer_key=row["answer_key"],
                question=row["question"],
                link=row["link"],
                title=row["title"],
                passage=row["passage"],
                vote=row["vote"],
                voted_at=datetime.fromisoformat(row["voted_at"]),
                user_id=row["user_id"],
                chat_id=row["chat_id"],
            )
            for row in rows
        ]


def now() -> datetime:
    return datetime.now(UTC)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def eval_records(votes: list[Vote]) -> list[dict[str, object]]:
    """👎 votes as lines of an eval question file (../shared/eval/README.md's fields), one per
    question (asked again in other words or other case, it is the same question), in the order
    first voted on, for the team to complete: the expected links and answering paragraph are
    what the bot got wrong, so they are left empty and each rejected answer is kept beside them
    in ``rejected`` (link, title, passage), with ``votes`` and ``first_voted_at``."""
    by_question: dict[str, list[Vote]] = {}
    for vote in sorted(votes, key=lambda v: _utc(v.voted_at)):
        by_question.setdefault(" ".join(vote.question.casefold().split()), []).append(vote)
    records: list[dict[str, object]] = []
    for number, group in enumerate(by_question.values(), start=1):
        rejected: dict[str, dict[str, str]] = {}
        for vote in group:
            rejected.setdefault(
                vote.link + "\n" + vote.passage, {"link": vote.link, "title": vote.title, "passage": vote.passage}
            )
        records.append(
            {
                "id": f"fb{number:04d}",
                "question": group[0].question,
                "kind": "other",
                "expected_links": [],
                "expected_file": None,
                "answer_paragraph_starts_with": None,
                "answer": "",
                "rejected": list(rejected.values()),
                "votes": len(group),
                "first_voted_at": _utc(group[0].voted_at).isoformat(timespec="seconds"),
            }
        )
    return records
