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
            from scipy import sparse  # here, not at the top: only a build needs it, and it costs a query's start-up

            # One (term, doc) pair per distinct occurrence, with its count as tf, term-major and
            # documents ascending: scipy's COO -> CSR is a counting sort (linear, in C), and the
            # documents come in order, so summing duplicates needs no sort either. At 1M passages
            # this is ~4x quicker than sorting (term, doc) keys, with the same arrays.
            doc_of = np.repeat(np.arange(n_docs, dtype=np.int32), lengths)
            pairs = sparse.csr_matrix((np.ones(len(flat), dtype=np.int32), (flat, doc_of)), shape=(n_terms, n_docs))
            del doc_of
            pairs.sum_duplicates()
            indptr = pairs.indptr.astype(np.int64)
            docs = pairs.indices.astype(np.int32, copy=False)
            tf = pairs.data.astype(np.float64)
            del pairs
        else:
            indptr = np.zeros(n_terms + 1, dtype=np.int64)
            docs = np.zeros(0, dtype=np.int32)
            tf = np.zeros(0, dtype=np.float64)
        counts = np.diff(indptr)
        terms = np.repeat(np.arange(n_terms, dtype=np.int64), counts)
        idf = idf_okapi(counts.astype(np.float64), n_docs)
        avgdl = lengths.sum() / n_docs if n_docs else 0.0
        norm = K1 * (1 - B + B * lengths[docs] / avgdl) if avgdl else np.full(len(docs), K1 * (1 - B))
        weights = idf[terms] * (tf * (K1 + 1) / (tf + norm))
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
