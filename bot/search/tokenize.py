"""Text -> index terms: the one tokenizer the index, the queries and the highlighter share.

Lowercased and Unicode-normalised (curly quotes, dashes, full-width forms), English Snowball
stems, stopwords dropped. CVE ids, version strings and numbers stay whole so "CVE-2021-44228"
or "1.2.17" can be searched for exactly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, count

import numpy as np
import Stemmer

from bot.notes.characters import DROP_INVISIBLE
from bot.search.lexicon import DEMONYMS

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
    | DROP_INVISIBLE
)

# Order matters: the whole-token forms come before plain words.
_TOKEN = re.compile(
    r"cve-\d{4}-\d{4,}"  # CVE ids
    r"|v?\d+(?:\.\d+)+[a-z]?"  # versions and decimals: 1.2.17, v2.0, 4.4
    r"|\d{1,3}(?:,\d{3})+"  # thousands: 1,000,000
    r"|[^\W_]+(?:'[^\W_]+)*",  # words, with inner apostrophes (don't, o'brien)
    re.UNICODE,
)

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't
    doing don't down during each few for from further had hadn't has hasn't have haven't having he
    he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if
    in into is isn't it it's its itself let's me more most mustn't my myself no nor not of off on
    once only or other ought our ours ourselves out over own same shan't she she'd she'll she's
    should shouldn't so some such than that that's the their theirs them themselves then there
    there's these they they'd they'll they're they've this those through to too under until up
    very was wasn't we we'd we'll we're we've were weren't what what's when when's where where's
    which while who who's whom why why's with won't would wouldn't you you'd you'll you're you've
    your yours yourself yourselves also s t d ll m re ve just yet still cant dont wont didnt
    doesnt isnt wasnt arent werent couldnt shouldnt wouldnt hasnt havent im ive youre theyre
    """.split()
)


# Fast path: text is split into chunks at ASCII bytes that can never be inside a token (a bytes
# translate and split, both C loops); each distinct chunk then goes once through normalize and
# _TOKEN, and its terms are cached. Non-ASCII spaces and quotes stay inside chunks and are
# handled there, so the result is the same as running _TOKEN over the whole normalised text.
_BYTE_SPLIT = bytes(c if chr(c).isalnum() or chr(c) in "-.,'`" or c >= 128 else 32 for c in range(256))
# The caches are bounded (a flood of made-up words must not grow the bot's memory): when one is
# full it starts afresh. The real corpus needs about 50,000 words and chunks. Words holding a
# digit, most of what a flood brings, get a small cache of their own so they never push the
# corpus's words out, and a text repeating one number still reads it once.
_WORD_CACHE_LIMIT = 100_000
_NUMBER_CACHE_LIMIT = 5_000
_CHUNK_CACHE_LIMIT = 100_000
_MISSING = object()
_DIGIT = re.compile(rb"[0-9]")


def _has_digit(word: str) -> bool:
    return not word.isalpha() and any(c.isdigit() for c in word)


def _chunks_of(text: str) -> list[bytes]:
    return text.encode("utf-8", "surrogatepass").lower().translate(_BYTE_SPLIT).split()


@dataclass(frozen=True, slots=True)
class TermIds:
    """Many texts' terms: text ``i`` is ``ids[offsets[i]:offsets[i + 1]]``, ids into ``terms``."""

    terms: tuple[str, ...]
    ids: np.ndarray  # int64
    offsets: np.ndarray  # int64, one more than there are texts


def gather(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``values[starts[0]:starts[0] + lengths[0]]``, then the next range, ..., concatenated."""
    total = int(lengths.sum())
    if not total:
        return values[:0].copy()
    ends = np.cumsum(lengths)
    # Position k of the output reads values[starts[r] + (k - (ends[r] - lengths[r]))] for its range r.
    step = np.ones(total, dtype=np.int64)
    nonempty = lengths > 0
    first = (ends - lengths)[nonempty]
    jump = starts[nonempty]
    prev_end = np.concatenate(([0], (starts + lengths)[nonempty][:-1]))
    step[first] = jump - prev_end + 1
    step[0] = jump[0]
    return values[np.cumsum(step, out=step)]


def normalize(text: str) -> str:
    """Fold the Unicode variants people and scrapers produce into one plain form, lowercased."""
    text = text.translate(_TRANSLATE)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    return text.lower()


@dataclass
class Tokenizer:
    """Caches the terms of each distinct chunk of text: news text repeats its words, so each is
    stemmed once and the per-word work of a whole text is a few C-level split, set and map calls."""

    _stemmer: Stemmer.Stemmer = field(default_factory=lambda: Stemmer.Stemmer("english", 0))
    _cache: dict[str, str | None] = field(default_factory=dict)
    _numbers: dict[str, str | None] = field(default_factory=dict)
    _chunks: dict[bytes, tuple[str, ...]] = field(default_factory=dict)
    _numeric_chunks: set[bytes] = field(default_factory=set)  # the chunks __call__ cached holding a digit

    def term(self, word: str) -> str | None:
        """The index term for one already-normalised word, or None for a stopword."""
        found = self._cache.get(word, _MISSING)
        if found is _MISSING:
            found = self._numbers.get(word, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        result = self._term(word)
        cache, limit = (self._numbers, _NUMBER_CACHE_LIMIT) if _has_digit(word) else (self._cache, _WORD_CACHE_LIMIT)
        if len(cache) >= limit:
            cache.clear()
        cache[word] = result
        return result

    def _term(self, word: str) -> str | None:
        if word.endswith("'s"):
            word = word[:-2]
        word = DEMONYMS.get(word, word)
        if word in STOPWORDS or not word:
            return None
        if not word.isalpha():  # letters only, the most of words: no digit, no apostrophe
            if word[0] == "v" and word[1:2].isdigit():
                word = word[1:]
            if _has_digit(word):
                return word.replace(",", "")
            word = word.replace("'", "")
        stem: str = self._stemmer.stemWord(word)
        return stem

    def __call__(self, text: str) -> list[str]:
        """The terms of ``text`` in order, stopwords removed."""
        chunks = _chunks_of(text)
        cache = self._chunks
        fresh = set(chunks).difference(cache)
        if fresh:
            self._add_chunks(fresh, chunks)
        return list(chain.from_iterable(map(cache.__getitem__, chunks)))

    def _add_chunks(self, fresh: set[bytes], chunks: list[bytes]) -> None:
        """Caches the terms of the ``fresh`` chunks of a text of ``chunks``. Chunks holding a digit
        (most of what a flood of made-up tokens brings) are at most _NUMBER_CACHE_LIMIT of the
        cache: when there are that many, those the text does not hold leave it."""
        cache, numeric = self._chunks, self._numeric_chunks
        if len(cache) + len(fresh) > _CHUNK_CACHE_LIMIT:
            cache.clear()
            numeric.clear()
            fresh = set(chunks)
        digits = [chunk for chunk in fresh if _DIGIT.search(chunk)]
        if len(numeric) + len(digits) > _NUMBER_CACHE_LIMIT:
            needed = set(chunks)
            for chunk in numeric.difference(needed):
                del cache[chunk]
            numeric.intersection_update(needed)
        numeric.update(digits)
        for chunk in fresh:
            cache[chunk] = self._chunk_terms(chunk)

    def _chunk_terms(self, chunk: bytes) -> tuple[str, ...]:
        word = chunk.rstrip(b".,")
        if word.isalnum():  # ASCII letters and digits, perhaps ending a clause: _TOKEN reads one word
            term = self.term(word.decode("ascii"))
            return () if term is None else (term,)
        words = _TOKEN.findall(normalize(chunk.decode("utf-8", "surrogatepass")))
        return tuple(t for w in words if (t := self.term(w)) is not None)

    def many(self, texts: Iterable[str]) -> TermIds:
        """The terms of many texts at once, as ids into a vocabulary of their own.

        Text ``i``'s terms are ``[terms[j] for j in ids[offsets[i]:offsets[i + 1]]]``, exactly
        ``self(text)``; but the per-word work is done once per distinct chunk of the whole batch
        and the rest in numpy, which is what makes building an index over a corpus quick.
        """
        counts: list[int] = []
        chunks: list[bytes] = []
        for text in texts:
            c = _chunks_of(text)
            counts.append(len(c))
            chunks += c
        # One dict pass: each chunk -> the position of its first occurrence; those positions, in
        # order, number the distinct chunks.
        first_seen: dict[bytes, int] = {}
        seen_at = np.fromiter(map(first_seen.setdefault, chunks, count()), dtype=np.int64, count=len(chunks))
        firsts = np.flatnonzero(seen_at == np.arange(len(chunks)))
        number = np.zeros(len(chunks), dtype=np.int64)
        number[firsts] = np.arange(len(firsts))
        which = number[seen_at]
        # Each distinct chunk once: its terms, as ids in order of first appearance.
        vocab: dict[str, int] = {}
        chunk_ends: list[int] = []
        chunk_ids: list[int] = []
        cache = self._chunks
        term = self.term
        for chunk in first_seen:
            if chunk.isalnum():  # ASCII letters and digits only: the chunk is one word
                t = term(chunk.decode("ascii"))
                if t is not None:
                    chunk_ids.append(vocab.setdefault(t, len(vocab)))
            else:
                terms = cache.get(chunk)
                if terms is None:
                    terms = self._chunk_terms(chunk)
                    if len(cache) < _CHUNK_CACHE_LIMIT:
                        cache[chunk] = terms
                chunk_ids += [vocab.setdefault(t, len(vocab)) for t in terms]
            chunk_ends.append(len(chunk_ids))
        ends = np.asarray(chunk_ends, dtype=np.int64)
        starts = np.concatenate(([0], ends[:-1])) if len(ends) else ends
        ids = gather(np.asarray(chunk_ids, dtype=np.int64), starts[which], ends[which] - starts[which])
        # Terms per text: the term counts of its chunks, summed.
        per_chunk = np.concatenate(([0], np.cumsum(ends[which] - starts[which])))
        chunk_offsets = np.concatenate(([0], np.cumsum(np.asarray(counts, dtype=np.int64))))
        return TermIds(tuple(vocab), ids, per_chunk[chunk_offsets])

    def spans(self, text: str) -> Iterator[tuple[int, int, str]]:
        """Each word's (start, end, term) in ``text``, for marking matched words.

        NFKC may change lengths, so words are found on a per-character fold of the original
        text that keeps offsets aligned (plain ASCII text only needs lowercasing).
        """
        folded = text.lower().replace("`", "'") if text.isascii() else "".join(map(_fold_char, text))
        cache, term = self._cache, self.term  # the word cache first: most words are in it
        for m in _TOKEN.finditer(folded):
            word = m.group()
            t = cache[word] if word in cache else term(word)
            if t is not None:
                yield m.start(), m.end(), t


@lru_cache(maxsize=8192)
def _fold_char(c: str) -> str:
    """One character -> exactly one character, so offsets stay valid for highlighting."""
    folded = normalize(c)
    if len(folded) == 1:
        return folded
    lower = c.lower()
    return lower if len(lower) == 1 else " "
