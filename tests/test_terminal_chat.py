"""The terminal chat, driven through its stdin and stdout as a person at a keyboard would."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.chat.terminal import chat
from bot.search.library import Library
from seed_notes import LINE_LINK, PIPELINE_LINK, add_solarwinds_note, write_seeds

QUESTION = "who was affected in the Taiwan LINE hack?"
NOTHING = "Nothing in the notes answers that"


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Library:
    root = tmp_path_factory.mktemp("chat")
    library = Library(write_seeds(root / "seeds"), root / "index")
    library.open()
    return library


def talk(library: Library, *lines: str, width: int | None = None) -> tuple[int, list[str]]:
    """Exit code, and each reply (the text printed after each prompt)."""
    out = io.StringIO()
    code = chat(library, stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=out, width=width)
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
    assert [r.split()[0] for r in replies[:3]] == ["1/10", "2/10", "3/10"]
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
    assert "no word to search for" in replies[0]
    assert 'e.g. "Microsoft 365 phishing campaign steals credentials"' in replies[0]  # the newest note's title


def test_a_4000_character_question_is_answered(library):
    code, replies = talk(library, ("Taiwan LINE hack politicians " * 140)[:4000])
    assert code == 0 and replies[0].splitlines()[-1] == LINE_LINK


def test_words_with_zero_width_characters_pasted_inside_are_still_found(library):
    """Text copied from web pages carries invisible characters inside words ("r\u200bedacted");
    the notes drop them, so the question must too."""
    _, replies = talk(library, "Tai\u200bwan LI\u200dNE ha\u00adck")
    assert replies[0].splitlines()[-1] == LINE_LINK


def test_a_question_pages_through_as_many_passages_as_telegram_shows(library):
    from bot.chat.telegram import handlers

    _, replies = talk(library, QUESTION, *[""] * 12)
    shown = [r for r in replies if r[:1].isdigit()]
    assert len(shown) == handlers.TOP == 10
    assert shown[-1].startswith("10/10") and "No more passages" in replies[len(shown)]


def test_answers_are_wrapped_at_word_boundaries_to_the_width(library):
    _, replies = talk(library, QUESTION, width=40)
    lines = replies[0].splitlines()
    assert max(len(line) for line in lines if " " in line) <= 40
    assert lines[-1] == LINE_LINK  # a link longer than a line is kept whole
    flowed = " ".join(line for line in lines[2:-3] if line)
    assert "The [LINE] accounts of more than 100 [Taiwanese] politicians" in flowed  # no word was cut


def test_a_wrapped_supporting_sentence_continues_under_its_first_word(library):
    _, replies = talk(library, QUESTION, width=40)
    lines = replies[0].splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  ▸ "))
    assert lines[first + 1].startswith("    ") and lines[first + 1][4] != " "  # a hanging indent under the text


def test_piped_output_is_not_wrapped(library):
    _, replies = talk(library, QUESTION)
    assert any(len(line) > 100 for line in replies[0].splitlines())


def test_tag_lists_the_articles_with_that_tag_newest_first(library):
    _, replies = talk(library, "/tag ransomware")
    assert replies[0].splitlines()[0] == "Tagged ransomware: 2 articles, newest first"
    assert PIPELINE_LINK in replies[0] and LINE_LINK not in replies[0]


@pytest.mark.parametrize("name", ["RANSOMWARE", "ransomw"], ids=["case", "prefix"])
def test_tag_finds_a_tag_by_case_or_prefix(library, name):
    _, replies = talk(library, f"/tag {name}")
    assert replies[0].startswith("Tagged ransomware: 2 articles") and PIPELINE_LINK in replies[0]


def test_a_misspelt_tag_offers_the_tags_it_may_mean(library):
    _, replies = talk(library, "/tag ransomwre")
    assert replies[0] == "Which tag do you mean? ransomware (2)"


def test_source_lists_the_latest_articles_of_that_source(library):
    _, replies = talk(library, "/source the rec")
    assert replies[0].splitlines()[0] == "Latest from The Record" and LINE_LINK in replies[0]
    assert PIPELINE_LINK not in replies[0]


def test_source_finds_a_source_by_a_later_word_of_its_name(library):
    _, replies = talk(library, "/source record")
    assert replies[0].splitlines()[0] == "Latest from The Record" and LINE_LINK in replies[0]


def test_a_source_filter_finds_a_source_by_a_later_word_of_its_name(library):
    _, replies = talk(library, "source:record politicians hacked")
    assert replies[0].splitlines()[-1] == LINE_LINK


def test_source_does_not_match_the_middle_of_a_word(library):
    _, replies = talk(library, "/source ecord")
    assert "No source matches 'ecord'" in replies[0]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/tag", "Which tag?"),
        ("/source", "Which source?"),
        ("/tag gardening", "No articles are tagged"),
        ("/source nowhere", "No source matches"),
    ],
)
def test_tag_and_source_without_a_match_say_what_to_do(library, line, expected):
    _, replies = talk(library, line)
    assert expected in replies[0] and "lists" in replies[0]


def test_control_characters_in_a_note_title_are_not_printed(tmp_path):
    from seed_notes import note_text

    seeds = write_seeds(tmp_path / "seeds")
    (seeds / "zdnet" / "Evil.md").write_text(
        note_text(
            "\x1b[2JWiper strikes \x1b]0;owned\x07banks",
            ["A wiper strikes banks in Ukraine."],
            source="ZDNet",
            link="https://example.org/wiper",
        ),
        "utf-8",
    )
    library = Library(seeds, tmp_path / "index")
    library.open()
    _, replies = talk(library, "wiper banks Ukraine", "/latest")
    assert "Wiper strikes ]0;ownedbanks" in replies[0]
    assert all("\x1b" not in reply and "\x07" not in reply for reply in replies)


@pytest.mark.slow
def test_on_a_terminal_up_recalls_earlier_questions_even_from_the_last_session(tmp_path):
    """The chat on a real pseudo-terminal: readline's history, kept in ~/.incident_bot_history."""
    import os
    import pty
    import select
    import subprocess
    import sys
    import time

    seeds = write_seeds(tmp_path / "seeds")
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "SEEDS_DIR": str(seeds),
        "INDEX_DIR": str(tmp_path / "index"),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        "TERM": "xterm",
        "COLUMNS": "80",
    }

    def session(*keys: bytes) -> str:
        leader, follower = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat"],
            stdin=follower,
            stdout=follower,
            stderr=follower,
            env=env,
            cwd=tmp_path,
            close_fds=True,
        )
        os.close(follower)
        seen, pos = b"", 0

        def read_until(needle: bytes, timeout: float = 30) -> None:
            """Wait for ``needle`` after what was already waited for."""
            nonlocal seen, pos
            deadline = time.monotonic() + timeout
            while needle not in seen[pos:]:
                assert time.monotonic() < deadline, seen[-2000:]
                if select.select([leader], [], [], 0.2)[0]:
                    try:
                        seen += os.read(leader, 65536)
                    except OSError:  # the chat ended
                        break
            assert needle in seen[pos:], seen[-2000:]
            pos = seen.index(needle, pos) + len(needle)

        try:
            for key in keys:
                read_until(b"\n? ")
                time.sleep(0.5)  # as a person would: readline sets the terminal up after the prompt
                os.write(leader, key)
                if key != b"\x04":
                    read_until(b"https://", 30)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
            os.close(leader)
        return seen.decode("utf-8", "replace")

    first = session(QUESTION.encode() + b"\r", b"\x04")  # the question, then Ctrl-D
    assert first.count(LINE_LINK) == 1
    assert QUESTION in (tmp_path / ".incident_bot_history").read_text()
    second = session(b"\x1b[A\r", b"\x04")  # Up, Enter: the question of the first session again
    assert QUESTION in second and LINE_LINK in second, second


def test_a_follow_up_is_answered_from_the_last_story_and_says_so(library):
    _, replies = talk(library, "Colonial Pipeline DarkSide attack", "how much was the ransom?")
    assert replies[1].startswith("(about: Colonial Pipeline paid a ransom to DarkSide)")
    assert "75 bitcoin" in replies[1]


def test_new_forgets_the_story(library):
    _, replies = talk(library, "Colonial Pipeline DarkSide attack", "/new", "how much was the ransom?")
    assert "about:" not in replies[2]


def test_smalltalk_gets_a_friendly_reply_with_example_questions_and_no_hit(library):
    _, replies = talk(library, "hello")
    assert replies[0].startswith("Hello!") and "For example:" in replies[0]
    assert "https://" not in replies[0]


def test_the_examples_of_an_index_without_typed_tags_are_its_newest_titles_as_they_are(library):
    _, replies = talk(library, "hello")
    examples = replies[0].split("For example:\n", 1)[1].splitlines()
    assert [e.strip() for e in examples] == [
        "Microsoft 365 phishing campaign steals credentials",
        "LINE accounts for more than 100 Taiwanese politicians were hacked",
        "Colonial Pipeline paid a ransom to DarkSide",
    ]


def test_the_greeting_suggests_a_question_about_a_note_the_index_holds(tmp_path):
    from seed_notes import PIPELINE

    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "Colonial-Pipeline.md").write_text(PIPELINE, "utf-8")
    library = Library(tmp_path / "seeds", tmp_path / "index")
    library.open()
    out = io.StringIO()
    chat(library, stdin=io.StringIO(""), stdout=out)
    greeting = out.getvalue()
    assert 'Type a question about an incident, e.g. "Colonial Pipeline paid a ransom to DarkSide"' in greeting
    assert "LINE" not in greeting


def test_filters_alone_list_the_matching_articles(library):
    _, replies = talk(library, "tag:ransomware")
    assert replies[0].startswith("Articles matching tag:ransomware, newest first:")
    assert PIPELINE_LINK in replies[0]


def test_an_unsure_answer_says_it_may_not_answer(library):
    _, replies = talk(library, "phishing voicemail in Taiwan")
    assert "This may not answer your question" in replies[0]


def test_a_copy_of_an_article_is_paged_once_and_named_under_it(tmp_path):
    from seed_notes import add_pipeline_copy

    seeds = write_seeds(tmp_path / "seeds")
    add_pipeline_copy(seeds)
    library = Library(seeds, tmp_path / "index")
    library.open()
    _, replies = talk(library, "Colonial Pipeline ransom bitcoin", *[""] * 10)
    pages = [r for r in replies if r[:1].isdigit()]
    assert pages and not any("Wire Two ·" in page for page in pages)  # no page is the copy
    assert "Also reported by: Wire Two" in pages[0]


class _RebuiltBeforeSecondTurn(io.StringIO):
    """Typed lines; before the second is read, `incident-bot index build` (another process's
    Library) rebuilds the index with a fourth note."""

    def __init__(self, library: Library, *lines: str) -> None:
        super().__init__("".join(f"{line}\n" for line in lines))
        self.library, self.reads = library, 0

    def readline(self, size: int | None = -1) -> str:
        self.reads += 1
        if self.reads == 2:
            add_solarwinds_note(self.library.seeds_dir)
            Library(self.library.seeds_dir, self.library.index_dir).rebuild()
        return super().readline(size)


def test_a_build_made_while_chatting_answers_the_next_turn(tmp_path):
    library = Library(write_seeds(tmp_path / "seeds"), tmp_path / "index")
    library.open()
    out = io.StringIO()
    chat(
        library,
        stdin=_RebuiltBeforeSecondTurn(library, QUESTION, "which offices did the SolarWinds hackers breach?"),
        stdout=out,
    )
    assert "https://therecord.media/solarwinds-doj/" in out.getvalue().split("\n? ")[2]
