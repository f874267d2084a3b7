"""Votes on answers on disk: they survive reopening, a second vote replaces the first, and the
👎 ones come out of `incident-bot feedback --jsonl` as eval lines the team can complete."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.chat.cli import main
from bot.search.evaluation import load_questions
from bot.state.feedback import DOWN, FILE_NAME, UP, FeedbackStore, Vote
from bot.state.sqlite import StateError, connect, ensure_schema, transaction

AT = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)


def vote(key: str = "abc:0", value: int = UP, **fields: object) -> Vote:
    base = dict(
        answer_key=key,
        question="who hacked LINE?",
        link="https://therecord.media/line/",
        title="LINE accounts hacked",
        passage="The LINE accounts of 100 politicians were hacked.",
        vote=value,
        voted_at=AT,
    )
    return Vote(**{**base, **fields})


def test_votes_survive_closing_and_reopening_the_file(tmp_path: Path) -> None:
    store = FeedbackStore.in_folder(tmp_path)
    store.record(vote("a:0", UP))
    store.record(vote("b:0", DOWN))
    reopened = FeedbackStore.in_folder(tmp_path)
    assert (reopened.counts().up, reopened.counts().down) == (1, 1)
    assert [v.answer_key for v in reopened.votes(DOWN)] == ["b:0"]
    assert reopened.votes(DOWN)[0].voted_at == AT


def test_a_second_vote_on_the_same_answer_replaces_the_first(tmp_path: Path) -> None:
    store = FeedbackStore.in_folder(tmp_path)
    assert store.record(vote("a:0", UP)) is False
    assert store.record(vote("a:0", DOWN)) is True
    assert store.counts().total == 1 and store.counts().down == 1


def test_votes_keep_no_user_or_chat_id_unless_given(tmp_path: Path) -> None:
    store = FeedbackStore.in_folder(tmp_path)
    store.record(vote("a:0"))
    store.record(vote("b:0", user_id=7, chat_id=-100))
    rows = sqlite3.connect(tmp_path / FILE_NAME).execute("SELECT answer_key, user_id, chat_id FROM votes").fetchall()
    assert sorted(rows) == [("a:0", None, None), ("b:0", 7, -100)]


def test_votes_from_many_threads_are_all_kept(tmp_path: Path) -> None:
    store = FeedbackStore.in_folder(tmp_path)
    threads = [threading.Thread(target=store.record, args=(vote(f"k{i}:0", UP),)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.counts().up == 40


def test_a_failed_transaction_leaves_nothing_half_written(tmp_path: Path) -> None:
    db = connect(tmp_path / "t.sqlite3")
    ensure_schema(db, 1, ("CREATE TABLE t (x INTEGER NOT NULL)",))
    with pytest.raises(sqlite3.IntegrityError), transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
        db.execute("INSERT INTO t VALUES (NULL)")
    assert db.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db = connect(tmp_path / "t.sqlite3")
    db.execute("PRAGMA user_version=9")
    with pytest.raises(StateError, match="newer version"):
        ensure_schema(db, 1, ())


@pytest.fixture
def voted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("DATA_DIR", "INDEX_DIR", "SEEDS_DIR"):
        monkeypatch.delenv(name, raising=False)
    store = FeedbackStore.in_folder(tmp_path / "data")
    store.record(vote("a:0", UP))
    store.record(vote("b:1", DOWN, question="how many domains did they find?", passage="They found 700 domains."))
    store.record(vote("c:0", DOWN, question="who is behind \u201cLazarus\u201d?"))
    return tmp_path / "data"


def test_feedback_prints_the_counts(voted: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(voted))
    assert main(["feedback"]) == 0
    assert "3 votes: 1 👍, 2 👎" in capsys.readouterr().out


def test_feedback_jsonl_exports_the_down_votes_in_the_eval_format(voted: Path, capsys, tmp_path: Path) -> None:
    assert main(["feedback", "--jsonl", "--data", str(voted)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    questions = [line["question"] for line in lines]
    assert questions == ["how many domains did they find?", "who is behind \u201cLazarus\u201d?"]
    first = lines[0]
    eval_fields = {"id", "question", "kind", "expected_links", "expected_file", "answer_paragraph_starts_with"}
    assert eval_fields | {"answer"} <= set(first)
    assert first["rejected"] == [
        {"link": "https://therecord.media/line/", "title": "LINE accounts hacked", "passage": "They found 700 domains."}
    ]
    # As exported, a line is not yet a question (the right answer is for the team to add) ...
    exported = tmp_path / "todo.jsonl"
    exported.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    with pytest.raises(ValueError, match="needs links, a file and a snippet"):
        load_questions(exported)
    # ... and once completed it loads as one.
    done = {
        **first,
        "expected_links": ["https://x.example/a"],
        "expected_file": "x/a.md",
        "answer_paragraph_starts_with": "They found 700",
    }
    exported.write_text(json.dumps(done), encoding="utf-8")
    assert load_questions(exported)[0].question == "how many domains did they find?"


def test_the_same_question_voted_down_twice_is_one_line_with_both_answers(tmp_path: Path, capsys) -> None:
    store = FeedbackStore.in_folder(tmp_path)
    store.record(vote("a:0", DOWN, question="Who hacked LINE?", link="https://a.example/1"))
    store.record(vote("b:0", DOWN, question="who  hacked line?", link="https://b.example/2"))
    store.record(vote("b:1", DOWN, question="who hacked line?", link="https://b.example/2"))
    assert main(["feedback", "--jsonl", "--data", str(tmp_path)]) == 0
    [line] = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert line["question"] == "Who hacked LINE?" and line["votes"] == 3
    assert [r["link"] for r in line["rejected"]] == ["https://a.example/1", "https://b.example/2"]


@pytest.mark.parametrize("flags", [[], ["--jsonl"]], ids=["counts", "jsonl"])
def test_feedback_without_any_votes_succeeds_with_one_line_on_stderr(
    tmp_path: Path, capsys, monkeypatch, flags: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["feedback", *flags, "--index", str(tmp_path / "index")]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "no votes yet" in err
    assert not (tmp_path / "index").exists()  # asking created nothing
