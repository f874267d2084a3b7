"""The index in service: built when missing or stale, rebuilt whole, and never lost to a failed build."""

from __future__ import annotations

import shutil
import threading

import pytest

from bot.search import library as library_module
from bot.search.library import BuildFailed, Library, RebuildInProgress
from bot.search.store import current_build
from seed_notes import LINE_LINK, add_solarwinds_note

QUESTION = "who was affected in the Taiwan LINE hack?"


@pytest.fixture
def opened(seeds, tmp_path) -> Library:
    library = Library(seeds, tmp_path / "index")
    library.open()
    return library


def _answers(library: Library) -> list[tuple[str, str, float]]:
    return [(h.note.link, h.passage, h.score) for h in library.engine.ask(QUESTION, top=5).hits]


def test_open_builds_the_index_when_none_exists(seeds, tmp_path):
    library = Library(seeds, tmp_path / "index")
    engine = library.open()
    assert engine.info.notes == 3
    assert engine.ask(QUESTION).hits[0].note.link == LINE_LINK
    assert (tmp_path / "index" / "current").is_symlink()


def test_open_loads_an_up_to_date_index_without_building(opened, monkeypatch):
    def no_build(*args, **kwargs):
        raise AssertionError("an up-to-date index must not be rebuilt")

    monkeypatch.setattr(library_module, "build_index", no_build)
    again = Library(opened.seeds_dir, opened.index_dir)
    again.open()
    assert _answers(again) == _answers(opened)


def test_open_rebuilds_when_a_note_was_added_to_the_seeds(opened):
    add_solarwinds_note(opened.seeds_dir)
    restarted = Library(opened.seeds_dir, opened.index_dir)
    assert restarted.is_stale()
    engine = restarted.open()
    assert engine.info.notes == 4
    assert engine.ask("SolarWinds attorney offices").hits[0].note.link == "https://therecord.media/solarwinds-doj/"
    assert not restarted.is_stale()


def test_a_rebuild_after_the_seeds_folder_was_deleted_fails_and_the_old_answers_stay(opened):
    before = _answers(opened)
    shutil.rmtree(opened.seeds_dir)
    with pytest.raises(BuildFailed, match="does not exist"):
        opened.rebuild()
    assert _answers(opened) == before
    restarted = Library(opened.seeds_dir, opened.index_dir)
    restarted.open()  # a restart without seeds serves the index it finds
    assert _answers(restarted) == before


def test_a_rebuild_with_every_note_broken_fails_and_the_old_answers_stay(opened):
    before = _answers(opened)
    for note in opened.seeds_dir.rglob("*.md"):
        note.write_bytes(b"\x00\x01binary")
    with pytest.raises(BuildFailed, match="no notes"):
        opened.rebuild()
    assert _answers(opened) == before
    assert not opened.rebuilding


def test_an_unexpected_error_while_building_is_build_failed_and_the_old_answers_stay(opened, monkeypatch):
    before = _answers(opened)

    def broken_build(*args, **kwargs):
        raise ValueError("matrix too large")

    monkeypatch.setattr(library_module, "build_index", broken_build)
    with pytest.raises(BuildFailed, match="matrix too large"):
        opened.rebuild()
    assert _answers(opened) == before
    assert not opened.rebuilding


def test_open_keeps_serving_a_stale_index_when_its_rebuild_fails(opened):
    """A restart after someone broke every note still answers from the last good index."""
    before = _answers(opened)
    for note in opened.seeds_dir.rglob("*.md"):
        note.write_text("", "utf-8")
    restarted = Library(opened.seeds_dir, opened.index_dir)
    assert restarted.is_stale()
    restarted.open()
    assert _answers(restarted) == before


def test_a_second_rebuild_while_one_runs_is_rebuild_in_progress(opened, monkeypatch):
    started, release = threading.Event(), threading.Event()
    real_build = library_module.build_index

    def slow_build(*args, **kwargs):
        started.set()
        assert release.wait(10)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(library_module, "build_index", slow_build)
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(opened.rebuild()))
    worker.start()
    try:
        assert started.wait(10)
        assert opened.rebuilding
        with pytest.raises(RebuildInProgress):
            opened.rebuild()
        assert opened.engine.ask(QUESTION).hits[0].note.link == LINE_LINK  # still serving meanwhile
    finally:
        release.set()
        worker.join(10)
    assert outcome and outcome[0].notes == 3
    assert not opened.rebuilding


def test_open_rebuilds_a_corrupt_index(opened):
    before = _answers(opened)
    broken = current_build(opened.index_dir)
    array = broken / "passage_weights.npy"
    array.write_bytes(array.read_bytes()[:100])
    restarted = Library(opened.seeds_dir, opened.index_dir)
    restarted.open()
    assert current_build(opened.index_dir) != broken
    assert _answers(restarted) == before


def test_a_rebuild_report_counts_notes_passages_and_skipped_files(opened):
    (opened.seeds_dir / "broken.md").write_bytes(b"\x00\x00")
    report = opened.rebuild()
    assert (report.notes, len(report.skipped)) == (3, 1)
    assert report.skipped[0].path == "broken.md" and report.skipped[0].reason == "binary file"
    assert report.passages == opened.engine.info.passages
    assert report.seconds >= 0
