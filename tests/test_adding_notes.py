"""Adding notes by hand (`incident-bot add FILE...`): checked like any seed, saved under
SEEDS_DIR/added/ with a safe name, indexed by one incremental rebuild, and each file's line says
what happened to it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.chat.cli import main
from bot.notes.intake import add_note, safe_file_name
from seed_notes import note_text, write_seeds

WIPER = note_text(
    "Wiper malware hits Ukrainian banks",
    ["A destructive wiper called HermeticWiper erased the disks of several Ukrainian banks."],
    source="The Record",
    link="https://therecord.media/hermeticwiper/",
    tags=("wiper",),
)
FRONTMATTER = (
    "---\ntitle: Okta breach postmortem\nurl: https://example.org/okta\ndate: 2022-03-22\nsource: Okta\n---\n\n"
    "The Lapsus$ group reached a support engineer's laptop through a subprocessor.\n"
)


@pytest.fixture
def seeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("SEEDS_DIR", "INDEX_DIR", "DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    folder = write_seeds(tmp_path / "seeds")
    assert main(["--seeds", str(folder), "--index", str(tmp_path / "index"), "index", "build"]) == 0
    return folder


def add(capsys: pytest.CaptureFixture[str], seeds: Path, *files: Path) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["--seeds", str(seeds), "--index", str(seeds.parent / "index"), "add", *map(str, files)])
    return code, capsys.readouterr().out.splitlines()


def ask_links(capsys: pytest.CaptureFixture[str], seeds: Path, question: str) -> list[str]:
    capsys.readouterr()
    main(["--seeds", str(seeds), "--index", str(seeds.parent / "index"), "ask", "--json", question])
    return [hit["link"] for hit in json.loads(capsys.readouterr().out)["hits"]]


def test_an_added_note_is_saved_under_added_and_answers_at_once(seeds: Path, tmp_path: Path, capsys) -> None:
    sent = tmp_path / "HermeticWiper.md"
    sent.write_text(WIPER, "utf-8")
    code, lines = add(capsys, seeds, sent)
    assert code == 0
    assert lines[0] == "HermeticWiper.md: added “Wiper malware hits Ukrainian banks” as added/HermeticWiper.md"
    assert lines[-1].startswith("Index rebuilt: 4 notes")
    assert (seeds / "added" / "HermeticWiper.md").read_text("utf-8") == WIPER
    assert ask_links(capsys, seeds, "wiper Ukrainian banks")[0] == "https://therecord.media/hermeticwiper/"


def test_both_note_formats_are_accepted_several_at_once(seeds: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "a.md").write_text(WIPER, "utf-8")
    (tmp_path / "b.md").write_text(FRONTMATTER, "utf-8")
    code, lines = add(capsys, seeds, tmp_path / "a.md", tmp_path / "b.md")
    assert code == 0 and len(lines) == 3 and "5 notes" in lines[-1]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
        ("caf\u00e9 wiper".encode("latin-1"), "not valid UTF-8"),
        (b"   \n", "empty file"),
        (b"# Just a heading\n\nSome plain markdown text that is no note.\n", "neither an ## Information: note"),
        (b"# Title\n\n## Information:\n+ Source: X\n\n## Article:\n\n#### Tags:\n", "no article text"),
        (b"---\ntitle: [unclosed\n---\nbody text\n", "broken YAML"),
    ],
    ids=["binary", "latin-1", "empty", "plain-markdown", "no-article", "bad-yaml"],
)
def test_a_file_that_is_no_usable_note_is_refused_with_the_reason(seeds, tmp_path, capsys, content, reason) -> None:
    (tmp_path / "bad.md").write_bytes(content)
    code, lines = add(capsys, seeds, tmp_path / "bad.md")
    assert code == 1 and lines == [f"bad.md: not added: {lines[0].split('not added: ')[1]}"]
    assert reason in lines[0]
    assert not (seeds / "added").exists() or not any((seeds / "added").iterdir())


def test_a_file_over_the_size_limit_is_refused(seeds: Path, tmp_path: Path, capsys) -> None:
    big = tmp_path / "big.md"
    big.write_text(WIPER + "x" * (5 * 1024 * 1024), "utf-8")
    code, lines = add(capsys, seeds, big)
    assert code == 1 and "too large" in lines[0]


def test_a_file_that_is_not_markdown_is_refused(seeds: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "wiper.txt").write_text(WIPER, "utf-8")
    code, lines = add(capsys, seeds, tmp_path / "wiper.txt")
    assert code == 1 and lines == ["wiper.txt: not added: not a .md file"]


def test_the_same_file_again_changes_nothing_and_does_not_rebuild(seeds: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "w.md").write_text(WIPER, "utf-8")
    add(capsys, seeds, tmp_path / "w.md")
    code, lines = add(capsys, seeds, tmp_path / "w.md")
    assert code == 0 and lines == ["w.md: already in the notes as added/w.md, unchanged"]


def test_a_new_version_of_the_same_article_replaces_the_old_and_says_so(seeds, tmp_path, capsys) -> None:
    (tmp_path / "w.md").write_text(WIPER, "utf-8")
    add(capsys, seeds, tmp_path / "w.md")
    (tmp_path / "w.md").write_text(WIPER.replace("several Ukrainian banks", "five Ukrainian banks"), "utf-8")
    code, lines = add(capsys, seeds, tmp_path / "w.md")
    assert code == 0 and "replaced the earlier version" in lines[0]
    assert "five Ukrainian banks" in (seeds / "added" / "w.md").read_text("utf-8")
    assert sorted(p.name for p in (seeds / "added").iterdir()) == ["w.md"]


def test_a_different_note_with_a_taken_name_gets_the_next_free_name(seeds, tmp_path, capsys) -> None:
    (tmp_path / "note.md").write_text(WIPER, "utf-8")
    add(capsys, seeds, tmp_path / "note.md")
    other = tmp_path / "other"
    other.mkdir()
    (other / "note.md").write_text(FRONTMATTER, "utf-8")
    code, lines = add(capsys, seeds, other / "note.md")
    assert code == 0
    assert lines[0] == (
        "note.md: added “Okta breach postmortem” as added/note-2.md (added/note.md holds a different note)"
    )
    assert (seeds / "added" / "note.md").read_text("utf-8") == WIPER


@pytest.mark.parametrize(
    ("given", "saved"),
    [
        ("../../etc/passwd.md", "passwd.md"),
        ("..\\..\\windows\\evil.md", "evil.md"),
        (".hidden.md", "hidden.md"),
        ("Ransomware & Co: the ‘REvil’ story.md", "Ransomware-Co-the-REvil-story.md"),
        ("日本語.md", "note.md"),
        ("x" * 300 + ".md", "x" * 100 + ".md"),
    ],
)
def test_a_sent_file_name_becomes_one_safe_name_inside_added(given: str, saved: str) -> None:
    assert safe_file_name(given) == saved


def test_a_hostile_name_never_writes_outside_the_seeds(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path / "seeds")
    result = add_note(seeds, "../../../outside.md", WIPER.encode())
    assert result.path == "added/outside.md"  # type: ignore[union-attr]
    assert not (tmp_path / "outside.md").exists()
    assert sorted(os.listdir(seeds / "added")) == ["outside.md"]  # no temporary file left either


def test_an_added_folder_linked_outside_the_seeds_is_refused(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path / "seeds")
    (tmp_path / "elsewhere").mkdir()
    (seeds / "added").symlink_to(tmp_path / "elsewhere")
    result = add_note(seeds, "w.md", WIPER.encode())
    assert "link to outside" in result.describe()
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_a_missing_file_is_reported_and_the_others_still_added(seeds: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "w.md").write_text(WIPER, "utf-8")
    code, lines = add(capsys, seeds, tmp_path / "nope.md", tmp_path / "w.md")
    assert code == 1
    assert lines[0].endswith("nope.md: not added: No such file or directory") and "added “Wiper" in lines[1]
