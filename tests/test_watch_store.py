"""The watch store: watches and notifications in SQLite, each queued and sent at most once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.state.watches import WatchLimit, WatchStore

CHAT, OTHER = 10, 20


@pytest.fixture
def store(tmp_path: Path) -> WatchStore:
    return WatchStore(tmp_path / "state" / "watches.sqlite3")


def test_a_watch_survives_reopening_the_file(store: WatchStore) -> None:
    watch, new = store.add(CHAT, "ransomware tag:healthcare", limit=5)
    store.close()
    again = WatchStore(store.path)
    assert new and again.of_chat(CHAT) == [watch]


def test_the_same_watch_twice_is_kept_once_whatever_its_case(store: WatchStore) -> None:
    first, _ = store.add(CHAT, "Fortinet", limit=5)
    second, new = store.add(CHAT, "fortinet", limit=5)
    assert not new and second == first and len(store.of_chat(CHAT)) == 1


def test_a_chat_cannot_keep_more_watches_than_its_limit(store: WatchStore) -> None:
    store.add(CHAT, "one", limit=2)
    store.add(CHAT, "two", limit=2)
    with pytest.raises(WatchLimit, match="2 watches"):
        store.add(CHAT, "three", limit=2)
    store.add(OTHER, "three", limit=2)  # another chat has its own limit


def test_a_chat_removes_only_its_own_watches(store: WatchStore) -> None:
    watch, _ = store.add(CHAT, "Fortinet", limit=5)
    assert store.remove(OTHER, watch.id) is None
    assert store.remove(CHAT, watch.id) == watch
    assert store.of_chat(CHAT) == []


def test_a_build_is_recorded_once_and_a_note_is_queued_once_per_watch(store: WatchStore) -> None:
    watch, _ = store.add(CHAT, "Fortinet", limit=5)
    assert store.record(["builds/a"], [(watch.id, "https://x/1", "h1", CHAT)]) == 1
    assert store.record(["builds/a"], [(watch.id, "https://x/1", "h1", CHAT)]) == 0  # the same build again
    # The note edited, matched again by a later build: still one notification.
    assert store.record(["builds/b"], [(watch.id, "https://x/1", "h2", CHAT)]) == 0
    assert store.handled("builds/a") and store.handled("builds/b") and not store.handled("builds/c")
    assert store.stats().pending == 1


def test_claim_marks_notifications_sent_before_they_go_out_and_sums_up_past_the_limit(store: WatchStore) -> None:
    fortinet, _ = store.add(CHAT, "Fortinet", limit=5)
    vpn, _ = store.add(CHAT, "VPN", limit=5)
    rows = [(fortinet.id, f"note-{i}", "h", CHAT) for i in range(5)] + [(vpn.id, "note-0", "h", CHAT)]
    store.record(["builds/a"], rows)
    [batch] = store.claim(per_chat=2)
    assert [n.note_key for n in batch.notices] == ["note-0", "note-1"]
    assert set(batch.notices[0].queries) == {"Fortinet", "VPN"}  # one message for a note two watches match
    assert batch.summed == {"Fortinet": 3}
    assert store.claim(per_chat=2) == []  # nothing is handed out twice
    assert store.stats().sent == 3 and store.stats().pending == 0


def test_a_released_notification_is_claimed_again(store: WatchStore) -> None:
    watch, _ = store.add(CHAT, "Fortinet", limit=5)
    store.record(["builds/a"], [(watch.id, "note-0", "h", CHAT)])
    [batch] = store.claim(per_chat=3)
    assert store.release(batch.notices[0].rows) == 1
    [again] = store.claim(per_chat=3)
    assert again.notices[0].note_key == "note-0"


def test_a_paused_chat_keeps_its_watches_and_gets_nothing_until_it_resumes(store: WatchStore) -> None:
    watch, _ = store.add(CHAT, "Fortinet", limit=5)
    other, _ = store.add(OTHER, "Fortinet", limit=5)
    store.record(["builds/a"], [(watch.id, "note-0", "h", CHAT), (other.id, "note-0", "h", OTHER)])
    assert store.pause_chat(CHAT) == 1
    assert [w.paused for w in store.of_chat(CHAT)] == [True]
    assert [w.chat_id for w in store.active()] == [OTHER]
    assert [b.chat_id for b in store.claim(per_chat=3)] == [OTHER]
    assert store.resume_chat(CHAT) == 1
    assert [b.chat_id for b in store.claim(per_chat=3)] == [CHAT]


def test_removing_a_watch_drops_what_it_still_had_queued(store: WatchStore) -> None:
    watch, _ = store.add(CHAT, "Fortinet", limit=5)
    store.record(["builds/a"], [(watch.id, "note-0", "h", CHAT)])
    store.remove(CHAT, watch.id)
    assert store.claim(per_chat=3) == []


def test_matches_of_a_watch_removed_meanwhile_are_not_queued(store: WatchStore) -> None:
    watch, _ = store.add(CHAT, "Fortinet", limit=5)
    store.remove(CHAT, watch.id)
    assert store.record(["builds/a"], [(watch.id, "note-0", "h", CHAT)]) == 0


def test_a_failed_record_leaves_the_build_unhandled(store: WatchStore) -> None:
    watch, _ = store.add(CHAT, "Fortinet", limit=5)

    def rows():
        yield (watch.id, "note-0", "h", CHAT)
        raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(sqlite3.OperationalError):
        store.record(["builds/a"], rows())
    assert not store.handled("builds/a") and store.stats().pending == 0
    assert store.record(["builds/a"], [(watch.id, "note-0", "h", CHAT)]) == 1
