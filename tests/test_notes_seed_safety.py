"""What counts as a seed: links out of the seeds folder, special files and odd names are skipped
and reported (never read, never a hang, never a failed build), and the rest is indexed."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from bot.notes.loader import load_corpus, read_note
from bot.notes.models import Skipped
from bot.search.library import Library
from seed_notes import note_text

TOKEN = "123456789:AAFakeTokenThatMustNeverBeServed_x1234567"
SECRET_FILE = f"TELEGRAM_BOT_TOKEN={TOKEN}\nWEBHOOK_SECRET=hunter2hunter2\n\nThe TELEGRAM_BOT_TOKEN runbook.\n"
NOTE = note_text("Ransomware hit the water utility", ["The gang encrypted the backups."], source="S", link="l")


def _reasons(seeds: Path) -> dict[str, str]:
    return {s.path: s.reason for s in load_corpus(seeds, workers=1).skipped}


def _load_within(seeds: Path, seconds: float) -> dict[str, str]:
    """The skip reasons, failing (not hanging) when the load does not finish in time."""
    result: list[dict[str, str]] = []
    worker = threading.Thread(target=lambda: result.append(_reasons(seeds)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"loading the seeds did not finish within {seconds} s"
    return result[0]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A readable file outside the seeds holding a fake bot token, like /etc/incident-bot/env."""
    path = tmp_path / "etc" / "env"
    path.parent.mkdir()
    path.write_text(SECRET_FILE)
    return path


def test_a_symlink_to_a_file_outside_the_seeds_is_skipped_and_reported(tmp_path: Path, outside: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "runbook.md").symlink_to(outside)
    (seeds / "note.md").write_text(NOTE)
    assert _reasons(seeds) == {"runbook.md": "a link to outside the seeds folder"}


def test_a_symlinked_secret_is_never_indexed_or_answered(seeds: Path, tmp_path: Path, outside: Path) -> None:
    (seeds / "runbook.md").symlink_to(outside)
    library = Library(seeds, tmp_path / "index")
    report = library.rebuild()
    assert [(s.path, s.reason) for s in report.skipped] == [("runbook.md", "a link to outside the seeds folder")]
    for question in ("TELEGRAM_BOT_TOKEN", "runbook token webhook secret", TOKEN):
        answer = library.engine.ask(question)
        assert all(TOKEN not in hit.passage and "hunter2" not in hit.passage for hit in answer.hits)
    assert all(TOKEN not in p for n in library.engine.catalog.notes for p in n.paragraphs)


def test_a_symlinked_folder_outside_the_seeds_is_skipped_and_reported(tmp_path: Path, outside: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (outside.parent / "runbook.md").write_text(SECRET_FILE)
    (seeds / "etc").symlink_to(outside.parent, target_is_directory=True)
    (seeds / "note.md").write_text(NOTE)
    assert _reasons(seeds) == {"etc": "a link to outside the seeds folder"}


def test_a_symlink_that_climbs_out_through_a_link_inside_is_skipped(tmp_path: Path, outside: Path) -> None:
    seeds = tmp_path / "seeds"
    (seeds / "a").mkdir(parents=True)
    (seeds / "up").symlink_to(tmp_path, target_is_directory=True)  # up/etc/env is outside
    (seeds / "a" / "runbook.md").symlink_to(Path("..") / "up" / "etc" / "env")
    (seeds / "note.md").write_text(NOTE)
    outside_link = "a link to outside the seeds folder"
    assert _reasons(seeds) == {"a/runbook.md": outside_link, "up": outside_link}


def test_symlinks_to_notes_and_folders_inside_the_seeds_are_read(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    (seeds / ".archive" / "2021").mkdir(parents=True)
    (seeds / ".archive" / "2021" / "old.md").write_text(NOTE)
    (seeds / "2021").symlink_to(Path(".archive") / "2021", target_is_directory=True)
    (seeds / "new.md").write_text(NOTE)
    (seeds / "alias.md").symlink_to("new.md")
    corpus = load_corpus(seeds, workers=1)
    assert [n.path for n in corpus.notes] == ["2021/old.md", "alias.md", "new.md"] and not corpus.skipped


def test_a_seeds_folder_reached_through_a_symlink_reads_its_notes(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "note.md").write_text(NOTE)
    (tmp_path / "seeds").symlink_to(tmp_path / "real", target_is_directory=True)
    assert [n.path for n in load_corpus(tmp_path / "seeds", workers=1).notes] == ["note.md"]


def test_a_fifo_in_the_seeds_is_skipped_without_hanging_the_build(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "note.md").write_text(NOTE)
    assert _load_within(tmp_path, 10) == {"pipe.md": "not a regular file"}


def test_a_fifo_reached_directly_is_rejected_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.md")
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(read_note(tmp_path / "pipe.md", "pipe.md")), daemon=True)
    worker.start()
    worker.join(10)
    assert result == [Skipped("pipe.md", "not a regular file")]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_symlink_to_dev_zero_is_skipped_without_reading_it(tmp_path: Path) -> None:
    (tmp_path / "zero.md").symlink_to("/dev/zero")
    (tmp_path / "note.md").write_text(NOTE)
    assert _load_within(tmp_path, 10) == {"zero.md": "a link to outside the seeds folder"}


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_opened_directly_is_rejected_before_any_read() -> None:
    assert read_note("/dev/zero", "zero.md") == Skipped("zero.md", "not a regular file")


def test_a_file_name_that_is_not_utf8_is_skipped_with_the_name_escaped(tmp_path: Path) -> None:
    fd = os.open(os.fsencode(tmp_path) + b"/caf\xe9.md", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, NOTE.encode())
    os.close(fd)
    (tmp_path / "note.md").write_text(NOTE)
    reasons = _reasons(tmp_path)
    assert reasons == {"caf\\xe9.md": "name is not valid UTF-8 (rename it)"}
    assert all(path.encode("utf-8") for path in reasons)


def test_a_file_name_that_is_not_utf8_does_not_fail_the_build(seeds: Path, tmp_path: Path) -> None:
    os.mkdir(os.fsencode(seeds) + b"/d\xe9j\xe0")
    fd = os.open(os.fsencode(seeds) + b"/d\xe9j\xe0/caf\xe9.md", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, NOTE.encode())
    os.close(fd)
    report = Library(seeds, tmp_path / "index").rebuild()
    assert report.notes == 3
    assert [(s.path, s.reason) for s in report.skipped] == [("d\\xe9j\\xe0", "name is not valid UTF-8 (rename it)")]


def test_a_file_name_with_a_line_break_is_skipped_and_reported_on_one_line(tmp_path: Path) -> None:
    (tmp_path / "x\nERROR forged.md").write_text(NOTE)
    (tmp_path / "note.md").write_text(NOTE)
    assert _reasons(tmp_path) == {"x\\nERROR forged.md": "name holds control characters (rename it)"}
