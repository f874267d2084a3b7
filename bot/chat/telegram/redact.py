"""Keep the bot token out of every log line.

The Bot API puts the token in the URL path (``/bot<token>/getMe``), and httpx and PTB log
request URLs and exception texts. A filter on the root handlers scrubs each record after it
is formatted, whichever logger it came from.
"""

from __future__ import annotations

import logging
import re

_TOKEN_IN_URL = re.compile(r"bot\d+:[A-Za-z0-9_-]+")
_BARE_TOKEN = re.compile(r"\b\d{3,}:[A-Za-z0-9_-]{20,}\b")
MASK = "bot<redacted>"


def redact(text: str, token: str | None = None) -> str:
    """``text`` with the token, and anything shaped like a Bot API token, masked."""
    if token:
        text = text.replace(token, "<redacted>")
    text = _TOKEN_IN_URL.sub(MASK, text)
    return _BARE_TOKEN.sub("<redacted>", text)


class RedactingFilter(logging.Filter):
    """Rewrites message, arguments and traceback text of every record it sees."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self._token)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._token)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._token)
        return True


# Libraries that log what users send at DEBUG: python-telegram-bot logs each update and every Bot
# API call with its parameters and result (question text, user and chat ids); httpx and httpcore
# log each request URL (the token is in it); tornado logs webhook request lines.
CHATTY_LOGGERS = ("telegram", "tornado")
URL_LOGGERS = ("httpx", "httpcore")


def install(token: str | None, level: int = logging.INFO, log_questions: bool = False) -> None:
    """Log at ``level`` (a long-running bot should say it started), with the token filter on
    every root handler, including ones the CLI set up before.

    ``LOG_LEVEL=DEBUG`` debugs the bot, not its users: unless ``LOG_QUESTIONS`` allows what users
    send to be logged, the libraries that log it at DEBUG stay at INFO; the URL loggers stay at
    WARNING whatever the settings (the filter would mask the token, but the lines say nothing).
    """
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    for name in URL_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(level if log_questions else max(level, logging.INFO))
    # The refresh job's scheduler logs each run; the refresh logs its own line when it rebuilt.
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(token))
