"""``/start`` deep links: ``t.me/<bot>?start=tag_revil`` opens the bot's chat on that tag's articles.

Telegram allows 1-64 characters of A-Z, a-z, 0-9, ``_`` and ``-`` in a start payload. The bot
makes ``tag_<slug>`` links (a tag's slug from bot.search.catalog) and reads three kinds, which a
person can also type or share: ``tag_NAME``, ``source_NAME`` and ``q_QUESTION``, each with
underscores for spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PAYLOAD = 64
_PAYLOAD = re.compile(r"(tag|source|q)_([A-Za-z0-9_-]{1,60})")


@dataclass(frozen=True, slots=True)
class StartLink:
    """What a /start payload asks for: ``kind`` is "tag", "source" or "q"; ``value`` has spaces
    where the payload had underscores (a tag's slug reads the same either way)."""

    kind: str
    value: str


def tag_link(bot_username: str, slug: str) -> str:
    """The link that opens this bot's chat on a tag's articles."""
    return f"https://t.me/{bot_username}?start=tag_{slug}"


def parse_start(payload: str) -> StartLink | None:
    """The deep link in ``/start PAYLOAD``, or None for anything else (then /start says hello)."""
    match = _PAYLOAD.fullmatch(payload[: MAX_PAYLOAD + 1])
    if match is None:
        return None
    return StartLink(match[1], match[2].replace("_", " ").strip())
