"""Each handler, run in-process by a real Application over the real engine.

The Application talks HTTP to :class:`FakeTelegram`, so every reply is checked the way the Bot
API would check it (HTML, lengths, callback data) and no test mocks python-telegram-bot.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.chat.telegram import handlers
from bot.chat.telegram.app import build_application
from bot.chat.telegram.commands import COMMANDS
from bot.search.library import Library
from bot.settings import Settings
from tests.fake_telegram import BOT, TOKEN, Call, FakeTelegram, button, labels, write_seeds

ADMIN, USER, STRANGER = 1, 2, 3


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("telegram")
    write_seeds(root / "seeds")
    library = Library(root / "seeds", root / "index")
    library.open()
    return library


class Chat:
    """Plays updates through one Application and waits for the bot's calls."""

    def __init__(self, api: FakeTelegram, library: Library, **settings: Any) -> None:
        self.api = api
        self.settings = Settings(
            _env_file=None,
            telegram_bot_token=TOKEN,
            telegram_api_base_url=api.base_url,
            admin_ids=frozenset({ADMIN}),
            seeds_dir=library.seeds_dir,
            index_dir=library.index_dir,
            **settings,
        )
        self.library = library
        self.update_id = 0

    def play(self, *updates: dict, until: Any = None, timeout: float = 15.0) -> list[Call]:
        """Process ``updates`` in order; then wait for a call matching ``until``; return new calls."""
        start = self.api.mark()

        async def main() -> None:
            application = build_application(self.settings, self.library)
            async with application:
                await application.start()  # so that stop() awaits the non-blocking handlers
                for update in updates:
                    self.update_id += 1
                    await application.process_update(
                        Update.de_json({"update_id": self.update_id, **update}, application.bot)
                    )
                if until is not None:
                    await asyncio.to_thread(self.api.wait_for, until, timeout, start)
                await application.stop()

        asyncio.run(main())
        calls = [c for c in self.api.calls[start:] if c.method != "getMe"]
        assert [c for c in calls if c.status != 200] == []
        return calls


def texts(calls: list[Call], method: str = "sendMessage") -> list[str]:
    return [c["text"] for c in calls if c.method == method]


def is_sent(call: Call) -> bool:
    return call.method == "sendMessage"


@pytest.fixture
def chat(api: FakeTelegram, library: Library) -> Chat:
    return Chat(api, library)


def test_question_gets_title_passage_meta_link_and_pager(chat: Chat) -> None:
    calls = chat.play(chat.api.message(USER, "ransomware hospital"))
    assert calls[0].method == "sendChatAction" and calls[0]["action"] == "typing"
    [text] = texts(calls)
    assert text.startswith("<b>Ransomware gang hits a German hospital &amp; its &lt;admin&gt; portal</b>")
    assert "<b>ransomware</b>" in text
    assert "ZDNet · 10 Sep 2021 · Jane Doe" in text
    assert "https://www.zdnet.com/article/hospital-ransomware/?a=1&amp;b=2" in text
    sent = next(c for c in calls if is_sent(c))
    assert sent["parse_mode"] == "HTML"
    assert labels(sent.result)[0].startswith("1/")  # no ◀ on the first page: paging does not wrap
    assert button(sent.result, "▶")["callback_data"].endswith(":1")


def test_next_button_edits_the_message_in_place(chat: Chat) -> None:
    api = chat.api
    asked = api.message(USER, "ransomware hospital")
    application_calls: list[Call] = []

    async def main() -> None:
        application = build_application(chat.settings, chat.library)
        async with application:
            for update_id, update in enumerate([asked], start=1):
                await application.process_update(Update.de_json({"update_id": update_id, **update}, application.bot))
            sent = [c for c in api.calls if is_sent(c)][-1]
            forward = button(sent.result, "▶")["callback_data"]
            for update_id, data in enumerate([forward, forward, "noop"], start=2):
                press = api.callback(USER, sent.result, data)
                await application.process_update(Update.de_json({"update_id": update_id, **press}, application.bot))
            application_calls.extend(api.calls)

    asyncio.run(main())
    edits = [c for c in application_calls if c.method == "editMessageText"]
    assert len(edits) == 2  # a double press of ▶: both ask for page 2
    assert "2/" in edits[0].result["reply_markup"]["inline_keyboard"][0][1]["text"]
    assert [e.status for e in api.errors()] == [400]  # "message is not modified", swallowed quietly
    assert handlers.SOMETHING_WRONG not in texts(application_calls)
    assert edits[0]["text"] != [c for c in application_calls if is_sent(c)][-1]["text"]
    assert sum(c.method == "answerCallbackQuery" for c in application_calls) == 3


def test_stale_or_forged_presses_get_a_notice(chat: Chat) -> None:
    api = chat.api
    old = {"message_id": 5, "date": 0, "chat": {"id": USER, "type": "private"}, "from": BOT, "text": "old"}
    presses = [api.callback(USER, old, data) for data in ("p:gone123:1", "junk", "p:x:99", "t:999")]
    calls = chat.play(*presses)
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert [a["text"] for a in answers] == [handlers.EXPIRED] * 4
    assert not [c for c in calls if c.method == "editMessageText"]


def test_nothing_relevant_is_said_honestly(chat: Chat) -> None:
    [text] = texts(chat.play(chat.api.message(USER, "qqqzzx wwwvvv")))
    assert "nothing relevant" in text and "/tags" in text and "/sources" in text


def test_invisible_only_text_gets_a_hint(chat: Chat) -> None:
    [text] = texts(chat.play(chat.api.message(USER, "\u200b\u200b\u200d")))
    assert "/help" in text


def test_help_says_what_the_index_holds(chat: Chat) -> None:
    [text] = texts(chat.play(chat.api.message(USER, "/help")))
    assert "<b>4</b> notes from <b>3</b> sources" in text
    assert "28 Jul 2021 – 10 Sep 2021" in text
    assert text.count("\n• ") == 3
    assert "source:" in text and "tag:" in text and "after:" in text and "before:" in text
    assert "/reindex" not in text
    [admin_text] = texts(chat.play(chat.api.message(ADMIN, "/start")))
    assert "/reindex" in admin_text


def test_tags_are_counted_and_paged(chat: Chat, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handlers, "TAGS_PER_PAGE", 3)
    calls = chat.play(chat.api.message(USER, "/tags"))
    sent = next(c for c in calls if is_sent(c))
    assert "• ransomware — 2" in sent.result["text"] and "page 1/" in sent["text"]
    forward = button(sent.result, "▶")["callback_data"]
    assert forward == "t:1"
    calls = chat.play(chat.api.callback(USER, sent.result, forward))
    [edit] = [c for c in calls if c.method == "editMessageText"]
    assert "page 2/" in edit["text"] and "ransomware" not in edit["text"]


def test_tag_lists_articles_newest_first(chat: Chat) -> None:
    [text] = texts(chat.play(chat.api.message(USER, "/tag Ransomware")))
    assert text.index("German hospital") < text.index("Conti ransomware playbook")
    assert "https://www.zdnet.com/article/conti-leak/" in text
    [usage, none] = texts(chat.play(chat.api.message(USER, "/tag"), chat.api.message(USER, "/tag <nope>")))
    assert "/tags" in usage
    assert "&lt;nope&gt;" in none


def test_sources_source_and_latest(chat: Chat) -> None:
    sources, source, latest, missing = texts(
        chat.play(
            chat.api.message(USER, "/sources"),
            chat.api.message(USER, "/source zdnet"),
            chat.api.message(USER, "/latest"),
            chat.api.message(USER, "/source nowhere"),
        )
    )
    assert "<b>ZDNet</b> — 2 notes, 6 Aug 2021 – 10 Sep 2021" in sources
    assert source.index("German hospital") < source.index("Conti")
    assert latest.index("German hospital") < latest.index("LINE accounts")
    assert "No source" in missing


def test_reindex_for_admin_reports_counts(chat: Chat) -> None:
    calls = chat.play(chat.api.message(ADMIN, "/reindex"), until=lambda c: "Rebuilt" in c.params.get("text", ""))
    assert "4 notes, 10 passages, 0 skipped files" in texts(calls)[-1]


def test_reindex_and_stats_refused_to_non_admins(chat: Chat) -> None:
    reindex, stats = texts(chat.play(chat.api.message(USER, "/reindex"), chat.api.message(USER, "/stats")))
    assert "for the bot's admins" in reindex and "for the bot's admins" in stats


def test_second_reindex_while_one_runs_is_told_so(chat: Chat) -> None:
    started, release = threading.Event(), threading.Event()

    def hold(done: int, total: int) -> None:
        started.set()
        release.wait(10)

    worker = threading.Thread(target=chat.library.rebuild, kwargs={"progress": hold})
    worker.start()
    try:
        assert started.wait(10)
        [text] = texts(chat.play(chat.api.message(ADMIN, "/reindex")))
        assert "already running" in text
        [question] = texts(chat.play(chat.api.message(USER, "LINE politicians")))
        assert "LINE accounts" in question  # the bot keeps answering meanwhile
    finally:
        release.set()
        worker.join(10)


def test_failed_reindex_keeps_the_old_index(api: FakeTelegram, tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds")
    library = Library(tmp_path / "seeds", tmp_path / "index")
    library.open()
    shutil.rmtree(tmp_path / "seeds")
    (tmp_path / "seeds").mkdir()
    chat = Chat(api, library)
    calls = chat.play(chat.api.message(ADMIN, "/reindex"), until=lambda c: "failed" in c.params.get("text", ""))
    assert "old index stays in service" in texts(calls)[-1]
    [answer] = texts(chat.play(chat.api.message(USER, "ransomware hospital")))
    assert "German hospital" in answer


def test_stats_for_admin(chat: Chat) -> None:
    [text] = texts(chat.play(chat.api.message(ADMIN, "/stats")))
    assert "Notes: 4" in text and "Passages: 10" in text and str(chat.library.seeds_dir) in text


def test_group_answers_only_what_is_meant_for_it(chat: Chat) -> None:
    api = chat.api
    calls = chat.play(
        api.group_message(USER, "ransomware hospital, anyone?"),
        api.group_message(USER, "/help@some_other_bot"),
    )
    assert calls == []
    calls = chat.play(api.group_message(USER, "@incident_test_bot ransomware hospital"))
    [sent] = [c for c in calls if is_sent(c)]
    assert "German hospital" in sent["text"] and int(sent["chat_id"]) == -100123
    bots_message = sent.result
    reply = api.group_message(USER, "LINE politicians", reply_to=bots_message)
    command = api.group_message(USER, "/sources@incident_test_bot")
    asked, sources = texts(chat.play(reply, command))
    assert "LINE accounts" in asked and "ZDNet" in sources


def test_inline_query_offers_rendered_answers(chat: Chat) -> None:
    calls = chat.play(chat.api.inline_query(USER, "ransomware"), chat.api.inline_query(USER, " "))
    first, blank = [c for c in calls if c.method == "answerInlineQuery"]
    results = first["results"]
    assert results and all(r["type"] == "article" for r in results)
    top = results[0]
    assert top["url"].startswith("https://") and top["description"]
    assert top["input_message_content"]["parse_mode"] == "HTML"
    assert "<b>" in top["input_message_content"]["message_text"]
    assert blank["results"][0]["title"].startswith("Ransomware gang hits a German hospital")


def test_allowlist_refuses_strangers_once_and_lets_members_in(api: FakeTelegram, library: Library) -> None:
    chat = Chat(api, library, allowed_user_ids=frozenset({USER}))
    refused = texts(chat.play(api.message(STRANGER, "ransomware hospital")))
    assert refused == [handlers.REFUSED]
    assert chat.play(api.group_message(STRANGER, "ransomware in the group")) == []
    old = {"message_id": 5, "date": 0, "chat": {"id": STRANGER, "type": "private"}, "from": BOT, "text": "x"}
    [press] = chat.play(api.callback(STRANGER, old, "t:0"))
    assert press["text"] == handlers.REFUSED
    assert "German hospital" in texts(chat.play(api.message(USER, "ransomware hospital")))[0]
    assert (
        "Rebuilt"
        in texts(chat.play(api.message(ADMIN, "/reindex"), until=lambda c: "Rebuilt" in c.params.get("text", "")))[-1]
    )


def test_an_edited_command_is_ignored_even_an_admins_reindex(chat: Chat) -> None:
    """An edit re-runs no command (an edited question is answered again, see edited_question)."""
    for user in (USER, ADMIN):
        edited = chat.api.message(user, "/reindex")
        assert chat.play({"edited_message": edited["message"] | {"edit_date": 1}}) == []


class Broken:
    """A library whose engine fails the way a bug would."""

    def __init__(self, library: Library) -> None:
        self.seeds_dir, self.index_dir = library.seeds_dir, library.index_dir

    @property
    def engine(self) -> Any:
        raise RuntimeError("internal detail /srv/index/secret")


def test_errors_are_logged_with_context_and_users_get_a_plain_apology(
    api: FakeTelegram, library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    chat = Chat(api, library)
    chat.library = Broken(library)  # type: ignore[assignment]
    with caplog.at_level(logging.ERROR):
        [text] = texts(chat.play(api.message(USER, "/tags")))
    assert text == handlers.SOMETHING_WRONG
    record = next(r for r in caplog.records if r.name == handlers.__name__)
    assert "update=message" in record.getMessage() and "chat=private" in record.getMessage()
    assert "command=/tags" in record.getMessage()


def start_up(chat: Chat) -> None:
    """What the bot does at start-up before the first update (menus, descriptions)."""

    async def main() -> None:
        application = build_application(chat.settings, chat.library)
        async with application:
            assert application.post_init is not None
            await application.post_init(application)

    asyncio.run(main())


def test_the_command_menu_shows_admin_commands_only_in_the_admins_chats(chat: Chat) -> None:
    start_up(chat)
    public = {c.name for c in COMMANDS if c.menu and not c.admin}
    admin = {c.name for c in COMMANDS if c.menu and c.admin}
    assert admin == {"reindex", "stats"} and "tag" in public
    assert set(chat.api.menus["default"]) == public
    assert set(chat.api.menus[f"chat:{ADMIN}"]) == public | admin


def test_help_lists_the_commands_of_the_table_each_user_may_run(chat: Chat) -> None:
    [user_help] = texts(chat.play(chat.api.message(USER, "/help")))
    [admin_help] = texts(chat.play(chat.api.message(ADMIN, "/help")))
    for command in COMMANDS:
        line = f"{command.usage} — {command.description}"
        assert (line in admin_help) == command.menu
        assert (line in user_help) == (command.menu and not command.admin)


def test_every_command_in_the_table_gets_an_answer_and_none_is_unknown(chat: Chat) -> None:
    replies = texts(
        chat.play(
            *(chat.api.message(ADMIN, f"/{c.name}") for c in COMMANDS),
            until=lambda c: "Rebuilt" in c.params.get("text", ""),
        )
    )
    assert len(replies) >= len(COMMANDS)
    assert not [r for r in replies if "don't know that command" in r or r == handlers.SOMETHING_WRONG]


def test_every_admin_command_of_the_table_is_refused_to_users_and_to_forwarded_messages(chat: Chat) -> None:
    admin_commands = [c for c in COMMANDS if c.admin]
    asked = [chat.api.message(USER, f"/{c.name}") for c in admin_commands]
    forwarded = [chat.api.forwarded(chat.api.message(ADMIN, f"/{c.name}"), USER) for c in admin_commands]
    replies = texts(chat.play(*asked, *forwarded))  # /reindex does not block: its reply may come later
    assert sorted(replies) == sorted(
        [handlers.ADMIN_ONLY.format(command=f"/{c.name}") for c in admin_commands]
        + [handlers.FORWARDED.format(command=f"/{c.name}") for c in admin_commands]
    )


def test_a_photo_or_a_file_with_a_question_as_caption_is_answered(chat: Chat) -> None:
    photo, document = texts(
        chat.play(
            chat.api.media(USER, "photo", caption="ransomware hospital"),
            chat.api.media(USER, "document", caption="LINE politicians"),
        )
    )
    assert "German hospital" in photo and "LINE accounts" in document


def test_stickers_voice_and_captionless_media_get_one_line_on_what_the_bot_can_do(chat: Chat) -> None:
    kinds = ("sticker", "voice", "photo", "document", "location")
    replies = texts(chat.play(*(chat.api.media(USER, kind) for kind in kinds)))
    assert replies == [handlers.CANNOT_READ] * len(kinds)
    group = {"id": -100123, "type": "supergroup", "title": "SOC team"}
    assert chat.play(chat.api.media(USER, "sticker", chat=group)) == []  # group chatter is not for the bot


def test_an_edited_question_is_answered_again_in_the_earlier_reply(chat: Chat) -> None:
    asked = chat.api.message(USER, "ransomware hospital")
    edited = chat.api.edited({"message": asked["message"] | {"text": "LINE politicians"}})
    calls = chat.play(asked, edited)
    [reply] = [c for c in calls if is_sent(c)]
    [edit] = [c for c in calls if c.method == "editMessageText"]
    assert "German hospital" in reply["text"]
    assert int(edit["message_id"]) == reply.result["message_id"] and "LINE accounts" in edit["text"]


def test_an_edited_question_whose_reply_is_forgotten_gets_a_new_reply(chat: Chat) -> None:
    edited = chat.api.edited(chat.api.message(USER, "LINE politicians"))
    [reply] = texts(chat.play(edited))
    assert "LINE accounts" in reply


def test_thirty_reindex_at_once_say_rebuilding_once(chat: Chat) -> None:
    calls = chat.play(
        *(chat.api.message(ADMIN, "/reindex") for _ in range(30)), until=lambda c: "Rebuilt" in c.params.get("text", "")
    )
    replies = texts(calls)
    assert sum(r.startswith("Rebuilding") for r in replies) == 1
    assert sum(r.startswith("Rebuilt") for r in replies) == 1
    assert replies.count(handlers.REBUILD_RUNNING) == 29


def test_a_5000_character_source_name_is_cut_and_the_reply_still_lists_the_articles(
    api: FakeTelegram, tmp_path: Path
) -> None:
    seeds = tmp_path / "seeds"
    write_seeds(seeds)
    note = seeds / "zdnet" / "Conti-leak.md"
    note.write_text(note.read_text("utf-8").replace("+ Source: ZDNet", "+ Source: Z" + "x" * 5000), "utf-8")
    library = Library(seeds, tmp_path / "index")
    library.open()
    chat = Chat(api, library)
    source, sources = texts(chat.play(api.message(USER, "/source Zxxx"), api.message(USER, "/sources")))
    assert "Conti ransomware playbook" in source
    assert "The Record" in sources and "BleepingComputer" in sources and "ZDNet" in sources


def test_the_bot_describes_itself_at_start_up(chat: Chat) -> None:
    start_up(chat)
    assert "4 articles from 3 sources" in chat.api.descriptions["description"]
    assert chat.api.descriptions["short_description"].startswith("Answers questions about security incidents")


def test_a_follow_up_in_a_chat_is_answered_from_the_last_story_and_says_so(chat: Chat) -> None:
    api = chat.api
    first, follow = texts(
        chat.play(api.message(USER, "German hospital ransomware"), api.message(USER, "how did the gang get in?"))
    )
    assert "about:" not in first
    assert follow.startswith("<i>(about: Ransomware gang hits a German hospital &amp; its &lt;admin&gt; portal)</i>")
    assert "Citrix" in follow


def test_a_reply_to_an_older_answer_is_asked_of_that_answers_story(chat: Chat) -> None:
    api = chat.api
    sent: list[dict] = []

    async def main() -> None:
        application = build_application(chat.settings, chat.library)
        async with application:
            for number, text in enumerate(["Conti playbook leaked", "LINE politicians hacked"], start=1):
                update = api.message(USER, text)
                await application.process_update(Update.de_json({"update_id": number, **update}, application.bot))
                sent.append([c for c in api.calls if is_sent(c)][-1].result)
            reply = api.message(USER, "what did they use?", reply_to=sent[0])
            await application.process_update(Update.de_json({"update_id": 3, **reply}, application.bot))

    asyncio.run(main())
    answer = [c for c in api.calls if is_sent(c)][-1]["text"]
    assert "(about: Conti ransomware playbook leaked by an angry affiliate)" in answer
    assert "Cobalt Strike" in answer


def test_smalltalk_gets_a_friendly_reply_and_no_search_hit(chat: Chat) -> None:
    calls = chat.play(chat.api.message(USER, "thanks, that helped"))
    [text] = texts(calls)
    assert text.startswith("Glad to help!") and "For example:" in text
    sent = next(c for c in calls if is_sent(c))
    assert "reply_markup" not in sent.result and "https://" not in text


def test_filters_alone_list_the_matching_articles_and_a_bad_filter_is_named(chat: Chat) -> None:
    asked = (chat.api.message(USER, "tag:ransomware"), chat.api.message(USER, "Conti before:2021-13-45"))
    listing, bad = texts(chat.play(*asked))
    assert listing.startswith("<b>Matching tag:ransomware</b> — 2 articles")
    assert listing.index("German hospital") < listing.index("Conti ransomware playbook")
    assert "before:2021-13-45 is not a date" in bad and "Conti" in bad


def test_an_unsure_answer_is_shown_under_a_line_saying_it_may_not_answer(chat: Chat) -> None:
    [text] = texts(chat.play(chat.api.message(USER, "LINE politicians ransom bitcoin")))
    assert "<i>This may not answer your question; it is the closest match in the notes.</i>" in text
