"""One structured log line per update: what it was, where from, what happened, how long.

``LoggingApplication.process_update`` opens a record for each update in a context variable;
handlers add to it with :func:`note` (hits, outcome), and the line is written when the update is
done, as ``update {"type": ..., "chat": ..., "command": ..., "hits": ..., "ms": ...}``. Question
text is left out unless ``LOG_QUESTIONS=true``; command arguments are never logged (they can be
anything a user typed). The root handlers' redaction filter still scrubs every line.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
from typing import Any

from telegram import Update

from bot.chat.telegram.context import BotApplication

logger = logging.getLogger("bot.updates")

_CURRENT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("update_record", default=None)
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,64})?")
_KINDS = ("message", "edited_message", "callback_query", "inline_query", "channel_post", "edited_channel_post")
QUESTION_LIMIT = 500


def note(**fields: Any) -> None:
    """Add ``fields`` to the log record of the update being handled (no-op outside one)."""
    record = _CURRENT.get()
    if record is not None:
        record.update(fields)


def describe(update: object) -> dict[str, Any]:
    """Update type, chat type and command: never the text, never a user id."""
    if not isinstance(update, Update):
        return {"type": type(update).__name__}
    kind = next((name for name in _KINDS if getattr(update, name, None)), "other")
    record: dict[str, Any] = {
        "type": kind,
        "id": update.update_id,
        "chat": str(update.effective_chat.type) if update.effective_chat else None,
        "command": None,
    }
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    if text.startswith("/"):
        match = _COMMAND.match(text)
        record["command"] = match[0].split("@")[0] if match else "/?"
    elif update.callback_query:
        record["command"] = "button"
    if message is not None and getattr(message, "forward_origin", None) is not None:
        record["forwarded"] = True
    return record


def question_of(update: object) -> str | None:
    if not isinstance(update, Update):
        return None
    if update.inline_query:
        return update.inline_query.query
    message = update.effective_message
    return (message.text or message.caption) if message else None


class LoggingApplication(BotApplication):
    """An Application that writes one line per update; set ``bot_data[LOG_QUESTIONS]``."""

    log_questions = False
    in_flight = 0  # updates being handled right now, and the most there ever were at once
    peak_in_flight = 0

    async def process_update(self, update: object) -> None:
        record = describe(update)
        record["outcome"] = "ok"
        token = _CURRENT.set(record)
        started = time.perf_counter()
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            await super().process_update(update)
        finally:
            self.in_flight -= 1
            _CURRENT.reset(token)
            record["ms"] = round((time.perf_counter() - started) * 1000, 1)
            if self.log_questions and (question := question_of(update)):
                record["question"] = question[:QUESTION_LIMIT]
            logger.info("update %s", json.dumps(record, ensure_ascii=False, default=str))
