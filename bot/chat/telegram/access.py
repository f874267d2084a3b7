"""Who may use the bot, who may administer it, and which group messages are meant for it."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, MessageEntity
from telegram.constants import ChatType


@dataclass(frozen=True, slots=True)
class Access:
    """Numeric ids only: usernames can be changed or taken over, ids cannot.

    Empty allowlists mean anyone. With either list set, a user gets in if they are listed,
    or if the chat they write from is listed (a team group), or if they are an admin.
    """

    admins: frozenset[int] = frozenset()
    users: frozenset[int] = frozenset()
    chats: frozenset[int] = frozenset()

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admins

    def is_allowed(self, user_id: int | None, chat_id: int | None) -> bool:
        if not self.users and not self.chats:
            return True
        return self.is_admin(user_id) or user_id in self.users or chat_id in self.chats


def addressed_text(message: Message, bot_username: str, bot_id: int) -> str | None:
    """The question in ``message`` if it is meant for the bot, else ``None``.

    The text is the message's, or a photo's or a file's caption. Private chat: all of it. Group:
    only when it mentions the bot (the mention is removed) or replies to one of the bot's messages;
    other chatter is not ours even with privacy mode off.
    """
    is_caption = message.text is None and message.caption is not None
    text = (message.caption if is_caption else message.text) or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    handle = f"@{bot_username}".casefold()
    parsed = message.parse_caption_entities if is_caption else message.parse_entities
    entities = message.caption_entities if is_caption else message.entities
    mentions = [entity for entity, value in parsed([MessageEntity.MENTION]).items() if value.casefold() == handle] + [
        entity
        for entity in entities
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id
    ]
    replied = message.reply_to_message
    is_reply = replied is not None and replied.from_user is not None and replied.from_user.id == bot_id
    if not mentions and not is_reply:
        return None
    return _remove_entities(text, mentions).strip()


def _remove_entities(text: str, entities: list[MessageEntity]) -> str:
    """Cut entities out of ``text``; their offsets count UTF-16 code units, as Telegram does."""
    units = text.encode("utf-16-le")
    space = " ".encode("utf-16-le")
    for entity in sorted(entities, key=lambda e: e.offset, reverse=True):
        start, end = 2 * entity.offset, 2 * (entity.offset + entity.length)
        units = units[:start] + space + units[end:]
    return units.decode("utf-16-le", errors="ignore")
