"""Lines a site adds to its articles that never answer a question: link lines, promotions,
sign-ups, podcast and cookie notices. They are dropped where paragraphs are made, so they are
never indexed, shown or chosen as an answer.

Only short paragraphs are tested (a long one that opens like a promotion is real text), and only
against their opening words, so the check is linear and cannot drop a sentence mid-article.
"""

from __future__ import annotations

import re

MAX_LENGTH = 500

_OPENING = re.compile(
    r"""
    (?:see|also|see\ also|read\ more|read\ also|related|more\ on\ cybersecurity)\s*:   # ZDNet, Bleeping link lines
    | more\ on\ cybersecurity\s*$
    | read\ more
    | have\ a\ tip\?
    | check\ out\ our\ free
    | enjoy\ additional\ insights\ from\ threatpost
    | worried\ about\ where\ the\ next\ attack
    | register\ now
    | we\ want\ to\ know\ what\ your\ biggest
    | join\ threatpost\b
    | download\ the\ podcast | listen\ to\ the\ full\ podcast | also,\ check\ out\ our\ podcast
    | you\ can\ follow\ my\ day-to-day
    | please\ follow\ me\ on\ twitter
    | sign\ up\ for\ (?:my|our)\ [\w\ ]{0,40}newsletter
    | \[?get\ level-headed\ knowledge\ in\ your\ inbox
    | (?:this\ (?:web)?site|we)\ uses?\ cookies
    | facebook\ twitter\ email\ link
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Promotions that open with their pitch ("Want to win back control ...? Join ...").
_ANYWHERE = re.compile(r"\b(?:free|live),? (?:live )?threatpost (?:event|webinar|town hall)\b", re.IGNORECASE)


def is_boilerplate(paragraph: str) -> bool:
    """True for a site's link line, promotion or notice; never for a long paragraph."""
    text = paragraph.strip()
    if len(text) > MAX_LENGTH:
        return False
    return bool(_OPENING.match(text) or _ANYWHERE.search(text))
