"""Which terms are names: how often the notes write a term with a capital inside a sentence.

A question is about its names (LINE, REvil, Colonial Pipeline); its ordinary words (spit out,
flavour, stopgap) are often paraphrased by the article that answers it. Deciding whether a
question is answered at all must tell the two apart, and the notes' own spelling does: "Telegram"
is written with a capital 99% of the time mid-sentence, "blacklist" never.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

from bot.search.tokenize import Tokenizer

# A word right after a lowercase letter, comma or semicolon and one space: inside a sentence,
# where a capital means a name and not the start of the sentence.
_MID_SENTENCE_WORD = re.compile(r"(?<=[a-z,;] )[A-Za-z][\w'’-]*")


def name_shares(texts: Iterable[str], vocab: Mapping[str, int], tokenize: Tokenizer) -> np.ndarray:
    """For each term of ``vocab``, the share of its mid-sentence occurrences written with a
    capital (float32, by term id), counting one sighting half each way: a term seen once is
    0.25 or 0.75, and one never seen mid-sentence 0.5, which reads as a name (names.py's users
    treat 0.5 and up as names, the cautious side)."""
    forms = Counter(_MID_SENTENCE_WORD.findall("\n".join(texts)))
    capital = np.zeros(len(vocab), dtype=np.float64)
    seen = np.zeros(len(vocab), dtype=np.float64)
    for form, count in forms.items():
        terms = tokenize(form)
        if len(terms) != 1 or terms[0] not in vocab:
            continue
        term_id = vocab[terms[0]]
        seen[term_id] += count
        if form[0].isupper():
            capital[term_id] += count
    return ((capital + 0.5) / (seen + 1.0)).astype(np.float32)
