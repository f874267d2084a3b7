"""Markdown bodies become paragraphs a person can read: no markup, no boilerplate."""

from __future__ import annotations

from bot.notes.markdown_text import clean_inline, drop_leading_unknown, paragraphs


def test_paragraphs_are_blank_line_separated_and_lines_joined() -> None:
    assert paragraphs("First line\nsame para.\n\n\nSecond para.") == (
        "First line same para.",
        "Second para.",
    )


def test_atx_headings_are_not_paragraphs() -> None:
    assert paragraphs("### A heading\n\nText.\n\n#### Another\nMore.") == ("Text.", "More.")


def test_setext_heading_is_not_a_paragraph() -> None:
    assert paragraphs("Intro text.\n\n A Setext Heading\n-----------\n\nBody text.") == (
        "Intro text.",
        "Body text.",
    )


def test_horizontal_rule_is_dropped() -> None:
    assert paragraphs("One.\n\n---\n\nTwo.") == ("One.", "Two.")


def test_image_only_paragraph_is_dropped() -> None:
    assert paragraphs("![Article Image](https://x.test/a.jpg)\n\nText.") == ("Text.",)


def test_glued_image_caption_is_dropped() -> None:
    assert paragraphs("![shot](https://x.test/a.png)Image: Cybereason\n\nText.") == ("Text.",)


def test_emphasised_caption_lines_below_an_image_are_dropped() -> None:
    body = "![a](https://x.test/a.png)**Widget panel**  \n*Source: Acme*\nThe real sentence."
    assert paragraphs(body) == ("The real sentence.",)


def test_linked_image_with_multiline_html_title_is_dropped() -> None:
    body = (
        "[![pic](https://x.test/s.jpg)](https://x.test/o.jpg \"<div class='credit'>Acme</div>\n"
        '<p>A caption.</p>\n")\nThe story goes on.'
    )
    assert paragraphs(body) == ("The story goes on.",)


def test_text_after_an_inline_image_is_kept_when_it_is_prose() -> None:
    body = "![x](https://x.test/a.png) All that is left is to pat yourself on the back, really."
    assert paragraphs(body) == ("All that is left is to pat yourself on the back, really.",)


def test_links_keep_their_text() -> None:
    assert clean_inline("See [the report](https://x.test/r?a=(b)) now.") == "See the report now."


def test_broken_link_with_unbalanced_parens_keeps_its_text() -> None:
    text = "a [use-after-free](https://x.test/#:~:text=Use%20(UAF,error.) (UAF) bug"
    assert clean_inline(text) == "a use-after-free (UAF) bug"


def test_autolink_becomes_its_url_text() -> None:
    assert clean_inline("Rule at <https://x.test/rule.yml> here") == "Rule at https://x.test/rule.yml here"


def test_html_tags_are_stripped_and_entities_decoded() -> None:
    assert clean_inline("<p>Tom&nbsp;&amp; Jerry</p>") == "Tom & Jerry"


def test_a_quoted_script_payload_is_kept_as_text() -> None:
    assert clean_inline("payload: <script>window.location='x';</script> done") == (
        "payload: <script>window.location='x';</script> done"
    )


def test_whitespace_and_invisible_characters_are_normalised() -> None:
    assert clean_inline("a\xa0b\u200bc\u200d  \t d\ufeff") == "a bc d"


def test_crlf_body_splits_like_lf() -> None:
    assert paragraphs("One\r\n\r\nTwo") == ("One", "Two")


def test_emphasis_markers_are_removed_but_snake_case_survives() -> None:
    assert clean_inline("**Bold** and *it* and __u__ with win_cobalt_strike") == (
        "Bold and it and u with win_cobalt_strike"
    )


def test_list_items_are_joined_readably() -> None:
    assert paragraphs("Leaked:\n* Full name\n* Gender\n* Passport") == ("Leaked: Full name; Gender; Passport",)


def test_list_items_that_are_sentences_are_joined_with_spaces() -> None:
    assert paragraphs("- One thing happened.\n- Another did.") == ("One thing happened. Another did.",)


def test_related_coverage_link_list_is_dropped() -> None:
    body = (
        "Story text.\n\n### Related Coverage\n\n* [A](/article/a/)\n* [B](https://x.test/b)  \n\n* [C](/article/c/)\n"
    )
    assert paragraphs(body) == ("Story text.",)


def test_related_stories_label_paragraph_is_dropped() -> None:
    assert paragraphs("Text.\n\n**Related Stories:**\n\n* [A](https://x.test/a)") == ("Text.",)


def test_json_ld_blob_is_dropped() -> None:
    body = '{"@context":"http:\\/\\/schema.org","@type":"ItemList"}\n\nText.'
    assert paragraphs(body) == ("Text.",)


def test_table_rows_become_header_value_lines() -> None:
    body = "| CVE | Date |\n| --- | --- |\n| [CVE-2021-1](https://x.test) | Feb 1 |\n| CVE-2021-2 | |"
    assert paragraphs(body) == ("CVE: CVE-2021-1; Date: Feb 1", "CVE: CVE-2021-2")


def test_code_fences_are_dropped() -> None:
    assert paragraphs("Before.\n\n```\nrule x {\n\n condition: true }\n```\n\nAfter.") == ("Before.", "After.")


def test_blockquote_markers_are_removed() -> None:
    assert paragraphs("> Quoted words\n> \n> Attribution") == ("Quoted words", "Attribution")


def test_caption_only_paragraph_is_dropped() -> None:
    assert paragraphs("Text.\n\nSource: BleepingComputer") == ("Text.",)


def test_leading_unknown_line_is_dropped() -> None:
    assert drop_leading_unknown("\nUnknown\n\nPolice arrested.") == "\nPolice arrested."
    assert drop_leading_unknown("Unknown vendors were hit.") == "Unknown vendors were hit."


def test_every_invisible_character_goes_inside_words_too() -> None:
    """The one list (bot.notes.characters): zero-width marks, bidi marks, BOM and soft hyphen."""
    assert clean_inline("r\u200ban\u200esom\u200fwa\u00adre \u2060kit\ufeff") == "ransomware kit"
