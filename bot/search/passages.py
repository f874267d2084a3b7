"""Choosing among one article's passages: which paragraph answers the question best.

Every passage of an article shares the article's title, so a paragraph's own BM25 says little
about which of them answers. A passage is scored instead by:

- how many of the question's words that the title does not already explain it holds;
- how surely it holds the kind of thing asked for and the question did not already say
  (``answer_types.py``: a count next to the counted noun, a date, a version, a CVE id, a name),
  weighed, like a word by its idf, by how few of the graded paragraphs hold one as sure: the one
  paragraph with a date tells "when" apart, a name that nearly every paragraph has does not;
- where it stands: a news lead carries the who and what.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from bot.search.answer_types import Asked, grade
from bot.search.retriever import PassageHit, Retriever
from bot.search.tokenize import Tokenizer

# Weights of the re-scoring, chosen on our own question set (bench/questions.jsonl); the dev set
# in ../shared/eval is the check they were not tuned on.
W_BODY = 1.0  # passage: share of the question's untitled words it holds
W_CUE = 0.4  # passage: how surely it holds a new thing of the asked kind (answer_types.grade)
W_RARE_CUE = 2.0  # the cue's weight grows to (1 + this) times W_CUE when no other graded passage holds as sure a thing
W_POSITION = 0.05  # passage: early in the article
GRADED = 10  # the passages of an article, best covered first, graded for the answer type


class PassageChooser:
    """Orders the passages of an article for one question."""

    def __init__(
        self,
        retriever: Retriever,
        tokenizer: Tokenizer,
        asked: Asked | None,
        weights: Mapping[str, float],
        title_terms: Callable[[int], frozenset[str]],
    ) -> None:
        """``title_terms`` gives a note's title terms by its number (``Stories.title_terms``)."""
        self.retriever = retriever
        self.title_terms = title_terms
        self.tokenize = tokenizer
        self.weights = weights
        self.asked = asked  # what the question asks for (answer_types.asked_for)

    def order(self, passages: Sequence[PassageHit], graded: int = GRADED) -> list[tuple[PassageHit, float]]:
        """An article's passages, best answer first, each with its score within the article.

        The answer-type grade (the costly feature) is computed only for the ``graded`` passages
        that hold most of the question; the others are ordered by coverage and position."""
        if not passages:
            return []
        title = self.title_terms(passages[0].note)
        position = np.array([p.position for p in passages])
        within = W_BODY * self._coverage(passages, title) + W_POSITION / (1.0 + position)
        if self.asked is not None:
            best_covered = (-within).argsort(kind="stable")[:graded]
            grades = np.array(
                [
                    grade(self.asked, self.retriever.passage_text(passages[i].passage), self.tokenize, title)
                    for i in best_covered.tolist()
                ]
            )
            within[best_covered] += W_CUE * grades * (1.0 + W_RARE_CUE * _rarity(grades))
        return [(passages[i], float(within[i])) for i in (-within).argsort(kind="stable").tolist()]

    def _coverage(self, passages: Sequence[PassageHit], title: frozenset[str]) -> np.ndarray:
        """The idf-weighted share of the question's words, beyond the title's, each passage holds."""
        asked = set(self.weights)
        untitled = asked - title
        # When the title explains every word, the paragraph that restates them leads.
        wanted = untitled or asked
        body = np.zeros(len(passages))
        sums: dict[frozenset[str], float] = {}  # most passages of an article hold the same few terms
        for i, passage in enumerate(passages):
            # Each passage is indexed with its title, so for a word not in the title, being held
            # by the passage means being in its text; title words need the text itself.
            if untitled:
                value = sums.get(passage.holds)
                if value is None:
                    value = sums[passage.holds] = sum(self.weights[t] for t in wanted & passage.holds)
                body[i] = value
            else:
                held = self.retriever.text_holds(passage.passage, wanted)
                body[i] = sum(self.weights[t] for t in held)
        return body / (sum(self.weights[t] for t in wanted) or 1.0)


def _rarity(grades: np.ndarray) -> np.ndarray:
    """For each grade, 1 when no other of the graded passages grades as high, falling to 0 when all
    do: a thing of the asked kind that one paragraph alone holds is what tells it apart."""
    if len(grades) < 2:
        return np.ones_like(grades)
    as_high = (grades[None, :] >= grades[:, None]).sum(axis=1)
    rarity: np.ndarray = 1.0 - (as_high - 1) / (len(grades) - 1)
    return rarity
