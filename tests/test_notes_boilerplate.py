"""Site boilerplate never becomes a paragraph (bot/notes/boilerplate.py, called by paragraphs())."""

from __future__ import annotations

import pytest

from bot.notes.boilerplate import MAX_LENGTH, is_boilerplate
from bot.notes.markdown_text import paragraphs


@pytest.mark.parametrize(
    "line",
    [
        "SEE: A winning strategy for cybersecurity (ZDNet special report)",
        "SEE:Video meeting overload is real. Here's how you can to stop the stress building up",
        "Also: How to find and remove spyware from your phone",
        "See also: Apple child abuse material scanning in iOS 15 draws fire",
        "Read more: How to supercharge Windows 10 with PowerToys.",
        "MORE ON CYBERSECURITY",
        "Have a tip? Get in touch securely via WhatsApp | Signal at +447713 025 499",
        "Check out our free upcoming live and on-demand webinar events – unique, dynamic discussions.",
        "Register NOW for the LIVE event!",
        "Register NOWfor the LIVE event!",
        "Sign up for my weekly newsletter to get practical tips.",
        "We use cookies to improve your experience.",
    ],
)
def test_link_lines_promotions_and_notices_are_boilerplate(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "paragraph",
    [
        "Also, the attackers used a second server for the stolen data.",
        "See the advisory for the list of affected versions.",
        "The stealer grabs cookies, passwords and saved cards from browsers.",
    ],
)
def test_news_text_that_opens_with_the_same_words_is_kept(paragraph: str) -> None:
    assert not is_boilerplate(paragraph)


def test_a_long_paragraph_opening_like_a_promotion_is_kept() -> None:
    assert not is_boilerplate("Read more: " + "the attackers moved through the network. " * (MAX_LENGTH // 40 + 1))


def test_zdnet_see_lines_are_not_paragraphs_of_the_article() -> None:
    see = "SEE: A winning strategy for cybersecurity (ZDNet special report)"
    body = f"Attackers hit 40 servers.\n\n{see}\n\nIt took a week."
    assert paragraphs(body) == ("Attackers hit 40 servers.", "It took a week.")
