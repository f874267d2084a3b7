"""Which notes a watch matches: the answers' reading and decline rule, one note at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.notes.loader import load_corpus
from bot.search.backend import local_engine
from bot.search.engine import Engine
from bot.search.index import build_index
from bot.search.watching import Breadth, is_watchable, matches, note_key, too_broad
from seed_notes import LINE_LINK, PHISHING_LINK, PIPELINE_LINK, note_text, write_seeds

TOPICS = [
    "bank",
    "hospital",
    "school",
    "airport",
    "port",
    "city council",
    "retailer",
    "university",
    "utility",
    "carmaker",
    "insurer",
    "newspaper",
    "brewery",
    "railway",
    "telecom",
    "charity",
    "court",
    "museum",
    "pharmacy",
    "hotel",
    "stadium",
    "library",
    "zoo",
    "bakery",
    "shipyard",
    "laboratory",
    "farm",
    "theatre",
    "ferry",
    "mine",
]


def _engine(folder: Path) -> Engine:
    return local_engine(build_index(load_corpus(folder), fingerprint="t", seeds_dir=str(folder)))


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return _engine(write_seeds(tmp_path_factory.mktemp("watching") / "seeds"))


@pytest.fixture(scope="module")
def attacks(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """Thirty notes that all say "attack", one of them about Fortinet."""
    folder = tmp_path_factory.mktemp("attacks")
    for i, topic in enumerate(TOPICS):
        extra = " The attackers came in through a Fortinet VPN appliance." if i == 7 else ""
        (folder / f"{i:02}.md").write_text(
            note_text(
                f"Cyber attack disrupts a {topic}",
                [f"A cyber attack disrupted the {topic} for {i + 2} days.{extra}", "Recovery is under way."],
                source="ZDNet",
                link=f"https://example.com/{i}",
            ),
            "utf-8",
        )
    return _engine(folder)


def links(found) -> list[str]:
    return [m.hit.note.link for m in found]


def test_a_watch_matches_the_note_about_its_topic_only(engine: Engine) -> None:
    assert links(matches(engine, "Colonial Pipeline ransom")) == [PIPELINE_LINK]
    assert links(matches(engine, "Taiwanese politicians")) == [LINE_LINK]


def test_a_note_holding_only_a_common_word_of_the_watch_does_not_fire_it(engine: Engine) -> None:
    # "ransomware" is in the pipeline note (and a tag of the phishing one); "Fortinet" is a name
    # no note holds, so no note holds enough of this watch.
    assert matches(engine, "Fortinet ransomware") == []


def test_filters_narrow_a_watch(engine: Engine) -> None:
    assert links(matches(engine, "ransomware tag:phishing")) == []
    assert links(matches(engine, "phishing source:bleeping")) == [PHISHING_LINK]


def test_a_watch_of_filters_alone_matches_every_note_they_keep(engine: Engine) -> None:
    assert sorted(links(matches(engine, "tag:ransomware"))) == sorted([PIPELINE_LINK, PHISHING_LINK])


def test_among_limits_the_notes_looked_at(engine: Engine) -> None:
    pipeline = next(i for i, n in enumerate(engine.catalog.notes) if n.link == PIPELINE_LINK)
    assert links(matches(engine, "Colonial Pipeline ransom", among={pipeline})) == [PIPELINE_LINK]
    assert matches(engine, "Colonial Pipeline ransom", among=set(range(len(engine.catalog.notes))) - {pipeline}) == []


def test_the_paragraph_shown_is_the_one_about_the_watch_with_its_words_marked(engine: Engine) -> None:
    [match] = matches(engine, "bitcoin decryption")
    hit = match.hit
    assert "75 bitcoin" in hit.passage
    assert {hit.passage[s:e].lower() for s, e in hit.highlights} == {"bitcoin", "decryption"}


def test_a_note_is_known_by_its_link(engine: Engine) -> None:
    [match] = matches(engine, "Taiwanese politicians")
    assert match.key == note_key(match.hit.note) == LINE_LINK


def test_words_nowhere_in_the_notes_match_nothing(engine: Engine) -> None:
    assert matches(engine, "Kaseya VSA") == []
    assert matches(engine, "the of and") == []


def test_a_common_word_alone_is_too_broad_to_watch(attacks: Engine) -> None:
    found = matches(attacks, "attack")
    assert too_broad(Breadth(len(found), len(attacks.catalog.notes)), max_share=0.05)


def test_the_same_word_with_a_telling_one_is_not(attacks: Engine) -> None:
    found = matches(attacks, "attack Fortinet")
    assert links(found) == ["https://example.com/7"]
    assert not too_broad(Breadth(len(found), len(attacks.catalog.notes)), max_share=0.05)


def test_in_a_small_index_a_handful_of_matches_is_never_too_broad(engine: Engine) -> None:
    assert not too_broad(Breadth(len(matches(engine, "tag:ransomware")), len(engine.catalog.notes)), max_share=0.05)


def test_a_watch_needs_a_word_or_a_filter_but_not_one_the_notes_already_hold(engine: Engine) -> None:
    assert is_watchable(engine, "Kaseya VSA") and is_watchable(engine, "tag:healthcare")
    assert not is_watchable(engine, "the of and") and not is_watchable(engine, '""')


def test_a_quoted_watch_reads_as_its_words(engine: Engine) -> None:
    assert links(matches(engine, '"Colonial Pipeline"')) == [PIPELINE_LINK]
