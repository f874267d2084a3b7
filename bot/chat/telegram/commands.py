"""What the bot offers, in one table each: commands and buttons. Everything else follows from them.

**To add a command**, write ``async def my_command(update, context)`` (in handlers.py or a module
of its own) and add one :class:`Command` row to :data:`COMMANDS`. The row registers the handler,
puts the command in Telegram's menu (for admins only, in the admins' own chats, when ``admin``)
and lists it in /help; ``admin=True`` also refuses it to everyone else (and to forwarded
messages) before the handler runs.

**To add a button**, give its callback data a dataclass and a pattern in keyboards.py (so that
:func:`~bot.chat.telegram.keyboards.parse_callback` returns it; 64 bytes at most) and add one
:class:`Button` row to :data:`BUTTONS` naming the handler for presses of it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.chat.telegram import handlers, uploads, votes, watching
from bot.chat.telegram.context import BotApplication, BotContext, Handler
from bot.chat.telegram.keyboards import (
    AnswerPage,
    Label,
    ListItem,
    ListPage,
    OtherReports,
    TagOpen,
    TagsPage,
    Target,
    Unwatch,
    Vote,
    parse_callback,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Command:
    """One slash command.

    ``arguments`` is the hint shown after the name in /help ("NAME" gives "/tag NAME");
    ``menu=False`` keeps it out of Telegram's menu and /help (it still works);
    ``blocking=False`` lets other updates be handled while it runs (a rebuild takes seconds).
    """

    name: str
    description: str
    handler: Handler
    admin: bool = False
    menu: bool = True
    arguments: str = ""
    blocking: bool = True

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.arguments}".rstrip()


COMMANDS: tuple[Command, ...] = (
    Command("help", "What I know and how to ask", handlers.help_command),
    Command("latest", "The newest incidents", handlers.latest_command),
    Command("tags", "Most used tags", handlers.tags_command),
    Command("tag", "Articles with a tag", handlers.tag_command, arguments="NAME"),
    Command("sources", "Sources with counts and dates", handlers.sources_command),
    Command("source", "Latest articles of a source", handlers.source_command, arguments="NAME"),
    Command("watch", "Tell this chat about new notes on a topic", watching.watch_command, arguments="TERMS"),
    Command("watches", "The watches of this chat, ✕ removes one", watching.watches_command),
    Command("unwatch", "Stop a watch", watching.unwatch_command, arguments="N or TERMS"),
    Command("start", "Say hello, or open a t.me/<bot>?start= link", handlers.start_command, menu=False),
    Command("reindex", "Rebuild the index from the seeds", handlers.reindex_command, admin=True, blocking=False),
    Command("stats", "What the index in service holds", handlers.stats_command, admin=True),
)


@dataclass(frozen=True, slots=True)
class Button:
    """Presses of buttons whose callback data parses to a ``target`` go to ``handler``."""

    target: type[Target]
    handler: Handler


BUTTONS: tuple[Button, ...] = (
    Button(AnswerPage, handlers.answer_page_pressed),
    Button(TagsPage, handlers.tags_page_pressed),
    Button(Vote, votes.vote_pressed),
    Button(TagOpen, handlers.tag_chosen),
    Button(ListPage, handlers.list_page_pressed),
    Button(ListItem, handlers.list_item_pressed),
    Button(OtherReports, handlers.other_reports_pressed),
    Button(Label, handlers.noop_pressed),
    Button(Unwatch, watching.unwatch_pressed),
)


def _admin_only(command: Command) -> Handler:
    """The command's handler behind the admin check."""

    @functools.wraps(command.handler)
    async def guarded(update: Update, context: BotContext) -> None:
        if not await handlers.refuse_non_admin(update, context, f"/{command.name}"):
            await command.handler(update, context)

    return guarded


def _parses_to(target: type[Target], data: object) -> bool:
    return isinstance(data, str) and isinstance(parse_callback(data), target)


def register(application: BotApplication, commands: Sequence[Command] = COMMANDS) -> None:
    """Wire every handler; the gate runs first (group -1) and may stop an update there."""
    application.add_handler(TypeHandler(Update, handlers.gate), group=-1)
    for command in commands:
        handler = _admin_only(command) if command.admin else command.handler
        application.add_handler(CommandHandler(command.name, handler, block=command.blocking))
    application.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, handlers.unknown_command))
    application.add_handler(MessageHandler(uploads.NOTE_FILE & filters.UpdateType.MESSAGE, uploads.note_file_received))
    question = (filters.TEXT & ~filters.COMMAND) | filters.CAPTION
    application.add_handler(MessageHandler(question & filters.UpdateType.MESSAGE, handlers.ask))
    edited = filters.UpdateType.EDITED_MESSAGE
    application.add_handler(MessageHandler(question & edited, handlers.edited_question))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL & ~question, handlers.other_message)
    )
    for button in BUTTONS:
        pressed = functools.partial(_parses_to, button.target)
        application.add_handler(CallbackQueryHandler(button.handler, pattern=pressed))
    application.add_handler(CallbackQueryHandler(handlers.stale_pressed))
    application.add_handler(InlineQueryHandler(handlers.inline_query))
    # After the update's own handler: a chat whose watches were paused talks to the bot again.
    application.add_handler(TypeHandler(Update, watching.resume_paused_chat), group=1)
    application.add_error_handler(handlers.on_error)


def menu(commands: Sequence[Command], admin: bool) -> list[BotCommand]:
    """Telegram's command menu for everyone, or for an admin."""
    return [BotCommand(c.name, c.description) for c in commands if c.menu and (admin or not c.admin)]


async def set_menus(application: BotApplication, admins: Sequence[int], commands: Sequence[Command] = COMMANDS) -> None:
    """Fill Telegram's command menu; admins also see the admin commands, in their private chat."""
    await application.bot.set_my_commands(menu(commands, admin=False))
    for admin in sorted(admins):
        try:
            await application.bot.set_my_commands(menu(commands, admin=True), scope=BotCommandScopeChat(admin))
        except TelegramError as error:  # an admin who never opened a chat with the bot
            logger.warning("Admin commands not shown to %s: %s", admin, error)
