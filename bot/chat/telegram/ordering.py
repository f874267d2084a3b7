"""Many chats answered at once, each chat's messages answered in the order they were sent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatOrder(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` updates in work, but one chat's one after another.

    Without this, two quick questions in one chat could be answered in the wrong order. A chat
    waiting for its previous update holds no slot, so a busy chat never stalls the others.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    # PTB marks process_update final; the chat's lock must be taken before a slot, so a chat waiting
    # for its previous update holds none (do_process_update runs inside the slot, too late for that).
    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        key = _chat_key(update)
        if key is None:
            await super().process_update(update, coroutine)
            return
        lock, waiting = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, waiting + 1)
        try:
            async with lock:
                await super().process_update(update, coroutine)
        finally:
            lock, waiting = self._locks[key]
            if waiting == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, waiting - 1)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up: locks are made per chat as updates arrive."""

    async def shutdown(self) -> None:
        """Nothing to free: a chat's lock goes with its last update."""


def _chat_key(update: object) -> int | None:
    """The chat an update belongs to; for inline queries, the user who typed them."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
