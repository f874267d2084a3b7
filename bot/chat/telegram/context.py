"""The state every handler shares, typed: what ``context.bot_data`` holds.

PTB makes ``bot_data`` by calling the class given in :class:`telegram.ext.ContextTypes` with no
arguments (as its ``contexttypesbot.py`` example shows), so :func:`context_types` binds the
library, the access rules and the command table into a subclass made for one Application.
Handlers are typed ``(Update, BotContext)`` and read ``context.bot_data.library`` instead of
string keys, so a misspelt name fails the type check instead of a user's request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.chat.telegram.access import Access
from bot.chat.telegram.keyboards import AnswerStore, ListStore, Recent
from bot.search.conversation import Conversations
from bot.search.library import Library
from bot.state.feedback import FeedbackStore

if TYPE_CHECKING:
    from bot.chat.telegram.commands import Command
    from bot.chat.telegram.refresh import Watcher


class BotData:
    """One Application's shared state: the index in service, who may do what, the command table,
    recent answers and lists, which reply answered which message (so an edited question edits its
    reply), the /reindex handlers waiting for a rebuild (cancelled at shutdown), and the watches with the
    refresh that feeds them."""

    def __init__(
        self,
        library: Library,
        access: Access,
        commands: Sequence[Command],
        watcher: Watcher,
        feedback: FeedbackStore | None = None,
    ) -> None:
        self.library = library
        self.feedback = feedback  # None: votes cannot be kept, so no 👍 / 👎 buttons are shown
        self.access = access
        self.commands = tuple(commands)
        self.watcher = watcher
        self.answers = AnswerStore()
        self.lists = ListStore()
        self.replies: Recent[tuple[int, int], int] = Recent(capacity=4096)  # (chat, message) -> reply id
        self.conversations = Conversations()  # each chat's follow-up context, bounded, forgotten after 30 min
        self.rebuilds: set[asyncio.Task[Any]] = set()


BotContext: TypeAlias = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
Handler: TypeAlias = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
BotApplication: TypeAlias = Application[ExtBot[Any], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]


def context_types(
    library: Library,
    access: Access,
    commands: Sequence[Command],
    watcher: Watcher,
    feedback: FeedbackStore | None = None,
) -> ContextTypes[Any, Any, Any, Any]:
    """ContextTypes whose ``bot_data`` is a :class:`BotData` holding these."""

    class Bound(BotData):
        def __init__(self) -> None:
            super().__init__(library, access, commands, watcher, feedback)

    return ContextTypes(context=CallbackContext, bot_data=Bound)
