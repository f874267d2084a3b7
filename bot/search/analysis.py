"""What the stored index arrays depend on, so a change to any of it makes the index stale.

The BM25 weights are computed at build time with K1, B and epsilon, the article matrix counts the
title ``TITLE_WEIGHT`` times, and every term is the tokenizer's and the stemmer's output: change
one of them and an index built before would keep serving the old weights, or disagree with the
terms a query is turned into. The manifest records ``current()``; ``Library.is_stale`` compares.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import Stemmer

from bot.search import bm25, index

# Bump when the meaning of a stored array changes in a way the values below do not show
# (e.g. how name shares are counted, or which texts make up a passage).
ANALYSIS_VERSION = 1
_TOKENIZER_SOURCES = ("tokenize.py", "lexicon.py")


def current() -> dict[str, Any]:
    """The analysis this code would build an index with (read at call time, so a changed
    constant counts at once)."""
    return {
        "version": ANALYSIS_VERSION,
        "k1": bm25.K1,
        "b": bm25.B,
        "epsilon": bm25.EPSILON,
        "title_weight": index.TITLE_WEIGHT,
        "tokenizer": _tokenizer_version(),
        "stemmer": stemmer_version(),
    }


def difference(recorded: Any, now: dict[str, Any] | None = None) -> str | None:
    """Why an index built with ``recorded`` does not fit this code (``k1 1.5 -> 0.1``), or None."""
    now = current() if now is None else now
    if not isinstance(recorded, dict):
        return "it records no analysis (built by an older version)"
    changed = [f"{key} {recorded.get(key)!r} -> {value!r}" for key, value in now.items() if recorded.get(key) != value]
    return ", ".join(changed) or None


@lru_cache(maxsize=1)
def _tokenizer_version() -> str:
    """A hash of the tokenizer's source: any change to how text becomes terms changes it."""
    digest = hashlib.sha256()
    for name in _TOKENIZER_SOURCES:
        digest.update(name.encode() + b"\0" + (Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:12]


@lru_cache(maxsize=1)
def stemmer_version() -> str:
    """The stemmer's version: a new release may stem words differently. (Its own ``version()``,
    the package's: ``importlib.metadata`` would cost every command 25 ms of start-up.)"""
    return f"PyStemmer {Stemmer.version()} english"
