"""Build the python-telegram-bot Application and run it by long polling.

``run_bot`` is what ``incident-bot run`` calls. Start-up failures a person can fix (no token,
a rejected token, Telegram unreachable, seeds that do not build) end with one line on stderr
and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import sys

import httpx
from telegram import Bot, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, Defaults
from telegram.request import HTTPXRequest

from bot.chat.telegram import handlers, redact
from bot.chat.telegram.access import Access
from bot.search.library import BuildFailed, Library
from bot.settings import Settings

logger = logging.getLogger(__name__)

EXIT_CONFIG = 2
EXIT_FAILED = 1
POLL_TIMEOUT = 10


def _request(pool_size: int) -> HTTPXRequest:
    """Bounded timeouts; failed connects are retried (safe: nothing was sent yet), while
    ``RetryAfter`` is retried by the rate limiter and polling errors by PTB's network loop."""
    limits = httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
    return HTTPXRequest(
        connection_pool_size=pool_size,
        connect_timeout=10.0,
        read_timeout=15.0,
        write_timeout=15.0,
        pool_timeout=5.0,
        httpx_kwargs={"transport": httpx.AsyncHTTPTransport(retries=2, limits=limits)},
    )


def build_application(settings: Settings, library: Library) -> Application:
    """The Application with handlers, rate limiting and the library in ``bot_data``."""
    application = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .request(_request(16))
        .get_updates_request(_request(1))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .defaults(
            # The answer already names the article; a preview card would repeat it. A question
            # deleted before the answer is sent still gets its answer.
            Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True), allow_sending_without_reply=True)
        )
        .post_init(_register_commands)
        .build()
    )
    application.bot_data[handlers.LIBRARY] = library
    application.bot_data[handlers.ACCESS] = Access(
        admins=settings.admin_ids, users=settings.allowed_user_ids, chats=settings.allowed_chat_ids
    )
    handlers.register(application)
    return application


async def _register_commands(application: Application) -> None:
    """Fill Telegram's command menu; admins also see the admin commands in their private chat."""
    await application.bot.set_my_commands(handlers.PUBLIC_COMMANDS)
    for admin in sorted(application.bot_data[handlers.ACCESS].admins):
        try:
            await application.bot.set_my_commands(
                handlers.PUBLIC_COMMANDS + handlers.ADMIN_COMMANDS, scope=BotCommandScopeChat(admin)
            )
        except TelegramError as error:  # an admin who never opened a chat with the bot
            logger.warning("Admin commands not shown to %s: %s", admin, error)


async def _check_token(settings: Settings) -> str:
    """Ask getMe once before the index is loaded, so a bad token fails fast and quietly."""
    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_base_url,
        request=_request(1),
    )
    async with bot:
        return bot.username


def _fail(message: str, token: str) -> None:
    print(f"incident-bot: {redact.redact(message, token)}", file=sys.stderr)


def run_bot(settings: Settings) -> int:
    """Serve Telegram by long polling until SIGINT/SIGTERM; return the process exit code."""
    if settings.telegram_bot_token is None:
        print(
            "incident-bot: TELEGRAM_BOT_TOKEN is not set; create a bot with @BotFather in Telegram "
            "and put its token in .env",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    token = settings.telegram_bot_token.get_secret_value()
    redact.install(token)
    try:
        username = asyncio.run(_check_token(settings))
    except InvalidToken:
        _fail("Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather", token)
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
    logger.info("Serving @%s: %d notes from %d sources", username, info.notes, info.sources)
    application = build_application(settings, library)
    try:
        application.run_polling(
            allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY],
            timeout=POLL_TIMEOUT,
            bootstrap_retries=0,
        )
    except InvalidToken:
        _fail("Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather", token)
        return EXIT_FAILED
    except TelegramError as error:
        _fail(f"stopped: {error}", token)
        return EXIT_FAILED
    return 0
