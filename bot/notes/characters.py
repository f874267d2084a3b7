"""Characters that take no space on screen: dropped from notes, questions and tokens alike."""

from __future__ import annotations

# Zero-width space, non-joiner and joiner, left-to-right and right-to-left marks, word joiner,
# byte order mark, soft hyphen: web pages put them inside words ("r\u200bedacted").
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"
# For ``str.translate``: every invisible character removed.
DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))
