"""👍 / 👎 under answers, /stats counts, and admins adding notes by sending files, through a real
Application and the fake Bot API (each reply checked as Telegram would check it)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest
from telegram import Update

from bot.chat.telegram import uploads, votes
from bot.chat.telegram.app import build_application
from bot.search.library import Library
from bot.state.feedback import FILE_NAME, FeedbackStore
from seed_notes import note_text
from tests.fake_telegram import FakeTelegram, write_seeds
from tests.test_telegram_handlers import ADMIN, USER, Chat, texts

WIPER = note_text(
    "Wiper malware hits Ukrainian banks",
    ["A destructive wiper called HermeticWiper erased the disks of several Ukrainian banks."],
    source="The Record",
    link="https://therecord.media/hermeticwiper/",
)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    write_seeds(tmp_path / "seeds")
    library = Library(tmp_path / "seeds", tmp_path / "index")
    library.open()
    return library


@pytest.fixture
def chat(api: FakeTelegram, library: Library) -> Chat:
    return Chat(api, library)


def rows(message: dict) -> list[list[dict]]:
    return message["reply_markup"]["inline_keyboard"]


def vote_data(message: dict, face: str) -> str:
    return next(b["callback_data"] for row in rows(message) for b in row if b["text"].startswith(face))


def play_with_presses(chat: Chat, question: str, *faces: str, user: int = USER) -> tuple[dict, list]:
    """Ask ``question``, then press the buttons named by ``faces`` under the answer, in one
    Application; returns the answer message as it is afterwards, and the calls."""
    api = chat.api
    mark = api.mark()

    async def main() -> None:
        application = build_application(chat.settings, chat.library)
        async with application:
            await application.process_update(
                Update.de_json({"update_id": 1, **api.message(user, question)}, application.bot)
            )
            sent = [c for c in api.calls[mark:] if c.method == "sendMessage"][-1].result
            for number, face in enumerate(faces, start=2):
                press = api.callback(user, sent, vote_data(sent, face), live=True)
                await application.process_update(Update.de_json({"update_id": number, **press}, application.bot))

    asyncio.run(main())
    calls = api.calls[mark:]
    assert [c for c in calls if c.status != 200] == []
    answer = [c for c in calls if c.method == "sendMessage"][-1].result
    current = api._messages[(answer["chat"]["id"], answer["message_id"])]
    return current, calls


def test_every_answer_has_thumbs_up_and_down_under_it(chat: Chat) -> None:
    [call] = [c for c in chat.play(chat.api.message(USER, "ransomware hospital")) if c.method == "sendMessage"]
    faces = [b["text"] for b in rows(call.result)[-1]]
    assert faces == ["👍", "👎"]
    assert all(len(b["callback_data"].encode()) <= 64 for row in rows(call.result) for b in row)


def test_a_vote_is_kept_on_disk_with_question_link_passage_and_no_user_id(chat: Chat, library: Library) -> None:
    message, calls = play_with_presses(chat, "ransomware hospital", "👎")
    [toast] = [c["text"] for c in calls if c.method == "answerCallbackQuery"]
    assert toast == votes.THANKS[-1]
    assert [b["text"] for b in rows(message)[-1]] == ["👍", "👎 ✓"]
    [row] = (
        sqlite3.connect(library.index_dir / FILE_NAME)
        .execute("SELECT question, link, passage, vote, voted_at, user_id, chat_id FROM votes")
        .fetchall()
    )
    question, link, passage, vote, voted_at, user_id, chat_id = row
    assert (question, vote, user_id, chat_id) == ("ransomware hospital", -1, None, None)
    assert link == "https://www.zdnet.com/article/hospital-ransomware/?a=1&b=2"
    assert "ransomware" in passage.lower() and voted_at.startswith("20")


def test_a_second_vote_on_the_same_answer_replaces_the_first(chat: Chat, library: Library) -> None:
    _, calls = play_with_presses(chat, "ransomware hospital", "👍", "👎")
    toasts = [c["text"] for c in calls if c.method == "answerCallbackQuery"]
    assert toasts == [votes.THANKS[1], votes.CHANGED]
    counts = FeedbackStore.in_folder(library.index_dir).counts()
    assert (counts.up, counts.down) == (0, 1)


def test_a_page_voted_on_keeps_its_mark_when_paged_back_to(chat: Chat) -> None:
    api = chat.api
    mark = api.mark()

    async def main() -> None:
        application = build_application(chat.settings, chat.library)
        async with application:
            asked = api.message(USER, "LINE politicians")
            await application.process_update(Update.de_json({"update_id": 1, **asked}, application.bot))
            sent = [c for c in api.calls[mark:] if c.method == "sendMessage"][-1].result
            presses = [
                vote_data(sent, "👍"),
                f"p:{vote_data(sent, '👍').split(':')[1]}:1",
                f"p:{vote_data(sent, '👍').split(':')[1]}:0",
            ]
            for number, data in enumerate(presses, start=2):
                press = api.callback(USER, sent, data, live=True)
                await application.process_update(Update.de_json({"update_id": number, **press}, application.bot))

    asyncio.run(main())
    edits = [c for c in api.calls[mark:] if c.method == "editMessageText"]
    assert [b["text"] for b in rows(edits[0].result)[-1]] == ["👍", "👎"]  # page 2: not voted on
    assert [b["text"] for b in rows(edits[1].result)[-1]] == ["👍 ✓", "👎"]  # page 1 again: the vote shows


def test_user_ids_are_kept_only_when_log_questions_allows(api: FakeTelegram, library: Library) -> None:
    chat = Chat(api, library, log_questions=True)
    play_with_presses(chat, "LINE politicians", "👍")
    [row] = sqlite3.connect(library.index_dir / FILE_NAME).execute("SELECT user_id, chat_id FROM votes").fetchall()
    assert row == (USER, USER)


def test_votes_survive_a_restart_and_stats_shows_the_counts(chat: Chat) -> None:
    play_with_presses(chat, "ransomware hospital", "👍")
    play_with_presses(chat, "LINE politicians", "👎")
    [stats] = texts(chat.play(chat.api.message(ADMIN, "/stats")))  # a new Application: a restart
    assert "Feedback: 1 👍, 1 👎" in stats


def old_bot_message() -> dict:
    """A message the bot sent before this process started: no answer of it is remembered."""
    return {
        "message_id": 5,
        "date": 0,
        "chat": {"id": USER, "type": "private"},
        "from": {"id": 1, "is_bot": True, "first_name": "b"},
        "text": "old",
    }


def test_a_vote_on_a_forgotten_answer_gets_the_expired_notice(chat: Chat) -> None:
    old = old_bot_message()
    calls = chat.play(chat.api.callback(USER, old, "v:gone123:0:u"))
    assert [c["text"] for c in calls if c.method == "answerCallbackQuery"] == [votes.EXPIRED]


def test_when_the_votes_file_cannot_be_opened_answers_come_without_vote_buttons(api, library, tmp_path) -> None:
    data = tmp_path / "data"
    (data / FILE_NAME).mkdir(parents=True)  # a folder where the votes file should be
    chat = Chat(api, library, data_dir=data)
    [call] = [c for c in chat.play(api.message(USER, "ransomware hospital")) if c.method == "sendMessage"]
    assert all(b["text"] not in {"👍", "👎"} for row in rows(call.result) for b in row)


# --- admins add notes by sending files --------------------------------------------------------


def test_an_admin_sends_a_note_and_it_is_added_and_answers(chat: Chat, library: Library) -> None:
    [reply] = texts(chat.play(chat.api.document(ADMIN, "HermeticWiper.md", WIPER.encode())))
    assert "HermeticWiper.md: added “Wiper malware hits Ukrainian banks” as added/HermeticWiper.md" in reply
    assert "Index rebuilt: 5 notes" in reply
    assert (library.seeds_dir / "added" / "HermeticWiper.md").read_text("utf-8") == WIPER
    [answer] = texts(chat.play(chat.api.message(USER, "wiper Ukrainian banks")))
    assert "Wiper malware hits Ukrainian banks" in answer


def test_several_files_each_get_their_line(chat: Chat, library: Library) -> None:
    replies = texts(
        chat.play(
            chat.api.document(ADMIN, "a.md", WIPER.encode()),
            chat.api.document(ADMIN, "b.md", b"# only a heading\n\nplain text, no note format\n"),
        )
    )
    assert "a.md: added" in replies[0]
    assert replies[1].startswith("b.md: not added: neither an ## Information: note")
    assert not (library.seeds_dir / "added" / "b.md").exists()


def test_a_hostile_file_name_is_saved_inside_the_seeds(chat: Chat, library: Library, tmp_path: Path) -> None:
    [reply] = texts(chat.play(chat.api.document(ADMIN, "../../../../tmp/evil.md", WIPER.encode())))
    assert "as added/evil.md" in reply
    assert (library.seeds_dir / "added" / "evil.md").is_file() and not (tmp_path / "evil.md").exists()


def test_a_note_file_over_the_limit_is_refused_without_downloading_it(chat: Chat) -> None:
    calls = chat.play(chat.api.document(ADMIN, "big.md", b"x" * (5 * 1024 * 1024 + 1)))
    assert texts(calls)[0].startswith("big.md: not added: too large")
    assert not [c for c in calls if c.method in {"getFile", "downloadFile"}]


def test_a_non_admin_sending_a_note_file_gets_a_polite_refusal(chat: Chat, library: Library) -> None:
    calls = chat.play(chat.api.document(USER, "w.md", WIPER.encode()))
    assert texts(calls) == [uploads.NOT_ADMIN]
    assert not (library.seeds_dir / "added").exists()
    assert not [c for c in calls if c.method in {"getFile", "downloadFile"}]


def test_a_non_admins_note_file_with_a_caption_is_answered_as_a_question(chat: Chat) -> None:
    [reply] = texts(chat.play(chat.api.document(USER, "w.md", WIPER.encode(), caption="ransomware hospital")))
    assert "German hospital" in reply


# --- log hygiene ------------------------------------------------------------------------------


def test_callback_data_with_line_breaks_cannot_forge_log_lines(
    chat: Chat, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(update: Update, context: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("bot.chat.telegram.handlers.stale_pressed", broken)
    old = old_bot_message()
    with caplog.at_level(logging.ERROR):
        chat.play(chat.api.callback(USER, old, "x\nERROR forged line\r"))
    [record] = [r for r in caplog.records if r.getMessage().startswith("Handling failed")]
    assert "\n" not in record.getMessage() and "\r" not in record.getMessage()
    assert "x\\nERROR" in record.getMessage()
