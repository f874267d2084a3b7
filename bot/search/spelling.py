"""Reading a misspelt question word as the index term it most likely means."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.search.retriever import Retriever


@dataclass(frozen=True, slots=True)
class Correction:
    """The word at ``start:end`` of the question was read as the index term ``term``."""

    start: int
    end: int
    term: str


# Work per question is bounded whatever its length: at most MAX_SUSPECTS distinct words are
# corrected (the rest count as missing), each looked up once however often it is repeated,
# against the MAX_CONTEXT most telling of the question's known words.
MAX_SUSPECTS = 4
MAX_CONTEXT = 8
# A candidate must go with the rest of the question: at least MIN_FIT of the articles of it or of
# one of the question's other words (whichever are fewer) hold both, two articles or more ("pizza
# dough" is not "pizza tough", though "tough" goes with "best" in 19 of its 43 articles).
MIN_FIT = 0.5
# A word the index knows from this few articles is suspect too ("colonal" stems to "colon", seen
# once) when a candidate RARE_RATIO times as common fits the question and the word does not.
RARE_DF = 2
RARE_RATIO = 20


@dataclass(frozen=True, slots=True)
class Spelling:
    """What the suspects of one question were read as: ``fixes`` the corrections that fit the
    question, ``readings`` the likeliest index term of each unknown word left uncorrected."""

    fixes: dict[str, str]
    readings: dict[str, str]


def correct(
    words: Sequence[str], retriever: Retriever, idf: Callable[[str], float], written: Mapping[str, str] | None = None
) -> Spelling:
    """The index term each suspect of the question's terms ``words`` most likely misspells, for
    those with a reading that fits the question; suspects are unknown words and very rare ones
    of at least five letters as ``written`` in the question ("stors" stems to "stor").

    Candidates are the terms of at least two articles within one edit (two for long words; a swap
    of neighbours counts as one), the nearest kept. With other words in the question, the
    candidate that goes with them best wins if it fits at all (MIN_FIT): "twich hack leak" is
    Twitch, "colonal pipline" is Colonial Pipeline (each suspect's likeliest reading is context
    for the others), "pizza dough" stays as it is. Alone in its question, an unknown word is read
    as its most common candidate.
    """
    df = retriever.note_frequency
    written = written or {}
    suspects = [w for w in dict.fromkeys(words) if df(w) <= RARE_DF and _correctable(w, written.get(w, w))]
    suspects = suspects[:MAX_SUSPECTS]
    nearest = {w: [c for c in _nearest(w, retriever) if df(c) >= RARE_RATIO * df(w)] for w in suspects}
    guesses = {w: max(c, key=df) for w, c in nearest.items() if c}
    # A known word with no reading to correct to is context like any other ("pizza" in a tiny index).
    telling = sorted({w for w in words if df(w) and not nearest.get(w)}, key=idf, reverse=True)[:MAX_CONTEXT]
    fixes: dict[str, str] = {}
    for word, candidates in nearest.items():
        if not candidates:
            continue
        context = telling + [g for w, g in guesses.items() if w != word]
        if not context:
            if not df(word):
                fixes[word] = guesses[word]
            continue
        fit = {c: _fit(c, context, retriever) for c in candidates}
        best = max(candidates, key=lambda c: (fit[c], df(c)))
        if fit[best] >= MIN_FIT and (not df(word) or _fit(word, context, retriever) < MIN_FIT):
            fixes[word] = best
    readings = {w: g for w, g in guesses.items() if w not in fixes and not df(w)}
    return Spelling(fixes, readings)


def _correctable(term: str, word: str) -> bool:
    return len(word) >= 5 and term[0].isalpha() and "." not in term


def _nearest(term: str, retriever: Retriever) -> list[str]:
    limit = 1 if len(term) < 8 else 2
    candidates = retriever.spelling_candidates(term, limit)
    matches = process.extract(term, candidates, scorer=OSA.distance, score_cutoff=limit, limit=None)
    if not matches:
        return []
    best = min(m[1] for m in matches)
    return [m[0] for m in matches if m[1] == best]


def _fit(term: str, context: Sequence[str], retriever: Retriever) -> float:
    """How well ``term`` goes with the ``context`` words: for the best of them, the share of the
    articles of the rarer of the two that hold both (0 when fewer than two articles do)."""
    df = retriever.note_frequency
    together = retriever.co_occurrences(term, context)
    shares = [count / min(df(term), df(other)) for other, count in zip(context, together, strict=True) if count >= 2]
    return max(shares, default=0.0)
