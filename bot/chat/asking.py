"""The one way every chat (Telegram, the terminal, ``incident-bot ask``) asks the engine."""

from __future__ import annotations

from bot.search.conversation import Conversation
from bot.search.engine import Engine
from bot.search.results import Answer


def ask_in_chat(
    engine: Engine, question: str, top: int, conversation: Conversation | None = None, replying_to: int | None = None
) -> Answer:
    """The answer a person is shown, whatever they ask through: within ``conversation`` when
    given (follow-ups lean on its story), with each copy of an article (same link, or nearly
    the same title and opening) folded into the hit it copies, so that pages are different articles."""
    answer = engine.ask(question, top) if conversation is None else conversation.ask(engine, question, top, replying_to)
    return engine.fold_copies(answer) if answer.hits else answer
