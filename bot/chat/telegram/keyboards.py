"""Inline keyboards and their callback data.

Telegram allows 64 bytes of callback data, so a button never carries the question: it carries
a short id of an answer or a list kept in memory (:class:`Shelf`) and a page or item number, or
a tag's slug. Anything the bot did not send, or sent before a restart, parses to ``None`` or
misses the shelf.
"""

from __future__ import annotations

import re
import secrets
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.notes.models import Note
from bot.search.results import Answer

MAX_CALLBACK_BYTES = 64
K = TypeVar("K")
V = TypeVar("V")
NOOP = "noop"
UP, DOWN = "👍", "👎"
ITEMS_PER_ROW = 5


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
class ListPage:
    """A page of a list of articles (/tag, /source, /latest, filter-only questions)."""

    list_id: str
    page: int


@dataclass(frozen=True, slots=True)
class ListItem:
    """One article of a list, by its number in the whole list."""

    list_id: str
    item: int


@dataclass(frozen=True, slots=True)
class OtherReports:
    """ "Other reports (N)" under an answer page: the story's other notes, as a list."""

    answer_id: str
    page: int


@dataclass(frozen=True, slots=True)
class TagOpen:
    """A tag's articles, by the tag's slug (see bot.search.catalog)."""

    slug: str


def vote_key(answer_id: str, page: int) -> str:
    """What a vote on page ``page`` of an answer is kept under: one vote per answer page (an
    answer message lives in one chat, so this is also one vote per chat)."""
    return f"{answer_id}:{page}"


@dataclass(frozen=True, slots=True)
class Label:
    """The "n/N" between ◀ and ▶: pressing it does nothing."""


@dataclass(frozen=True, slots=True)
class Unwatch:
    """✕ beside a watch in /watches: remove that watch."""

    watch_id: int


Target = AnswerPage | TagsPage | ListPage | ListItem | TagOpen | OtherReports | Vote | Label | Unwatch

_ID = r"([A-Za-z0-9_-]{1,16})"
_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Target]], ...] = (
    (re.compile(rf"p:{_ID}:(\d{{1,3}})"), lambda m: AnswerPage(m[1], int(m[2]))),
    (re.compile(r"t:(\d{1,4})"), lambda m: TagsPage(int(m[1]))),
    (re.compile(rf"l:{_ID}:(\d{{1,5}})"), lambda m: ListPage(m[1], int(m[2]))),
    (re.compile(rf"o:{_ID}:(\d{{1,6}})"), lambda m: ListItem(m[1], int(m[2]))),
    (re.compile(r"g:([a-z0-9_]{1,60})"), lambda m: TagOpen(m[1])),
    (re.compile(rf"r:{_ID}:(\d{{1,3}})"), lambda m: OtherReports(m[1], int(m[2]))),
    (re.compile(r"w:x:(\d{1,18})"), lambda m: Unwatch(int(m[1]))),
    (re.compile(rf"v:{_ID}:(\d{{1,3}}):([ud])"), lambda m: Vote(m[1], int(m[2]), 1 if m[3] == "u" else -1)),
)


def parse_callback(data: str | None) -> Target | None:
    """What a button press asks for, or ``None`` for data this bot never produces."""
    if not data:
        return None
    if data == NOOP:
        return Label()
    for pattern, target in _PATTERNS:
        if match := pattern.fullmatch(data):
            return target(match)
    return None


def _pager_row(page: int, pages: int, data_for: str) -> list[InlineKeyboardButton]:
    """◀ n/N ▶; ``data_for`` is a format string taking the target page. There is no ◀ on the first
    page and no ▶ on the last: paging does not wrap around."""
    if pages <= 1:
        return []
    row = [InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=NOOP)]
    if page > 0:
        row.insert(0, InlineKeyboardButton("◀", callback_data=data_for.format(page - 1)))
    if page < pages - 1:
        row.append(InlineKeyboardButton("▶", callback_data=data_for.format(page + 1)))
    return row


def _pager(page: int, pages: int, data_for: str) -> InlineKeyboardMarkup | None:
    row = _pager_row(page, pages, data_for)
    return InlineKeyboardMarkup([row]) if row else None


def answer_keyboard(
    answer_id: str, page: int, pages: int, *, votes: bool = False, voted: int | None = None, reports: int = 0
) -> InlineKeyboardMarkup | None:
    """The pager; "Other reports (N)" when the page's story has ``reports`` more notes; and with
    ``votes`` a row of 👍 👎 for the page shown (``voted`` marks the one this chat chose, so a
    press visibly took)."""
    rows = [row] if (row := _pager_row(page, pages, f"p:{answer_id}:{{}}")) else []
    if reports:
        rows.append([InlineKeyboardButton(f"Other reports ({reports})", callback_data=f"r:{answer_id}:{page}")])
    if votes:
        rows.append(
            [
                InlineKeyboardButton(
                    f"{face} ✓" if voted == value else face, callback_data=f"v:{answer_id}:{page}:{code}"
                )
                for face, value, code in ((UP, 1, "u"), (DOWN, -1, "d"))
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def tags_keyboard(page: int, pages: int) -> InlineKeyboardMarkup | None:
    return _pager(page, pages, "t:{}")


def watches_keyboard(watches: list[tuple[int, str]]) -> InlineKeyboardMarkup | None:
    """One ✕ button per ``(watch id, label)``, a row each, to remove that watch."""
    if not watches:
        return None
    rows = [[InlineKeyboardButton(f"✕ {label}", callback_data=f"w:x:{i}")] for i, label in watches]
    return InlineKeyboardMarkup(rows)


def list_keyboard(list_id: str, page: int, pages: int, items: range) -> InlineKeyboardMarkup | None:
    """One numbered button per article shown (tapping opens it), then ◀ n/N ▶."""
    numbers = [InlineKeyboardButton(str(n + 1), callback_data=f"o:{list_id}:{n}") for n in items]
    rows = [numbers[i : i + ITEMS_PER_ROW] for i in range(0, len(numbers), ITEMS_PER_ROW)]
    if pager := _pager_row(page, pages, f"l:{list_id}:{{}}"):
        rows.append(pager)
    return InlineKeyboardMarkup(rows) if rows else None


def back_keyboard(list_id: str, page: int) -> InlineKeyboardMarkup:
    """Under an article opened from a list: back to the page it was on."""
    return InlineKeyboardMarkup([[InlineKeyboardButton("◀ Back to the list", callback_data=f"l:{list_id}:{page}")]])


def tag_choice_keyboard(choices: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per (label, tag slug): "which of these tags did you mean?"."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"g:{slug}")] for label, slug in choices])


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


class Shelf(Recent[str, V]):
    """Recent values by short random id, least recently used dropped first.

    Random ids (not a counter) so that a button from before a restart can never point at a
    different, newer answer or list.
    """

    def put(self, value: V) -> str:
        value_id = secrets.token_urlsafe(6)
        self.remember(value_id, value)
        return value_id


class AnswerStore(Shelf[Answer]):
    """The answers whose pages the ◀ ▶ buttons under them turn."""


@dataclass(frozen=True, slots=True)
class Listing:
    """A list of articles as shown: its heading, all its articles (newest first), the topic whose
    best paragraph an opened article shows ("" for its first), and lines to show above it (how
    the question's filters were read)."""

    heading: str
    notes: tuple[Note, ...]
    topic: str = ""
    lead: tuple[str, ...] = ()


class ListStore(Shelf[Listing]):
    """The lists whose pages and articles the buttons under them open."""
