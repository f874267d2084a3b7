"""After a build, its new and changed notes are matched against the watches and queued once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.chat.alerts import queue_matches
from bot.search.library import Library
from bot.state.watches import WatchStore
from seed_notes import add_solarwinds_note, note_text

CHAT, OTHER = 10, 20
SOLARWINDS_LINK = "https://therecord.media/solarwinds-doj/"


@pytest.fixture
def library(seeds: Path, tmp_path: Path) -> Library:
    library = Library(seeds, tmp_path / "index")
    library.open()
    return library


@pytest.fixture
def store(tmp_path: Path) -> WatchStore:
    return WatchStore(tmp_path / "state" / "watches.sqlite3")


def test_a_new_note_is_queued_for_the_chat_watching_its_topic_only(library: Library, store: WatchStore) -> None:
    store.add(CHAT, "SolarWinds attorneys", limit=5)
    store.add(OTHER, "Colonial Pipeline", limit=5)
    queue_matches(store, library.engine, library.index_dir)  # the first build: old news
    add_solarwinds_note(library.seeds_dir)
    library.rebuild()
    done = queue_matches(store, library.engine, library.index_dir)
    assert done is not None and done.fresh == 1 and done.queued == 1
    [batch] = store.claim(per_chat=3)
    assert batch.chat_id == CHAT and [n.note_key for n in batch.notices] == [SOLARWINDS_LINK]


def test_a_build_is_handled_once(library: Library, store: WatchStore) -> None:
    store.add(CHAT, "SolarWinds attorneys", limit=5)
    add_solarwinds_note(library.seeds_dir)
    library.rebuild()
    assert queue_matches(store, library.engine, library.index_dir).queued == 1
    assert queue_matches(store, library.engine, library.index_dir) is None
    assert store.stats().pending == 1


def test_the_first_build_of_an_index_announces_nothing(seeds: Path, tmp_path: Path, store: WatchStore) -> None:
    add_solarwinds_note(seeds)
    store.add(CHAT, "SolarWinds attorneys", limit=5)
    library = Library(seeds, tmp_path / "fresh-index")
    library.open()
    done = queue_matches(store, library.engine, library.index_dir)
    assert done is not None and done.queued == 0


def test_an_edited_note_is_not_queued_again(library: Library, store: WatchStore) -> None:
    store.add(CHAT, "SolarWinds attorneys", limit=5)
    add_solarwinds_note(library.seeds_dir)
    library.rebuild()
    queue_matches(store, library.engine, library.index_dir)
    note = library.seeds_dir / "therecord" / "SolarWinds.md"
    note.write_text(note.read_text("utf-8").replace("27 US Attorney offices", "27 US Attorneys' offices"), "utf-8")
    library.rebuild()
    done = queue_matches(store, library.engine, library.index_dir)
    assert done is not None and done.fresh == 1 and done.queued == 0


def test_a_build_by_another_process_is_handled_once_the_bot_serves_it(library: Library, store: WatchStore) -> None:
    store.add(CHAT, "SolarWinds attorneys", limit=5)
    add_solarwinds_note(library.seeds_dir)
    Library(library.seeds_dir, library.index_dir).rebuild()  # `incident-bot index build` from cron
    assert queue_matches(store, library.engine, library.index_dir) is None  # not in service here yet
    library.reload_if_changed()
    assert queue_matches(store, library.engine, library.index_dir).queued == 1


def test_two_builds_in_a_row_between_two_refreshes_are_both_handled(library: Library, store: WatchStore) -> None:
    store.add(CHAT, "SolarWinds attorneys", limit=5)
    store.add(OTHER, "Fortinet VPN", limit=5)
    queue_matches(store, library.engine, library.index_dir)
    add_solarwinds_note(library.seeds_dir)
    Library(library.seeds_dir, library.index_dir).rebuild()  # cron, twice before the bot looks
    (library.seeds_dir / "therecord" / "Fortinet.md").write_text(
        note_text(
            "Fortinet VPN passwords leaked",
            ["Passwords of 87,000 Fortinet VPN devices leaked."],
            source="The Record",
            link="https://therecord.media/fortinet/",
        ),
        "utf-8",
    )
    Library(library.seeds_dir, library.index_dir).rebuild()
    library.reload_if_changed()
    done = queue_matches(store, library.engine, library.index_dir)
    assert done is not None and done.fresh == 2 and done.queued == 2
    assert {b.chat_id for b in store.claim(per_chat=3)} == {CHAT, OTHER}
