"""The `incident-bot` command, run in-process as a person would type it."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.chat.cli import answer_json, main
from seed_notes import LINE_LINK, LINE_NOTE, PHISHING_LINK, PIPELINE_LINK, note_text, write_seeds

QUESTION = "who was affected in the Taiwan LINE hack?"
HIT_KEYS = ["rank", "score", "title", "source", "date", "link", "tags", "passage", "supporting", "note"]
ANSWER_KEYS = ["question", "did_you_mean", "outcome", "confident", "about", "problems", "hits", "notes"]


pytestmark = pytest.mark.usefixtures("only_flags")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> list[str]:
    """`--seeds/--index` flags for a built index of the small seeds plus one broken file."""
    root = tmp_path_factory.mktemp("cli")
    seeds = write_seeds(root / "seeds")
    (seeds / "broken.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    flags = ["--seeds", str(seeds), "--index", str(root / "index")]
    assert main([*flags, "index", "build"]) == 0
    return flags


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_index_build_reports_notes_passages_skipped_files_and_seconds(tmp_path, capsys):
    seeds = write_seeds(tmp_path / "seeds")
    (seeds / "broken.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    code, out, err = run(capsys, "--seeds", str(seeds), "--index", str(tmp_path / "index"), "index", "build")
    assert code == 0 and "Traceback" not in err
    assert "skipped broken.md: binary file" in out
    summary = out.strip().splitlines()[-1]
    assert "3 notes" in summary and "1 skipped" in summary and summary.endswith(" s")
    assert "passages" in summary


def test_index_build_if_stale_on_a_fresh_index_names_both_folders_as_paths(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_seeds(tmp_path / "seeds")
    assert main(["--seeds", "seeds", "--index", "index", "index", "build"]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "--seeds", "seeds", "--index", "index", "index", "build", "--if-stale")
    assert code == 0 and out == "index/ is up to date with seeds/\n"


def test_index_build_flags_also_work_after_the_subcommand(tmp_path, capsys):
    seeds = write_seeds(tmp_path / "seeds")
    code, out, _ = run(capsys, "index", "build", "--seeds", str(seeds), "--index", str(tmp_path / "idx"))
    assert code == 0 and "3 notes" in out
    assert (tmp_path / "idx" / "current").is_symlink()


def test_index_info_json_has_the_documented_keys(built, capsys):
    code, out, _ = run(capsys, *built, "index", "info", "--json")
    info = json.loads(out)
    assert code == 0
    assert {"notes", "passages", "sources", "skipped", "built_at", "fingerprint"} <= info.keys()
    assert (info["notes"], info["sources"]) == (3, 3)
    assert info["passages"] > 3
    assert info["skipped"] == [{"path": "broken.md", "reason": "binary file"}]


def test_ask_json_has_the_exact_documented_shape(built, capsys):
    code, out, _ = run(capsys, *built, "ask", QUESTION, "--json", "--top", "2")
    answer = json.loads(out)
    assert code == 0
    assert list(answer) == ANSWER_KEYS
    assert answer["did_you_mean"] is None
    assert answer["question"] == QUESTION
    assert (answer["outcome"], answer["confident"], answer["about"]) == ("answer", True, None)
    assert [h["rank"] for h in answer["hits"]] == [1, 2]
    for hit in answer["hits"]:
        assert list(hit) == HIT_KEYS
    first = answer["hits"][0]
    assert first["title"] == "LINE accounts for more than 100 Taiwanese politicians were hacked"
    assert (first["source"], first["date"], first["link"]) == ("The Record", "2021-07-28", LINE_LINK)
    assert first["note"] == f"therecord/{LINE_NOTE.name}"
    assert isinstance(first["score"], float) and first["score"] > 0
    assert isinstance(first["tags"], list) and "LINE" in first["passage"]
    assert all(isinstance(s, str) for s in first["supporting"]) and answer["hits"][1]["supporting"] == []


def test_ask_json_lists_no_hits_when_nothing_is_relevant(built, capsys):
    code, out, _ = run(capsys, *built, "ask", "quantum gardening recipes", "--json")
    answer = json.loads(out)
    assert code == 0 and answer["question"] == "quantum gardening recipes"
    assert (answer["outcome"], answer["confident"], answer["hits"]) == ("nothing", False, [])


def test_ask_text_shows_title_passage_source_date_and_link(built, capsys):
    code, out, _ = run(capsys, *built, "ask", "Colonial", "Pipeline", "ransom", "--top", "1")
    assert code == 0
    assert "Colonial Pipeline paid a ransom to DarkSide" in out
    assert "ZDNet" in out and "2021-05-13" in out and PIPELINE_LINK in out
    assert "[Colonial] [Pipeline]" in out  # the question's words are marked


def test_ask_dash_answers_each_stdin_line_as_json_lines(built, capsys, monkeypatch):
    stdin = f"{QUESTION}\n\nMicrosoft 365 phishing voicemail\n"
    code, out, _ = run(capsys, *built, "ask", "-", "--json", "--top", "1", stdin=stdin, monkeypatch=monkeypatch)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [a["question"] for a in lines] == [QUESTION, "Microsoft 365 phishing voicemail"]
    assert [a["hits"][0]["link"] for a in lines] == [LINE_LINK, PHISHING_LINK]


def test_tags_are_counted_most_used_first(built, capsys):
    code, out, _ = run(capsys, *built, "tags")
    rows = [line.split(None, 1) for line in out.strip().splitlines()]
    assert code == 0
    assert rows[0] == ["2", "ransomware"]
    assert ["1", "DarkSide"] in rows and ["1", "phishing"] in rows
    counts = [int(c) for c, _ in rows]
    assert counts == sorted(counts, reverse=True)


def test_tags_says_so_when_no_note_has_tags(tmp_path, capsys):
    seeds = tmp_path / "seeds"
    shutil.copytree(LINE_NOTE.parent.parent, seeds)  # the project's LINE note has no real tags
    code, out, _ = run(capsys, "--seeds", str(seeds), "--index", str(tmp_path / "index"), "tags")
    assert code == 0 and out.strip() == "No tags: the notes carry none."


def test_sources_are_counted_most_used_first_with_their_dates(tmp_path, capsys):
    seeds = write_seeds(tmp_path / "seeds")
    shutil.copy2(seeds / "zdnet" / "Colonial-Pipeline.md", seeds / "zdnet" / "Colonial-Pipeline-copy.md")
    code, out, _ = run(capsys, "--seeds", str(seeds), "--index", str(tmp_path / "index"), "sources")
    rows = out.strip().splitlines()
    assert code == 0
    assert rows[0].split()[:2] == ["2", "ZDNet"] and "2021-05-13" in rows[0]
    assert sorted(r.split(None, 1)[1].split("  ")[0] for r in rows[1:]) == ["Bleeping Computer", "The Record"]


def test_the_line_question_over_the_project_seeds_finds_the_line_article_first(tmp_path, capsys):
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    code, out, _ = run(capsys, "--seeds", str(seeds), "--index", str(tmp_path / "index"), "ask", QUESTION, "--json")
    assert code == 0 and json.loads(out)["hits"][0]["link"] == LINE_LINK


def test_an_index_given_alone_is_checked_against_the_seeds_it_was_built_from(tmp_path, capsys):
    seeds = write_seeds(tmp_path / "elsewhere")
    assert main(["--seeds", str(seeds), "--index", str(tmp_path / "index"), "index", "build"]) == 0
    built = (tmp_path / "index" / "current").resolve()
    shutil.copytree(Path(__file__).resolve().parent.parent / "seeds", tmp_path / "seeds")  # ./seeds differs
    capsys.readouterr()
    code, out, _ = run(capsys, "--index", str(tmp_path / "index"), "ask", "phishing microsoft 365", "--json")
    assert code == 0 and json.loads(out)["hits"][0]["link"] == PHISHING_LINK
    assert (tmp_path / "index" / "current").resolve() == built


def test_run_without_a_token_or_a_terminal_says_how_to_ask_instead(capsys, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    line = _one_clear_line(*run(capsys, "run", stdin="who was affected?\n", monkeypatch=monkeypatch))
    assert "TELEGRAM_BOT_TOKEN" in line and "@BotFather" in line and "incident-bot ask -" in line
    assert "Opening the terminal chat" not in line


def _one_clear_line(code: int, out: str, err: str) -> str:
    assert code != 0
    assert "Traceback" not in err and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_a_missing_seeds_folder_for_index_build_is_one_clear_line(tmp_path, capsys):
    flags = ["--seeds", str(tmp_path / "nope"), "--index", str(tmp_path / "i")]
    line = _one_clear_line(*run(capsys, *flags, "index", "build"))
    assert "seeds folder" in line and "nope" in line and "does not exist" in line


def test_asking_with_no_index_and_no_seeds_is_one_clear_line(tmp_path, capsys):
    line = _one_clear_line(*run(capsys, "--seeds", str(tmp_path / "nope"), "--index", str(tmp_path / "i"), "ask", "x"))
    assert "no index" in line and "nope" in line


def test_index_info_with_no_index_is_one_clear_line(tmp_path, capsys):
    line = _one_clear_line(*run(capsys, "--index", str(tmp_path / "i"), "index", "info"))
    assert "incident-bot index build" in line


@pytest.mark.parametrize("top", ["0", "-3", "many"])
def test_a_bad_top_is_one_clear_line(built, capsys, top):
    line = _one_clear_line(*run(capsys, *built, "ask", QUESTION, "--top", top))
    assert "--top" in line


def test_an_unknown_subcommand_is_one_clear_line(capsys):
    line = _one_clear_line(*run(capsys, "frobnicate"))
    assert "frobnicate" in line and "--help" in line


def test_a_missing_question_is_one_clear_line(capsys):
    line = _one_clear_line(*run(capsys, "ask"))
    assert "question" in line


def test_a_corrupt_index_with_no_seeds_is_one_clear_line(tmp_path, capsys):
    seeds = write_seeds(tmp_path / "seeds")
    flags = ["--seeds", str(seeds), "--index", str(tmp_path / "index")]
    assert main([*flags, "index", "build"]) == 0
    manifest = (tmp_path / "index" / "current").resolve() / "manifest.json"
    manifest.write_text("{garbled", "utf-8")
    shutil.rmtree(seeds)
    capsys.readouterr()
    line = _one_clear_line(*run(capsys, *flags, "ask", QUESTION))
    assert "does not exist" in line


def test_watch_test_lists_the_notes_a_watch_would_match(built, capsys):
    code, out, err = run(capsys, *built, "watch", "test", "Colonial Pipeline ransom")
    assert code == 0 and err == ""
    assert out.splitlines()[0] == "1 of 3 notes (33.3%) match 'Colonial Pipeline ransom'"
    assert "Colonial Pipeline paid a ransom to DarkSide" in out and PIPELINE_LINK in out
    assert "refuse" not in out


def test_watch_test_says_what_a_misspelt_watch_was_searched_for(tmp_path, capsys):
    seeds = write_seeds(tmp_path / "seeds")  # a second Colonial Pipeline note: "colonial" and "pipeline" go together
    fuel = note_text(
        "Colonial Pipeline restarts fuel deliveries",
        ["Colonial Pipeline restarted its fuel pipeline."],
        source="ZDNet",
        link="https://fuel.example/restart",
    )
    (seeds / "zdnet" / "fuel.md").write_text(fuel, "utf-8")
    flags = ["--seeds", str(seeds), "--index", str(tmp_path / "index")]
    code, out, _ = run(capsys, *flags, "watch", "test", "colonal pipline ransom")
    assert code == 0 and "(searched for: colonial pipeline ransom)" in out.splitlines()[1]
    assert PIPELINE_LINK in out


def test_watch_test_spelt_right_says_nothing_about_spelling(built, capsys):
    _, out, _ = run(capsys, *built, "watch", "test", "Colonial Pipeline ransom")
    assert "searched for" not in out


def test_watch_test_says_when_nothing_matches(built, capsys):
    code, out, _ = run(capsys, *built, "watch", "test", "Kaseya", "VSA")
    assert code == 0 and out.splitlines() == ["0 of 3 notes (0.0%) match 'Kaseya VSA'"]


def test_watch_test_says_a_watch_on_a_common_word_would_be_refused(tmp_path, capsys, monkeypatch):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(12):
        (seeds / f"{i}.md").write_text(
            note_text(f"Attack number {i}", [f"An attack hit victim {i}."], source="ZDNet", link=f"https://e.com/{i}"),
            "utf-8",
        )
    code, out, _ = run(capsys, "--seeds", str(seeds), "--index", str(tmp_path / "index"), "watch", "test", "attack")
    assert code == 0 and out.startswith("12 of 12 notes (100.0%) match 'attack'")
    assert "/watch would refuse it" in out


def test_ask_json_says_what_a_misspelt_question_was_searched_for(corpus_engine):
    """The JSON `ask --json` prints, over the real corpus (spelling is corrected toward words
    the notes use often enough, which three notes do not give)."""
    answer = json.loads(json.dumps(answer_json(corpus_engine.ask("ransomware attak on colonial pipline", top=3))))
    assert answer["did_you_mean"] == "ransomware attack on colonial pipeline"
    assert "Colonial Pipeline" in answer["hits"][0]["title"]


@pytest.mark.parametrize("blank", ["", "   "])
def test_asking_an_empty_question_says_there_is_none_and_exits_2(built, capsys, blank):
    code, out, err = run(capsys, *built, "ask", blank)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no question" in err


def test_control_characters_in_a_note_never_reach_the_terminal(tmp_path, capsys):
    seeds = write_seeds(tmp_path / "seeds")
    (seeds / "zdnet" / "Evil.md").write_text(
        note_text(
            "\x1b[2JScreen \x1b]0;owned\x07wiper strikes",
            ["A wiper \x1b[31mmalware\x1b[0m strikes banks in Ukraine."],
            source="ZDNet\x1b[5m",
            link="https://example.org/wiper\x1b[2J",
        ),
        "utf-8",
    )
    flags = ["--seeds", str(seeds), "--index", str(tmp_path / "index")]
    code, out, _ = run(capsys, *flags, "ask", "wiper banks Ukraine")
    assert code == 0 and "Screen ]0;ownedwiper strikes" in out and "https://example.org/wiper[2J" in out
    assert "\x1b" not in out and "\x07" not in out
    for argv in (["tags"], ["sources"], ["ask", "\x1b[2J gardening"]):
        code, out, _ = run(capsys, *flags, *argv)
        assert code == 0 and "\x1b" not in out


def test_ask_conversation_answers_a_follow_up_from_the_story_before_and_a_blank_line_forgets_it(
    built, capsys, monkeypatch
):
    stdin = "Colonial Pipeline DarkSide attack\nhow much was the ransom?\n\nhow much was the ransom?\n"
    code, out, _ = run(
        capsys, *built, "ask", "--conversation", "-", "--json", "--top", "1", stdin=stdin, monkeypatch=monkeypatch
    )
    first, follow, alone = (json.loads(line) for line in out.splitlines())
    assert code == 0
    assert (first["about"], alone["about"]) == (None, None)
    assert follow["about"] == "Colonial Pipeline paid a ransom to DarkSide"
    assert "75 bitcoin" in follow["hits"][0]["passage"]


def test_ask_conversation_text_says_what_a_follow_up_is_about(built, capsys, monkeypatch):
    stdin = "Colonial Pipeline DarkSide attack\nhow much was the ransom?\n"
    _, out, _ = run(capsys, *built, "ask", "--conversation", "-", "--top", "1", stdin=stdin, monkeypatch=monkeypatch)
    assert "(about: Colonial Pipeline paid a ransom to DarkSide)" in out


def test_ask_conversation_needs_its_turns_on_stdin(built, capsys):
    code, _, err = run(capsys, *built, "ask", "--conversation", "who", "was", "behind", "it")
    assert code == 1 and "ask --conversation -" in err


def test_ask_json_marks_smalltalk_and_filter_listings(built, capsys, monkeypatch):
    stdin = "hello\ntag:ransomware\nbefore:2021-13-45\n"
    _, out, _ = run(capsys, *built, "ask", "-", "--json", stdin=stdin, monkeypatch=monkeypatch)
    hello, listing, bad = (json.loads(line) for line in out.splitlines())
    assert (hello["outcome"], hello["hits"], hello["confident"]) == ("smalltalk", [], False)
    assert listing["outcome"] == "listing" and {n["link"] for n in listing["notes"]} == {PIPELINE_LINK, PHISHING_LINK}
    assert bad["problems"] == ["before:2021-13-45 is not a date (use YYYY-MM-DD)"]


def test_eval_reads_a_folder_with_follow_ups_and_off_topic_lines(built, capsys, tmp_path):
    folder = tmp_path / "eval"
    folder.mkdir()
    turn = {
        "kind": "other",
        "expected_links": [PIPELINE_LINK],
        "expected_file": "zdnet/Colonial-Pipeline.md",
        "answer": "75 bitcoin",
    }
    (folder / "followups.jsonl").write_text(
        json.dumps(
            {
                "id": "f1",
                "turns": [
                    {
                        **turn,
                        "question": "Colonial Pipeline DarkSide attack",
                        "answer_paragraph_starts_with": "Colonial Pipeline, the",
                    },
                    {
                        **turn,
                        "question": "how much was the ransom?",
                        "answer_paragraph_starts_with": "The company paid a ransom",
                    },
                ],
            }
        )
        + "\n"
    )
    (folder / "offtopic.jsonl").write_text(
        json.dumps({"id": "o1", "question": "hello", "kind": "smalltalk", "expected_links": []})
        + "\n"
        + json.dumps(
            {"id": "o2", "question": "who won the football cup final?", "kind": "off_domain", "expected_links": []}
        )
        + "\n"
    )
    code, out, _ = run(capsys, *built, "eval", str(folder), "--json")
    figures = json.loads(out)
    assert code == 0
    assert (figures["followup_turns"], figures["followup_article_at_1"], figures["followup_first_reply_answers"]) == (
        1,
        1.0,
        1.0,
    )
    assert (figures["handled_smalltalk"], figures["handled_off_domain"]) == ("1/1", "1/1")


def test_ask_shows_a_copy_of_an_article_once_and_names_its_outlet(tmp_path, capsys):
    from seed_notes import add_pipeline_copy

    seeds = write_seeds(tmp_path / "seeds")
    add_pipeline_copy(seeds)
    flags = ["--seeds", str(seeds), "--index", str(tmp_path / "index")]
    code, out, _ = run(capsys, *flags, "ask", "--top", "10", "Colonial Pipeline ransom bitcoin")
    assert code == 0 and "Also reported by: Wire Two" in out
    assert "Wire Two ·" not in out and "wire.example/cp" not in out


def test_ask_with_filters_alone_says_how_many_articles_match_and_how_to_list_them_all(built, capsys):
    code, out, _ = run(capsys, *built, "ask", "--top", "1", "tag:ransomware")
    assert code == 0
    assert "1 of 2 articles matching tag:ransomware, newest first:" in out
    assert out.rstrip().endswith("(ask --top 2 lists them all)")


def test_ask_with_a_source_no_note_has_says_so_and_answers_without_it(built, capsys):
    code, out, _ = run(capsys, *built, "ask", "source:zzz Colonial Pipeline ransom")
    assert code == 0 and "(no source matches 'zzz'; that filter is left out)" in out
    assert PIPELINE_LINK in out


def test_ask_with_a_misspelt_tag_offers_the_close_tags(built, capsys):
    _, out, _ = run(capsys, *built, "ask", "tag:ransomwre")
    assert "no article is tagged 'ransomwre' (did you mean tag:ransomware?)" in out


def test_ask_with_dates_that_leave_no_day_names_the_empty_range(built, capsys):
    _, out, _ = run(capsys, *built, "ask", "after:2022-02-01 before:2022-01-01")
    assert "after:2022-02-01 is not before before:2022-01-01: no day is in that range" in out


def test_ask_dash_prints_the_same_answers_on_several_cores_as_on_one(built, capsys, monkeypatch):
    stdin = f"{QUESTION}\nColonial Pipeline ransom\n\nMicrosoft 365 phishing voicemail\nquantum gardening\n"
    outputs = []
    for workers in (1, 2):
        monkeypatch.setattr("bot.chat.batch.usable_workers", lambda workers=workers: workers)
        code, out, _ = run(capsys, *built, "ask", "-", "--json", stdin=stdin, monkeypatch=monkeypatch)
        assert code == 0
        outputs.append(out)
    assert outputs[0] == outputs[1] and len(outputs[0].splitlines()) == 4


def _command(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The command as a shell runs it: ``python -m bot``, a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv], input=stdin, capture_output=True, text=True, timeout=120
    )


def test_the_command_prints_all_it_has_to_say_before_it_exits(built, capsys, monkeypatch):
    stdin = f"{QUESTION}\nColonial Pipeline ransom\nMicrosoft 365 phishing voicemail\n"
    _, expected, _ = run(capsys, *built, "ask", "-", "--json", stdin=stdin, monkeypatch=monkeypatch)
    done = _command(*built, "ask", "-", "--json", stdin=stdin)
    assert (done.returncode, done.stdout) == (0, expected)


def test_the_command_exits_with_the_code_of_what_went_wrong(tmp_path):
    done = _command("--seeds", str(tmp_path / "none"), "--index", str(tmp_path / "none"), "ask", "x")
    assert done.returncode == 1 and done.stderr.startswith("incident-bot: no index in")
