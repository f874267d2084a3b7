"""Inline keyboards and their callback data.

Telegram allows 64 bytes of callback data, so a button never carries the question: it carries
a short id of an answer kept in memory (:class:`AnswerStore`) and a page number. Anything the
bot did not send, or sent before a restart, parses to ``None`` or misses the store.
"""

from __future__ import annotations

import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.search.results import Answer

MAX_CALLBACK_BYTES = 64
K = TypeVar("K")
V = TypeVar("V")
NOOP = "noop"

_ANSWER_PAGE = re.compile(r"p:([A-Za-z0-9_-]{1,16}):(\d{1,3})")
_TAGS_PAGE = re.compile(r"t:(\d{1,4})")
_UNWATCH = re.compile(r"w:x:(\d{1,18})")
_VOTE = re.compile(r"v:([A-Za-z0-9_-]{1,16}):(\d{1,3}):([ud])")
UP, DOWN = "👍", "👎"


@dataclass(frozen=True, slots=True)
class AnswerPage:
    answer_id: str
    page: int


@dataclass(frozen=True, slots=True)
class TagsPage:
    page: int


@dataclass(frozen=True, slots=True)
class Vote:
    """👍 (``value`` 1) or 👎 (-1) on one page of an answer."""

    answer_id: str
    page: int
    value: int


@dataclass(frozen=True, slots=True)
class Label:
    """The "n/N" between ◀ and ▶: pressing it does nothing."""


@dataclass(frozen=True, slots=True)
class Unwatch:
    """✕ beside a watch in /watches: remove that watch."""

    watch_id: int


Target = AnswerPage | TagsPage | Vote | Label | Unwatch


def parse_callback(data: str | None) -> Target | None:
    """What a button press asks for, or ``None`` for data this bot never produces."""
    if not data:
        return None
    if data == NOOP:
        return Label()
    if match := _ANSWER_PAGE.fullmatch(data):
        return AnswerPage(match[1], int(match[2]))
    if match := _TAGS_PAGE.fullmatch(data):
        return TagsPage(int(match[1]))
    if match := _UNWATCH.fullmatch(data):
        return Unwatch(int(match[1]))
    if match := _VOTE.fullmatch(data):
        return Vote(match[1], int(match[2]), 1 if match[3] == "u" else -1)
    return None


def _pager(page: int, pages: int, data_for: str) -> InlineKeyboardMarkup | None:
    """◀ n/N ▶; ``data_for`` is a format string taking the target page. There is no ◀ on the first
    page and no ▶ on the last: paging does not wrap around."""
    if pages <= 1:
        return None
    row = [InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=NOOP)]
    if page > 0:
        row.insert(0, InlineKeyboardButton("◀", callback_data=data_for.format(page - 1)))
    if page < pages - 1:
        row.append(InlineKeyboardButton("▶", callback_data=data_for.format(page + 1)))
    return InlineKeyboardMarkup([row])


def answer_keyboard(
    answer_id: str, page: int, pages: int, *, votes: bool = False, voted: int | None = None
) -> InlineKeyboardMarkup | None:
    """The pager, and with ``votes`` a row of 👍 👎 for the page shown (``voted`` marks the one
    this chat chose, so a press visibly took)."""
    pager = _pager(page, pages, f"p:{answer_id}:{{}}")
    if not votes:
        return pager
    row = [
        InlineKeyboardButton(f"{face} ✓" if voted == value else face, callback_data=f"v:{answer_id}:{page}:{code}")
        for face, value, code in ((UP, 1, "u"), (DOWN, -1, "d"))
    ]
    return InlineKeyboardMarkup([*(pager.inline_keyboard if pager else ()), row])


def tags_keyboard(page: int, pages: int) -> InlineKeyboardMarkup | None:
    return _pager(page, pages, "t:{}")


def watches_keyboard(watches: list[tuple[int, str]]) -> InlineKeyboardMarkup | None:
    """One ✕ button per ``(watch id, label)``, a row each, to remove that watch."""
    if not watches:
        return None
    rows = [[InlineKeyboardButton(f"✕ {label}", callback_data=f"w:x:{i}")] for i, label in watches]
    return InlineKeyboardMarkup(rows)


class Recent(Generic[K, V]):
    """A mapping that keeps only the ``capacity`` most recently used entries: what the bot
    remembers of its chats lives in memory and must stay bounded however many chats there are."""

    def __init__(self, capacity: int = 512) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[K, V] = OrderedDict()

    def remember(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def __len__(self) -> int:
        return len(self._entries)


class AnswerStore(Recent[str, Answer]):
    """Recent answers by short random id, least recently used dropped first.

    Random ids (not a counter) so that a button from before a restart can never point at a
    different, newer answer.
    """

    def put(self, answer: Answer) -> str:
        answer_id = secrets.token_urlsafe(6)
        self.remember(answer_id, answer)
        return answer_id
