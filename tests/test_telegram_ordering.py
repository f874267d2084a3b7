"""One chat's messages are answered in order; other chats don't wait for it."""

from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update

from bot.chat.telegram.ordering import PerChatOrder


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, None, chat, text="q"))


async def _run(updates: list[tuple[Update, float]]) -> list[int]:
    finished: list[int] = []
    processor = PerChatOrder(8)

    async def handle(update: Update, seconds: float) -> None:
        await asyncio.sleep(seconds)
        finished.append(update.update_id)

    async with processor:
        tasks = []
        for update, seconds in updates:
            tasks.append(asyncio.create_task(processor.process_update(update, handle(update, seconds))))
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)
    assert processor._locks == {}
    return finished


def test_a_slow_answer_is_not_overtaken_by_a_later_one_in_the_same_chat():
    assert asyncio.run(_run([(_update(1, 10), 0.2), (_update(2, 10), 0.0)])) == [1, 2]


def test_another_chat_does_not_wait_for_a_slow_one():
    assert asyncio.run(_run([(_update(1, 10), 0.2), (_update(2, 20), 0.0)])) == [2, 1]
