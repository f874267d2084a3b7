"""Browsing by tag, source and date the way a user taps through it: /tags, /tag, /source, /latest,
their pages and articles, and /start deep links. A real Application over a real index, through
the fake Bot API (which refuses what Telegram would: long text, bad HTML, callback data > 64 bytes).
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.chat.telegram.app import build_application
from bot.search.library import Library
from seed_notes import note_text
from tests.fake_telegram import Call, FakeTelegram, button, labels, write_seeds
from tests.test_telegram_handlers import USER, Chat, is_sent, texts

BULK = 23  # articles tagged "Bulk": three pages of ten


def _note(
    folder: Path,
    name: str,
    title: str,
    paragraphs: list[str],
    tags: tuple[str, ...],
    day: int = 1,
    source: str = "Example News",
    link: str = "",
) -> None:
    path = folder / "extra" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    link = link or f"https://news.example.org/{name}/"
    text = note_text(title, paragraphs, source=source, link=link, date=f"March {day}, 2022", tags=tags)
    path.write_text(text, "utf-8")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """The four conversation notes plus REvil in three spellings and kinds, Lazarus Group, a
    Citrix story whose second paragraph is the one about Citrix, and 23 notes tagged Bulk."""
    root = tmp_path_factory.mktemp("browsing")
    seeds = root / "seeds"
    write_seeds(seeds)
    revil = ["The REvil gang encrypted the servers of a retailer.", "The retailer did not pay."]
    _note(seeds, "revil-1", "REvil hits a retailer", revil, ("REvil",), day=2)
    _note(seeds, "revil-2", "REvil hits a school", revil, ("action.malware.name=REvil",), day=3)
    _note(seeds, "revil-3", "REvil hits a bank", revil, ("REvil", "revil"), day=4)
    lazarus = ["North Korean hackers of the Lazarus Group stole crypto coins.", "Nobody was arrested."]
    _note(seeds, "lazarus", "Lazarus Group steals coins", lazarus, ("threatactor.name=Lazarus Group",), day=5)
    citrix = [
        "A hospital chain lost access to its patient records for a week.",
        "The attackers came in through an unpatched Citrix gateway that the IT team had missed.",
        "The chain says care was never at risk.",
    ]
    _note(seeds, "citrix", "Hospital chain locked out of its records", citrix, ("Citrix",), day=6)
    tv = [
        "The Sinclair Broadcast Group said a ransomware attack took dozens of its TV stations off the air.",
        "Local news shows were replaced by reruns while engineers restored the playout servers.",
    ]
    _note(
        seeds, "sinclair", "Sinclair confirms ransomware attack on its TV stations", tv, (), day=10, source="Wire One"
    )
    _note(
        seeds,
        "sinclair-copy",
        "Sinclair confirms ransomware attacks on its TV stations",
        tv,
        (),
        day=10,
        source="Wire Two",
        link="https://copy.example.net/sinclair-ransomware/",
    )
    _note(
        seeds,
        "sinclair-other",
        "Sinclair TV stations disrupted by a ransomware attack",
        [
            "Viewers of Sinclair stations saw blank screens on Sunday after what the company called a ransomware "
            "incident; it restored its broadcast systems by Tuesday."
        ],
        (),
        day=11,
        source="Wire Three",
    )
    for number in range(BULK):
        _note(
            seeds,
            f"bulk-{number}",
            f"Bulk story number {number}",
            [f"Story {number} of the bulk."],
            ("Bulk",),
            day=7 + number % 20,
        )
    library = Library(seeds, root / "index")
    library.open()
    return library


class LiveChat(Chat):
    """A Chat whose one Application keeps running between plays, so that the buttons of an
    earlier reply still find the lists and answers it remembers."""

    def __enter__(self) -> LiveChat:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.application = build_application(self.settings, self.library)
        self._run(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        self._run(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    async def _start(self) -> None:
        await self.application.initialize()
        await self.application.start()

    async def _stop(self) -> None:
        await self.application.stop()
        await self.application.shutdown()

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def play(self, *updates: dict, until: Any = None, timeout: float = 15.0) -> list[Call]:
        start = self.api.mark()
        for update in updates:
            self.update_id += 1
            data = {"update_id": self.update_id, **update}
            self._run(self.application.process_update(Update.de_json(data, self.application.bot)))
        if until is not None:
            self.api.wait_for(until, timeout, start)
        calls = [c for c in self.api.calls[start:] if c.method != "getMe"]
        assert [c for c in calls if c.status != 200] == []
        return calls


@pytest.fixture
def chat(api: FakeTelegram, library: Library) -> Iterator[Chat]:
    with LiveChat(api, library) as live:
        yield live


def sent(calls: list) -> dict:
    """The one message the bot sent, as the chat shows it (visible text, buttons)."""
    [message] = [c for c in calls if is_sent(c)]
    return {**message.result, "html": message["text"]}


def edited(calls: list) -> dict:
    [edit] = [c for c in calls if c.method == "editMessageText"]
    return {**edit.result, "html": edit["text"]}


def press(chat: Chat, message: dict, label: str) -> list:
    return chat.play(chat.api.callback(USER, message, button(message, label)["callback_data"], live=True))


def test_tags_merges_case_and_kind_into_one_entry_with_the_most_used_spelling(chat: Chat) -> None:
    tags = sent(chat.play(chat.api.message(USER, "/tags")))["text"]
    assert "• REvil — 3" in tags
    assert tags.lower().count("revil") == 1


def test_tag_finds_a_tag_in_any_case_with_or_without_its_kind(chat: Chat) -> None:
    replies = texts(
        chat.play(*(chat.api.message(USER, f"/tag {name}") for name in ("revil", "REVIL (malware)", "REvil")))
    )
    assert len(replies) == 3 and all("Tagged REvil</b> — 3 articles" in r for r in replies)


def test_tag_by_the_start_of_its_name_opens_the_one_tag_it_begins(chat: Chat) -> None:
    [reply] = texts(chat.play(chat.api.message(USER, "/tag lazarus")))
    assert "Tagged Lazarus Group</b> — 1 article" in reply and "Lazarus Group steals coins" in reply


def test_tag_that_begins_several_tags_offers_them_as_buttons_and_a_tap_opens_one(chat: Chat) -> None:
    choice = sent(chat.play(chat.api.message(USER, "/tag r")))
    assert "Which tag do you mean" in choice["text"]
    assert labels(choice) == ["REvil — 3", "ransomware — 2"]
    listing = edited(press(chat, choice, "REvil — 3"))
    assert "Tagged REvil — 3 articles" in listing["text"]


def test_a_misspelt_tag_is_suggested(chat: Chat) -> None:
    choice = sent(chat.play(chat.api.message(USER, "/tag revl")))
    assert labels(choice) == ["REvil — 3"]


def test_an_unknown_tag_says_so_and_points_to_tags(chat: Chat) -> None:
    [reply] = texts(chat.play(chat.api.message(USER, "/tag qqqzzz")))
    assert "No articles are tagged" in reply and "/tags" in reply


def start_links(html: str) -> dict[str, str]:
    """Each t.me deep link in ``html``: its text -> the /start payload."""
    found = re.findall(r'<a href="https://t\.me/incident_test_bot\?start=([^"]+)">([^<]+)</a>', html)
    return {unescape(text): unescape(payload) for payload, text in found}


def test_tags_in_tags_are_deep_links_that_open_the_tags_articles(chat: Chat) -> None:
    links = start_links(sent(chat.play(chat.api.message(USER, "/tags")))["html"])
    assert len(links["REvil"]) <= 64
    [reply] = texts(chat.play(chat.api.message(USER, f"/start {links['REvil']}")))
    assert "Tagged REvil</b> — 3 articles" in reply


def test_start_deep_links_open_a_tag_a_source_or_a_question(chat: Chat) -> None:
    tag, source, question, hello, junk = texts(
        chat.play(
            chat.api.message(USER, "/start tag_ransomware"),
            chat.api.message(USER, "/start source_zdnet"),
            chat.api.message(USER, "/start q_LINE_politicians"),
            chat.api.message(USER, "/start"),
            chat.api.message(USER, "/start <script>"),
        )
    )
    assert "Tagged ransomware</b> — 2 articles" in tag
    assert "From ZDNet</b> — 2 articles" in source
    assert "LINE accounts" in question and "Taiwanese politicians" in question
    assert "notes from" in hello and "notes from" in junk


def test_a_list_shows_its_total_titles_as_links_and_pages_without_wrapping(chat: Chat) -> None:
    first = sent(chat.play(chat.api.message(USER, "/tag bulk")))
    assert f"Tagged Bulk — {BULK} articles (page 1/3)" in first["text"]
    assert first["html"].count('<a href="https://news.example.org/bulk-') == 10
    assert labels(first) == [str(n) for n in range(1, 11)] + ["1/3", "▶"]
    second = edited(press(chat, first, "▶"))
    assert "(page 2/3)" in second["text"] and "11. Bulk story" in second["text"]
    last = edited(press(chat, second, "▶"))
    assert labels(last) == ["21", "22", "23", "◀", "3/3"]


def test_tapping_an_article_of_a_list_shows_its_best_paragraph_for_the_lists_topic(chat: Chat) -> None:
    listing = sent(chat.play(chat.api.message(USER, "/tag citrix")))
    article = edited(press(chat, listing, "1"))
    assert "unpatched Citrix gateway" in article["text"]
    assert "Hospital chain locked out of its records" in article["text"]
    back = edited(press(chat, article, "◀ Back to the list"))
    assert "Tagged Citrix — 1 article" in back["text"]


def test_source_and_latest_are_paged_lists_with_a_total(chat: Chat) -> None:
    source, latest = texts(chat.play(chat.api.message(USER, "/source example"), chat.api.message(USER, "/latest")))
    assert f"From Example News</b> — {BULK + 5} articles (page 1/3)" in source
    assert f"Latest incidents</b> — {BULK + 12} articles (page 1/4)" in latest


def test_a_question_of_filters_alone_lists_every_article_they_keep_in_pages(chat: Chat) -> None:
    first = sent(chat.play(chat.api.message(USER, "tag:bulk after:2022-03-01")))
    assert f"Matching tag:bulk after:2022-03-01 — {BULK} articles (page 1/3)" in first["text"]
    second = edited(press(chat, first, "▶"))
    assert "(page 2/3)" in second["text"]


def test_a_forgotten_list_says_it_expired(chat: Chat) -> None:
    listing = sent(chat.play(chat.api.message(USER, "/tag bulk")))
    stale = {**listing, "reply_markup": {"inline_keyboard": [[{"text": "▶", "callback_data": "l:gone:1"}]]}}
    [answer] = [c for c in chat.play(chat.api.callback(USER, stale, "l:gone:1")) if c.method == "answerCallbackQuery"]
    assert "expired" in answer["text"]


def test_a_copy_of_an_article_is_one_page_that_names_the_other_outlet(chat: Chat) -> None:
    answer = sent(chat.play(chat.api.message(USER, "Sinclair ransomware TV stations off the air")))
    assert "Sinclair confirms ransomware attack" in answer["text"]
    copy = "Wire Two" if "Wire One · " in answer["text"] else "Wire One"
    assert f"Also reported by: {copy}" in answer["text"]
    pages = [answer["text"]]
    while "▶" in labels(answer):
        answer = edited(press(chat, answer, "▶"))
        pages.append(answer["text"])
    assert not any(f"{copy} · " in page for page in pages)  # the copy is no page of its own


def test_an_answer_links_the_full_article(chat: Chat) -> None:
    answer = sent(chat.play(chat.api.message(USER, "LINE politicians")))
    assert '🔗 <a href="https://therecord.media/line-accounts-hacked/">Full article</a>' in answer["html"]


def test_other_reports_of_the_story_open_as_a_list(chat: Chat) -> None:
    answer = sent(chat.play(chat.api.message(USER, "Sinclair ransomware TV stations off the air")))
    calls = press(chat, answer, "Other reports (2)")
    reports = sent(calls)
    assert "Other reports of: Sinclair confirms ransomware" in reports["text"] and "— 2 articles" in reports["text"]
    assert "Sinclair TV stations disrupted by a ransomware attack" in reports["text"]
    article = edited(press(chat, reports, "1"))
    assert "Sinclair" in article["text"]


def inline(chat: Chat, text: str, offset: str = "") -> Call:
    [answered] = [c for c in chat.play(chat.api.inline_query(USER, text, offset)) if c.method == "answerInlineQuery"]
    return answered


def inline_pages(chat: Chat, text: str) -> list[list[str]]:
    """The titles of every page of inline results for ``text``, scrolling as Telegram does."""
    pages, offset = [], ""
    for _ in range(6):  # 50 results at most: five pages and never a sixth
        answered = inline(chat, text, offset)
        pages.append([r["title"] for r in answered["results"]])
        offset = answered.params.get("next_offset", "")
        if not offset:
            return pages
    raise AssertionError(f"more than five pages: {pages}")


def test_inline_results_come_ten_at_a_time_with_next_offset(chat: Chat) -> None:
    pages = inline_pages(chat, "")  # no question yet: the latest articles, newest first
    titles = [title for page in pages for title in page]
    assert [len(page) for page in pages] == [10, 10, 10, 5]
    assert titles[0] == "Bulk story number 19" and len(set(titles)) == len(titles) == BULK + 12


def test_an_inline_answer_with_fewer_than_ten_results_has_no_next_page(chat: Chat) -> None:
    [page] = inline_pages(chat, "bulk story")
    assert 1 <= len(page) < 10 and all(title.startswith("Bulk story") for title in page)


def test_an_inline_query_nothing_matches_gets_one_result_saying_so(chat: Chat) -> None:
    [result] = inline(chat, "qqqzzx wwwvvv")["results"]
    assert result["title"] == "Nothing in the notes matches"
    assert "nothing relevant" in result["input_message_content"]["message_text"]


def test_inline_results_never_carry_a_did_you_mean_into_the_chat(chat: Chat) -> None:
    results = inline(chat, "sinclar ransomwre")["results"]
    assert results and "Sinclair" in results[0]["title"]
    assert not any("Did you mean" in r["input_message_content"]["message_text"] for r in results)


def test_the_tags_under_an_answer_are_links_that_open_the_tags_articles(chat: Chat) -> None:
    answer = sent(chat.play(chat.api.message(USER, "REvil retailer servers")))
    links = start_links(answer["html"])
    assert "🏷 REvil" in answer["text"] and "REvil" in links
    [reply] = texts(chat.play(chat.api.message(USER, f"/start {links['REvil']}")))
    assert "Tagged REvil</b> — 3 articles" in reply
