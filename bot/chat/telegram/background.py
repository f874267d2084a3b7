"""Work that runs beside a handler: the "typing…" indicator, daemon threads, cancelling at shutdown.

Kept apart from the handlers so that a handler reads as "ask, then reply", and so that the one
rule about stopping lives in one place: a stopping process never waits for a /reindex (its
thread is a daemon and the index is only ever swapped in whole, at the very end).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.chat.telegram.context import BotData

T = TypeVar("T")
TYPING_EVERY_S = 4.5  # Telegram shows "typing…" for 5 s after each chat action


@contextlib.asynccontextmanager
async def typing(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" now and every few seconds until the block ends."""

    async def keep_typing() -> None:
        while True:
            await asyncio.sleep(TYPING_EVERY_S)
            with contextlib.suppress(TelegramError):
                await bot.send_chat_action(chat_id, ChatAction.TYPING)

    with contextlib.suppress(TelegramError):
        await bot.send_chat_action(chat_id, ChatAction.TYPING)
    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def in_daemon_thread(function: Callable[[], T], name: str = "reindex") -> T:
    """Run ``function`` in a daemon thread: unlike ``asyncio.to_thread``, a stopping process does
    not wait for it."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
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

    threading.Thread(target=run, name=name, daemon=True).start()
    return await future


@contextlib.contextmanager
def waiting_for_rebuild(bot_data: BotData) -> Iterator[None]:
    """Mark the current handler as waiting for a rebuild, so that shutdown can cancel it."""
    task = asyncio.current_task()
    if task is not None:
        bot_data.rebuilds.add(task)
    try:
        yield
    finally:
        if task is not None:
            bot_data.rebuilds.discard(task)


def cancel_rebuilds(bot_data: BotData) -> int:
    """Cancel the /reindex handlers waiting for a rebuild (at shutdown); returns how many."""
    tasks = [t for t in bot_data.rebuilds if not t.done()]
    for task in tasks:
        task.cancel()
    return len(tasks)
