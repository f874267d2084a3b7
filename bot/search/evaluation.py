"""Score the bot's answers against a question set (bench/questions.jsonl, ../shared/eval).

Pure functions over plain records, so a benchmark script, a test or a notebook can score a run
the same way. The rules follow ../shared/eval/README.md: an article counts when its link is one
of the expected links; a passage counts when it contains the start of the answering paragraph
(passage@1 is this strict rule); the first reply answers when the text it shows under the title
(passage and supporting sentences) holds that start or enough of the reference answer's words.

Each question gets a ``Verdict``; ``summarize`` aggregates them with one small function per
figure, so a new figure is a field on both and one line here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from bot.search.results import Answer, Hit

OUT_OF_SCOPE = "out_of_scope"
SMALLTALK = "smalltalk"  # hello, thanks: a friendly reply, never a search hit
# Not answerable from the notes: declined, or at least marked unsure.
DECLINABLE = frozenset({OUT_OF_SCOPE, "off_domain", "absent_incident"})
NOT_ANSWERABLE = DECLINABLE | {SMALLTALK}
KINDS = frozenset(
    {
        "who_affected",
        "who_behind",
        "what_malware_or_vuln",
        "how_many",
        "when",
        "how",
        "response",
        "other",
        "typo",
        *NOT_ANSWERABLE,
    }
)
MRR_DEPTH = 10
# The first reply answers when it shows this share of the idf weight of the reference answer's
# words that the question lacks (../shared/eval/README.md: agreed with a reader on 102 of 113).
ANSWER_WEIGHT_SHARE = 0.4

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
# A snippet cut at ~60 characters can end inside a link: keep the text, drop the partial URL.
_CUT_LINK = re.compile(r"!?\[([^\]]*)(?:\]\([^)]*)?$")


@dataclass(frozen=True, slots=True)
class Question:
    """One line of a question file; out-of-scope questions have no links, file or snippet."""

    id: str
    question: str
    kind: str
    expected_links: tuple[str, ...]
    expected_file: str | None
    answer_paragraph_starts_with: str | None
    answer: str

    @property
    def answerable(self) -> bool:
        return self.kind not in NOT_ANSWERABLE


@dataclass(frozen=True, slots=True)
class Verdict:
    """How one answer fared. Ranks are 1-based positions in the hits, None when never matched."""

    question: Question
    article_rank: int | None
    passage_rank: int | None
    answered: bool
    first_reply_answers: bool = False
    shown_chars: int | None = None  # characters under the first reply's title; None when declined


@dataclass(frozen=True, slots=True)
class Report:
    """Shares of a run. A share is None when the set has no question of that sort."""

    article_at_1: float | None
    article_at_3: float | None
    passage_at_1: float | None
    passage_at_3: float | None
    mrr_at_10: float | None
    answered_share: float | None
    declined_share: float | None
    first_reply_answers: float | None
    mean_chars_shown: float | None
    answerable: int
    out_of_scope: int

    def as_dict(self) -> dict[str, Any]:
        """Plain values for ``json.dumps``, so runs can be saved and compared."""
        return asdict(self)


def load_questions(path: Path) -> list[Question]:
    """Read a question file, failing on the first bad line so a typo never skews a score."""
    questions: list[Question] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            question = _parse(json.loads(line))
        except (json.JSONDecodeError, TypeError, ValueError) as error:
            raise ValueError(f"{path}:{number}: {error}") from error
        if question.id in seen:
            raise ValueError(f"{path}:{number}: duplicate id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    return questions


@dataclass(frozen=True, slots=True)
class AnswerWords:
    """What the idf half of the first-reply rule needs: the index's terms of a text and the idf
    of a term (``Engine.tokenizer`` and ``Engine.ranker.idf``)."""

    terms: Callable[[str], list[str]]
    idf: Callable[[str], float]

    def share_shown(self, question: Question, shown: str) -> float | None:
        """The idf-weighted share of the reference answer's words (those the question lacks)
        that ``shown`` holds; None when the answer adds no word to the question."""
        wanted = set(self.terms(question.answer)) - set(self.terms(question.question))
        total = sum(self.idf(t) for t in wanted)
        if not total:
            return None
        held = wanted.intersection(self.terms(shown))
        return sum(self.idf(t) for t in held) / total


def judge(question: Question, answer: Answer, words: AnswerWords | None = None) -> Verdict:
    """Find where the expected article and the answering paragraph first appear in the hits,
    and whether the first reply answers (by the paragraph's start alone when ``words`` is None)."""
    if not question.answerable:
        return Verdict(question, None, None, answered=bool(answer.hits))
    wanted = {_link_key(link) for link in question.expected_links}
    article_rank = next(
        (rank for rank, hit in enumerate(answer.hits, 1) if _link_key(hit.note.link) in wanted),
        None,
    )
    start = _snippet_key(question.answer_paragraph_starts_with or "")
    passage_rank = None
    if start:
        passage_rank = next(
            (rank for rank, hit in enumerate(answer.hits, 1) if start in _text_key(hit.passage)),
            None,
        )
    first = answer.hits[0] if answer.hits else None
    return Verdict(
        question,
        article_rank,
        passage_rank,
        answered=first is not None,
        first_reply_answers=first is not None and _first_reply_answers(question, first, start, words),
        shown_chars=len(first.shown) if first is not None else None,
    )


def _first_reply_answers(question: Question, first: Hit, start: str, words: AnswerWords | None) -> bool:
    shown = first.shown
    if start and start in _text_key(shown):
        return True
    share = words.share_shown(question, shown) if words is not None else None
    return share is not None and share >= ANSWER_WEIGHT_SHARE


def summarize(verdicts: Iterable[Verdict]) -> Report:
    """Aggregate verdicts; answerable and out-of-scope questions are scored on separate bases."""
    verdicts = list(verdicts)
    scored = [v for v in verdicts if v.question.answerable]
    declinable = [v for v in verdicts if not v.question.answerable]
    return Report(
        article_at_1=_share(scored, lambda v: _within(v.article_rank, 1)),
        article_at_3=_share(scored, lambda v: _within(v.article_rank, 3)),
        passage_at_1=_share(scored, lambda v: _within(v.passage_rank, 1)),
        passage_at_3=_share(scored, lambda v: _within(v.passage_rank, 3)),
        mrr_at_10=_mean(scored, _reciprocal_rank),
        answered_share=_share(scored, lambda v: v.answered),
        declined_share=_share(declinable, lambda v: not v.answered),
        first_reply_answers=_share(scored, lambda v: v.first_reply_answers),
        mean_chars_shown=_mean([v for v in scored if v.shown_chars is not None], lambda v: float(v.shown_chars or 0)),
        answerable=len(scored),
        out_of_scope=len(declinable),
    )


def _parse(raw: Any) -> Question:
    if not isinstance(raw, dict):
        raise ValueError("expected a JSON object")
    if raw.get("kind") in NOT_ANSWERABLE:  # off-topic lines carry no file, snippet or answer
        raw = {"expected_file": None, "answer_paragraph_starts_with": None, "answer": "", **raw}
    missing = {f.name for f in fields(Question) if f.name not in raw}
    if missing:
        raise ValueError(f"missing fields: {', '.join(sorted(missing))}")
    kind = _text(raw, "kind")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    links = raw["expected_links"]
    if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
        raise ValueError("expected_links must be a list of strings")
    question = Question(
        id=_text(raw, "id"),
        question=_text(raw, "question"),
        kind=kind,
        expected_links=tuple(links),
        expected_file=_optional_text(raw, "expected_file"),
        answer_paragraph_starts_with=_optional_text(raw, "answer_paragraph_starts_with"),
        answer=_text(raw, "answer"),
    )
    if question.answerable and not (
        question.expected_links and question.expected_file and question.answer_paragraph_starts_with
    ):
        raise ValueError(f"{question.id}: an answerable question needs links, a file and a snippet")
    if not question.answerable and question.expected_links:
        raise ValueError(f"{question.id}: a {question.kind} question cannot expect links")
    return question


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw[name]
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value


def _optional_text(raw: dict[str, Any], name: str) -> str | None:
    return None if raw[name] is None else _text(raw, name)


def _link_key(link: str) -> str:
    # Whole URLs: ThreatPost links differ only in their query string.
    return link.strip().rstrip("/")


def _text_key(text: str) -> str:
    """Letters and digits only, so markup, escapes and odd spaces never decide a match."""
    plain = _LINK.sub(r"\1", text)
    return "".join(char for char in plain.lower() if char.isalnum())


def _snippet_key(snippet: str) -> str:
    plain = _CUT_LINK.sub(r"\1", _LINK.sub(r"\1", snippet))
    return _text_key(plain.splitlines()[-1] if plain.strip() else "")


def _within(rank: int | None, depth: int) -> bool:
    return rank is not None and rank <= depth


def _reciprocal_rank(verdict: Verdict) -> float:
    rank = verdict.article_rank
    return 1.0 / rank if rank is not None and rank <= MRR_DEPTH else 0.0


def _share(verdicts: list[Verdict], passed: Callable[[Verdict], bool]) -> float | None:
    return _mean(verdicts, lambda v: 1.0 if passed(v) else 0.0)


def _mean(verdicts: list[Verdict], score: Callable[[Verdict], float]) -> float | None:
    return sum(score(v) for v in verdicts) / len(verdicts) if verdicts else None
