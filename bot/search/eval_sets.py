"""Whole evaluation folders as ``../shared/eval`` holds them: question files, follow-up
conversations (lines with ``turns``) and off-topic messages (smalltalk, off_domain,
absent_incident), run through the engine and scored beside ``evaluation.summarize``'s figures.

- Follow-ups: every turn after the first is asked in the same ``Conversation`` and judged like
  any question; ``article_at_1`` and ``first_reply_answers`` are over those later turns.
- Off-topic: smalltalk is handled when it gets the smalltalk reply (never a hit); off_domain and
  absent_incident when declined or marked unsure.
- Confident: the share of answerable questions answered without the unsure line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.search.conversation import Conversation
from bot.search.engine import Engine
from bot.search.evaluation import DECLINABLE, SMALLTALK, Question, Verdict, _parse, judge
from bot.search.results import Answer, Outcome


@dataclass(frozen=True, slots=True)
class Dialogue:
    """One follow-up conversation: turn 1 stands alone, the later turns lean on it."""

    id: str
    turns: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class EvalSet:
    questions: tuple[Question, ...] = ()
    dialogues: tuple[Dialogue, ...] = ()


@dataclass(frozen=True, slots=True)
class Judged:
    """A question's verdict with the answer it judged (for the confident and off-topic figures)."""

    verdict: Verdict
    answer: Answer


@dataclass(frozen=True, slots=True)
class Run:
    questions: tuple[Judged, ...]
    followups: tuple[Judged, ...]  # turns 2.. of every dialogue
    openers: tuple[Judged, ...] = field(default=())  # turn 1 of every dialogue

    def figures(self) -> dict[str, Any]:
        """The follow-up, confident and off-topic figures (None where a set has none)."""
        answerable = [j for j in self.questions if j.verdict.question.answerable]
        out: dict[str, Any] = {
            "followup_turns": len(self.followups),
            "followup_article_at_1": _share(self.followups, lambda j: j.verdict.article_rank == 1),
            "followup_passage_at_1": _share(self.followups, lambda j: j.verdict.passage_rank == 1),
            "followup_first_reply_answers": _share(self.followups, lambda j: j.verdict.first_reply_answers),
            "followup_context_used": _share(self.followups, lambda j: j.answer.about is not None),
            "confident_share": _share(answerable, lambda j: j.answer.confident),
        }
        kinds = sorted({j.verdict.question.kind for j in self.questions if not j.verdict.question.answerable})
        for kind in kinds:
            of_kind = [j for j in self.questions if j.verdict.question.kind == kind]
            out[f"handled_{kind}"] = f"{sum(handled(j.answer, kind) for j in of_kind)}/{len(of_kind)}"
        declinable = [j for j in self.questions if j.verdict.question.kind in DECLINABLE]
        out["declined_or_unsure"] = _share(declinable, lambda j: handled(j.answer, j.verdict.question.kind))
        return out


def handled(answer: Answer, kind: str) -> bool:
    """Whether an off-topic message got the reply it should: smalltalk the friendly reply with no
    hit, the others no confident answer."""
    if kind == SMALLTALK:
        return answer.outcome is Outcome.SMALLTALK and not answer.hits
    return not answer.confident


def load_eval(paths: Sequence[Path]) -> EvalSet:
    """Every ``*.jsonl`` of the folders in ``paths`` and the files themselves; the first bad line
    fails with its file and line number, so a typo never skews a score."""
    files = [f for p in paths for f in (sorted(p.glob("*.jsonl")) if p.is_dir() else [p])]
    questions: list[Question] = []
    dialogues: list[Dialogue] = []
    seen: set[str] = set()
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                item = _dialogue(raw) if isinstance(raw, dict) and "turns" in raw else _parse(raw)
            except (json.JSONDecodeError, TypeError, ValueError, KeyError) as error:
                raise ValueError(f"{path}:{number}: {error}") from error
            if item.id in seen:
                raise ValueError(f"{path}:{number}: duplicate id {item.id!r}")
            seen.add(item.id)
            (dialogues if isinstance(item, Dialogue) else questions).append(item)  # type: ignore[arg-type]
    return EvalSet(tuple(questions), tuple(dialogues))


def run(engine: Engine, evals: EvalSet, judge_with: Callable[[Question, Answer], Verdict] = judge) -> Run:
    """Ask every question alone and every dialogue turn by turn in a conversation of its own."""
    questions = tuple(Judged(judge_with(q, a), a) for q in evals.questions for a in [engine.ask(q.question, top=10)])
    openers: list[Judged] = []
    followups: list[Judged] = []
    for dialogue in evals.dialogues:
        conversation = Conversation()
        for number, turn in enumerate(dialogue.turns):
            answer = conversation.ask(engine, turn.question, top=10)
            (followups if number else openers).append(Judged(judge_with(turn, answer), answer))
    return Run(questions, tuple(followups), tuple(openers))


def _dialogue(raw: dict[str, Any]) -> Dialogue:
    turns = raw["turns"]
    if not isinstance(turns, list) or len(turns) < 2:
        raise ValueError("turns must be a list of at least two questions")
    ident = str(raw["id"])
    return Dialogue(ident, tuple(_parse({"id": f"{ident}.{n}", **turn}) for n, turn in enumerate(turns, 1)))


def _share(items: Iterable[Judged], passed: Callable[[Judged], bool]) -> float | None:
    items = list(items)
    return sum(1 for j in items if passed(j)) / len(items) if items else None
