"""On the real corpus, every message the bot sends stays within Telegram's limits.

The fake Bot API refuses what Telegram would (over 4,096 characters, HTML that does not parse,
callback data over 64 bytes, over 50 inline results, a next_offset over 64 bytes), and Chat.play
fails on any refused call. These tests sweep /tags pages, the lists of every tag, source and
/latest, answers and inline pages. Skipped without ../shared.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.chat.telegram import render
from bot.chat.telegram.handlers import LIST_PER_PAGE, SOMETHING_WRONG, TAGS_LIMIT
from bot.chat.telegram.keyboards import Listing, list_keyboard
from bot.search.library import Library
from tests.fake_telegram import FakeTelegram, check_markup, labels, visible_text
from tests.test_telegram_browsing import LiveChat, edited, inline, press, sent
from tests.test_telegram_handlers import USER, texts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus_library(notes_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Library:
    library = Library(notes_dir, tmp_path_factory.mktemp("corpus-index"))
    library.open()
    return library


@pytest.fixture(scope="module")
def chat(corpus_library: Library) -> Iterator[LiveChat]:
    with FakeTelegram() as api, LiveChat(api, corpus_library) as live:
        yield live


def test_every_page_of_tags_fits_and_names_each_tag_once(chat: LiveChat) -> None:
    page = sent(chat.play(chat.api.message(USER, "/tags")))
    shown = [page["text"]]
    while "▶" in labels(page):
        page = edited(press(chat, page, "▶"))
        shown.append(page["text"])
    assert len(shown) == render.page_count(TAGS_LIMIT, 25)
    names = [line.split(" — ")[0].casefold() for text in shown for line in text.splitlines() if line.startswith("• ")]
    assert len(names) == TAGS_LIMIT and len(set(names)) == len(names)  # REvil once, whatever its case or kind
    assert any(line.startswith("• REvil — ") for text in shown for line in text.splitlines())


def test_every_list_page_of_every_tag_source_and_latest_fits(corpus_library: Library) -> None:
    """Rendered as the handlers render them and checked as the fake Bot API checks a message."""
    engine = corpus_library.engine
    listings = [Listing(f"Tagged {e.name}", tuple(engine.notes_tagged(e)), e.name) for e in engine.tags.entries]
    sources = [s.name for s in engine.source_stats()]
    listings += [Listing(f"From {name}", tuple(engine.notes_from_source(name, None))) for name in sources]
    listings.append(Listing("Latest incidents", tuple(engine.latest(None))))
    pages = 0
    for listing in listings:
        count = render.page_count(len(listing.notes), LIST_PER_PAGE)
        for page in range(count):
            first = page * LIST_PER_PAGE
            items = range(first, min(first + LIST_PER_PAGE, len(listing.notes)))
            visible_text(render.render_list(listing, page, LIST_PER_PAGE), "HTML")
            check_markup(list_keyboard("abcdefgh", page, count, items).to_dict())
            pages += 1
    assert pages > len(engine.tags.entries)


def test_lists_answers_and_article_pages_pass_the_bot_api(chat: LiveChat, corpus_library: Library) -> None:
    engine = corpus_library.engine
    commands = [f"/source {s.name}" for s in engine.source_stats()] + ["/latest", "/sources", "/help"]
    commands += [f"/tag {e.name}" for e in engine.tags.entries[:60]]
    replies = texts(chat.play(*(chat.api.message(USER, command) for command in commands)))
    assert len(replies) == len(commands) and SOMETHING_WRONG not in replies
    listing = sent(chat.play(chat.api.message(USER, "/tag ransomware")))
    article = edited(press(chat, listing, "10"))
    assert "ransomware" in article["text"].lower()
    for question in ("who was hit by REvil?", "Log4j exploited by which groups", "Colonial Pipeline ransom"):
        answer = sent(chat.play(chat.api.message(USER, question)))
        for _ in range(9):
            if "▶" not in labels(answer):
                break
            answer = edited(press(chat, answer, "▶"))


def test_inline_pages_on_the_real_corpus_pass_the_bot_api(chat: LiveChat) -> None:
    for text in ("", "ransomware", "Kaseya REvil", "qqqzzx"):
        offset, results = "", 0
        for _ in range(6):
            answered = inline(chat, text, offset)
            results += len(answered["results"])
            offset = answered.params.get("next_offset", "")
            if not offset:
                break
        assert 1 <= results <= 50 and not offset
        if text == "ransomware":
            assert results == 50  # five pages of ten
