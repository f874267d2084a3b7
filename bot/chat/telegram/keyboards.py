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

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.search.results import Answer

MAX_CALLBACK_BYTES = 64
NOOP = "noop"

_ANSWER_PAGE = re.compile(r"p:([A-Za-z0-9_-]{1,16}):(\d{1,3})")
_TAGS_PAGE = re.compile(r"t:(\d{1,4})")


@dataclass(frozen=True, slots=True)
class AnswerPage:
    answer_id: str
    page: int


@dataclass(frozen=True, slots=True)
class TagsPage:
    page: int


@dataclass(frozen=True, slots=True)
class Label:
    """The "n/N" between ◀ and ▶: pressing it does nothing."""


Target = AnswerPage | TagsPage | Label


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
    return None


def _pager(page: int, pages: int, data_for: str) -> InlineKeyboardMarkup | None:
    """◀ n/N ▶ that wraps around; ``data_for`` is a format string taking the target page."""
    if pages <= 1:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("◀", callback_data=data_for.format((page - 1) % pages)),
                InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=NOOP),
                InlineKeyboardButton("▶", callback_data=data_for.format((page + 1) % pages)),
            ]
        ]
    )


def answer_keyboard(answer_id: str, page: int, pages: int) -> InlineKeyboardMarkup | None:
    return _pager(page, pages, f"p:{answer_id}:{{}}")


def tags_keyboard(page: int, pages: int) -> InlineKeyboardMarkup | None:
    return _pager(page, pages, "t:{}")


class AnswerStore:
    """Recent answers by short random id, least recently used dropped first.

    Random ids (not a counter) so that a button from before a restart can never point at a
    different, newer answer.
    """

    def __init__(self, capacity: int = 512) -> None:
        self._capacity = capacity
        self._answers: OrderedDict[str, Answer] = OrderedDict()

    def put(self, answer: Answer) -> str:
        answer_id = secrets.token_urlsafe(6)
        self._answers[answer_id] = answer
        while len(self._answers) > self._capacity:
            self._answers.popitem(last=False)
        return answer_id

    def get(self, answer_id: str) -> Answer | None:
        answer = self._answers.get(answer_id)
        if answer is not None:
            self._answers.move_to_end(answer_id)
        return answer

    def __len__(self) -> int:
        return len(self._answers)
