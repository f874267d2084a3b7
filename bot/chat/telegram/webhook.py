"""Webhook mode: Telegram POSTs updates to us; ``GET /healthz`` says whether we are well.

PTB's ``run_webhook`` builds a tornado app with one route, so this module builds the same app
with PTB's own ``TelegramHandler`` (which refuses a request without the right
``X-Telegram-Bot-Api-Secret-Token`` header with 403, and anything that is not JSON) plus a
health route, and runs the Application the way PTB documents for custom webhook servers:
``async with application`` → ``start()`` → serve until SIGTERM/SIGINT → ``stop()``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram.ext import Application
from telegram.ext._utils.webhookhandler import TelegramHandler, WebhookServer

from bot.chat.health import HEALTH_PATH

logger = logging.getLogger(__name__)


class HealthHandler(tornado.web.RequestHandler):
    """``GET /healthz`` → 200 and the health JSON; 503 when the index cannot be read."""

    SUPPORTED_METHODS = ("GET", "HEAD")  # type: ignore[assignment]

    def initialize(self, health: Callable[[], dict[str, Any]]) -> None:
        self._health = health

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        try:
            body = self._health()
        except Exception as error:  # an index that vanished: say so, do not crash the server
            self.set_status(HTTPStatus.SERVICE_UNAVAILABLE)
            body = {"status": "unavailable", "error": type(error).__name__}
        self.finish(json.dumps(body))

    head = get

    def log_exception(self, *args: Any) -> None:
        logger.debug("health handler failed", exc_info=True)


class _App(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """Quiet: one line per update comes from the update log, not from tornado."""


def webhook_app(
    path: str, application: Application, secret: str | None, health: Callable[[], dict[str, Any]]
) -> tornado.web.Application:
    shared = {"bot": application.bot, "update_queue": application.update_queue, "secret_token": secret}
    route = "/" if path == "/" else rf"{path}/?"
    return _App([(HEALTH_PATH, HealthHandler, {"health": health}), (route, TelegramHandler, shared)])


async def serve(
    application: Application,
    *,
    url: str,
    path: str,
    listen: str,
    port: int,
    secret: str | None,
    allowed_updates: list[str],
    health: Callable[[], dict[str, Any]],
    post_init: Callable[[Application], Awaitable[None]] | None = None,
    on_signal: Callable[[], None] | None = None,
) -> None:
    """Register the webhook with Telegram, serve until a stop signal, then stop in order:
    the HTTP server first (no new updates), then the Application (finishes the accepted ones)."""
    stop = asyncio.Event()

    def stop_signal() -> None:
        if on_signal is not None:
            on_signal()
        stop.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_signal)
    async with application:
        await application.bot.set_webhook(
            url=url, secret_token=secret, allowed_updates=allowed_updates, max_connections=40
        )
        if post_init is not None:
            await post_init(application)
        server = WebhookServer(listen, port, webhook_app(path, application, secret, health), None)
        await server.serve_forever()
        await application.start()
        logger.info("Webhook server listening on %s:%d%s (health: %s)", listen, port, path, HEALTH_PATH)
        try:
            await stop.wait()
        finally:
            logger.info("Stopping: no new updates, finishing the ones accepted")
            await server.shutdown()
            await application.stop()

