"""Rendering and keyboards: escaping, highlights, the 4096 limit, callback data size."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from bot.chat.telegram import render
from bot.chat.telegram.keyboards import (
    MAX_CALLBACK_BYTES,
    AnswerPage,
    AnswerStore,
    Listing,
    TagsPage,
    answer_keyboard,
    parse_callback,
    tags_keyboard,
)
from bot.notes.models import Note
from bot.search.catalog import TagEntry
from bot.search.results import Answer, Hit, Supporting


def note(title: str = "LINE accounts hacked", link: str = "https://therecord.media/line/") -> Note:
    return Note(
        path="therecord/line.md",
        title=title,
        source="The Record",
        link=link,
        date=date(2021, 7, 28),
        author="Catalin Cimpanu",
    )


def hit(
    passage: str,
    spans: tuple[tuple[int, int], ...] = (),
    title: str = "LINE accounts hacked",
    sentence: tuple[int, int] | None = None,
) -> Hit:
    return Hit(rank=1, score=1.0, note=note(title), passage=passage, position=0, highlights=spans, sentence=sentence)


class Balance(HTMLParser):
    """Fails on the markup Telegram would reject: unknown tags or unbalanced ones."""

    ALLOWED = frozenset({"b", "i", "a", "code", "pre", "u", "s"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        assert tag in self.ALLOWED, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag


def assert_valid_html(text: str) -> None:
    parser = Balance()
    parser.feed(text)
    parser.close()
    assert not parser.stack
    assert "&" not in text.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").replace("&quot;", "").replace(
        "&#x27;", ""
    )


def test_note_text_is_escaped_everywhere() -> None:
    evil = Hit(
        rank=1,
        score=1.0,
        note=Note(
            path="x.md",
            title="<script>alert(1)</script> & co",
            source="A&B <i>",
            link="https://x.test/?a=1&b=<2>",
            date=None,
            author="<b>me</b>",
        ),
        passage="Tom & Jerry <script>bad()</script> > all",
        position=0,
    )
    text = render.render_hit(evil, did_you_mean="<oops>")
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text
    assert "Tom &amp; Jerry &lt;script&gt;" in text
    assert "A&amp;B &lt;i&gt;" in text
    assert "&lt;oops&gt;" in text
    assert_valid_html(text)


def test_highlight_spans_are_bold_and_merged() -> None:
    passage = "Ransomware hit the hospital; ransomware again."
    assert render.highlight(passage, [(0, 10), (29, 39)]) == (
        "<b>Ransomware</b> hit the hospital; <b>ransomware</b> again."
    )
    assert render.highlight("a<b", [(0, 3)]) == "<b>a&lt;b</b>"
    assert render.highlight("abcdef", [(0, 3), (2, 5), (10, 12), (4, 4)]) == "<b>abcde</b>f"


def test_the_best_sentence_is_underlined_with_its_words_still_bold() -> None:
    passage = "LINE is popular in Taiwan. Over 100 politicians had their LINE accounts hacked."
    text = render.render_hit(hit(passage, ((0, 4), (58, 62)), sentence=(27, len(passage))))
    assert (
        "<b>LINE</b> is popular in Taiwan. <u>Over 100 politicians had their <b>LINE</b> accounts hacked.</u>" in text
    )


def test_a_word_crossing_the_sentence_edge_is_bold_on_both_sides() -> None:
    assert render.highlight("ab cd", [(0, 5)], sentence=(3, 5)) == "<b>ab </b><u><b>cd</b></u>"


def test_message_has_title_meta_and_link() -> None:
    text = render.render_hit(hit("The LINE accounts were hacked.", ((4, 8),)))
    assert text.startswith("<b>LINE accounts hacked</b>")
    assert "The <b>LINE</b> accounts were hacked." in text
    assert "The Record · 28 Jul 2021 · Catalin Cimpanu" in text
    assert "https://therecord.media/line/" in text


def test_huge_passage_is_cut_at_a_sentence_with_ellipsis() -> None:
    sentence = "Attackers & defenders met at <the> gate again. "
    passage = sentence * 400
    spans = tuple((i * len(sentence), i * len(sentence) + 9) for i in range(400))
    text = render.render_hit(hit(passage, spans))
    assert render.telegram_length(text) <= render.MAX_MESSAGE
    body = text.split("\n\n")[1]
    assert body.endswith("again.…")
    assert_valid_html(text)


def test_one_endless_word_and_emoji_still_fit() -> None:
    for passage in ("&" * 10_000, "😀" * 5000, "x" * 9000):
        text = render.render_hit(hit(passage, ((0, 4000),), title="&" * 5000))
        assert render.telegram_length(text) <= render.MAX_MESSAGE
        assert_valid_html(text)


@given(
    passage=st.text(min_size=0, max_size=6000),
    spans=st.lists(st.tuples(st.integers(-5, 6000), st.integers(-5, 6000)), max_size=20),
    title=st.text(max_size=300),
    sentence=st.none() | st.tuples(st.integers(-5, 6000), st.integers(-5, 6000)),
)
def test_any_hit_renders_to_valid_html_within_limit(passage: str, spans: list, title: str, sentence) -> None:
    text = render.render_hit(hit(passage, tuple(spans), title=title, sentence=sentence))
    assert render.telegram_length(text) <= render.MAX_MESSAGE
    assert_valid_html(text)


def test_lists_stay_within_limit() -> None:
    entries = [TagEntry(f"tag<{i}>&" * 20, f"tag{i}", f"tag{i}", 1000 - i) for i in range(2000)]
    text = render.render_tags(entries, 0, 2000, lambda e: f"https://t.me/bot?start=tag_{e.slug}")
    assert render.telegram_length(text) <= render.MAX_MESSAGE
    assert_valid_html(text)
    notes = tuple(note(title="x" * 1000 + "&", link="https://example.org/" + "a" * 900) for _ in range(50))
    text = render.render_list(Listing("Tagged <evil>" * 100, notes), 0, 50)
    assert render.telegram_length(text) <= render.MAX_MESSAGE
    assert_valid_html(text)


def test_nothing_found_is_honest_and_hints() -> None:
    text = render.render_nothing("<qwzx>", did_you_mean="ransomware")
    assert "nothing relevant" in text and "/tags" in text and "/sources" in text
    assert "&lt;qwzx&gt;" in text
    assert_valid_html(text)


def test_blank_detects_invisible_only_text() -> None:
    assert render.is_blank("\u200b\u200b \ufeff\n")
    assert not render.is_blank("\u200bransomware")


def test_callback_data_fits_64_bytes_and_round_trips() -> None:
    store = AnswerStore()
    answer_id = store.put(Answer("q", ()))
    for pages in (2, 10, 999):
        for page in range(pages):
            [row] = answer_keyboard(answer_id, page, pages).inline_keyboard
            assert all(len(b.callback_data.encode()) <= MAX_CALLBACK_BYTES for b in row)
            targets = {b.text: parse_callback(b.callback_data) for b in row}
            assert targets.get("◀") == (AnswerPage(answer_id, page - 1) if page > 0 else None)
            assert targets.get("▶") == (AnswerPage(answer_id, page + 1) if page < pages - 1 else None)
            assert f"{page + 1}/{pages}" in targets
    assert parse_callback(tags_keyboard(3, 5).inline_keyboard[0][0].callback_data) == TagsPage(2)
    assert answer_keyboard(answer_id, 0, 1) is None


def test_paging_does_not_wrap_around() -> None:
    [first] = tags_keyboard(0, 10).inline_keyboard
    [last] = tags_keyboard(9, 10).inline_keyboard
    assert [b.text for b in first] == ["1/10", "▶"]
    assert [b.text for b in last] == ["◀", "10/10"]


def test_forged_callback_data_parses_to_none() -> None:
    for junk in (None, "", "p:", "p:abc", "p:abc:-1", "p:abc:1:2", "x" * 64, "t:", "t:1e3", "p:a b:1"):
        assert parse_callback(junk) is None


def test_answer_store_is_bounded_lru() -> None:
    store = AnswerStore(capacity=3)
    ids = [store.put(Answer(str(i), ())) for i in range(3)]
    assert store.get(ids[0]) is not None  # now most recently used
    store.put(Answer("new", ()))
    assert len(store) == 3
    assert store.get(ids[1]) is None
    assert store.get(ids[0]) is not None
    assert store.get("forged") is None


def test_a_lone_early_sentence_end_does_not_swallow_the_passage() -> None:
    passage = "Intro. " + "word " * 3000
    body = render.fit_passage(passage, (), 2000)
    assert len(body) > 1000 and body.endswith("word…")


def test_supporting_sentences_follow_the_passage_with_the_question_words_bold() -> None:
    supported = replace(
        hit("Attackers hit the company last week."),
        supporting=(Supporting("Police detained 12 members on Monday.", ((16, 18),)),),
    )
    text = render.render_hit(supported)
    assert_valid_html(text)
    passage_at, supporting_at = text.index("Attackers hit"), text.index("▸ Police detained <b>12</b> members")
    assert passage_at < supporting_at < text.index("The Record")


def test_a_hit_without_supporting_sentences_shows_no_marker() -> None:
    assert "▸" not in render.render_hit(hit("Attackers hit the company last week."))
