"""The sentence of a passage that holds most of the question, for a reader scanning a long paragraph."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.notes.sentences import sentence_spans


def best_sentence(
    text: str, term_spans: Sequence[tuple[int, int, str]], weights: Mapping[str, float]
) -> tuple[int, int] | None:
    """The span of the one sentence holding the most question weight (each distinct term once),
    or None when the passage is a single sentence or no sentence clearly holds the most.

    One pass over the sentences and the (ordered) term spans together: linear in the passage,
    however many sentences it has."""
    sentences = sentence_spans(text)
    if len(sentences) < 2:
        return None
    held = [0.0] * len(sentences)
    counted: set[str] = set()
    i = 0
    for start, end, term in term_spans:
        while i < len(sentences) and sentences[i][1] < end:
            i += 1
            counted = set()
        if i == len(sentences):
            break
        if sentences[i][0] <= start and term not in counted:
            counted.add(term)
            held[i] += weights.get(term, 0.0)
    best = max(held)
    if best <= 0 or held.count(best) > 1:
        return None
    return sentences[held.index(best)]
