"""Reading a misspelt question word as the index term it most likely means."""

from __future__ import annotations

from collections.abc import Sequence
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


def correct(term: str, context: Sequence[str], retriever: Retriever) -> str | None:
    """The index term an unknown word most likely misspells, or None.

    Candidates are the terms of at least two articles within one edit (two for long words;
    a swap of neighbours counts as one). Among them the one whose articles most often hold
    the question's other words wins, then the most common: "twich hack leak" is about
    Twitch, not "twice".
    """
    if len(term) < 5 or not term[0].isalpha() or "." in term:
        return None
    limit = 1 if len(term) < 8 else 2
    matches = process.extract(
        term, retriever.spelling_candidates(), scorer=OSA.distance, score_cutoff=limit, limit=None
    )
    if not matches:
        return None
    nearest = min(m[1] for m in matches)
    candidates = [m[0] for m in matches if m[1] == nearest]
    if len(candidates) == 1:
        return candidates[0]
    return max(candidates, key=lambda c: retriever.co_occurrence(c, context))
