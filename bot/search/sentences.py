"""The sentence of a passage that holds most of the question, for a reader scanning a long paragraph."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.notes.sentences import sentence_spans


def best_sentence(
    text: str, term_spans: Sequence[tuple[int, int, str]], weights: Mapping[str, float]
) -> tuple[int, int] | None:
    """The span of the one sentence holding the most question weight (each distinct term once),
    or None when the passage is a single sentence or no sentence clearly holds the most."""
    sentences = sentence_spans(text)
    if len(sentences) < 2:
        return None
    held = [
        sum(weights.get(t, 0.0) for t in {t for s, e, t in term_spans if lo <= s and e <= hi})
        for lo, hi in sentences
    ]
    best = max(held)
    if best <= 0 or held.count(best) > 1:
        return None
    return sentences[held.index(best)]
