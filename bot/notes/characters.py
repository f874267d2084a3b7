"""Characters that take no space on screen: dropped from notes, questions and tokens alike."""

from __future__ import annotations

import re

# Zero-width space, non-joiner and joiner, left-to-right and right-to-left marks, word joiner,
# byte order mark, soft hyphen: web pages put them inside words ("r\u200bedacted").
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"
# For a ``str.translate`` table that maps other characters too (the tokenizer's).
DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))
_INVISIBLE = re.compile(f"[{INVISIBLE}]")


def drop_invisible(text: str) -> str:
    """``text`` without its invisible characters. A pattern, not ``str.translate``: translating
    a long text that is not Latin-1 looks every character up in a dict (3 s of a 4 s corpus parse)."""
    return text if text.isascii() else _INVISIBLE.sub("", text)
