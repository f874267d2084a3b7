"""The terminal chat, driven through its stdin and stdout as a person at a keyboard would."""

from __future__ import annotations

import io

import pytest

from bot.chat.terminal import chat
from bot.search.library import Library
from seed_notes import LINE_LINK, PIPELINE_LINK, write_seeds

QUESTION = "who was affected in the Taiwan LINE hack?"
NOTHING = "Nothing in the notes answers that"


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Library:
    root = tmp_path_factory.mktemp("chat")
    library = Library(write_seeds(root / "seeds"), root / "index")
    library.open()
    return library


def talk(library: Library, *lines: str) -> tuple[int, list[str]]:
    """Exit code, and each reply (the text printed after each prompt)."""
    out = io.StringIO()
    code = chat(library, stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=out)
    replies = out.getvalue().split("\n? ")
    return code, [r.strip() for r in replies[1:]]


def test_a_question_is_answered_with_title_passage_source_date_and_link(library):
    code, replies = talk(library, QUESTION)
    answer = replies[0]
    assert code == 0
    assert "LINE accounts for more than 100 Taiwanese politicians were hacked" in answer.splitlines()[0]
    assert "The [LINE] accounts of more than 100 [Taiwanese] politicians" in answer
    assert "The Record · 2021-07-28" in answer
    assert answer.splitlines()[-1] == LINE_LINK


def test_the_greeting_says_what_is_indexed_and_how_to_ask(library):
    out = io.StringIO()
    chat(library, stdin=io.StringIO(""), stdout=out)
    greeting = out.getvalue()
    assert "3 notes from 3 sources" in greeting and "/quit" in greeting


@pytest.mark.parametrize("key", ["", "n"])
def test_enter_or_n_gives_the_next_passage(library, key):
    _, replies = talk(library, QUESTION, key, key)
    assert [r.split()[0] for r in replies[:3]] == ["1/5", "2/5", "3/5"]
    assert len({r.split("\n\n")[1] for r in replies[:3]}) == 3  # three different passages


def test_paging_past_the_last_passage_says_there_are_no_more(library):
    _, replies = talk(library, "Colonial Pipeline DarkSide", *[""] * 5)
    assert "No more passages" in replies[-2]


def test_enter_after_a_question_with_no_answer_does_not_page_the_previous_one(library):
    _, replies = talk(library, QUESTION, "quantum gardening recipes", "")
    assert NOTHING in replies[1]
    assert "No more passages" in replies[2]


def test_tags_lists_tags_most_used_first(library):
    _, replies = talk(library, "/tags")
    assert replies[0].splitlines()[0].split() == ["2", "ransomware"]


def test_sources_lists_sources_with_counts_and_dates(library):
    _, replies = talk(library, "/sources")
    rows = replies[0].splitlines()
    assert len(rows) == 3 and all(row.split()[0] == "1" for row in rows)
    assert any("ZDNet" in row and "2021-05-13" in row for row in rows)
    assert any("The Record" in row and "2021-07-28" in row for row in rows)


def test_quit_ends_the_chat_and_ignores_what_follows(library):
    code, replies = talk(library, "/quit", QUESTION)
    assert code == 0 and replies == [""]


def test_end_of_input_ends_the_chat_with_exit_code_0(library):
    code, replies = talk(library, QUESTION)
    assert code == 0 and len(replies) == 2 and replies[-1] == ""


def test_an_unknown_command_gets_the_help(library):
    _, replies = talk(library, "/frobnicate")
    assert "Unknown command /frobnicate" in replies[0] and "/tags" in replies[0]


def test_a_filter_that_is_not_a_date_is_explained(library):
    _, replies = talk(library, "before:2021-13-45 Colonial Pipeline")
    assert "before:2021-13-45 is not a date" in replies[0]
    assert PIPELINE_LINK in replies[0]


def test_a_source_filter_restricts_the_answer(library):
    _, replies = talk(library, "source:zdnet ransom")
    assert PIPELINE_LINK in replies[0]


@pytest.mark.parametrize(
    "odd",
    [
        "the of and is what was",
        "🔥🔥🔥 😱",
        "\u200b\u200b\u200b",
        "?!?! ...",
    ],
    ids=["stopwords", "emoji", "zero-width", "punctuation"],
)
def test_a_question_with_no_searchable_word_gets_a_helpful_reply(library, odd):
    code, replies = talk(library, odd)
    assert code == 0
    assert "no word to search for" in replies[0] and "LINE hack" in replies[0]


def test_a_4000_character_question_is_answered(library):
    code, replies = talk(library, ("Taiwan LINE hack politicians " * 140)[:4000])
    assert code == 0 and replies[0].splitlines()[-1] == LINE_LINK


def test_words_with_zero_width_characters_pasted_inside_are_still_found(library):
    """Text copied from web pages carries invisible characters inside words ("r\u200bedacted");
    the notes drop them, so the question must too."""
    _, replies = talk(library, "Tai\u200bwan LI\u200dNE ha\u00adck")
    assert replies[0].splitlines()[-1] == LINE_LINK
