"""The refresh loop and /watch through the real Application (JobQueue included) and a fake Bot API.

Each scenario runs the Application as ``incident-bot run`` does, started and stopped, with the
refresh every fraction of a second, while the test writes note files into its seeds folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.chat.telegram.app import build_application
from bot.chat.telegram.context import BotData
from bot.search.library import Library
from bot.settings import Settings
from bot.state.watches import FILE, WatchStore
from seed_notes import note_text
from tests.fake_telegram import TOKEN, BotProcess, Call, FakeTelegram, write_seeds

ADMIN, ALICE, BOB = 1, 2, 3
FAST = 0.2  # seconds between refreshes


class Bot:
    """One running Application: play updates through it, wait for what it sends."""

    def __init__(self, api: FakeTelegram, application: Any) -> None:
        self.api = api
        self.application = application
        self.update_id = 0

    @property
    def data(self) -> BotData:
        return self.application.bot_data

    async def send(self, update: dict) -> None:
        self.update_id += 1
        await self.application.process_update(
            Update.de_json({"update_id": self.update_id, **update}, self.application.bot)
        )

    async def say(self, user: int, text: str) -> Call:
        """A message from ``user`` in their private chat; returns the bot's reply."""
        mark = self.api.mark()
        await self.send(self.api.message(user, text))
        return await self.wait(to(user), mark)

    async def wait(self, predicate: Callable[[Call], bool], after: int, timeout: float = 15.0) -> Call:
        return await asyncio.to_thread(self.api.wait_for, predicate, timeout, after)

    async def refreshed(self, outcome: str, since: float, timeout: float = 15.0) -> None:
        """Until a refresh that started after ``since`` had ``outcome``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.data.watcher.status
            if status.started_at is not None and status.started_at > since and status.outcome == outcome:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"no {outcome!r} refresh; last: {self.data.watcher.status}")


def to(chat_id: int, needle: str = "") -> Callable[[Call], bool]:
    def matches(c: Call) -> bool:
        return c.method == "sendMessage" and c.status == 200 and int(c["chat_id"]) == chat_id and needle in c["text"]

    return matches


def sent_to(api: FakeTelegram, chat_id: int, after: int) -> list[str]:
    return [c["text"] for c in api.sent(after) if int(c["chat_id"]) == chat_id]


@contextlib.asynccontextmanager
async def running(api: FakeTelegram, root: Path, **settings: Any) -> AsyncIterator[Bot]:
    """The bot as ``run`` starts it: open the library (rebuilding a stale index), then the
    Application with its refresh job."""
    config = Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=api.base_url,
        admin_ids=frozenset({ADMIN}),
        seeds_dir=root / "seeds",
        index_dir=root / "index",
        rate_limit_per_second=0,
        rate_limit_group_per_minute=0,
        **{"refresh_interval": FAST, **settings},
    )
    library = Library(config.seeds_dir, config.index_dir)
    await asyncio.to_thread(library.open)
    application = build_application(config, library)
    async with application:
        await application.start()
        try:
            yield Bot(api, application)
        finally:
            await application.stop()


def scenario(coroutine: Any) -> None:
    asyncio.run(coroutine)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write_seeds(tmp_path / "seeds")
    return tmp_path


def add_note(root: Path, name: str, title: str, paragraphs: list[str], link: str, **kwargs: Any) -> Path:
    path = root / "seeds" / "therecord" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(note_text(title, paragraphs, source="The Record", link=link, **kwargs), "utf-8")
    return path


def add_fortinet_note(root: Path, number: int = 1) -> Path:
    return add_note(
        root,
        f"Fortinet-{number}",
        f"Hackers leak passwords for Fortinet VPN accounts, part {number}",
        [
            "A threat actor has leaked a list of nearly 500,000 Fortinet VPN login names and passwords.",
            f"The credentials were scraped from {number * 1000} exploitable devices.",
        ],
        f"https://therecord.media/fortinet-{number}/",
        date="September 8, 2021",
    )


FORTINET_LINK = "https://therecord.media/fortinet-1/"


def test_a_note_added_while_the_bot_runs_reaches_the_chat_watching_its_topic_only(api, root) -> None:
    async def run() -> None:
        async with running(api, root) as bot:
            assert "Watching <i>Fortinet VPN</i>" in (await bot.say(ALICE, "/watch Fortinet VPN"))["text"]
            assert "Watching" in (await bot.say(BOB, "/watch Conti playbook"))["text"]
            mark = api.mark()
            arrived = time.monotonic()
            add_fortinet_note(root)
            notice = await bot.wait(to(ALICE, "New note for your watch"), mark)
            assert time.monotonic() - arrived < 10
            text = notice["text"]
            assert "<i>Fortinet VPN</i>" in text
            assert "<b>Hackers leak passwords for Fortinet VPN accounts, part 1</b>" in text
            assert "The Record · 8 Sep 2021" in text and FORTINET_LINK in text
            assert "500,000 <b>Fortinet</b> <b>VPN</b> login names" in text  # its best paragraph, words marked
            await bot.refreshed("unchanged", time.time())
            assert sent_to(api, BOB, mark) == []
            assert len(sent_to(api, ALICE, mark)) == 1

    scenario(run())
    assert api.errors() == []


def test_an_edited_note_is_not_sent_twice(api, root) -> None:
    async def run() -> None:
        async with running(api, root) as bot:
            await bot.say(ALICE, "/watch Fortinet VPN")
            mark = api.mark()
            note = add_fortinet_note(root)
            await bot.wait(to(ALICE, "New note for your watch"), mark)
            since = time.time()
            note.write_text(note.read_text("utf-8").replace("nearly 500,000", "almost 500,000"), "utf-8")
            await bot.refreshed("rebuilt", since)
            assert bot.data.watcher.status.changed == 1
            await bot.refreshed("unchanged", time.time())
            assert len(sent_to(api, ALICE, mark)) == 1

    scenario(run())


def test_a_restart_between_the_notes_arrival_and_the_refresh_still_sends_it_exactly_once(api, root) -> None:
    async def run() -> None:
        async with running(api, root, refresh_interval=0) as bot:  # no refresh but the one at start
            await bot.say(ALICE, "/watch Fortinet VPN")
        mark = api.mark()
        add_fortinet_note(root)  # arrives while the bot is down
        async with running(api, root, refresh_interval=0) as bot:
            await bot.wait(to(ALICE, "New note for your watch"), mark)
        async with running(api, root, refresh_interval=0) as bot:  # and once more: nothing new
            await bot.say(ADMIN, "/stats")
        assert len(sent_to(api, ALICE, mark)) == 1

    scenario(run())


def test_a_blocked_chat_does_not_stall_the_others_and_has_its_watches_paused_not_lost(api, root) -> None:
    async def run() -> None:
        async with running(api, root) as bot:
            await bot.say(ALICE, "/watch Fortinet VPN")
            await bot.say(BOB, "/watch Fortinet VPN")
            api.blocked.add(ALICE)
            mark = api.mark()
            add_fortinet_note(root)
            await bot.wait(to(BOB, "New note for your watch"), mark)
            await bot.refreshed("unchanged", time.time())
            assert [w.paused for w in bot.data.watcher.store.of_chat(ALICE)] == [True]
            # Alice unblocks the bot and writes to it: her watch works again, and the note
            # that matched meanwhile reaches her.
            api.blocked.discard(ALICE)
            listing = await bot.say(ALICE, "/watches")
            assert "Fortinet VPN" in listing["text"]
            await bot.wait(to(ALICE, "New note for your watch"), mark)
            assert [w.paused for w in bot.data.watcher.store.of_chat(ALICE)] == [False]
            assert len(sent_to(api, BOB, mark)) == 1

    scenario(run())
    assert {c.status for c in api.errors()} == {403}


def test_many_notes_at_once_are_a_few_messages_and_one_line_for_the_rest(api, root) -> None:
    async def run() -> None:
        async with running(api, root, watch_messages_per_refresh=2) as bot:
            await bot.say(ALICE, "/watch Fortinet VPN")
            mark = api.mark()
            for number in range(1, 6):
                add_fortinet_note(root, number)
            await bot.wait(to(ALICE, "more new notes match your watches"), mark)
            texts = sent_to(api, ALICE, mark)
            assert len(texts) == 3 and sum("New note for your watch" in t for t in texts) == 2
            assert "…and 3 more new notes match your watches (<i>Fortinet VPN</i> 3)" in texts[-1]

    scenario(run())


def test_a_watch_on_a_word_most_notes_hold_is_refused(api, tmp_path) -> None:
    for i in range(12):
        add_note(
            tmp_path, f"attack-{i}", f"Cyber attack number {i}", [f"An attack hit victim {i}."], f"https://e.com/{i}"
        )

    async def run() -> None:
        async with running(api, tmp_path) as bot:
            reply = await bot.say(ALICE, "/watch attack")
            assert "matches 12 of the 12 notes I have (100%)" in reply["text"]
            assert "Add a more telling word or a filter" in reply["text"]
            assert bot.data.watcher.store.of_chat(ALICE) == []

    scenario(run())


def test_limits_on_watches_get_clear_replies(api, root) -> None:
    async def run() -> None:
        async with running(api, root, watch_max_per_chat=1, watch_max_length=20) as bot:
            assert "at most 20 characters (this one has 27)" in (await bot.say(ALICE, "/watch " + "x" * 27))["text"]
            await bot.say(ALICE, "/watch Fortinet")
            assert "already watches <i>Fortinet</i>" in (await bot.say(ALICE, "/watch fortinet"))["text"]
            assert "already has 1 watches, the most it can keep" in (await bot.say(ALICE, "/watch Conti"))["text"]
            assert "What should I watch for?" in (await bot.say(ALICE, "/watch"))["text"]
            assert "nothing to watch for" in (await bot.say(ALICE, "/watch the of and"))["text"]
            assert "is not a date" in (await bot.say(ALICE, "/watch VPN after:2021-13"))["text"]

    scenario(run())
    assert api.errors() == []


def test_watches_are_listed_with_buttons_that_remove_them(api, root) -> None:
    async def run() -> None:
        async with running(api, root) as bot:
            await bot.say(ALICE, "/watch Fortinet VPN")
            await bot.say(ALICE, "/watch ransomware tag:hospital")
            listing = await bot.say(ALICE, "/watches")
            assert "1. <i>Fortinet VPN</i>" in listing["text"]
            assert "2. <i>ransomware tag:hospital</i>" in listing["text"]
            rows = listing.result["reply_markup"]["inline_keyboard"]
            assert [row[0]["text"] for row in rows] == ["✕ 1. Fortinet VPN", "✕ 2. ransomware tag:hospital"]
            mark = api.mark()
            await bot.send(api.callback(ALICE, listing.result, rows[0][0]["callback_data"]))
            edit = await bot.wait(lambda c: c.method == "editMessageText", mark)
            assert "Fortinet" not in edit["text"] and "1. <i>ransomware tag:hospital</i>" in edit["text"]
            assert [w.query for w in bot.data.watcher.store.of_chat(ALICE)] == ["ransomware tag:hospital"]
            # Another chat's button data cannot remove Alice's watch.
            assert "no watch" in (await bot.say(BOB, "/unwatch 1"))["text"]
            assert "Stopped watching <i>ransomware tag:hospital</i>" in (await bot.say(ALICE, "/unwatch 1"))["text"]
            assert "This chat has no watches" in (await bot.say(ALICE, "/watches"))["text"]

    scenario(run())
    assert api.errors() == []


def test_stats_show_watches_and_notifications_sent(api, root) -> None:
    async def run() -> None:
        async with running(api, root) as bot:
            await bot.say(ALICE, "/watch Fortinet VPN")
            mark = api.mark()
            add_fortinet_note(root)
            await bot.wait(to(ALICE, "New note"), mark)
            stats = (await bot.say(ADMIN, "/stats"))["text"]
            assert "Watches: 1 in 1 chats" in stats and "Watch notifications sent: 1, waiting: 0" in stats

    scenario(run())


def test_the_health_json_shows_the_last_refresh(api, root) -> None:
    from bot.chat.telegram.app import _health

    async def run() -> None:
        async with running(api, root) as bot:
            since = time.time()
            add_fortinet_note(root)
            await bot.refreshed("rebuilt", since)
            refresh = _health(bot.application, "polling")["refresh"]
            assert refresh["outcome"] == "rebuilt" and refresh["added"] == 1 and refresh["at"] >= since

    scenario(run())


def test_a_failed_refresh_keeps_the_index_serving(api, root) -> None:
    async def run() -> None:
        async with running(api, root) as bot:
            before = bot.data.library.engine
            since = time.time()
            for note in (root / "seeds").rglob("*.md"):
                note.write_bytes(b"\x89PNG\r\n\x1a\n")  # nothing readable left: the build fails
            await bot.refreshed("failed", since)
            assert bot.data.library.engine is before
            assert "LINE" in (await bot.say(ALICE, "LINE politicians"))["text"]

    scenario(run())


def test_a_build_another_process_made_is_served_without_a_refresh(api, root) -> None:
    async def run() -> None:
        async with running(api, root, refresh_interval=0) as bot:  # no refresh but the one at start
            before = bot.data.library.engine
            add_fortinet_note(root)
            await asyncio.to_thread(Library(root / "seeds", root / "index").rebuild)  # `index build` from cron
            deadline = time.monotonic() + 15
            while bot.data.library.engine is before and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert bot.data.library.engine is not before
            assert "500,000" in (await bot.say(ALICE, "how many Fortinet VPN passwords leaked?"))["text"]

    scenario(run())


def test_watches_survive_in_the_state_folder(api, root) -> None:
    async def run() -> None:
        async with running(api, root, refresh_interval=0) as bot:
            await bot.say(ALICE, "/watch Fortinet VPN")

    scenario(run())
    assert [w.query for w in WatchStore(root / "index" / FILE).of_chat(ALICE)] == ["Fortinet VPN"]


@pytest.mark.slow
def test_the_real_process_refreshes_on_its_own_and_tells_the_watching_chat(tmp_path) -> None:
    write_seeds(tmp_path / "seeds")
    with FakeTelegram() as api, BotProcess(api, tmp_path, REFRESH_INTERVAL="0.5") as bot:
        api.wait_for(lambda c: c.method == "setMyCommands" and c.status == 200, timeout=60)
        mark = api.mark()
        api.push(api.message(ALICE, "/watch Fortinet VPN"))
        api.push(api.message(BOB, "/watch Conti playbook"))
        api.wait_for(to(ALICE, "Watching"), after=mark)
        api.wait_for(to(BOB, "Watching"), after=mark)
        mark = api.mark()
        add_fortinet_note(tmp_path)
        notice = api.wait_for(to(ALICE, "New note for your watch"), after=mark, timeout=30)
        assert FORTINET_LINK in notice["text"]
        bot.wait_log("Refresh: 1 notes added, 0 changed, 0 removed")
        code, _ = bot.stop()
        log = bot.log()
    assert code == 0 and "Traceback" not in log
    assert sent_to(api, BOB, mark) == []
    assert log.count("Refresh: ") == 1 and "apscheduler" not in log
    assert api.errors() == [] and not any("went wrong" in c["text"] for c in api.sent())


def test_without_a_writable_watch_file_watch_says_so_and_the_index_still_refreshes(api, root) -> None:
    (root / "index" / FILE).mkdir(parents=True)  # a folder where the file should be

    async def run() -> None:
        async with running(api, root) as bot:
            assert "cannot keep watches right now" in (await bot.say(ALICE, "/watch Fortinet VPN"))["text"]
            assert "cannot keep watches right now" in (await bot.say(ALICE, "/watches"))["text"]
            since = time.time()
            add_fortinet_note(root)
            await bot.refreshed("rebuilt", since)
            assert "Fortinet" in (await bot.say(ALICE, "Fortinet VPN passwords leak"))["text"]

    scenario(run())
    assert api.errors() == []


def test_a_group_that_became_a_supergroup_keeps_its_watches_under_its_new_id(api, root) -> None:
    group, supergroup = -100123, -100999

    async def run() -> None:
        async with running(api, root) as bot:
            mark = api.mark()
            await bot.send(api.group_message(ALICE, "/watch Fortinet VPN", group_id=group))
            await bot.wait(to(group, "Watching"), mark)
            api.migrated[group] = supergroup
            mark = api.mark()
            add_fortinet_note(root)
            await bot.wait(to(supergroup, "New note for your watch"), mark)
            assert [w.chat_id for w in bot.data.watcher.store.all()] == [supergroup]

    scenario(run())
