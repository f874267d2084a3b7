"""A running bot picks up an index another process (the CLI from cron or CI) rebuilt.

``Library.reload_if_changed`` is the one place that loads it (the Telegram bot calls it every
``RELOAD_CHECK_S`` seconds and at each refresh, the terminal chat at each turn); reading
``Library.engine`` never looks at the disk."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from bot.search.library import Library
from bot.search.store import current_build
from seed_notes import LINE_LINK, add_solarwinds_note

QUESTION = "who was affected in the Taiwan LINE hack?"
SOLARWINDS = "which offices did the SolarWinds hackers breach?"


@pytest.fixture
def bot(seeds, tmp_path) -> Library:
    """The running bot's library."""
    library = Library(seeds, tmp_path / "index")
    library.open()
    return library


def _cli_rebuild(seeds: Path, index_dir: Path) -> None:
    """What `incident-bot index build` run from cron does: its own Library, its own process."""
    Library(seeds, index_dir).rebuild()


def test_the_bot_serves_an_index_the_cli_rebuilt_without_a_restart(bot, seeds):
    old = bot.engine
    assert old.info.notes == 3
    add_solarwinds_note(seeds)
    _cli_rebuild(seeds, bot.index_dir)
    assert bot.reload_if_changed()
    new = bot.engine
    assert new is not old and new.info.notes == 4
    assert new.ask(SOLARWINDS).hits[0].note.link == "https://therecord.media/solarwinds-doj/"
    # A reader that took the old engine before the swap still gets whole answers from it.
    assert old.ask(QUESTION).hits[0].note.link == LINE_LINK
    assert not bot.reload_if_changed() and bot.engine is new  # nothing changed since: the same engine


def test_reading_the_engine_never_looks_at_the_disk(bot, seeds, monkeypatch):
    old = bot.engine
    add_solarwinds_note(seeds)
    _cli_rebuild(seeds, bot.index_dir)
    calls = []
    monkeypatch.setattr("bot.search.library.current_target", lambda d: calls.append(d) or "builds/x")
    for _ in range(100):
        assert bot.engine is old
    assert calls == []
    monkeypatch.undo()
    bot.reload_if_changed()
    assert bot.engine.info.notes == 4


def test_a_new_build_that_cannot_be_loaded_keeps_the_old_index_and_is_logged_once(bot, seeds, caplog):
    old = bot.engine
    add_solarwinds_note(seeds)
    _cli_rebuild(seeds, bot.index_dir)
    broken = current_build(bot.index_dir)
    (broken / "passage_docs.npy").write_bytes(b"truncated")
    with caplog.at_level(logging.ERROR, logger="bot.search.library"):
        assert not bot.reload_if_changed()
        assert not bot.reload_if_changed()
        assert bot.engine is old
    assert caplog.text.count("cannot be loaded") == 1
    assert old.ask(QUESTION).hits[0].note.link == LINE_LINK
    _cli_rebuild(seeds, bot.index_dir)  # the next good build is picked up
    assert bot.reload_if_changed()
    assert bot.engine.info.notes == 4


def test_a_missing_current_link_keeps_serving(bot):
    old = bot.engine
    (bot.index_dir / "current").unlink()
    assert not bot.reload_if_changed()
    assert bot.engine is old


def test_its_own_rebuild_is_not_loaded_twice(bot, seeds, monkeypatch):
    add_solarwinds_note(seeds)
    bot.rebuild()
    engine = bot.engine
    loads = []
    monkeypatch.setattr("bot.search.library.load_build", lambda b: loads.append(b))
    assert not bot.reload_if_changed()
    assert bot.engine is engine and loads == []


def test_many_threads_asking_during_a_swap_all_get_answers(bot, seeds):
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        try:
            while not stop.is_set():
                assert bot.engine.ask(QUESTION).hits[0].note.link == LINE_LINK
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        add_solarwinds_note(seeds)
        _cli_rebuild(seeds, bot.index_dir)
        assert bot.reload_if_changed()
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert not errors
    assert bot.engine.info.notes == 4
