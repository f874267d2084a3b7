"""Update handlers: small functions that ask the engine and send what render.py makes of it.

Each takes ``(update, context)`` with the typed :class:`~bot.chat.telegram.context.BotData` in
``context.bot_data`` (no module globals, so tests can build as many applications as they like);
which update reaches which handler is decided in commands.py. Every engine call runs in a worker
thread: searching is CPU work and must not stall the other chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from html import escape
from typing import TypeVar

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ApplicationHandlerStop

from bot.chat import text as plain
from bot.chat.asking import ask_in_chat
from bot.chat.telegram import render
from bot.chat.telegram.access import addressed_text
from bot.chat.telegram.background import in_daemon_thread, typing, waiting_for_rebuild
from bot.chat.telegram.context import BotContext
from bot.chat.telegram.keyboards import (
    AnswerPage,
    Listing,
    ListItem,
    ListPage,
    OtherReports,
    TagOpen,
    TagsPage,
    answer_keyboard,
    back_keyboard,
    list_keyboard,
    parse_callback,
    tag_choice_keyboard,
    tags_keyboard,
    vote_key,
)
from bot.chat.telegram.links import parse_start, tag_link
from bot.chat.telegram.updatelog import describe, note
from bot.chat.text import ANSWER_PAGES
from bot.search.buildlock import RebuildInProgress
from bot.search.catalog import TagEntry, TagMatch
from bot.search.engine import Engine
from bot.search.library import BuildFailed
from bot.search.results import Answer, Hit, Outcome

logger = logging.getLogger(__name__)
T = TypeVar("T")

TOP = ANSWER_PAGES  # the same 10 passages per question as the terminal chat
INLINE_TOTAL = 50  # Telegram shows at most 50 results for one inline query
INLINE_PAGE = 10
LIST_PER_PAGE = 10
TAGS_PER_PAGE = 25
TAGS_LIMIT = 250  # ten pages of the most used; the long tail is for /tag NAME
ECHO_LIMIT = 80

EXPIRED = "This answer has expired — ask again."
REFUSED = "Sorry, this bot is private to its team."
ADMIN_ONLY = "Sorry, {command} is for the bot's admins."
FORWARDED = "Forwarded commands are not run: send {command} yourself."
SOMETHING_WRONG = "Sorry, something went wrong. Please try again in a moment."
REBUILD_RUNNING = "A rebuild is already running; I will keep answering from the current index."
BLANK_QUESTION = "Ask me about a security incident in plain words — /help shows examples."
CANNOT_READ = (
    "I read text only: ask me about a security incident in words (a photo or a file with the question "
    "as its caption works too). /help shows examples."
)


async def _engine(context: BotContext) -> Engine:
    """The engine in service (a newer build is loaded by the reload job, not here)."""
    return context.bot_data.library.engine


def _user_id(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


def _message(update: Update) -> Message:
    """The message a message or command handler was called for (its filters make sure there is one)."""
    message = update.effective_message
    assert message is not None
    return message


def _query(update: Update) -> CallbackQuery:
    """The button press a button handler was called for."""
    assert update.callback_query is not None
    return update.callback_query


async def _reply(update: Update, html: str, reply_markup: InlineKeyboardMarkup | None = None) -> Message:
    return await _message(update).reply_html(html, reply_markup=reply_markup)


def _echo(argument: str) -> str:
    """A user's argument quoted back: cut short (a 4,000-character argument must not make the
    reply too long for Telegram) and escaped."""
    return escape(render.snippet(argument, ECHO_LIMIT))


def _is_for_us(message: Message, context: BotContext) -> bool:
    """A command to this bot, or text addressed to it (see :func:`addressed_text`)."""
    text = message.text or ""
    if text.startswith("/") and message.entities and message.entities[0].type == MessageEntity.BOT_COMMAND:
        command = text[1 : message.entities[0].length]
        _, _, target = command.partition("@")
        return not target or target.casefold() == context.bot.username.casefold()
    return addressed_text(message, context.bot.username, context.bot.id) is not None


async def gate(update: Update, context: BotContext) -> None:
    """Runs before every handler: drops channel posts and edited commands, refuses users outside a
    non-empty allowlist.

    An edited question is answered again, but an edited command is ignored: an edit must never
    become a way to run a command (an admin one least of all) a second time.
    """
    edited = update.edited_message
    if update.edited_channel_post or update.channel_post or (edited and (edited.text or "").startswith("/")):
        note(outcome="ignored")
        raise ApplicationHandlerStop
    chat_id = update.effective_chat.id if update.effective_chat else None
    if context.bot_data.access.is_allowed(_user_id(update), chat_id):
        return
    note(outcome="refused")
    if update.callback_query:
        await update.callback_query.answer(REFUSED)
    elif update.inline_query:
        await update.inline_query.answer([], cache_time=0, is_personal=True)
    elif update.message and _is_for_us(update.message, context):
        await update.message.reply_text(REFUSED)
    raise ApplicationHandlerStop


async def refuse_non_admin(update: Update, context: BotContext, command: str) -> bool:
    """Admin commands run only for ADMIN_IDS, and never from a forwarded message (whoever wrote
    the original, the person forwarding it did not issue the command). True if refused."""
    message = update.effective_message
    if message is not None and message.forward_origin is not None:
        note(outcome="refused")
        await _reply(update, FORWARDED.format(command=command))
        return True
    if context.bot_data.access.is_admin(_user_id(update)):
        return False
    note(outcome="refused")
    await _reply(update, ADMIN_ONLY.format(command=command))
    return True


# --- commands (named, described and wired in commands.py) -----------------------------------


async def help_command(update: Update, context: BotContext) -> None:
    """/help (and /start without a deep link): what the index holds, three questions it can
    answer, the commands."""
    engine = await _engine(context)
    examples = await asyncio.to_thread(engine.example_questions, 3)
    is_admin = context.bot_data.access.is_admin(_user_id(update))
    commands = [(c.usage, c.description) for c in context.bot_data.commands if c.menu and (is_admin or not c.admin)]
    await _reply(update, render.render_help(engine.info, examples, commands))


async def start_command(update: Update, context: BotContext) -> None:
    """/start: hello and help, or what a deep link asks for (a tag's or a source's articles, a question)."""
    link = parse_start(" ".join(context.args or ()))
    if link is None:
        await help_command(update, context)
    elif link.kind == "tag":
        engine = await _engine(context)
        slugged = engine.tags.by_slug(link.value.replace(" ", "_"))
        match = TagMatch(slugged) if slugged else await asyncio.to_thread(engine.tags.find, link.value)
        await _tag_reply(update, context, engine, match, link.value)
    elif link.kind == "source":
        await _source_reply(update, context, link.value)
    else:
        text, markup, _ = await _answer(update, context, link.value)
        await _reply(update, text, reply_markup=markup)


async def tags_command(update: Update, context: BotContext) -> None:
    """/tags: the most used tags, each a link to its articles, paged."""
    entries = (await _engine(context)).tags.entries[:TAGS_LIMIT]
    pages = render.page_count(len(entries), TAGS_PER_PAGE)
    text = render.render_tags(entries, 0, TAGS_PER_PAGE, _tag_link(context))
    await _reply(update, text, reply_markup=tags_keyboard(0, pages))


def _tag_link(context: BotContext) -> Callable[[TagEntry], str]:
    username = context.bot.username
    return lambda entry: tag_link(username, entry.slug)


async def tag_command(update: Update, context: BotContext) -> None:
    """/tag NAME: that tag's articles; by part of its name or a close spelling, a choice of tags."""
    name = " ".join(context.args or ())
    if not name:
        await _reply(update, "Which tag? For example <code>/tag ransomware</code>. /tags lists them.")
        return
    engine = await _engine(context)
    await _tag_reply(update, context, engine, await asyncio.to_thread(engine.tags.find, name), name)


async def _tag_reply(update: Update, context: BotContext, engine: Engine, match: TagMatch, name: str) -> None:
    if match.tag is not None:
        await _show_list(update, context, _tag_listing(engine, match.tag))
    elif match.candidates:
        choices = [(f"{render.snippet(e.name, 40)} — {e.count}", e.slug) for e in match.candidates]
        await _reply(update, f"Which tag do you mean by <i>{_echo(name)}</i>?", tag_choice_keyboard(choices))
    else:
        await _reply(update, f"No articles are tagged <i>{_echo(name)}</i>. /tags lists the tags.")


def _tag_listing(engine: Engine, entry: TagEntry) -> Listing:
    return Listing(f"Tagged {entry.name}", tuple(engine.notes_tagged(entry)), topic=entry.name)


async def sources_command(update: Update, context: BotContext) -> None:
    stats = await asyncio.to_thread((await _engine(context)).source_stats)
    await _reply(update, render.render_sources(stats))


async def source_command(update: Update, context: BotContext) -> None:
    """/source NAME: the articles of the source NAME begins, newest first."""
    name = " ".join(context.args or ())
    if not name:
        await _reply(update, "Which source? For example <code>/source zdnet</code>. /sources lists them.")
        return
    await _source_reply(update, context, name)


async def _source_reply(update: Update, context: BotContext, name: str) -> None:
    notes = await asyncio.to_thread((await _engine(context)).notes_from_source, name, None)
    if not notes:
        await _reply(update, f"No source matches <i>{_echo(name)}</i>. /sources lists them.")
        return
    await _show_list(update, context, Listing(f"From {notes[0].source}", tuple(notes)))


async def latest_command(update: Update, context: BotContext) -> None:
    notes = await asyncio.to_thread((await _engine(context)).latest, None)
    if not notes:
        await _reply(update, "The index is empty.")
        return
    await _show_list(update, context, Listing("Latest incidents", tuple(notes)))


async def _show_list(update: Update, context: BotContext, listing: Listing) -> None:
    """Send the first page of ``listing`` (or, for a button press, edit its message into it)."""
    list_id = context.bot_data.lists.put(listing)
    text, markup = _list_page(list_id, listing, 0)
    if update.callback_query is not None:
        await _show(update, text, markup)
    else:
        await _reply(update, text, reply_markup=markup)


def _list_page(list_id: str, listing: Listing, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    pages = render.page_count(len(listing.notes), LIST_PER_PAGE)
    first = page * LIST_PER_PAGE
    items = range(first, min(first + LIST_PER_PAGE, len(listing.notes)))
    return render.render_list(listing, page, LIST_PER_PAGE), list_keyboard(list_id, page, pages, items)


async def reindex_command(update: Update, context: BotContext) -> None:
    """Rebuild in a daemon thread; registered non-blocking so questions keep being answered."""
    library = context.bot_data.library
    if library.rebuilding or context.bot_data.rebuilds:
        await _reply(update, REBUILD_RUNNING)
        return
    with waiting_for_rebuild(context.bot_data):  # before the first await: a second /reindex sees it
        await _reply(update, "Rebuilding the index from the seeds; I keep answering meanwhile.")
        try:
            report = await in_daemon_thread(library.rebuild)
        except RebuildInProgress:
            await _reply(update, REBUILD_RUNNING)
            return
        except BuildFailed as error:
            await _reply(update, f"The rebuild failed, the old index stays in service: {escape(str(error))}")
            return
    await _reply(
        update,
        "Rebuilt and in service: "
        f"{report.notes} notes, {report.passages} passages, {len(report.skipped)} skipped files, "
        f"{report.seconds:.1f} s.",
    )
    await context.bot_data.watcher.after_build(context.bot)  # tell the watches of its new notes


async def stats_command(update: Update, context: BotContext) -> None:
    engine = await _engine(context)
    watch_store = context.bot_data.watcher.store
    watches = await asyncio.to_thread(watch_store.stats) if watch_store is not None else None
    store = context.bot_data.feedback
    votes = await asyncio.to_thread(store.counts) if store is not None else None
    await _reply(update, render.render_stats(engine.info, context.bot_data.library.rebuilding, watches, votes))


async def unknown_command(update: Update, context: BotContext) -> None:
    await _reply(update, "I don't know that command. /help lists what I can do.")


# --- messages and inline queries ----------------------------------------------------------


async def _answer(
    update: Update, context: BotContext, question: str
) -> tuple[str, InlineKeyboardMarkup | None, Answer | None]:
    """The reply to ``question`` in its chat's conversation (a follow-up leans on the last answer,
    a reply to one of our answers on that one's story): the first answer page and pager, or the
    reply that is no search result (smalltalk, filters alone, nothing found)."""
    if render.is_blank(question):
        return BLANK_QUESTION, None, None
    message = _message(update)
    conversation = context.bot_data.conversations.get(message.chat_id)
    replied = message.reply_to_message
    ours = replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id
    replying_to = replied.message_id if ours and replied is not None else None
    engine = await _engine(context)
    async with typing(context.bot, message.chat_id):
        answer = await asyncio.to_thread(ask_in_chat, engine, question, TOP, conversation, replying_to)
        if answer.hits:
            answer = await asyncio.to_thread(engine.with_reports, answer, 0)
    note(hits=len(answer.hits))
    if answer.outcome is Outcome.LISTING and answer.notes:  # filters alone: every article they keep, paged
        notes = await asyncio.to_thread(engine.matching_notes, engine.parse(question), None)
        listing = Listing(f"Matching {question.strip()}", tuple(notes), lead=tuple(plain.problem_lines(answer)))
        list_id = context.bot_data.lists.put(listing)
        return (*_list_page(list_id, listing, 0), answer)
    reply = render.render_reply(answer, await asyncio.to_thread(engine.example_questions, 3))
    if reply is not None:
        return reply, None, answer
    answer_id = context.bot_data.answers.put(answer)
    text = render.render_answer_page(answer, 0, _hit_tags(context, engine, answer.hits[0]))
    return text, answer_markup(context, answer_id, answer, 0), answer


TAGS_UNDER_ANSWER = 5


def _hit_tags(context: BotContext, engine: Engine, hit: Hit) -> list[tuple[str, str]]:
    """The tags of a hit's note as (name, deep link), most used first: tapping one opens its articles."""
    entries = {e.key: e for tag in hit.note.tags if (e := engine.tags.entry(tag.name)) is not None}
    ranked = sorted(entries.values(), key=lambda e: (-e.count, e.key))[:TAGS_UNDER_ANSWER]
    link = _tag_link(context)
    return [(entry.name, link(entry)) for entry in ranked]


def answer_markup(
    context: BotContext, answer_id: str, answer: Answer, page: int, voted: int | None = None
) -> InlineKeyboardMarkup | None:
    """The buttons under page ``page`` of an answer: ◀ ▶, "Other reports (N)", 👍 👎."""
    reports = len(answer.hits[page].reports or ())
    votes = context.bot_data.feedback is not None
    return answer_keyboard(answer_id, page, len(answer.hits), votes=votes, voted=voted, reports=reports)


async def ask(update: Update, context: BotContext) -> None:
    """Any text meant for the bot is a question (a photo's or a file's caption too): reply with
    the best passage and a pager, and remember which reply answers which message (and which
    answer it showed, for replies to it)."""
    message = _message(update)
    question = addressed_text(message, context.bot.username, context.bot.id)
    if question is None:
        note(outcome="ignored")
        return
    text, markup, answer = await _answer(update, context, question)
    sent = await _reply(update, text, reply_markup=markup)
    context.bot_data.replies.remember((message.chat_id, message.message_id), sent.message_id)
    if answer is not None:
        context.bot_data.conversations.get(message.chat_id).remember(sent.message_id, answer)


async def edited_question(update: Update, context: BotContext) -> None:
    """An edited question is answered again, in the reply the bot gave to it (a new reply when
    that one is no longer remembered). Edited commands never reach here (see :func:`gate`)."""
    message = _message(update)
    question = addressed_text(message, context.bot.username, context.bot.id)
    if question is None:
        note(outcome="ignored")
        return
    key = (message.chat_id, message.message_id)
    earlier = context.bot_data.replies.get(key)
    text, markup, _ = await _answer(update, context, question)
    if earlier is None:
        sent = await _reply(update, text, reply_markup=markup)
        context.bot_data.replies.remember(key, sent.message_id)
        return
    try:
        await context.bot.edit_message_text(
            text, chat_id=message.chat_id, message_id=earlier, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    except BadRequest as error:  # the same answer as before, or a reply deleted meanwhile
        if "not modified" in str(error).lower():
            return
        if "not found" not in str(error).lower():
            raise
        sent = await _reply(update, text, reply_markup=markup)
        context.bot_data.replies.remember(key, sent.message_id)


async def other_message(update: Update, context: BotContext) -> None:
    """Stickers, voice, a photo or a file without a caption, and the rest: one line on what works."""
    if addressed_text(_message(update), context.bot.username, context.bot.id) is None:
        note(outcome="ignored")  # group chatter that is not for the bot
        return
    await _reply(update, CANNOT_READ)


async def inline_query(update: Update, context: BotContext) -> None:
    """``@bot question`` in any chat: up to 50 answers, ten at a time (Telegram asks for the next
    ten with ``offset`` as the user scrolls); with no question yet, the latest articles; with no
    match, one result saying so. Only the result the user picks is ever posted."""
    query = update.inline_query
    assert query is not None
    start = int(query.offset) if query.offset.isdigit() and int(query.offset) < INLINE_TOTAL else 0
    engine = await _engine(context)
    hits = await asyncio.to_thread(_inline_hits, engine, query.query, start + INLINE_PAGE)
    note(hits=len(hits))
    if not hits and start == 0:
        await query.answer([_nothing_result(query.query)], cache_time=60)
        return
    page = hits[start : start + INLINE_PAGE]
    results = [_hit_result(str(start + number), hit) for number, hit in enumerate(page)]
    more = len(hits) > start + INLINE_PAGE and start + INLINE_PAGE < INLINE_TOTAL
    await query.answer(results, cache_time=60, next_offset=str(start + INLINE_PAGE) if more else None)


def _inline_hits(engine: Engine, text: str, wanted: int) -> list[Hit]:
    """The hits for an inline query: the answers to ``text``, or the ``wanted`` latest articles'
    first paragraphs while nothing is typed yet (a few more than wanted, to tell if there are more)."""
    if render.is_blank(text):
        notes = engine.latest(min(wanted + 1, INLINE_TOTAL))
        return [hit for hit in map(engine.best_passage, notes) if hit is not None]
    answer = engine.ask(text, INLINE_TOTAL)
    if answer.outcome is Outcome.LISTING:
        notes = engine.matching_notes(engine.parse(text), min(wanted + 1, INLINE_TOTAL))
        return [hit for hit in map(engine.best_passage, notes) if hit is not None]
    return list(engine.fold_copies(answer).hits) if answer.hits else []


def _hit_result(result_id: str, hit: Hit) -> InlineQueryResultArticle:
    """One inline result: the title and the passage's start to choose by; posts the rendered hit."""
    return InlineQueryResultArticle(
        id=result_id,
        title=render.snippet(hit.note.title, 200),
        description=render.snippet(hit.passage),
        url=hit.note.link if hit.note.link.startswith(("http://", "https://")) else None,
        input_message_content=InputTextMessageContent(render.render_hit(hit), parse_mode=ParseMode.HTML),
    )


def _nothing_result(text: str) -> InlineQueryResultArticle:
    """The one result for an inline query nothing in the notes answers."""
    return InlineQueryResultArticle(
        id="nothing",
        title="Nothing in the notes matches",
        description="Try other words, or a tag:, source: or after: filter.",
        input_message_content=InputTextMessageContent(render.render_nothing(text), parse_mode=ParseMode.HTML),
    )


# --- buttons (which callback data reaches which is in commands.BUTTONS) ---------------------


async def _show(update: Update, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Answer the press and edit its message in place to ``text`` and ``markup``."""
    query = _query(update)
    await query.answer()
    if getattr(query.message, "reply_markup", None) == markup:
        return  # the page asked for is the one shown: editing would only earn a "not modified"
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as error:  # a double press lands on the page already shown
        if "not modified" not in str(error).lower():
            raise


def _target(update: Update, kind: type[T]) -> T:
    """What the pressed button asks for (commands.BUTTONS routes only presses of ``kind`` here)."""
    target = parse_callback(_query(update).data)
    assert isinstance(target, kind)
    return target


async def _expired(update: Update) -> None:
    await _query(update).answer(EXPIRED)


async def answer_page_pressed(update: Update, context: BotContext) -> None:
    """◀ / ▶ under an answer: that page of the answer, or a notice once the answer is forgotten."""
    target = _target(update, AnswerPage)
    answer = context.bot_data.answers.get(target.answer_id)
    if answer is None or target.page >= len(answer.hits):
        return await _expired(update)
    engine = await _engine(context)
    answer = await asyncio.to_thread(engine.with_reports, answer, target.page)
    context.bot_data.answers.remember(target.answer_id, answer)
    store = context.bot_data.feedback
    key = vote_key(target.answer_id, target.page)
    voted = await asyncio.to_thread(store.vote_on, key) if store is not None else None  # ✓ on a page revisited
    markup = answer_markup(context, target.answer_id, answer, target.page, voted)
    text = render.render_answer_page(answer, target.page, _hit_tags(context, engine, answer.hits[target.page]))
    await _show(update, text, markup)


async def other_reports_pressed(update: Update, context: BotContext) -> None:
    """ "Other reports (N)" under an answer page: the story's other notes as a list, sent below."""
    target = _target(update, OtherReports)
    answer = context.bot_data.answers.get(target.answer_id)
    if answer is None or target.page >= len(answer.hits) or not answer.hits[target.page].reports:
        return await _expired(update)
    hit = answer.hits[target.page]
    await _query(update).answer()
    listing = Listing(f"Other reports of: {hit.note.title}", tuple(hit.reports or ()), topic=answer.question)
    list_id = context.bot_data.lists.put(listing)
    text, markup = _list_page(list_id, listing, 0)
    await _message(update).reply_html(text, reply_markup=markup)


async def tags_page_pressed(update: Update, context: BotContext) -> None:
    """◀ / ▶ under /tags."""
    target = _target(update, TagsPage)
    entries = (await _engine(context)).tags.entries[:TAGS_LIMIT]
    pages = render.page_count(len(entries), TAGS_PER_PAGE)
    if target.page >= pages:
        return await _expired(update)
    text = render.render_tags(entries, target.page, TAGS_PER_PAGE, _tag_link(context))
    await _show(update, text, tags_keyboard(target.page, pages))


async def tag_chosen(update: Update, context: BotContext) -> None:
    """A tag picked from "which tag do you mean?": its articles, in the same message."""
    target = _target(update, TagOpen)
    engine = await _engine(context)
    entry = engine.tags.by_slug(target.slug)
    if entry is None:
        return await _expired(update)
    await _show_list(update, context, _tag_listing(engine, entry))


async def list_page_pressed(update: Update, context: BotContext) -> None:
    """◀ / ▶ under a list of articles, and "Back to the list" under one of them."""
    target = _target(update, ListPage)
    listing = context.bot_data.lists.get(target.list_id)
    if listing is None or target.page >= render.page_count(len(listing.notes), LIST_PER_PAGE):
        return await _expired(update)
    await _show(update, *_list_page(target.list_id, listing, target.page))


async def list_item_pressed(update: Update, context: BotContext) -> None:
    """A number under a list: that article's best paragraph for the list's topic, in place."""
    target = _target(update, ListItem)
    listing = context.bot_data.lists.get(target.list_id)
    if listing is None or target.item >= len(listing.notes):
        return await _expired(update)
    engine = await _engine(context)
    hit = await asyncio.to_thread(engine.best_passage, listing.notes[target.item], listing.topic)
    if hit is None:
        await _query(update).answer("This article is no longer in the index.")
        return
    await _show(update, render.render_hit(hit), back_keyboard(target.list_id, target.item // LIST_PER_PAGE))


async def noop_pressed(update: Update, context: BotContext) -> None:
    """The "n/N" label between ◀ and ▶: nothing to do but stop the spinner."""
    await _query(update).answer()


async def stale_pressed(update: Update, context: BotContext) -> None:
    """Callback data this bot does not (or no longer) make: a short notice, nothing else."""
    await _query(update).answer(EXPIRED)


# --- errors ---------------------------------------------------------------------------------


def _failed(update: object) -> str:
    """``updatelog.describe``'s fields as ``key=value``, plus the start of a button's data (escaped:
    a forged button must not start a log line of its own), for the line of a failed update."""
    fields = {"update": (record := describe(update)).pop("type")} | record
    if isinstance(update, Update) and update.callback_query and update.callback_query.data:
        fields["button"] = _printable(update.callback_query.data[:16])
    return " ".join(f"{key}={value}" for key, value in fields.items())


def _printable(text: str) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``), so that what a
    user sent can never start a line of its own in the log."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


async def on_error(update: object, context: BotContext) -> None:
    """Log with context; tell the user something went wrong, and nothing about internals."""
    if update is None and isinstance(context.error, (NetworkError, TimedOut)):
        # getUpdates failed (5xx, a dropped connection, a timeout): PTB polls again with
        # backoff and no update is lost, so this is one line, not a traceback.
        logger.warning("Polling Telegram failed (%s); retrying with backoff", str(context.error)[:200])
        return
    note(outcome="error", error=type(context.error).__name__)
    logger.error("Handling failed (%s)", _failed(update), exc_info=context.error)
    if not isinstance(update, Update):
        return
    with contextlib.suppress(TelegramError):
        if update.callback_query:
            await update.callback_query.answer(SOMETHING_WRONG)
        elif update.effective_message and update.effective_chat:
            await update.effective_message.reply_text(SOMETHING_WRONG)
