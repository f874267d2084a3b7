"""Sentences of the same article shown under the best paragraph, when they hold what it lacks.

The best paragraph often tells the story ("an Ottawa resident was arrested") while the name, the
count or the date the question asks for sits two paragraphs down. Up to MAX_SENTENCES sentences
of the article's other paragraphs are shown under it when they hold the question's words that the
paragraph does not (half weight for those the title holds), or a new thing of the asked kind
(``answer_types.py``), or, for a how/why question, when they are mostly about the question (the
explanation is told in other words than the lead's). Among those, sentences of the paragraphs
the article's own passage order ranks higher come first. Nothing is shown when nothing adds.
A sentence holds the name an abbreviation the article defines stands for ("CPR suspects ..."
holds "Check Point Research", ``abbreviations.py``).

Linear in the article's text: each sentence is tokenized and graded once, and at most
MAX_CANDIDATES sentences are read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import NamedTuple

from bot.notes.sentences import sentence_spans
from bot.search.abbreviations import defined_abbreviations, with_spelt_out, written_abbreviations
from bot.search.answer_types import EXACT, Asked, Kind, grade
from bot.search.results import Supporting
from bot.search.tokenize import Tokenizer

MAX_SENTENCES = 2
MAX_CHARS = 280  # a longer sentence is cut at a word end with an ellipsis
MAX_CANDIDATES = 600  # sentences read per story: bounds the work on a huge note
W_KIND = 0.6  # a surer thing of the asked kind, next to the question's new words (weight 1)
MIN_GAIN = 0.1  # what a sentence must add, as a share of the question's weight
W_PRIOR = 0.2  # how well the sentence's paragraph answers, by the article's own passage order
W_TITLED = 0.5  # a question word the title holds but the paragraph does not
MIN_ABOUT = 0.1  # how much of the question's weight a sentence must hold to be about it
MIN_EXPLAINS = 0.45  # an explanation sentence holds this share of a how/why question's weight
W_EXPLAINS = 0.3  # weight of the share of the question an explanation sentence holds
# A CVE id, a version or a sum of money is the answer wherever it is written, though the sentence shares
# no word with the question ("The issue is caused by CVE-2021-27653" for "which cve affected ford's
# website?", "the price tag for decryption was $200k" for "and the ransom?").
IDENTIFIERS = frozenset({Kind.CVE, Kind.VERSION, Kind.MONEY})
# Chosen on bench/questions.jsonl; ../shared/eval and bench/heldout_questions.jsonl check them.


class Paragraph(NamedTuple):
    """A paragraph of the story: its text, its score within the article relative to the best,
    whether it holds any of the question's words, and its terms in order (read when needed)."""

    text: str
    prior: float
    holds_question_words: bool
    terms: Callable[[], Sequence[str]]


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    terms: frozenset[str]
    about: float  # the share of the question's weight it holds
    kind: float
    prior: float  # its paragraph's score within the article, the best paragraph's being 1
    order: int


def supporting_sentences(
    shown: str,
    shown_terms: Sequence[str],
    title: str,
    title_terms: frozenset[str],
    story: Iterable[Paragraph],
    weights: Mapping[str, float],
    asked: Asked | None,
    tokenize: Tokenizer,
) -> tuple[Supporting, ...]:
    """Up to MAX_SENTENCES sentences of ``story`` (the other paragraphs of the article of the
    ``shown`` text, of ``shown_terms``, under ``title`` of ``title_terms``) that add to ``shown``
    what the question asks, best first, each with its question words marked."""
    total = sum(weights.values())
    if not total:
        return ()
    # Each paragraph holds a sentence at least, so no more than MAX_CANDIDATES of them are read.
    paragraphs = list(islice(story, MAX_CANDIDATES))
    spelt_out = defined_abbreviations([title, shown, *(p.text for p in paragraphs)], tokenize)
    covered = set(with_spelt_out(shown_terms, spelt_out))
    sentences = _sentences(
        shown, paragraphs, weights, asked, tokenize, title_terms, frozenset(covered) | title_terms, spelt_out
    )
    chosen: list[_Sentence] = []
    while len(chosen) < MAX_SENTENCES:
        scored = [
            (_gain(s, covered, title_terms, weights, total, explains=asked is None), s)
            for s in sentences
            if s not in chosen
        ]
        gain, pick = max(scored, key=lambda gs: (gs[0], -gs[1].order), default=(0.0, None))
        if pick is None or gain < MIN_GAIN:
            break
        chosen.append(pick)
        covered |= pick.terms
    return tuple(_supporting(s.text, weights, tokenize) for s in chosen)


def _sentences(
    shown_text: str,
    story: Iterable[Paragraph],
    weights: Mapping[str, float],
    asked: Asked | None,
    tokenize: Tokenizer,
    title_terms: frozenset[str],
    shown: frozenset[str],
    spelt_out: Mapping[str, frozenset[str]],
) -> list[_Sentence]:
    """The story's sentences that hold some of the question (an abbreviation holding the name it
    stands for, ``spelt_out``), with their terms and how surely they hold a thing of the asked
    kind that is not shown yet; each once, none the shown paragraph already holds (articles
    repeat a quote or a tweet)."""
    total = sum(weights.values())
    out: list[_Sentence] = []
    seen: set[str] = set()
    read = 0
    graded_without_words = asked is not None and asked.kind in IDENTIFIERS
    # A paragraph may hold the question's words only as an abbreviation of them ("CPR suspects").
    abbreviated = written_abbreviations(spelt_out, weights.keys())
    for text, prior, holds_question_words, paragraph_terms in story:
        spans = sentence_spans(text)
        about_it = holds_question_words or (abbreviated is not None and abbreviated.search(text) is not None)
        if not graded_without_words and not about_it:
            read += len(spans)  # no sentence of it can be about the question: none is tokenized
            if read > MAX_CANDIDATES:
                return out
            continue
        # A paragraph's terms are its sentences' in turn (no term spans the white space between
        # two): the last sentence's are those the ones before it leave, and need no tokenizing.
        before = 0
        last = len(spans) - 1
        for j, (lo, hi) in enumerate(spans):
            read += 1
            if read > MAX_CANDIDATES:
                return out
            sentence = text[lo:hi]
            listed: Sequence[str] = ()
            if j < last:
                listed = tokenize(sentence)
                before += len(listed)  # also for a sentence passed over: the last one counts on it
            if sentence in seen or sentence in shown_text:
                continue
            seen.add(sentence)
            if j == last:
                listed = paragraph_terms()[before:]
            terms = with_spelt_out(listed, spelt_out)
            about = sum(w for t, w in weights.items() if t in terms) / total
            if about < MIN_ABOUT and not graded_without_words:
                continue
            kind = grade(asked, sentence, tokenize, title_terms, shown) if asked is not None else 0.0
            if about < MIN_ABOUT and kind < EXACT:
                continue
            out.append(_Sentence(sentence, terms, about, kind, prior, len(out)))
    return out


def _gain(
    sentence: _Sentence,
    covered: set[str],
    title: frozenset[str],
    weights: Mapping[str, float],
    total: float,
    explains: bool,
) -> float:
    """The question's words the sentence adds to the paragraph (those only the title holds count
    W_TITLED) and a new thing of the asked kind; then how well its paragraph answers. A sentence
    that adds neither word nor thing adds nothing, unless the question asks for an explanation
    (``explains``: how, why, what did) and the sentence is mostly about it (MIN_EXPLAINS)."""
    new = sum(
        w * (W_TITLED if t in title else 1.0) for t, w in weights.items() if t in sentence.terms and t not in covered
    )
    explaining = explains and sentence.about >= MIN_EXPLAINS
    if not new and not sentence.kind and not explaining:
        return 0.0
    explanation = W_EXPLAINS * sentence.about if explaining else 0.0
    return new / total + W_KIND * sentence.kind + W_PRIOR * sentence.prior + explanation


def _supporting(sentence: str, weights: Mapping[str, float], tokenize: Tokenizer) -> Supporting:
    text = _cut(sentence)
    marks = tuple((s, e) for s, e, t in tokenize.spans(text) if t in weights)
    return Supporting(text, marks)


def _cut(sentence: str) -> str:
    """The sentence, or its first MAX_CHARS characters up to a word end and an ellipsis."""
    if len(sentence) <= MAX_CHARS:
        return sentence
    head = sentence[: MAX_CHARS + 1]
    cut = head.rfind(" ")
    return (head[:cut] if cut > 0 else head[:MAX_CHARS]).rstrip(" ,;:") + "…"
