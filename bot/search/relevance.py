"""The decline rule: whether the best articles hold enough of a question to answer it at all."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bot.search.retriever import NoteHit

# A question is declined when no top article holds this idf-weighted share of its words: the
# middle of the range, 0.60-0.70, in which every answerable question of bench/questions.jsonl and
# ../shared/eval is still answered (higher declines more out-of-scope ones, and answerable ones).
MIN_RELEVANCE = 0.65
# An ordinary word the article lacks counts this much of its idf against the article; a term
# written with a capital at least NAME_SHARE of the time (names.py) counts fully.
W_PARAPHRASED = 0.35
NAME_SHARE = 0.5


def relevance(
    notes: Sequence[NoteHit],
    weights: Mapping[str, float],
    missing_idf: float,
    name_share: Callable[[str], float],
) -> float:
    """How much of the question the best-matching article holds: the largest idf-weighted
    share of the question's words found in one of the top articles.

    Words found nowhere count fully against it, so a question about something absent is
    declined. So does a name the article lacks; an ordinary word it lacks counts only
    W_PARAPHRASED, since articles often say it in other words ("spit out", "stopgap")."""
    against = {t: w if name_share(t) >= NAME_SHARE else W_PARAPHRASED * w for t, w in weights.items()}
    best = 0.0
    for note in notes:
        held = sum(weights[t] for t in note.holds)
        lacking = sum(w for t, w in against.items() if t not in note.holds)
        if held:
            best = max(best, held / (held + lacking + missing_idf))
    return best

