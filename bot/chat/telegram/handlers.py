"""Update handlers: small functions that ask the engine and send what render.py makes of it.

The Library and the access rules live in ``application.bot_data`` (set by app.py), never in
module globals, so tests can build as many applications as they like. Every engine call runs
in a worker thread: searching is CPU work and must not stall the other chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable
from html import escape

from telegram import (
    BotCommand,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.chat.telegram import render
from bot.chat.telegram.updatelog import note
from bot.chat.telegram.access import Access, addressed_text
from bot.chat.telegram.keyboards import (
    NOOP,
    AnswerPage,
    AnswerStore,
    TagsPage,
    answer_keyboard,
    parse_callback,
    tags_keyboard,
)
from bot.search.engine import Engine
from bot.search.library import BuildFailed, Library, RebuildInProgress

logger = logging.getLogger(__name__)

LIBRARY = "library"
ACCESS = "access"
ANSWERS = "answers"
REBUILDS = "rebuild_tasks"

TOP = 10
INLINE_TOP = 5
LIST_LIMIT = 10
TAGS_PER_PAGE = 25
TAGS_LIMIT = 250  # ten pages of the most used; the long tail is for /tag NAME

EXPIRED = "This answer has expired — ask again."
REFUSED = "Sorry, this bot is private to its team."
ADMIN_ONLY = "Sorry, {command} is for the bot's admins."
SOMETHING_WRONG = "Sorry, something went wrong. Please try again in a moment."

PUBLIC_COMMANDS = (
    BotCommand("help", "What I know and how to ask"),
    BotCommand("latest", "The newest incidents"),
    BotCommand("tags", "Most used tags"),
    BotCommand("tag", "Articles with a tag: /tag NAME"),
    BotCommand("sources", "Sources with counts and dates"),
    BotCommand("source", "Latest articles of a source: /source NAME"),
    BotCommand("start", "Say hello"),
)
ADMIN_COMMANDS = (
    BotCommand("reindex", "Rebuild the index from the seeds"),
    BotCommand("stats", "What the index in service holds"),
)


def _library(context: ContextTypes.DEFAULT_TYPE) -> Library:
    return context.bot_data[LIBRARY]


async def _engine(context: ContextTypes.DEFAULT_TYPE) -> Engine:
    """The engine in service, taken in a worker thread: taking it may load a newer build."""
    library = _library(context)
    return await asyncio.to_thread(lambda: library.engine)


def _access(context: ContextTypes.DEFAULT_TYPE) -> Access:
    return context.bot_data[ACCESS]


def _answers(context: ContextTypes.DEFAULT_TYPE) -> AnswerStore:
    return context.bot_data.setdefault(ANSWERS, AnswerStore())


def _user_id(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


async def _reply(update: Update, html: str, **kwargs: object) -> Message:
    return await update.effective_message.reply_html(html, **kwargs)


@contextlib.asynccontextmanager
async def _typing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> AsyncIterator[None]:
    """Show "typing…" now and every few seconds (it fades after 5 s) until the block ends."""
    chat_id = update.effective_chat.id

    async def keep_typing() -> None:
        while True:
            await asyncio.sleep(4.5)
            with contextlib.suppress(TelegramError):
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)

    with contextlib.suppress(TelegramError):
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _is_for_us(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A command to this bot, or text addressed to it (see :func:`addressed_text`)."""
    text = message.text or ""
    if text.startswith("/") and message.entities and message.entities[0].type == MessageEntity.BOT_COMMAND:
        command = text[1 : message.entities[0].length]
        _, _, target = command.partition("@")
        return not target or target.casefold() == context.bot.username.casefold()
    return addressed_text(message, context.bot.username, context.bot.id) is not None


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler: drops edits, refuses users outside a non-empty allowlist.

    Edited messages are ignored outright: an edit is not a new question, and an edit must
    never become a way to run an admin command.
    """
    if update.edited_message or update.edited_channel_post or update.channel_post:
        note(outcome="ignored")
        raise ApplicationHandlerStop
    chat_id = update.effective_chat.id if update.effective_chat else None
    if _access(context).is_allowed(_user_id(update), chat_id):
        return
    note(outcome="refused")
    if update.callback_query:
        await update.callback_query.answer(REFUSED)
    elif update.inline_query:
        await update.inline_query.answer([], cache_time=0, is_personal=True)
    elif update.message and _is_for_us(update.message, context):
        await update.message.reply_text(REFUSED)
    raise ApplicationHandlerStop


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start and /help: what the index holds and three questions it can answer."""
    engine = await _engine(context)
    examples = await asyncio.to_thread(engine.example_questions, 3)
    is_admin = _access(context).is_admin(_user_id(update))
    await _reply(update, render.render_help(engine.info, examples, is_admin))


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any text meant for the bot is a question: reply with the best passage and a pager."""
    message = update.effective_message
    question = addressed_text(message, context.bot.username, context.bot.id)
    if question is None:
        note(outcome="ignored")
        return
    if render.is_blank(question):
        await _reply(update, "Ask me about a security incident in plain words — /help shows examples.")
        return
    async with _typing(update, context):
        answer = await asyncio.to_thread((await _engine(context)).ask, question, TOP)
    note(hits=len(answer.hits))
    if not answer.hits:
        await _reply(update, render.render_nothing(question, answer.did_you_mean))
        return
    answer_id = _answers(context).put(answer)
    await _reply(
        update,
        render.render_answer_page(answer, 0),
        reply_markup=answer_keyboard(answer_id, 0, len(answer.hits)),
    )


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """◀ / ▶ presses: edit the message in place; stale or forged data gets a short notice."""
    query = update.callback_query
    if query.data == NOOP:
        await query.answer()
        return
    target = parse_callback(query.data)
    if isinstance(target, AnswerPage):
        answer = _answers(context).get(target.answer_id)
        if answer is None or target.page >= len(answer.hits):
            await query.answer(EXPIRED)
            return
        text = render.render_answer_page(answer, target.page)
        markup = answer_keyboard(target.answer_id, target.page, len(answer.hits))
    elif isinstance(target, TagsPage):
        counts = await asyncio.to_thread((await _engine(context)).tag_counts, TAGS_LIMIT)
        pages = render.page_count(len(counts), TAGS_PER_PAGE)
        if target.page >= pages:
            await query.answer(EXPIRED)
            return
        text = render.render_tags(counts, target.page, TAGS_PER_PAGE)
        markup = tags_keyboard(target.page, pages)
    else:
        await query.answer(EXPIRED)
        return
    await query.answer()
    if getattr(query.message, "reply_markup", None) == markup:
        return  # the page asked for is the one shown: editing would only earn a "not modified"
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as error:  # a double press lands on the page already shown
        if "not modified" not in str(error).lower():
            raise


ECHO_LIMIT = 80


def _echo(argument: str) -> str:
    """A user's argument quoted back: cut short (a 4,000-character argument must not make the
    reply too long for Telegram) and escaped."""
    return escape(render.snippet(argument, ECHO_LIMIT))


async def tags_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    counts = await asyncio.to_thread((await _engine(context)).tag_counts, TAGS_LIMIT)
    pages = render.page_count(len(counts), TAGS_PER_PAGE)
    await _reply(update, render.render_tags(counts, 0, TAGS_PER_PAGE), reply_markup=tags_keyboard(0, pages))


async def tag_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    name = " ".join(context.args or ())
    if not name:
        await _reply(update, "Which tag? For example <code>/tag ransomware</code>. /tags lists them.")
        return
    notes = await asyncio.to_thread((await _engine(context)).notes_with_tag, name, LIST_LIMIT)
    if not notes:
        await _reply(update, f"No articles are tagged <i>{_echo(name)}</i>. /tags lists the tags.")
        return
    await _reply(update, render.render_notes(f"Tagged {name}, newest first", notes))


async def sources_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    stats = await asyncio.to_thread((await _engine(context)).source_stats)
    await _reply(update, render.render_sources(stats))


async def source_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    name = " ".join(context.args or ())
    if not name:
        await _reply(update, "Which source? For example <code>/source zdnet</code>. /sources lists them.")
        return
    notes = await asyncio.to_thread((await _engine(context)).notes_from_source, name, LIST_LIMIT)
    if not notes:
        await _reply(update, f"No source matches <i>{_echo(name)}</i>. /sources lists them.")
        return
    await _reply(update, render.render_notes(f"Latest from {notes[0].source}", notes))


async def latest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    notes = await asyncio.to_thread((await _engine(context)).latest, LIST_LIMIT)
    await _reply(update, render.render_notes("Latest incidents", notes) if notes else "The index is empty.")


FORWARDED = "Forwarded commands are not run: send {command} yourself."


async def _refuse_non_admin(update: Update, context: ContextTypes.DEFAULT_TYPE, command: str) -> bool:
    """Admin commands run only for ADMIN_IDS, and never from a forwarded message (whoever wrote
    the original, the person forwarding it did not issue the command)."""
    message = update.effective_message
    if message is not None and message.forward_origin is not None:
        note(outcome="refused")
        await _reply(update, FORWARDED.format(command=command))
        return True
    if _access(context).is_admin(_user_id(update)):
        return False
    note(outcome="refused")
    await _reply(update, ADMIN_ONLY.format(command=command))
    return True


async def _in_daemon_thread(function: Callable[[], object]) -> object:
    """Run ``function`` in a daemon thread: unlike ``asyncio.to_thread``, a stopping process does
    not wait for it (a rebuild only swaps the index in at its very end, atomically)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def settle(result: object, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            result, error = function(), None
        except BaseException as exc:  # handed to the awaiting coroutine
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody is waiting
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="reindex", daemon=True).start()
    return await future


def cancel_rebuilds(application: Application) -> int:
    """Cancel the /reindex handlers waiting for a rebuild (at shutdown); returns how many."""
    tasks = [t for t in application.bot_data.get(REBUILDS, set()) if not t.done()]
    for task in tasks:
        task.cancel()
    return len(tasks)


async def reindex_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Rebuild in a worker thread; registered non-blocking so questions keep being answered."""
    if await _refuse_non_admin(update, context, "/reindex"):
        return
    library = _library(context)
    if library.rebuilding:
        await _reply(update, "A rebuild is already running; I will keep answering from the current index.")
        return
    await _reply(update, "Rebuilding the index from the seeds; I keep answering meanwhile.")
    task = asyncio.current_task()
    waiting = context.bot_data.setdefault(REBUILDS, set())
    waiting.add(task)
    try:
        report = await _in_daemon_thread(library.rebuild)
    except RebuildInProgress:
        await _reply(update, "A rebuild is already running; I will keep answering from the current index.")
        return
    except BuildFailed as error:
        await _reply(update, f"The rebuild failed, the old index stays in service: {escape(str(error))}")
        return
    finally:
        waiting.discard(task)
    await _reply(
        update,
        "Rebuilt and in service: "
        f"{report.notes} notes, {report.passages} passages, {len(report.skipped)} skipped files, "
        f"{report.seconds:.1f} s.",
    )


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _refuse_non_admin(update, context, "/stats"):
        return
    await _reply(update, render.render_stats((await _engine(context)).info, _library(context).rebuilding))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _reply(update, "I don't know that command. /help lists what I can do.")


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``@bot question`` in any chat: the top hits as articles that post the rendered answer."""
    query = update.inline_query
    if render.is_blank(query.query):
        await query.answer([], cache_time=5)
        return
    answer = await asyncio.to_thread((await _engine(context)).ask, query.query, INLINE_TOP)
    note(hits=len(answer.hits))
    results = [
        InlineQueryResultArticle(
            id=str(number),
            title=render.snippet(hit.note.title, 200),
            description=render.snippet(hit.passage),
            url=hit.note.link if hit.note.link.startswith(("http://", "https://")) else None,
            input_message_content=InputTextMessageContent(
                render.render_hit(hit, answer.did_you_mean), parse_mode=ParseMode.HTML
            ),
        )
        for number, hit in enumerate(answer.hits)
    ]
    await query.answer(results, cache_time=60)


def describe(update: object) -> str:
    """Update type, chat type and command of a failed update, for the log (never the token)."""
    if not isinstance(update, Update):
        return f"update={type(update).__name__}"
    kinds = ("message", "edited_message", "callback_query", "inline_query")
    kind = next((name for name in kinds if getattr(update, name)), "other")
    chat = update.effective_chat.type if update.effective_chat else "-"
    command = "-"
    message = update.effective_message
    if message and message.text and message.text.startswith("/"):
        command = message.text.split()[0][:64]
    elif update.callback_query and update.callback_query.data:
        command = f"button {update.callback_query.data[:16]}"
    return f"update={kind} id={update.update_id} chat={chat} command={command}"


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with context; tell the user something went wrong, and nothing about internals."""
    if update is None and isinstance(context.error, (NetworkError, TimedOut)):
        # getUpdates failed (5xx, a dropped connection, a timeout): PTB polls again with
        # backoff and no update is lost, so this is one line, not a traceback.
        logger.warning("Polling Telegram failed (%s); retrying with backoff", str(context.error)[:200])
        return
    note(outcome="error", error=type(context.error).__name__)
    logger.error("Handling failed (%s)", describe(update), exc_info=context.error)
    if not isinstance(update, Update):
        return
    with contextlib.suppress(TelegramError):
        if update.callback_query:
            await update.callback_query.answer(SOMETHING_WRONG)
        elif update.effective_message and update.effective_chat:
            await update.effective_message.reply_text(SOMETHING_WRONG)


def register(application: Application) -> None:
    """Wire every handler; the gate runs first (group -1) and may stop an update there."""
    application.add_handler(TypeHandler(Update, gate), group=-1)
    application.add_handler(CommandHandler(["start", "help"], help_command))
    application.add_handler(CommandHandler("tags", tags_command))
    application.add_handler(CommandHandler("tag", tag_command))
    application.add_handler(CommandHandler("sources", sources_command))
    application.add_handler(CommandHandler("source", source_command))
    application.add_handler(CommandHandler("latest", latest_command))
    application.add_handler(CommandHandler("reindex", reindex_command, block=False))
    application.add_handler(CommandHandler("stats", stats_command))
    application.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, ask))
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(InlineQueryHandler(inline_query))
    application.add_error_handler(on_error)
