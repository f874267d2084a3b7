"""Which terms are names: how often the notes write a term with a capital inside a sentence.

A question is about its names (LINE, REvil, Colonial Pipeline); its ordinary words (spit out,
flavour, stopgap) are often paraphrased by the article that answers it. Deciding whether a
question is answered at all must tell the two apart, and the notes' own spelling does: "Telegram"
is written with a capital almost every time, "blacklist" never.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from bot.search.tokenize import Tokenizer

# A capitalised word right after a lowercase letter, comma or semicolon and one space: inside a
# sentence, where a capital means a name and not the start of the sentence.
_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[a-z,;] )[A-Z][\w'’-]*")
_CHUNK = 10_000  # texts per scan


def name_shares(
    texts: Sequence[str], occurrences: np.ndarray, vocab: Mapping[str, int], tokenize: Tokenizer
) -> np.ndarray:
    """For each term of ``vocab``, the share of its ``occurrences`` in ``texts`` that are capitalised
    inside a sentence (float32, by term id): ``shares(capital_counts(texts), ...)``."""
    return shares(capital_counts(texts, tokenize), occurrences, vocab)


def capital_counts(texts: Sequence[str], tokenize: Tokenizer) -> Counter[str]:
    """How often each term is written with a capital inside a sentence in ``texts``. Counts add
    up over notes (a match never spans two texts), so the build cache keeps each note's."""
    forms: Counter[str] = Counter()
    for start in range(0, len(texts), _CHUNK):  # a few MB at a time, not a copy of the whole corpus
        forms.update(_MID_SENTENCE_CAPITAL.findall("\n".join(texts[start : start + _CHUNK])))
    capital: Counter[str] = Counter()
    for form, count in forms.items():
        terms = tokenize(form)
        if len(terms) == 1:
            capital[terms[0]] += count
    return capital


def shares(capital: Mapping[str, int], occurrences: np.ndarray, vocab: Mapping[str, int]) -> np.ndarray:
    """For each term of ``vocab``, the share of its ``occurrences`` that are ``capital``
    (float32, by term id). One sighting counts half each way, so a term the texts never hold is
    0.5, which reads as a name: the cautious side (ranking treats 0.5 and up as names). A name's
    sentence-initial uses count as ordinary, so names land near 0.8-1, words near 0. Numbers,
    versions and years have no capital to tell by and are as specific as names: they count as
    names."""
    counts = np.zeros(len(vocab), dtype=np.float64)
    for term, count in capital.items():
        at = vocab.get(term)
        if at is not None:
            counts[at] += count
    seen = np.maximum(occurrences.astype(np.float64), counts)
    share = ((counts + 0.5) / (seen + 1.0)).astype(np.float32)
    share[[i for t, i in vocab.items() if t[:1].isdigit()]] = 1.0
    return share
