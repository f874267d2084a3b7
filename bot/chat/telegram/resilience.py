"""Riding out Telegram hiccups: bounded retries with backoff, and a heartbeat on each poll.

* ``RetryAfter`` (HTTP 429): the AIORateLimiter waits ``retry_after`` and tries again.
* 5xx answers, and connections refused or dropped before an answer: :class:`RetryingRateLimiter`
  retries the call up to ``network_retries`` times, 0.5 s, 1 s, 2 s … apart. Telegram did not
  take a call it answered with 5xx, and a connection that never got an answer is, in practice,
  a call that never arrived; a *read timeout* is different (Telegram may have sent the message),
  so a timed-out ``send*`` is not repeated: one lost reply beats a reply sent twice.
* ``getUpdates`` is not rate limited; PTB's polling loop retries it with its own backoff, and
  an update is only confirmed (by the next offset) after it was received whole, so none is lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeAlias

from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter
from telegram.request import HTTPXRequest

logger = logging.getLogger(__name__)
_Result: TypeAlias = bool | dict[str, Any] | list[dict[str, Any]]  # what a Bot API call answers

# Calls that change nothing, or change it to the same thing again: safe to repeat after a timeout.
_IDEMPOTENT = {"sendChatAction", "getMe", "setMyCommands", "deleteWebhook", "setWebhook", "editMessageText"}


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter (per-chat and overall limits, 429 handling) plus retries on 5xx/drops."""

    def __init__(self, *, network_retries: int = 4, first_delay: float = 0.5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._network_retries = network_retries
        self._first_delay = first_delay

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, _Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> _Result:
        delay = self._first_delay
        for attempt in range(self._network_retries + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest:
                raise
            except TimedOut as error:
                not_sent = "Pool timeout" in str(error) or isinstance(error.__cause__, ConnectTimeoutTypes)
                if attempt == self._network_retries or not (not_sent or endpoint in _IDEMPOTENT):
                    raise
                reason = str(error)
            except NetworkError as error:
                if attempt == self._network_retries:
                    raise
                reason = str(error)
            logger.warning(
                "Bot API %s failed (%s); retry %d/%d in %.1f s",
                endpoint,
                reason[:200],
                attempt + 1,
                self._network_retries,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8.0)
        raise AssertionError("unreachable")


try:  # what httpx raises when nothing reached the server
    import httpx

    ConnectTimeoutTypes: tuple[type[BaseException], ...] = (httpx.ConnectTimeout, httpx.PoolTimeout)
except ImportError:  # pragma: no cover - httpx comes with python-telegram-bot
    ConnectTimeoutTypes = ()


class HeartbeatRequest(HTTPXRequest):
    """The getUpdates connection: every answer from Telegram calls ``on_answer`` (throttled)."""

    def __init__(self, *args: Any, on_answer: Callable[[], None] | None = None, every: float = 5.0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._on_answer = on_answer
        self._every = every
        self._last = 0.0

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code == 200 and self._on_answer is not None and time.monotonic() - self._last >= self._every:
            self._last = time.monotonic()
            try:
                self._on_answer()
            except Exception:  # a full disk must not stop the polling
                logger.warning("Cannot write the heartbeat", exc_info=True)
        return code, payload
