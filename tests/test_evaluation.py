"""The scoring rules of bot.search.evaluation, on hand-made answers, and the shape of bench/."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.notes.models import Note
from bot.search.evaluation import AnswerWords, Question, judge, load_questions, summarize
from bot.search.results import Answer, Hit, Supporting

BENCH = Path(__file__).resolve().parent.parent / "bench"
LINK = "https://example.com/news/gang-hits-hospital/"


def _question(
    links: tuple[str, ...] = (LINK,),
    start: str | None = "The gang encrypted 40 servers on Monday",
    kind: str = "how_many",
) -> Question:
    answerable = kind != "out_of_scope"
    return Question(
        id="x001",
        question="how many servers did the gang encrypt?",
        kind=kind,
        expected_links=links if answerable else (),
        expected_file="example/Gang-hits-hospital.md" if answerable else None,
        answer_paragraph_starts_with=start if answerable else None,
        answer="40",
    )


def _hit(rank: int, link: str = "https://example.com/other/", passage: str = "Unrelated text.") -> Hit:
    note = Note(path="example/note.md", title="A note", source="Example", link=link, date=None, author="")
    return Hit(rank=rank, score=1.0 / rank, note=note, passage=passage, position=0)


def _answer(*hits: Hit) -> Answer:
    return Answer(question="q", hits=hits)


def test_article_rank_ignores_a_trailing_slash() -> None:
    verdict = judge(_question(), _answer(_hit(1), _hit(2, link=LINK.rstrip("/"))))
    assert verdict.article_rank == 2


def test_article_links_are_compared_whole_not_by_prefix() -> None:
    question = _question(links=("https://kasperskycontenthub.com/threatpost-global/?p=176937",))
    hits = _answer(_hit(1, link="https://kasperskycontenthub.com/threatpost-global/?p=17693"))
    assert judge(question, hits).article_rank is None


def test_markdown_link_in_the_snippet_is_reduced_to_its_text() -> None:
    question = _question(start="According to [a Netscout report](https://netscout.com/r), there were")
    passage = "According to a Netscout report, there were 5.4 million attacks."
    assert judge(question, _answer(_hit(1, passage=passage))).passage_rank == 1


def test_snippet_cut_inside_a_link_keeps_the_link_text() -> None:
    question = _question(start="Security researcher [pancak3lullz](https://twitter.com/panc")
    passage = "Security researcher pancak3lullz has been following the cleanup."
    assert judge(question, _answer(_hit(1, passage=passage))).passage_rank == 1


def test_snippet_is_matched_after_its_last_line_break() -> None:
    question = _question(start="![Chart](https://img/x.png)\nThe gang encrypted 40 servers")
    passage = "The gang encrypted 40 servers on Monday."
    assert judge(question, _answer(_hit(1, passage=passage))).passage_rank == 1


def test_passage_compares_letters_and_digits_only() -> None:
    question = _question(start="The gang\u00a0encrypted **40** servers \u2013 on Monday")
    passage = "the gang encrypted 40 servers, on monday, and left a note"
    verdict = judge(question, _answer(_hit(1), _hit(2, passage=passage)))
    assert verdict.passage_rank == 2


def test_mrr_counts_nothing_past_rank_ten() -> None:
    at_ten = judge(_question(), _answer(*[_hit(r) for r in range(1, 10)], _hit(10, link=LINK)))
    at_eleven = judge(_question(), _answer(*[_hit(r) for r in range(1, 11)], _hit(11, link=LINK)))
    assert summarize([at_ten]).mrr_at_10 == pytest.approx(0.1)
    assert summarize([at_eleven]).mrr_at_10 == 0.0


def test_out_of_scope_is_declined_only_when_there_are_no_hits() -> None:
    question = _question(kind="out_of_scope")
    report = summarize([judge(question, _answer()), judge(question, _answer(_hit(1)))])
    assert report.declined_share == 0.5
    assert report.out_of_scope == 2
    assert report.answerable == 0
    assert report.article_at_1 is None


def test_answered_share_counts_only_answerable_questions() -> None:
    verdicts = [
        judge(_question(), _answer(_hit(1, link=LINK))),
        judge(_question(), _answer()),
        judge(_question(kind="out_of_scope"), _answer(_hit(1))),
    ]
    report = summarize(verdicts)
    assert report.answered_share == 0.5
    assert report.article_at_1 == 0.5
    assert json.loads(json.dumps(report.as_dict()))["answerable"] == 2


def test_a_bad_line_is_reported_with_its_number(tmp_path: Path) -> None:
    good = {
        "id": "q001",
        "question": "who?",
        "kind": "who_behind",
        "expected_links": [LINK],
        "expected_file": "example/a.md",
        "answer_paragraph_starts_with": "The gang",
        "answer": "A gang.",
    }
    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps(good) + "\n" + '{"id": "q002", "question": ' + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"questions\.jsonl:2:"):
        load_questions(path)


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["questions.jsonl", "typo_questions.jsonl", "heldout_questions.jsonl"])
def test_bench_questions_point_at_real_paragraphs(name: str, notes_dir: Path) -> None:
    questions = load_questions(BENCH / name)
    for question in questions:
        if not question.answerable:
            continue
        assert question.expected_file is not None and question.answer_paragraph_starts_with
        note = notes_dir / question.expected_file
        assert note.is_file(), question.id
        assert question.answer_paragraph_starts_with in note.read_text(encoding="utf-8"), question.id


def test_bench_question_set_is_large_enough() -> None:
    questions = load_questions(BENCH / "questions.jsonl")
    assert sum(q.answerable for q in questions) >= 50
    assert sum(not q.answerable for q in questions) >= 10


def _words() -> AnswerWords:
    """Plain lowercase words, every one weighing 1, except 'forty' which weighs 3."""
    return AnswerWords(
        terms=lambda text: text.lower().replace(".", "").replace("?", "").split(),
        idf=lambda t: 3.0 if t == "forty" else 1.0,
    )


def _answer_question(answer: str) -> Question:
    return Question(
        id="x002",
        question="how many servers did the gang encrypt?",
        kind="how_many",
        expected_links=(LINK,),
        expected_file="example/a.md",
        answer_paragraph_starts_with="The gang encrypted forty servers",
        answer=answer,
    )


def test_the_first_reply_answers_when_a_supporting_sentence_holds_the_answering_paragraph() -> None:
    hit = replace(
        _hit(1, passage="The gang struck a hospital."),
        supporting=(Supporting("The gang encrypted forty servers on Monday."),),
    )
    assert judge(_answer_question("Forty of them."), _answer(hit)).first_reply_answers


def test_the_first_reply_answers_when_it_shows_enough_of_the_answers_weight() -> None:
    # "forty" carries 3 of the 4 units of weight the question lacks ("forty", "machines").
    hit = _hit(1, passage="Investigators counted forty locked hosts.")
    assert judge(_answer_question("forty machines"), _answer(hit), _words()).first_reply_answers


def test_the_first_reply_does_not_answer_with_too_little_of_the_answers_weight() -> None:
    hit = _hit(1, passage="Investigators counted locked machines.")
    assert not judge(_answer_question("forty machines"), _answer(hit), _words()).first_reply_answers


def test_answer_words_the_question_already_holds_do_not_count() -> None:
    # Only "forty" is new; showing "servers" (in the question) alone is not an answer.
    hit = _hit(1, passage="The servers were hit.")
    assert not judge(_answer_question("forty servers"), _answer(hit), _words()).first_reply_answers


def test_mean_characters_shown_counts_the_passage_and_its_supporting_sentences() -> None:
    hit = replace(_hit(1, passage="a" * 100), supporting=(Supporting("b" * 49),))
    verdicts = [judge(_question(), _answer(hit)), judge(_question(), _answer())]
    assert summarize(verdicts).mean_chars_shown == 150  # one line break between; a decline shows nothing


@pytest.mark.corpus
def test_bench_follow_ups_point_at_real_paragraphs(notes_dir: Path) -> None:
    from bot.search.eval_sets import load_eval

    evals = load_eval([BENCH / "followups.jsonl", BENCH / "offtopic.jsonl"])
    assert len(evals.dialogues) >= 10 and len(evals.questions) >= 20
    for turn in (t for d in evals.dialogues for t in d.turns):
        assert turn.expected_file is not None and turn.answer_paragraph_starts_with
        text = (notes_dir / turn.expected_file).read_text(encoding="utf-8")
        assert turn.answer_paragraph_starts_with in text, turn.id
