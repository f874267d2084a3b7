"""Small seeds folders in the ``## Information:`` format, for tests that build real indexes fast."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE_NOTE = ROOT / "seeds" / "therecord" / "LINE-accounts-for-more-than-100-Taiwanese-politicians-were-hacked.md"
LINE_LINK = "https://therecord.media/line-accounts-for-more-than-100-taiwanese-politicians-were-hacked/"
PIPELINE_LINK = "https://www.zdnet.com/article/colonial-pipeline-ransomware/"
PHISHING_LINK = "https://www.bleepingcomputer.com/news/security/microsoft-365-phishing/"


def note_text(
    title: str,
    paragraphs: list[str],
    *,
    source: str,
    link: str,
    date: str = "July 28, 2021",
    author: str = "Jane Doe",
    tags: tuple[str, ...] = (),
) -> str:
    """A note exactly as the corpus writes one (Gen A: markdown link, empty subtitle)."""
    body = "\n\n\n".join(paragraphs)
    tag_line = " ".join(f"[[{t}]]" for t in (*tags, source))
    return (
        f"# {title}\n### \n\n## Information:\n+ Source: {source}\n+ Link: [article]({link})\n"
        f"+ Date: {date}\n+ Author: {author}\n\n\n## Article:\n{body}\n\n\n#### Tags:\n{tag_line}\n"
    )


PIPELINE = note_text(
    "Colonial Pipeline paid a ransom to DarkSide",
    [
        "Colonial Pipeline, the largest fuel pipeline in the United States, shut down its network "
        "after a ransomware attack by the DarkSide gang.",
        "The company paid a ransom of 75 bitcoin to get a decryption tool, its chief executive said.",
        "Fuel shortages followed along the East Coast for several days.",
    ],
    source="ZDNet",
    link=PIPELINE_LINK,
    date="May 13, 2021 -- 13:00 GMT (14:00 BST)",
    tags=("ransomware", "DarkSide", "pipeline"),
)

PHISHING = note_text(
    "Microsoft 365 phishing campaign steals credentials",
    [
        "A phishing campaign targets Microsoft 365 users with fake voicemail notifications.",
        "Victims who open the attachment land on a page that harvests their passwords.",
    ],
    source="Bleeping Computer",
    link=PHISHING_LINK,
    date="September 28, 2021",
    tags=("phishing", "ransomware"),
)


def write_seeds(folder: Path) -> Path:
    """Three notes from three sources: the project's LINE note plus two written here."""
    (folder / "therecord").mkdir(parents=True, exist_ok=True)
    (folder / "zdnet").mkdir(exist_ok=True)
    (folder / "bleepingcomputer").mkdir(exist_ok=True)
    shutil.copy2(LINE_NOTE, folder / "therecord" / LINE_NOTE.name)
    (folder / "zdnet" / "Colonial-Pipeline.md").write_text(PIPELINE, "utf-8")
    (folder / "bleepingcomputer" / "Microsoft-365-phishing.md").write_text(PHISHING, "utf-8")
    return folder


def add_solarwinds_note(folder: Path) -> None:
    """A fourth note, for tests of what happens when the seeds change."""
    (folder / "therecord" / "SolarWinds.md").write_text(
        note_text(
            "SolarWinds hackers breached US attorneys' offices",
            ["The SolarWinds hackers had access to email accounts at 27 US Attorney offices."],
            source="The Record",
            link="https://therecord.media/solarwinds-doj/",
        ),
        "utf-8",
    )


def add_pipeline_copy(folder: Path) -> None:
    """A second outlet's copy of the Colonial Pipeline article under another link: nearly the
    same title, its paragraphs edited a little (so no paragraph is the same text)."""
    copy = PIPELINE.replace("ZDNet", "Wire Two").replace(PIPELINE_LINK, "https://wire.example/cp")
    copy = copy.replace("paid a ransom to", "paid ransom to").replace(", the", ", now the")
    (folder / "wire").mkdir(exist_ok=True)
    (folder / "wire" / "Colonial-copy.md").write_text(copy.replace("several days", "a week"), "utf-8")
