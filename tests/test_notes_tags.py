"""Only meaningful tags survive the scraper's noise."""

from __future__ import annotations

import pytest

from bot.notes.models import Tag
from bot.notes.tags import bracketed, plain_tag, select_tags, structured_tag, tag_from_bracket


@pytest.mark.parametrize(
    "raw", ["", "said.", "“The", "However,", "(or", "[HKEY_LOCAL_MACHINE\\Software", "it’s", "the", "--", "2021"]
)
def test_plain_tag_rejects_fragments_stopwords_and_numbers(raw: str) -> None:
    assert plain_tag(raw) is None


@pytest.mark.parametrize("raw", ["ransomware", "Cobalt Strike", "COVID-19", "win_cobalt_strike", "AT&T", "5G"])
def test_plain_tag_keeps_names(raw: str) -> None:
    assert plain_tag(raw) == Tag(raw)


def test_plain_tag_turns_dotted_abbreviation_into_letters() -> None:
    assert plain_tag("U.S.") == Tag("US")


def test_cve_and_attack_ids_get_their_kind() -> None:
    assert plain_tag("CVE-2021-44228") == Tag("CVE-2021-44228", "cve")
    assert plain_tag("T1059.001") == Tag("T1059.001", "ATT&CK technique")


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("threatactor.name=APT28", Tag("APT28", "threat actor")),
        ("action.malware.name=Conti", Tag("Conti", "malware")),
        ("victim.country.name=Ukraine", Tag("Ukraine", "country")),
        ("victim.industry.name=Public", Tag("Public", "industry")),
        ("victim.sector.name=Energy", Tag("Energy", "sector")),
    ],
)
def test_structured_tag_maps_kind_to_readable_words(raw: str, tag: Tag) -> None:
    assert structured_tag(raw) == tag


@pytest.mark.parametrize(
    "raw", ["victim.city.name=", "action.malware.name=at", "threatactor.name=TA", "action.malware.name=the"]
)
def test_structured_tag_drops_empty_short_and_stopword_values(raw: str) -> None:
    assert structured_tag(raw) is None


def test_bracketed_reads_tags_and_ignores_bare_lines() -> None:
    section = "#### Action:\n[[a]] [[b c]]\n#### urls\nhttps://x.test\n#### CVE's\n[[CVE-2021-1234]]\n"
    assert bracketed(section) == ["a", "b c", "CVE-2021-1234"]


def test_named_entity_tags_need_the_text_to_name_them() -> None:
    tags = [tag_from_bracket("victim.country.name=Haiti"), tag_from_bracket("victim.country.name=Mali")]
    assert select_tags(tags, "Attackers in Mali hit a bank.", "Src") == (Tag("Mali", "country"),)


def test_mention_is_whole_word_and_case_sensitive() -> None:
    tags = [tag_from_bracket("action.malware.name=Tor"), tag_from_bracket("action.malware.name=Expand")]
    assert select_tags(tags, "The actor will expand into Toronto.", "Src") == ()


def test_industry_tags_need_no_mention() -> None:
    assert select_tags([Tag("Finance", "industry")], "Banks were hit.", "Src") == (Tag("Finance", "industry"),)


def test_source_name_tag_is_dropped_whatever_its_spelling() -> None:
    tags = [Tag("BleepingComputer"), Tag("Bleeping Computer"), Tag("Windows")]
    assert select_tags(tags, "", "Bleeping Computer") == (Tag("Windows"),)


def test_duplicates_merge_case_insensitively_keeping_first_spelling() -> None:
    tags = [Tag("Conti", "malware"), Tag("conti"), Tag("Ransomware"), Tag("ransomware")]
    assert select_tags(tags, "Conti", "Src") == (Tag("Conti", "malware"), Tag("Ransomware"))
