"""👍 / 👎 under each answer: a press records a vote on the page shown, kept in SQLite
(:mod:`bot.state.feedback`), so the team can see which answers miss and turn them into questions.

A vote needs the answer it is about (question, link, passage), which lives in memory: a press on
an answer from before a restart gets the "expired" notice. A second press on the same page of the
same answer replaces the first vote, and the button chosen is marked ✓.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.chat.telegram import handlers
from bot.chat.telegram.context import BotContext
from bot.chat.telegram.keyboards import Vote, parse_callback, vote_key
from bot.chat.telegram.updatelog import note
from bot.state import feedback
from bot.state.sqlite import StateError

logger = logging.getLogger(__name__)

EXPIRED = "This answer has expired — ask again."
THANKS = {feedback.UP: "Thanks — glad it helped.", feedback.DOWN: "Thanks — noted, the team will look at this answer."}
CHANGED = "Vote changed — thanks."
NOT_SAVED = "Sorry, your vote could not be saved. Please try again later."


async def vote_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    target = parse_callback(query.data)
    assert isinstance(target, Vote)
    store = context.bot_data.feedback
    answer = context.bot_data.answers.get(target.answer_id)
    if store is None or answer is None or target.page >= len(answer.hits):
        await query.answer(EXPIRED)
        return
    hit = answer.hits[target.page]
    keep_ids = bool(getattr(context.application, "log_questions", False))  # LOG_QUESTIONS allows ids
    vote = feedback.Vote(
        answer_key=vote_key(target.answer_id, target.page),
        question=answer.question,
        link=hit.note.link,
        title=hit.note.title,
        passage=hit.passage,
        vote=target.value,
        voted_at=feedback.now(),
        user_id=update.effective_user.id if keep_ids and update.effective_user else None,
        chat_id=update.effective_chat.id if keep_ids and update.effective_chat else None,
    )
    try:
        replaced = await asyncio.to_thread(store.record, vote)
    except (sqlite3.Error, StateError) as error:
        logger.warning("A vote could not be saved in %s: %s", store.path, error)
        note(outcome="error", error=type(error).__name__)
        await query.answer(NOT_SAVED)
        return
    note(vote=target.value)
    await query.answer(CHANGED if replaced else THANKS[target.value])
    markup = handlers.answer_markup(context, target.answer_id, answer, target.page, voted=target.value)
    await _mark(update, markup)


async def _mark(update: Update, markup: InlineKeyboardMarkup | None) -> None:
    """Show which button was chosen (the message's text stays as it is)."""
    query = update.callback_query
    assert query is not None
    if getattr(query.message, "reply_markup", None) == markup:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as error:  # pressed twice: already marked
        if "not modified" not in str(error).lower():
            raise
