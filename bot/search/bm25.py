"""rank-bm25's BM25Okapi scores, served from a term-major sparse matrix.

Every (term, document) weight ``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))`` is
computed once at build time, so a query only adds up a few precomputed rows instead of walking
every document per term as ``BM25Okapi.get_scores`` does. The arithmetic follows rank-bm25
exactly, including its idf floor (``epsilon * average_idf`` for terms in over half the documents)
and its counting of a repeated query term once per repetition.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

K1 = 1.5
B = 0.75
EPSILON = 0.25


@dataclass(frozen=True, slots=True)
class BM25Matrix:
    """Row ``t`` (``indptr[t]:indptr[t+1]``) lists the documents holding term ``t`` and weights."""

    indptr: np.ndarray  # int64, n_terms + 1
    docs: np.ndarray  # int32, nnz
    weights: np.ndarray  # float64, nnz
    n_docs: int

    @classmethod
    def build(cls, documents: Sequence[Sequence[int]], n_terms: int) -> BM25Matrix:
        """Weights for documents given as term-id lists (ids below ``n_terms``)."""
        lengths = np.fromiter((len(d) for d in documents), dtype=np.int64, count=len(documents))
        flat = np.fromiter(chain.from_iterable(documents), dtype=np.int64, count=int(lengths.sum()))
        return cls.from_flat(flat, lengths, n_terms)

    @classmethod
    def from_flat(cls, flat: np.ndarray, lengths: np.ndarray, n_terms: int) -> BM25Matrix:
        """Weights for documents given concatenated: document d is the next ``lengths[d]`` ids of
        ``flat``."""
        flat = np.asarray(flat, dtype=np.int64)
        lengths = np.asarray(lengths, dtype=np.int64)
        n_docs = len(lengths)
        if len(flat) and n_terms:
            # One key per occurrence, term-major then document, sorted: equal keys are one
            # (term, doc) pair and their run length is its tf. numpy's sort of int64 keys is
            # vectorised, and on the corpus as quick as scipy's COO -> CSR counting sort,
            # without the quarter second that importing scipy.sparse costs a build.
            keys = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
            keys += flat * n_docs
            keys.sort()
            first = np.empty(len(keys), dtype=bool)
            first[0] = True
            np.not_equal(keys[1:], keys[:-1], out=first[1:])
            starts = np.flatnonzero(first)
            pairs = keys[starts]
            del keys
            tf = np.diff(starts, append=len(first)).astype(np.float64)
            del starts
            terms = pairs // n_docs
            pairs -= terms * n_docs
            docs = pairs.astype(np.int32)
            del pairs
            indptr = np.zeros(n_terms + 1, dtype=np.int64)
            np.cumsum(np.bincount(terms, minlength=n_terms), out=indptr[1:])
        else:
            indptr = np.zeros(n_terms + 1, dtype=np.int64)
            docs = np.zeros(0, dtype=np.int32)
            tf = np.zeros(0, dtype=np.float64)
            terms = np.zeros(0, dtype=np.int64)
        counts = np.diff(indptr)
        idf = idf_okapi(counts.astype(np.float64), n_docs)
        avgdl = lengths.sum() / n_docs if n_docs else 0.0
        # In place, in the order of ``idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)))``
        # (so the same floats): a build's new memory costs it as much as its arithmetic.
        if avgdl:
            norm = np.multiply(lengths[docs], B)
            norm /= avgdl
            norm += 1 - B
            norm *= K1
        else:
            norm = np.full(len(docs), K1 * (1 - B))
        norm += tf
        weights = np.multiply(tf, K1 + 1)
        del tf
        weights /= norm
        del norm
        weights *= idf[terms]
        return cls(indptr, docs, weights, n_docs)

    def scores(self, query: Sequence[int]) -> np.ndarray:
        """BM25Okapi score of every document for a query of term ids (repeats count again)."""
        out = np.zeros(self.n_docs, dtype=np.float64)
        counts = Counter(map(int, query))  # a question's few terms: not np.unique's sort machinery
        indptr, docs, weights = self.indptr, self.docs, self.weights
        first = True
        for t in sorted(counts):  # in term-id order, as rank-bm25 adds them
            c = counts[t]
            lo, hi = int(indptr[t]), int(indptr[t + 1])
            if lo == hi:
                continue
            row = weights[lo:hi] if c == 1 else c * weights[lo:hi]
            if first:
                # Every score is still 0 here and 0.0 + w == w exactly: a plain store skips
                # reading back the (large) rows the add would gather.
                out[docs[lo:hi]] = row
                first = False
            else:
                out[docs[lo:hi]] += row
        return out

    def row(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding ``term`` and their weights."""
        lo, hi = self.indptr[term], self.indptr[term + 1]
        return self.docs[lo:hi], self.weights[lo:hi]


def idf_okapi(df: np.ndarray, n_docs: int) -> np.ndarray:
    """rank-bm25's idf: ``log(N - df + .5) - log(df + .5)``, negatives raised to eps * mean."""
    idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
    present = df > 0
    if not present.any():
        return idf
    average = idf[present].sum() / present.sum()
    return np.where(present & (idf < 0), EPSILON * average, idf)
