"""/watch, /watches, /unwatch and the ✕ buttons: a chat's standing questions.

A watch belongs to the chat it was made in (in a group, the group's). Saving one first reads it
against the index in service, as ``incident-bot watch test`` does: a watch that would match a
large share of the notes already there is refused with a hint, since it would flood the chat.
Which notes reach a chat is decided in refresh.py and bot/chat/alerts.py.
"""

from __future__ import annotations

import asyncio
from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.chat.telegram import render
from bot.chat.telegram.context import BotContext
from bot.chat.telegram.handlers import _query, _reply  # the handlers' own accessors
from bot.chat.telegram.keyboards import Unwatch, parse_callback, watches_keyboard
from bot.search.query import parse_query
from bot.search.watching import Breadth, is_watchable, matches, too_broad
from bot.state.watches import Watch, WatchLimit, WatchStore

ECHO = 80
LABEL = 40
EXAMPLES = '<code>/watch ransomware tag:healthcare</code> or <code>/watch "Fortinet"</code>'


def _text(context: BotContext) -> str:
    return " ".join(context.args or ())


def _echo(text: str, limit: int = ECHO) -> str:
    return escape(render.snippet(text, limit))


UNAVAILABLE = "Sorry, I cannot keep watches right now: my state folder cannot be written (the log says why)."


async def _store(update: Update, context: BotContext) -> WatchStore | None:
    """The watch store, or None after telling the user that watches are not available."""
    store = context.bot_data.watcher.store
    if store is None:
        await _reply(update, UNAVAILABLE)
    return store


def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None  # commands and button presses come from a chat
    return chat.id


async def resume_paused_chat(update: Update, context: BotContext) -> None:
    """Any update from a chat whose watches were paused (it had blocked the bot) resumes them:
    it talks to the bot again, so the bot may talk to it."""
    if update.effective_chat is not None:
        await context.bot_data.watcher.resume(update.effective_chat.id)


async def watch_command(update: Update, context: BotContext) -> None:
    """Save a watch for this chat, unless it is empty, too long, unreadable or too broad."""
    watcher = context.bot_data.watcher
    rules = watcher.rules
    chat_id = _chat_id(update)
    text = _text(context)
    store = await _store(update, context)
    if store is None:
        return
    if not text:
        await _reply(
            update,
            f"What should I watch for? For example {EXAMPLES}. I will send this chat each new note "
            "that matches, as it arrives. /watches lists this chat's watches.",
        )
        return
    if len(text) > rules.max_length:
        await _reply(
            update,
            f"A watch can be at most {rules.max_length} characters (this one has {len(text)}): "
            "keep the words that matter.",
        )
        return
    problems = parse_query(text).problems
    if problems:
        await _reply(update, escape("; ".join(problems)) + ".")
        return
    engine = watcher.library.engine
    if not is_watchable(engine, text):
        await _reply(update, f"There is nothing to watch for in <i>{_echo(text)}</i>: give a name, a word or a filter.")
        return
    await watcher.resume(chat_id)
    found = await asyncio.to_thread(matches, engine, text)
    breadth = Breadth(len(found), engine.info.notes)
    if too_broad(breadth, rules.max_share):
        await _reply(
            update,
            f"<i>{_echo(text)}</i> matches {breadth.matches} of the {breadth.notes} notes I have "
            f"({breadth.share:.0%}): as many new ones would flood this chat. Add a more telling word or "
            f"a filter, e.g. <code>/watch {_echo(text, 40)} tag:healthcare</code>.",
        )
        return
    try:
        watch, new = await asyncio.to_thread(store.add, chat_id, text, rules.max_per_chat)
    except WatchLimit:
        await _reply(
            update,
            f"This chat already has {rules.max_per_chat} watches, the most it can keep. "
            "Remove one with the ✕ buttons of /watches first.",
        )
        return
    if not new:
        await _reply(update, f"This chat already watches <i>{_echo(watch.query)}</i>. /watches lists them.")
        return
    if found:
        best = escape(render.snippet(found[0].hit.note.title))
        today = f"Of the notes I have, {breadth.matches} match; the best: <b>{best}</b>."
    else:
        today = "No note I have matches it yet."
    await _reply(
        update,
        f"👀 Watching <i>{_echo(text)}</i>: I will send this chat each new note that matches it. "
        f"{today} /watches lists this chat's watches.",
    )


def _listing(watches: list[Watch]) -> str:
    if not watches:
        return f"This chat has no watches. Start one with {EXAMPLES}."
    lines = ["<b>This chat's watches</b>", ""]
    for number, watch in enumerate(watches, 1):
        paused = " (paused: I could not send here)" if watch.paused else ""
        lines.append(f"{number}. <i>{_echo(watch.query, 200)}</i>{paused}")
    lines += ["", "Press ✕ to remove one."]
    return "\n".join(lines)


def _keyboard(watches: list[Watch]) -> InlineKeyboardMarkup | None:
    return watches_keyboard([(w.id, f"{n}. {render.snippet(w.query, LABEL)}") for n, w in enumerate(watches, 1)])


async def watches_command(update: Update, context: BotContext) -> None:
    """The chat's watches, each with a ✕ button that removes it."""
    chat_id = _chat_id(update)
    store = await _store(update, context)
    if store is None:
        return
    await context.bot_data.watcher.resume(chat_id)
    watches = await asyncio.to_thread(store.of_chat, chat_id)
    await _reply(update, _listing(watches), _keyboard(watches))


async def unwatch_command(update: Update, context: BotContext) -> None:
    """``/unwatch 2`` (its number in /watches) or ``/unwatch TERMS``; alone, the list to press ✕ in."""
    chat_id = _chat_id(update)
    text = _text(context)
    store = await _store(update, context)
    if store is None:
        return
    watches = await asyncio.to_thread(store.of_chat, chat_id)
    if not text:
        await _reply(update, _listing(watches), _keyboard(watches))
        return
    target: Watch | None
    if text.isdigit() and 1 <= int(text) <= len(watches):
        target = watches[int(text) - 1]
    else:
        target = next((w for w in watches if w.query.casefold() == text.casefold()), None)
    if target is None:
        await _reply(update, f"This chat has no watch <i>{_echo(text)}</i>. /watches lists them.")
        return
    await asyncio.to_thread(store.remove, chat_id, target.id)
    await _reply(update, f"Stopped watching <i>{_echo(target.query)}</i>.")


async def unwatch_pressed(update: Update, context: BotContext) -> None:
    """✕ under /watches: remove that watch and show the list without it."""
    query = _query(update)
    target = parse_callback(query.data)
    assert isinstance(target, Unwatch)
    store = context.bot_data.watcher.store
    if store is None:
        await query.answer(render.snippet(UNAVAILABLE, 190))
        return
    chat_id = _chat_id(update)
    removed = await asyncio.to_thread(store.remove, chat_id, target.watch_id)
    if removed is None:
        await query.answer("Already removed.")
        return
    await query.answer(f"Stopped watching {render.snippet(removed.query, 150)}")
    watches = await asyncio.to_thread(store.of_chat, chat_id)
    await query.edit_message_text(_listing(watches), parse_mode=ParseMode.HTML, reply_markup=_keyboard(watches))
