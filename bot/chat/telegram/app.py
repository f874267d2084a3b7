"""Build the python-telegram-bot Application and run it by long polling or by webhook.

``run_bot`` is what ``incident-bot run`` calls. Polling is the default; with ``WEBHOOK_URL`` set
the bot registers that URL with Telegram and serves it (see webhook.py). Start-up failures a
person can fix (no token, a rejected token, Telegram unreachable, seeds that do not build, a
webhook port in use) end with one line on stderr and a non-zero exit code, never a traceback.

Stopping (SIGTERM/SIGINT) finishes the updates already taken, but never waits for a /reindex
in progress: the index on disk is only ever swapped whole, so the unfinished build is dropped
and the index in service stays.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
from telegram import Bot, LinkPreviewOptions, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, Defaults
from telegram.request import HTTPXRequest

from bot.chat import health
from bot.chat.alerts import WatchRules
from bot.chat.telegram import commands, redact, render, webhook
from bot.chat.telegram.access import Access
from bot.chat.telegram.background import cancel_rebuilds, waiting_for_rebuild
from bot.chat.telegram.context import BotApplication, BotContext, BotData, context_types
from bot.chat.telegram.ordering import PerChatOrder
from bot.chat.telegram.refresh import Watcher
from bot.chat.telegram.resilience import HeartbeatRequest, RetryingRateLimiter
from bot.chat.telegram.updatelog import LoggingApplication
from bot.search.library import RELOAD_CHECK_S, BuildFailed, Library
from bot.settings import Settings
from bot.state.feedback import FeedbackStore
from bot.state.sqlite import StateError
from bot.state.watches import FILE as WATCHES_FILE
from bot.state.watches import WatchStore

logger = logging.getLogger(__name__)
TOKEN_REJECTED = "Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather"

EXIT_CONFIG = 2
EXIT_FAILED = 1
POLL_TIMEOUT = 10
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]


def _request(pool_size: int, cls: type[HTTPXRequest] = HTTPXRequest, **extra: Any) -> HTTPXRequest:
    """Bounded timeouts; failed connects are retried (safe: nothing was sent yet), while
    ``RetryAfter`` and 5xx answers are retried by the rate limiter (resilience.py) and polling
    errors by PTB's network loop."""
    limits = httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
    return cls(
        **extra,
        connection_pool_size=pool_size,
        connect_timeout=10.0,
        read_timeout=15.0,
        write_timeout=15.0,
        pool_timeout=5.0,
        httpx_kwargs={"transport": httpx.AsyncHTTPTransport(retries=2, limits=limits)},
    )


def build_application(settings: Settings, library: Library) -> LoggingApplication:
    """The Application with handlers, rate limiting, retries, the update log, and the library and
    access rules in its typed ``bot_data``. In polling mode every answer to getUpdates refreshes
    the heartbeat file."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    access = Access(admins=settings.admin_ids, users=settings.allowed_user_ids, chats=settings.allowed_chat_ids)
    watcher = Watcher(library, _watch_store(settings), WatchRules.of(settings))
    holder: list[BotApplication] = []

    def beat() -> None:
        if holder:
            _beat(holder[0], settings.heartbeat_path, "polling")

    heartbeat = _request(1, HeartbeatRequest, on_answer=beat)
    application = (
        Application.builder()
        .application_class(LoggingApplication)
        .context_types(context_types(library, access, commands.COMMANDS, watcher, _feedback_store(settings)))
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .request(_request(2 * settings.concurrent_updates + 2))
        .get_updates_request(heartbeat)
        .rate_limiter(
            RetryingRateLimiter(
                max_retries=3,
                overall_max_rate=settings.rate_limit_per_second,
                group_max_rate=settings.rate_limit_group_per_minute,
            )
        )
        .concurrent_updates(PerChatOrder(settings.concurrent_updates))
        .defaults(
            # The answer already names the article; a preview card would repeat it. A question
            # deleted before the answer is sent still gets its answer.
            Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True), allow_sending_without_reply=True)
        )
        .post_init(_register_commands)
        .build()
    )
    assert isinstance(application, LoggingApplication)
    application.log_questions = settings.log_questions
    commands.register(application)
    _schedule_refresh(application, settings.refresh_interval)
    holder.append(application)
    return application


def _feedback_store(settings: Settings) -> FeedbackStore | None:
    """The votes file in DATA_DIR (or INDEX_DIR); None, and no vote buttons, when it cannot be
    opened: a bot that cannot keep votes still answers."""
    try:
        return FeedbackStore.in_folder(settings.state_dir)
    except StateError as error:
        logger.warning("Votes are not kept and no 👍 / 👎 buttons are shown: %s", error)
        return None


def _watch_store(settings: Settings) -> WatchStore | None:
    """The watches file in DATA_DIR (or INDEX_DIR); None when it cannot be opened: the bot still
    answers and refreshes its index, and /watch says why it cannot keep watches."""
    try:
        return WatchStore(settings.state_dir / WATCHES_FILE)
    except StateError as error:
        logger.warning("Watches are not kept (/watch says so): %s", error)
        return None


def _schedule_refresh(application: BotApplication, interval: float) -> None:
    """The refresh runs at start (what the build made at start matched is sent) and then every
    ``interval`` seconds; with 0, only at start (and after each /reindex). Whatever the interval,
    a build another process put in service is loaded within ``RELOAD_CHECK_S`` seconds."""
    queue = application.job_queue
    if queue is None:  # pragma: no cover - python-telegram-bot[job-queue] is a dependency
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    queue.run_repeating(_reload_job, interval=RELOAD_CHECK_S, first=RELOAD_CHECK_S, name="reload")
    if interval > 0:
        # A second instance may start while a long rebuild runs; it returns at once (one refresh at a time).
        queue.run_repeating(_refresh_job, interval=interval, first=0, name="refresh", job_kwargs={"max_instances": 2})
    else:
        queue.run_once(_refresh_job, when=0, name="refresh")


async def _reload_job(context: BotContext) -> None:
    """Serve a build another process (``incident-bot index build`` from cron) put in service."""
    await asyncio.to_thread(context.bot_data.library.reload_if_changed)


async def _refresh_job(context: BotContext) -> None:
    """One refresh; shutdown cancels it while it waits for a rebuild, like a /reindex."""
    with waiting_for_rebuild(context.bot_data):
        await context.bot_data.watcher.refresh(context.bot)


def _beat(application: BotApplication, path: Path, mode: str) -> None:
    health.write_heartbeat(path, _health(application, mode))


def _health(application: BotApplication, mode: str) -> dict[str, Any]:
    """The health JSON, with the load: asyncio tasks, updates queued, in work, most in work."""
    return health.snapshot(
        _bot_data(application).library,
        mode,
        tasks=len(asyncio.all_tasks()),
        queued=application.update_queue.qsize(),
        in_flight=getattr(application, "in_flight", 0),
        peak_in_flight=getattr(application, "peak_in_flight", 0),
        refresh=_bot_data(application).watcher.status.as_dict(),
    )


def _on_stop_signal(application: BotApplication) -> None:
    """Stop without waiting for a /reindex: its worker thread is a daemon, the swap is atomic."""
    if cancel_rebuilds(_bot_data(application)):
        logger.info("Stopping during a rebuild: the index in service stays, the unfinished build is dropped")
    application.stop_running()


async def _polling_post_init(application: BotApplication, settings: Settings) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _on_stop_signal, application)
    await _register_commands(application)
    try:
        _beat(application, settings.heartbeat_path, "polling")
    except OSError as error:
        logger.warning("Cannot write the heartbeat %s: %s", settings.heartbeat_path, error)


async def _register_commands(application: BotApplication) -> None:
    """Fill Telegram's command menus from the command table (commands.py), and the bot's
    description (shown before a user's first message) and short description (its profile)."""
    bot_data = _bot_data(application)
    await commands.set_menus(application, sorted(bot_data.access.admins), bot_data.commands)
    info = bot_data.library.engine.info
    try:
        await application.bot.set_my_description(render.render_description(info))
        await application.bot.set_my_short_description(render.render_short_description(info))
    except TelegramError as error:  # not worth failing the start for
        logger.warning("The bot's description was not set: %s", error)


def _bot_data(application: BotApplication) -> BotData:
    bot_data = application.bot_data
    assert isinstance(bot_data, BotData)
    return bot_data


async def _check_token(settings: Settings, token: str) -> str:
    """Ask getMe once before the index is loaded, so a bad token fails fast and quietly."""
    bot = Bot(
        token,
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_base_url,
        request=_request(1),
    )
    async with bot:
        return bot.username


def _fail(message: str, token: str) -> None:
    print(f"incident-bot: {redact.redact(message, token)}", file=sys.stderr)


def run_bot(settings: Settings) -> int:
    """Serve Telegram by long polling, or by webhook when WEBHOOK_URL is set, until SIGINT or
    SIGTERM; return the process exit code."""
    if settings.telegram_bot_token is None:
        print(
            "incident-bot: TELEGRAM_BOT_TOKEN is not set; create a bot with @BotFather in Telegram "
            "and put its token in .env",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    if settings.webhook_url and settings.webhook_secret is None:
        print(
            "incident-bot: WEBHOOK_URL is set but WEBHOOK_SECRET is not; without it anyone who finds "
            "the URL can post updates (set 1-256 characters of A-Z a-z 0-9 _ -)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    if settings.webhook_url and settings.webhook_path == health.HEALTH_PATH:
        print(f"incident-bot: WEBHOOK_URL must not end in {health.HEALTH_PATH}", file=sys.stderr)
        return EXIT_CONFIG
    token = settings.telegram_bot_token.get_secret_value()
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    redact.install(token, level, settings.log_questions)
    try:
        username = asyncio.run(_check_token(settings, token))
    except InvalidToken:
        _fail(TOKEN_REJECTED, token)
        return EXIT_FAILED
    except TelegramError as error:
        _fail(f"cannot reach the Bot API at {settings.telegram_api_base_url}: {error}", token)
        return EXIT_FAILED
    library = Library(settings.seeds_dir, settings.index_dir)
    try:
        info = library.open().info  # builds the index from the seeds first when there is none
    except (BuildFailed, OSError) as error:
        _fail(f"cannot build the index from {settings.seeds_dir}: {error}", token)
        return EXIT_FAILED
    mode = "webhook" if settings.webhook_url else "polling"
    logger.info("Serving @%s by %s: %d notes from %d sources", username, mode, info.notes, info.sources)
    application = build_application(settings, library)
    try:
        if settings.webhook_url:
            assert settings.webhook_secret is not None  # refused at the top without one
            asyncio.run(
                webhook.serve(
                    application,
                    url=settings.webhook_url,
                    path=settings.webhook_path,
                    listen=settings.webhook_listen,
                    port=settings.webhook_port,
                    secret=settings.webhook_secret.get_secret_value(),
                    allowed_updates=ALLOWED_UPDATES,
                    health=lambda: _health(application, "webhook"),
                    post_init=_register_commands,
                    on_signal=lambda: _on_stop_signal_webhook(application),
                )
            )
        else:
            application.post_init = lambda app: _polling_post_init(app, settings)
            application.run_polling(allowed_updates=ALLOWED_UPDATES, timeout=POLL_TIMEOUT, bootstrap_retries=3)
    except InvalidToken:
        _fail(TOKEN_REJECTED, token)
        return EXIT_FAILED
    except TelegramError as error:
        _fail(f"stopped: {error}", token)
        return EXIT_FAILED
    except OSError as error:  # the webhook port is taken or not ours to bind
        _fail(f"cannot serve the webhook on {settings.webhook_listen}:{settings.webhook_port}: {error}", token)
        return EXIT_FAILED
    finally:
        if not settings.webhook_url:
            health.remove_heartbeat(settings.heartbeat_path, os.getpid())
    logger.info("Stopped cleanly")
    return 0


def _on_stop_signal_webhook(application: BotApplication) -> None:
    if cancel_rebuilds(_bot_data(application)):
        logger.info("Stopping during a rebuild: the index in service stays, the unfinished build is dropped")
