"""Sentences of a paragraph, and long paragraphs cut at sentence ends into passages of bounded size.

The one sentence rule of the project: the notes layer cuts long paragraphs with it, the search
layer picks a passage's best and supporting sentences with it, Telegram cuts a long passage with it.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? or … (closing quotes and brackets included) followed by white space.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")
# The longest passage a paragraph becomes: one fits a Telegram message (4,096), and the longest
# real paragraphs (a few of 5,000 to 7,500 characters in 80,000) are the ones cut.
MAX_PASSAGE = 4000


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text``, trailing white space left out."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start() + len(match.group().rstrip())
        spans.append((start, end))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def bounded_passages(text: str, limit: int = MAX_PASSAGE) -> list[str]:
    """``text`` as one passage when it is at most ``limit`` characters, else as runs of whole
    sentences of about equal length, none over ``limit`` (a sentence longer than that is cut at
    a space). One pass over the sentences: a 1 MB paragraph costs what its length does."""
    if len(text) <= limit:
        return [text]
    pieces = -(-len(text) // limit)
    out: list[str] = []
    goal = len(text) / pieces  # where the next cut would ideally fall
    start = end = -1
    for lo, hi in sentence_spans(text):
        if start < 0:
            start = lo
        elif hi - start > limit or (hi > goal and hi - goal > goal - end):
            out.append(text[start:end])  # the cut before this sentence is the nearer one
            start = lo
            goal = (len(out) + 1) * len(text) / pieces
        end = hi
        while end - start > limit:
            cut = text.rfind(" ", start + 1, start + limit + 1)
            if cut < 0:
                cut = start + limit
            out.append(text[start:cut].rstrip())
            start = cut + (text[cut : cut + 1] == " ")
        if end >= goal:
            out.append(text[start:end])
            start = -1
            goal = (len(out) + 1) * len(text) / pieces
    if 0 <= start < end:
        out.append(text[start:end])
    return [piece for piece in out if piece]
