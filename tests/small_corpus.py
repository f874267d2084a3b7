"""Small collections written for one behaviour each, as an Engine over an in-memory index (four
filler notes added, so that idf tells words apart)."""

from __future__ import annotations

from datetime import date

from bot.notes.models import Corpus, Note, Tag
from bot.search.backend import local_engine
from bot.search.engine import Engine
from bot.search.index import build_index

FILLER = [
    (
        "Printer driver flaw lets attackers gain admin rights",
        [
            "A bug in a printer driver lets local users gain admin rights on Windows.",
            "The vendor shipped an update on Tuesday.",
        ],
    ),
    (
        "Phishing kit targets bank customers in Brazil",
        [
            "A new phishing kit imitates the login pages of five large banks.",
            "Researchers counted more than 300 fake domains.",
        ],
    ),
    (
        "Cloud storage bucket exposed hospital records",
        [
            "An unprotected storage bucket held scans and records of patients.",
            "The hospital closed access after a researcher reported it.",
        ],
    ),
    (
        "Botnet hijacks routers to mine cryptocurrency",
        [
            "The botnet spreads through routers with default passwords.",
            "It installs a miner and removes competing malware.",
        ],
    ),
]


def note(
    title: str,
    paragraphs: list[str],
    *,
    link: str | None = None,
    source: str = "The Record",
    day: date = date(2021, 8, 1),
    tags: tuple[Tag, ...] = (),
) -> Note:
    slug = title.lower().replace(" ", "-")
    return Note(
        path=f"{source.lower().replace(' ', '')}/{slug}.md",
        title=title,
        source=source,
        link=link or f"https://example.com/{slug}/",
        date=day,
        author="A. Writer",
        tags=tags,
        paragraphs=tuple(paragraphs),
    )


def engine(*notes: Note) -> Engine:
    filler = [note(t, p) for t, p in FILLER]
    corpus = Corpus(notes=tuple(notes) + tuple(filler), skipped=())
    return local_engine(build_index(corpus, fingerprint="test", seeds_dir="test"))


KASEYA = note(
    "Kaseya VSA attack: REvil hits hundreds of companies",
    [
        "Hundreds of companies were hit when attackers pushed ransomware through Kaseya VSA servers.",
        "The REvil ransomware gang is behind the attack, researchers said.",
        "REvil asked for a ransom of 70 million dollars for a universal decryptor.",
        "About 1,500 businesses were affected downstream of managed service providers.",
    ],
    day=date(2021, 7, 4),
)
PIPELINE = note(
    "Colonial Pipeline shuts down after ransomware attack",
    [
        "Colonial Pipeline, the largest fuel pipeline in the United States, shut its network after a ransomware "
        "attack.",
        "The DarkSide gang is behind the attack on Colonial Pipeline, the FBI said.",
        "Colonial Pipeline paid a ransom of 75 bitcoin.",
    ],
    source="ZDNet",
    day=date(2021, 5, 13),
)
