"""Webhook mode: Telegram POSTs updates to us; ``GET /healthz`` says whether we are well.

This is PTB's documented custom-webhook pattern (its ``customwebhookbot`` examples): our own web
server takes the POST, turns the JSON into ``Update.de_json(...)`` and puts it on
``application.update_queue``, and the Application runs as ``async with application`` →
``start()`` → serve until SIGTERM/SIGINT → ``stop()``. The server is tornado, which PTB's
``webhooks`` extra already installs; nothing of PTB's private modules is used.

A public port meets hostile clients, so the server holds its ground:

- The secret header is compared (in constant time) as soon as the headers are in, before one
  byte of the body is read; with a wrong or missing secret the body is never kept (it is read
  and dropped, within the cap, so that the client gets its 403).
- Bodies are capped at ``MAX_BODY_BYTES`` (Telegram's updates are a few KB): a larger
  Content-Length gets 413 before the body is read, and a chunked body is cut off at the cap.
- A client gets ``IDLE_TIMEOUT_S`` to send its headers (and between requests on a kept-alive
  connection) and ``BODY_TIMEOUT_S`` for its body; a half-sent request is dropped after that.
- Open connections are bounded (half the file descriptors the process may open, at most
  ``MAX_CONNECTIONS``): at the bound the oldest connection is closed to make room, so a flood of
  half-sent requests cannot shut out Telegram or ``/healthz``; if the process runs out of file
  descriptors anyway, the bound is lowered to what fits and accepting pauses for a moment
  instead of spinning on the error.
- A repeated log line (the same message from the same logger) is written once per
  ``REPEAT_INTERVAL_S``, with the count of the ones left out, so a flood cannot fill the disk.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import json
import logging
import resource
import signal
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.iostream
import tornado.netutil
import tornado.web
from telegram import Update
from telegram.ext import Application

from bot.chat.health import HEALTH_PATH

logger = logging.getLogger(__name__)
AnyApplication = Application[Any, Any, Any, Any, Any, Any]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024
IDLE_TIMEOUT_S = 10.0
BODY_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 512
ACCEPT_PAUSE_S = 0.1
REPEAT_INTERVAL_S = 60.0
_ACCEPTS_PER_WAKE = 64
_OUT_OF_FDS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
_QUIET_LOGGERS = ("tornado.general", "tornado.application", "tornado.access", "asyncio", __name__)


class RepeatFilter(logging.Filter):
    """Lets the first record of each (logger, message template) through, then none of the same
    for ``interval`` seconds; the next one that passes says how many were left out."""

    def __init__(self, interval: float = REPEAT_INTERVAL_S, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._interval = interval
        self._clock = clock
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = self._clock()
        last, dropped = self._seen.get(key, (float("-inf"), 0))
        if now - last < self._interval:
            self._seen[key] = (last, dropped + 1)
            return False
        if len(self._seen) > 1024:  # many distinct messages: forget the old ones, not grow
            self._seen.clear()
        self._seen[key] = (now, 0)
        if dropped:
            record.msg = f"{record.getMessage()} (and {dropped} more like it in the last {self._interval:.0f} s)"
            record.args = None
        return True


def quiet_repeats(interval: float = REPEAT_INTERVAL_S) -> None:
    """Install one RepeatFilter on each logger a flood of bad requests writes to."""
    for name in _QUIET_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, RepeatFilter) for f in target.filters):
            target.addFilter(RepeatFilter(interval))


def connection_limit() -> int:
    """Half the file descriptors this process may open (the rest are for Telegram, the index
    and the logs), at most MAX_CONNECTIONS."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(8, min(MAX_CONNECTIONS, soft // 2))


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """``POST <path>``: one update from Telegram, queued for the Application."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, telegram_app: AnyApplication, secret: str) -> None:
        self._telegram = telegram_app
        self._secret = secret.encode()
        self._chunks: list[bytes] = []
        self._refused: HTTPStatus | None = None

    def prepare(self) -> None:
        """Runs once the headers are in, before any of the body is read (stream_request_body).

        A body too large for an update is refused at once. A wrong secret is decided here too,
        but the (small, capped) body is then read and dropped unkept before the 403 goes out:
        closing a socket with unread data resets it, and the client would never see the answer.
        """
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        given = self.request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            self._refused = HTTPStatus.FORBIDDEN
        elif self.request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self._refused = HTTPStatus.UNSUPPORTED_MEDIA_TYPE

    def data_received(self, chunk: bytes) -> None:
        if self._refused is None:  # a refused body is never kept
            self._chunks.append(chunk)  # at most MAX_BODY_BYTES in all: the server cuts off the rest

    async def post(self) -> None:
        if self._refused is not None:
            raise tornado.web.HTTPError(self._refused)
        try:
            data = json.loads(b"".join(self._chunks))
            update = Update.de_json(data, self._telegram.bot)
        except Exception as error:  # not JSON, or not an update: Telegram never sends that
            logger.warning("Webhook: a request with the right secret was not an update (%s)", type(error).__name__)
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        if update is None:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        await self._telegram.update_queue.put(update)
        self.set_status(HTTPStatus.OK)
        self.finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(HTTPStatus(status_code).phrase)

    def log_exception(self, *args: Any) -> None:
        """An HTTPError is an answer, not a fault: nothing to log (bad requests are counted by
        nobody; a flood of them must not write a line each)."""


class HealthHandler(tornado.web.RequestHandler):
    """``GET /healthz`` → 200 and the health JSON; 503 when the index cannot be read."""

    SUPPORTED_METHODS = ("GET", "HEAD")

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
    path: str, application: AnyApplication, secret: str, health: Callable[[], dict[str, Any]]
) -> tornado.web.Application:
    route = "/" if path == "/" else rf"{path}/?"
    return _App(
        [
            (HEALTH_PATH, HealthHandler, {"health": health}),
            (route, UpdateHandler, {"telegram_app": application, "secret": secret}),
        ]
    )


class BoundedServer(tornado.httpserver.HTTPServer):
    """An HTTPServer that accepts connections itself, so that it can bound them (closing the
    oldest at the bound) and pause when the process is out of file descriptors."""

    def initialize(self, *args: Any, limit: int = MAX_CONNECTIONS, **kwargs: Any) -> None:
        super().initialize(*args, **kwargs)
        self.limit = limit
        self._open: OrderedDict[int, tornado.iostream.IOStream] = OrderedDict()
        self._listening: list[socket.socket] = []
        self._paused = False

    def bind_and_serve(self, port: int, address: str) -> None:
        """Listen on ``address:port``; raises OSError when it cannot (port in use)."""
        self._listening = tornado.netutil.bind_sockets(port, address=address, backlog=128)
        for sock in self._listening:
            self._watch(sock)

    def _watch(self, sock: socket.socket) -> None:
        asyncio.get_running_loop().add_reader(sock.fileno(), self._accept, sock)

    def _accept(self, sock: socket.socket) -> None:
        for _ in range(_ACCEPTS_PER_WAKE):
            try:
                connection, address = sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                if error.errno == errno.ECONNABORTED:
                    continue
                if error.errno in _OUT_OF_FDS:
                    self._out_of_descriptors(sock, error)
                    return
                raise
            connection.setblocking(False)
            while len(self._open) >= self.limit:
                self._close_oldest()
            stream = tornado.iostream.IOStream(connection, max_buffer_size=2 * MAX_BODY_BYTES)
            self._open[id(stream)] = stream
            self.handle_stream(stream, address)

    def _out_of_descriptors(self, sock: socket.socket, error: OSError) -> None:
        """The process has fewer descriptors than the bound assumed: lower the bound to a tenth
        below what is open now (closing the oldest beyond it), so the next connections replace
        old ones instead of failing again, and pause accepting for a moment."""
        self.limit = max(1, len(self._open) * 9 // 10)
        while len(self._open) > self.limit:
            self._close_oldest()
        logger.warning(
            "Webhook: cannot accept a connection (%s); at most %d connections from now on",
            error.strerror,
            self.limit,
        )
        self._pause(sock)

    def _close_oldest(self) -> None:
        if self._open:
            _, stream = self._open.popitem(last=False)
            stream.close()

    def _pause(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        loop.remove_reader(sock.fileno())
        loop.call_later(ACCEPT_PAUSE_S, self._resume, sock)

    def _resume(self, sock: socket.socket) -> None:
        if sock.fileno() != -1:
            self._watch(sock)

    def on_close(self, server_conn: object) -> None:
        super().on_close(server_conn)
        stream = getattr(server_conn, "stream", None)
        self._open.pop(id(stream), None)

    def stop(self) -> None:
        loop = asyncio.get_running_loop()
        for sock in self._listening:
            loop.remove_reader(sock.fileno())
            sock.close()
        self._listening = []


def make_server(app: tornado.web.Application, limit: int | None = None) -> BoundedServer:
    return BoundedServer(
        app,
        limit=limit or connection_limit(),
        idle_connection_timeout=IDLE_TIMEOUT_S,
        body_timeout=BODY_TIMEOUT_S,
        max_body_size=MAX_BODY_BYTES,
        max_header_size=MAX_HEADER_BYTES,
        max_buffer_size=2 * MAX_BODY_BYTES,
    )


async def serve(
    application: AnyApplication,
    *,
    url: str,
    path: str,
    listen: str,
    port: int,
    secret: str,
    allowed_updates: list[str],
    health: Callable[[], dict[str, Any]],
    post_init: Callable[[AnyApplication], Awaitable[None]] | None = None,
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
    quiet_repeats()
    async with application:
        await application.bot.set_webhook(
            url=url, secret_token=secret, allowed_updates=allowed_updates, max_connections=40
        )
        if post_init is not None:
            await post_init(application)
        server = make_server(webhook_app(path, application, secret, health))
        server.bind_and_serve(port, listen)
        await application.start()
        logger.info(
            "Webhook server listening on %s:%d%s (health: %s, at most %d connections)",
            listen,
            port,
            path,
            HEALTH_PATH,
            server.limit,
        )
        try:
            await stop.wait()
        finally:
            logger.info("Stopping: no new updates, finishing the ones accepted")
            server.stop()
            await server.close_all_connections()
            await application.stop()
