"""Sentences shown under the best paragraph when they hold what it lacks (bot/search/supporting.py)."""

from __future__ import annotations

from test_ranking import LINE, engine, note

from bot.search.answer_types import asked_for
from bot.search.supporting import MAX_CHARS, Paragraph, _sentences, supporting_sentences
from bot.search.tokenize import Tokenizer

ARRESTS = note(
    "Police arrest ransomware gang members in Ukraine",
    [
        "Police in Ukraine have arrested members of a ransomware gang behind attacks on 100 firms in Europe.",
        "The gang used phishing emails to break into networks before encrypting files.",
        "Officers detained 12 gang members during raids on 25 homes in Kyiv and Kharkiv.",
        "Europol said the group caused damage of more than $10 million.",
    ],
)


QUESTION = "how many members of the ransomware gang did police in ukraine arrest?"


def test_a_sentence_holding_the_asked_count_is_shown_under_the_lead() -> None:
    hit = engine(ARRESTS).ask(QUESTION).hits[0]
    assert hit.passage.startswith("Police in Ukraine have arrested members")
    first = hit.supporting[0].text
    assert first == "Officers detained 12 gang members during raids on 25 homes in Kyiv and Kharkiv."


def test_the_last_sentence_of_a_paragraph_is_read_from_its_stored_terms_as_the_others_are() -> None:
    tokenize = Tokenizer()
    text = "The gang used phishing emails. It then encrypted files. Officers detained 12 gang members in raids."
    weights = {t: 1.0 for t in tokenize(QUESTION)}
    lead = "Police in Ukraine have arrested members of a ransomware gang."
    found = supporting_sentences(
        lead,
        tokenize(lead),
        ARRESTS.title,
        frozenset(tokenize(ARRESTS.title)),
        [Paragraph(text, 1.0, True, lambda: tokenize(text))],
        weights,
        asked_for(QUESTION, tokenize),
        tokenize,
    )
    assert [s.text for s in found] == ["Officers detained 12 gang members in raids."]


def test_each_sentence_of_a_paragraph_holds_its_own_terms_only() -> None:
    tokenize = Tokenizer()
    text = "Officers detained 12 gang members. Police said so. The gang members were charged."
    read = _sentences(
        "",
        [Paragraph(text, 1.0, True, lambda: tokenize(text))],
        {t: 1.0 for t in tokenize("gang members police")},
        None,
        tokenize,
        frozenset(),
        frozenset(),
        {},
    )
    assert [s.terms for s in read] == [frozenset(tokenize(s.text)) for s in read]
    assert [s.text for s in read] == [
        "Officers detained 12 gang members.",
        "Police said so.",
        "The gang members were charged.",
    ]


def test_nothing_is_added_when_the_paragraph_holds_it_all() -> None:
    hit = engine(LINE).ask("were the LINE accounts of 100 Taiwanese politicians hacked?").hits[0]
    assert hit.passage.startswith("The LINE accounts of more than 100")
    assert hit.supporting == ()


def test_only_the_first_answer_carries_supporting_sentences() -> None:
    hits = engine(ARRESTS, LINE).ask(QUESTION).hits
    assert all(h.supporting == () for h in hits[1:])


def test_the_questions_words_are_marked_in_a_supporting_sentence() -> None:
    hit = engine(ARRESTS).ask(QUESTION).hits[0]
    marked = {s.text[a:b].lower() for s in hit.supporting for a, b in s.highlights}
    assert {"gang", "members"} <= marked


def test_a_long_supporting_sentence_is_cut_at_a_word_end() -> None:
    long_text = "Officers detained gang members in 12 raids and " + " ".join(["moved money through exchanges"] * 20)
    story = note(
        "Police arrest ransomware gang members in Ukraine",
        ["Police in Ukraine have arrested members of a ransomware gang behind attacks on 100 firms.", long_text + "."],
    )
    cut = engine(story).ask(QUESTION).hits[0].supporting[0].text
    assert len(cut) <= MAX_CHARS + 1 and cut.endswith("…")
    assert long_text.startswith(cut[:-1]) and long_text[len(cut) - 1] == " "


BOOTKIT = note(
    "FinSpy malware hijacks Windows Boot Manager with UEFI bootkit",
    [
        "The FinSpy spyware now infects Windows computers using a UEFI bootkit, researchers said.",
        "The vendor sells the tool to governments and law enforcement agencies.",
        "The UEFI bootkit infects Windows computers by replacing the Windows Boot Manager with a malicious one.",
    ],
)


def test_a_how_question_gets_the_sentence_that_explains_it_in_the_leads_words() -> None:
    hit = engine(BOOTKIT).ask("how does the finspy uefi bootkit infect windows computers?").hits[0]
    shown = [hit.passage, *(s.text for s in hit.supporting)]
    assert any("by replacing the Windows Boot Manager" in text for text in shown)


def test_a_sentence_repeating_the_leads_words_is_not_added_to_a_question_asking_for_a_name() -> None:
    hit = engine(BOOTKIT).ask("who sells the finspy uefi bootkit?").hits[0]
    assert all("by replacing" not in s.text for s in hit.supporting)


def test_a_sentence_the_article_repeats_is_shown_once() -> None:
    repeated = "Officers detained 12 gang members during raids on 25 homes."
    story = note(
        "Police arrest ransomware gang members in Ukraine",
        [
            "Police in Ukraine have arrested members of a ransomware gang behind attacks on 100 firms.",
            repeated,
            f"{repeated} It was a big raid.",
        ],
    )
    texts = [s.text for s in engine(story).ask(QUESTION).hits[0].supporting]
    assert texts.count(repeated) == 1


PATCHES = note(
    "Microsoft January 2022 Patch Tuesday fixes six zero-days",
    [
        "Microsoft released its monthly security updates on Tuesday for Windows and Office users.",
        "Last month, Microsoft published 67 security fixes in the December 2021 Patch Tuesday. Six zero-day flaws were"
        " among them.",
        "Microsoft has released 96 security fixes, including updates for zero-day flaws.",
    ],
)


def test_a_count_of_another_month_than_the_question_names_is_not_shown_as_its_answer() -> None:
    hit = engine(PATCHES).ask("how many flaws did microsoft fix in the january 2022 patch tuesday?").hits[0]
    assert hit.passage.startswith("Microsoft has released 96 security fixes")


FORD = note(
    "Ford bug exposed customer and employee records",
    [
        "A bug on the Ford website allowed access to customer databases and employee records.",
        "The researchers reported the CVE to the vendor, who fixed it in their chat portal.",
        "The issue is caused by CVE-2021-27653, an information exposure in misconfigured Pega Infinity instances.",
    ],
)


def test_a_cve_id_is_shown_for_a_cve_question_though_its_sentence_shares_no_word_with_it() -> None:
    hit = engine(FORD).ask("which cve affected ford's website?").hits[0]
    shown = [hit.passage, *(s.text for s in hit.supporting)]
    assert any("CVE-2021-27653" in text for text in shown)


def test_a_sentence_naming_the_asked_one_by_its_abbreviation_is_shown() -> None:
    # The question says "check point"; the answering sentence says only "CPR", which the lead defines.
    story = note(
        "MosesStaff attacks organizations with encryption malware",
        [
            "On November 15, Check Point Research (CPR) said the group began targeting organizations in Israel.",
            "The group encrypts the networks of its victims and makes no ransom demand.",
            "Attribution is not firm, but CPR suspects that the group may be located in Palestine.",
        ],
    )
    hit = engine(story).ask("where does check point think the mosesstaff hackers are based?").hits[0]
    assert hit.passage.startswith("On November 15")
    assert any("Palestine" in s.text for s in hit.supporting)
