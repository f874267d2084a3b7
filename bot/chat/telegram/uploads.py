"""Admins add notes by sending ``.md`` files to the bot in a private chat.

The file is checked and saved by the notes layer and indexed by one incremental rebuild
(:func:`bot.search.adding.add_notes`, the same as ``incident-bot add``); the reply has one line
per file: what was added, replaced or left as it was, or why not. Anyone else sending a note
file gets a polite refusal (or, with a caption, the caption answered as a question).
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import filters

from bot.chat.telegram import handlers
from bot.chat.telegram.background import in_daemon_thread, typing, waiting_for_rebuild
from bot.chat.telegram.context import BotContext
from bot.chat.telegram.updatelog import note
from bot.notes.loader import MAX_BYTES
from bot.search.adding import add_notes

NOTE_FILE = filters.ChatType.PRIVATE & (
    filters.Document.FileExtension("md") | filters.Document.FileExtension("markdown")
)
NOT_ADMIN = (
    "Thanks, but only the bot's admins can add notes. To ask about an incident, write the question "
    "in words (or as the file's caption)."
)
TOO_LARGE = "{name}: not added: too large ({size:.1f} MB; the limit is {limit} MB)"
NO_DOWNLOAD = "{name}: not added: the file could not be fetched from Telegram ({error})"
REPLY_LIMIT = 4000


async def note_file_received(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    user = update.effective_user
    if not context.bot_data.access.is_admin(user.id if user else None):
        if message.caption:
            await handlers.ask(update, context)
            return
        note(outcome="refused")
        await message.reply_text(NOT_ADMIN)
        return
    document = message.document
    name = document.file_name or "note.md"
    if document.file_size and document.file_size > MAX_BYTES:
        note(outcome="refused")
        size = document.file_size / 1024 / 1024
        await message.reply_text(TOO_LARGE.format(name=name, size=size, limit=MAX_BYTES // 1024 // 1024))
        return
    try:
        data = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
    except TelegramError as error:
        await message.reply_text(NO_DOWNLOAD.format(name=name, error=error))
        return
    library = context.bot_data.library
    with waiting_for_rebuild(context.bot_data):
        async with typing(context.bot, message.chat_id):
            report = await in_daemon_thread(lambda: add_notes(library, [(name, data)]), name="add-notes")
    note(added=len(report.saved))
    text = "\n".join(escape(line) for line in report.lines())
    await message.reply_html(text if len(text) <= REPLY_LIMIT else text[: REPLY_LIMIT - 1] + "…")
